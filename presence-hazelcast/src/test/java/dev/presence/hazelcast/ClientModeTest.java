package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.presence.ChannelId;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.Registration;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Client-mode nodes share hook ownership and detect each other's loss through the registry. */
class ClientModeTest {

  private static String clusterName;
  private static int port;
  private static HazelcastInstance member;

  @BeforeAll
  static void startMember() {
    clusterName = TestCluster.uniqueName("presence-clients");
    port = TestCluster.freePort();
    member = TestCluster.member(clusterName, port, List.of("127.0.0.1:" + port));
  }

  @AfterAll
  static void stopMember() {
    member.getLifecycleService().terminate();
  }

  private static PresenceBackend client() {
    return new HazelcastPresenceBackendProvider()
        .create(
            TestCluster.client(clusterName, port)
                .with(HazelcastConfigKeys.NAME_PREFIX, "clients")
                .with(HazelcastConfigKeys.NODE_TTL, "3s"));
  }

  @Test
  @DisplayName("two client nodes split hook ownership; the crash of one is reported to the other")
  void ownershipAndLoss() {
    PresenceBackend first = client();
    PresenceBackend second = client();
    CopyOnWriteArrayList<String> lost = new CopyOnWriteArrayList<>();
    Registration registration = first.addClusterListener(lost::add);
    try {
      List<ChannelId> channels =
          IntStream.range(0, 100).mapToObj(i -> ChannelId.of("room-" + i)).toList();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(channels)
                      .allSatisfy(
                          c ->
                              assertThat(first.eventBus().isHookOwner(c))
                                  .as("owner of %s is the first xor the second", c)
                                  .isNotEqualTo(second.eventBus().isHookOwner(c))));
      assertThat(channels.stream().filter(c -> first.eventBus().isHookOwner(c)).count())
          .isBetween(1L, 99L);

      second.unwrap(HazelcastInstance.class).getLifecycleService().terminate();

      await().atMost(Duration.ofSeconds(20)).until(() -> lost.contains(second.nodeId()));
      assertThat(lost).doesNotContain(first.nodeId());
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(channels).allSatisfy(c -> first.eventBus().isHookOwner(c)));
    } finally {
      registration.close();
      first.close();
      second.close();
    }
  }
}
