package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A container's lite member (Payara Micro {@code --lite}) is promoted to a data member by the
 * backend at its first sweep ({@link HazelcastConfigKeys#PROMOTE_LITE_MEMBER}), unless that is
 * switched off; either way the store works throughout.
 */
@DisplayName("Lite member promotion")
class LiteMemberTest {

  private HazelcastInstance data;
  private HazelcastInstance lite;
  private PresenceBackend backend;

  private void startCluster() {
    String cluster = TestCluster.uniqueName("lite-test");
    int dataPort = TestCluster.freePort();
    int litePort = TestCluster.freePort();
    List<String> members = List.of("127.0.0.1:" + dataPort, "127.0.0.1:" + litePort);
    data = Hazelcast.newHazelcastInstance(TestCluster.memberConfig(cluster, dataPort, members));
    Config liteConfig = TestCluster.memberConfig(cluster, litePort, members).setLiteMember(true);
    lite = Hazelcast.newHazelcastInstance(liteConfig);
  }

  @AfterEach
  void stop() {
    if (backend != null) {
      backend.close();
    }
    for (HazelcastInstance hz : new HazelcastInstance[] {lite, data}) {
      if (hz != null) {
        hz.getLifecycleService().terminate();
      }
    }
  }

  private PresenceBackend containerBackend(String promote) {
    TestCluster.Context context =
        new TestCluster.Context(lite).with(HazelcastConfigKeys.MODE, "container");
    if (promote != null) {
      context.with(HazelcastConfigKeys.PROMOTE_LITE_MEMBER, promote);
    }
    return new HazelcastPresenceBackendProvider().create(context);
  }

  @Test
  @DisplayName("the lite member serves at once and is promoted at the first sweep")
  void promotedAtFirstSweep() {
    startCluster();
    backend = containerBackend(null);
    assertThat(lite.getCluster().getLocalMember().isLiteMember()).as("before a sweep").isTrue();
    ChannelId room = ChannelId.of("room");
    Instant now = Instant.now();
    backend
        .store()
        .join(
            room,
            UserId.of("alice"),
            SessionLease.nodeBound(SessionId.of("s1"), backend.nodeId()),
            100,
            now);
    assertThat(backend.eventBus().isHookOwner(room))
        .as("a lite member runs no hook: the data member owning the channel does")
        .isFalse();

    backend.store().expire(now, Duration.ofSeconds(5));
    assertThat(lite.getCluster().getLocalMember().isLiteMember()).as("after a sweep").isFalse();
    assertThat(backend.store().occupancy(room).occupancy()).isEqualTo(1);
    await("promoted member owns some partitions")
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                java.util.stream.IntStream.range(0, 200)
                    .anyMatch(i -> backend.eventBus().isHookOwner(ChannelId.of("c" + i))));
    backend.store().expire(now, Duration.ofSeconds(5)); // promoted already: nothing more
    assertThat(backend.store().occupancy(room).occupancy()).isEqualTo(1);
  }

  @Test
  @DisplayName("with promote-lite-member=false the member stays lite")
  void optOut() {
    startCluster();
    backend = containerBackend("false");
    backend.store().expire(Instant.now(), Duration.ofSeconds(5));
    assertThat(lite.getCluster().getLocalMember().isLiteMember()).isTrue();
  }

  @Test
  @DisplayName(
      "closing the backend leaves the container's member running (the JVM is not stopping)")
  void closeKeepsTheContainersMember() {
    startCluster();
    backend = containerBackend(null);
    backend.store().expire(Instant.now(), Duration.ofSeconds(5));
    backend.close();
    backend = null;
    assertThat(lite.getLifecycleService().isRunning()).isTrue();
  }
}
