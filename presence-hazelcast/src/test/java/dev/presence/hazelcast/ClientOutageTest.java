package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A client-mode node and the cluster it connects to: {@value HazelcastConfigKeys#CONNECT_TIMEOUT}
 * bounds the wait at start only; a cluster that goes away later is waited for as long as it takes.
 */
class ClientOutageTest {

  private static final String CONNECT_TIMEOUT = "2s";

  private static PresenceBackend client(String clusterName, int port) {
    return new HazelcastPresenceBackendProvider()
        .create(
            TestCluster.client(clusterName, port)
                .with(HazelcastConfigKeys.CONNECT_TIMEOUT, CONNECT_TIMEOUT));
  }

  @Test
  @DisplayName(
      "a cluster outage longer than the connect timeout leaves the client unavailable but not"
          + " failed, and it works again once the cluster is back")
  void survivesAnOutageLongerThanTheConnectTimeout() {
    String clusterName = TestCluster.uniqueName("presence-outage");
    int port = TestCluster.freePort();
    List<String> members = List.of("127.0.0.1:" + port);
    HazelcastInstance member = TestCluster.member(clusterName, port, members);
    PresenceBackend client = client(clusterName, port);
    HazelcastInstance back = null;
    try {
      assertThat(client.isAvailable()).isTrue();

      member.getLifecycleService().terminate();
      await().atMost(Duration.ofSeconds(20)).until(() -> !client.isAvailable());
      // Twice the connect timeout without a cluster: still reconnecting, not given up.
      await()
          .during(Duration.ofSeconds(4))
          .atMost(Duration.ofSeconds(6))
          .until(() -> !client.isFailed() && !client.isAvailable());

      back = TestCluster.member(clusterName, port, members);
      await().atMost(Duration.ofSeconds(60)).until(client::isAvailable);
      ChannelId channel = ChannelId.of(TestCluster.uniqueName("after-outage"));
      Instant now = Instant.parse("2030-01-01T00:00:00Z");
      assertThat(
              client
                  .store()
                  .join(
                      channel,
                      UserId.of("alice"),
                      SessionLease.nodeBound(SessionId.of("s1"), client.nodeId()),
                      100,
                      now))
          .isPresent();
    } finally {
      client.close();
      if (back != null) {
        back.getLifecycleService().terminate();
      }
    }
  }

  @Test
  @DisplayName("without a cluster at start the client gives up after the connect timeout")
  void startGivesUpAfterTheConnectTimeout() {
    String clusterName = TestCluster.uniqueName("presence-nobody");
    int port = TestCluster.freePort();
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> client(clusterName, port))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(HazelcastConfigKeys.MEMBERS);
    assertThat(Duration.ofNanos(System.nanoTime() - t0))
        .as("waited about the connect timeout (2 s), not forever")
        .isBetween(Duration.ofMillis(1500), Duration.ofSeconds(30));
  }
}
