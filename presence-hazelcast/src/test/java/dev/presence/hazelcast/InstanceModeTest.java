package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.core.HazelcastInstance;
import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.spi.Capability;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.SessionLease;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How the backend finds its Hazelcast instance, and what it shuts down. */
class InstanceModeTest {

  private static String clusterName;
  private static int port;
  private static HazelcastInstance given;

  private static PresenceBackend create(TestCluster.Context context) {
    return new HazelcastPresenceBackendProvider().create(context);
  }

  @BeforeAll
  static void startGivenMember() {
    clusterName = TestCluster.uniqueName("presence-modes");
    port = TestCluster.freePort();
    given = TestCluster.member(clusterName, port, List.of("127.0.0.1:" + port));
  }

  @AfterAll
  static void stopGivenMember() {
    given.getLifecycleService().terminate();
  }

  @Test
  @DisplayName("container mode uses the container's instance, and close() leaves it running")
  void containerModeUsesGivenInstance() {
    PresenceBackend backend =
        create(new TestCluster.Context(given).with(HazelcastConfigKeys.MODE, "container"));

    assertThat(backend.unwrap(HazelcastInstance.class)).isSameAs(given);
    assertThat(backend.nodeId())
        .isEqualTo(given.getCluster().getLocalMember().getUuid().toString());
    assertThat(backend.capabilities())
        .containsExactlyInAnyOrder(
            Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION, Capability.ADMINISTRATION);
    backend.close();

    assertThat(given.getLifecycleService().isRunning()).isTrue();
    assertThat(backend.isAvailable()).isFalse();
  }

  @Test
  @DisplayName("auto mode prefers the container's instance")
  void autoModePrefersContainer() {
    try (PresenceBackend backend = create(new TestCluster.Context(given))) {
      assertThat(backend.unwrap(HazelcastInstance.class)).isSameAs(given);
    }
    assertThat(given.getLifecycleService().isRunning()).isTrue();
  }

  @Test
  @DisplayName("container mode without a container instance fails, naming the key to change")
  void containerModeWithoutInstanceFails() {
    assertThatThrownBy(
            () -> create(new TestCluster.Context(null).with(HazelcastConfigKeys.MODE, "container")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(HazelcastConfigKeys.MODE)
        .hasMessageContaining("payara/Hazelcast");
  }

  @Test
  @DisplayName("an unknown mode fails, naming the allowed values")
  void unknownModeFails() {
    assertThatThrownBy(
            () -> create(new TestCluster.Context(null).with(HazelcastConfigKeys.MODE, "cloud")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("auto, container, embedded or client");
  }

  @Test
  @DisplayName("auto mode without a container starts an embedded member, and close() stops it")
  void autoModeFallsBackToEmbedded() {
    TestCluster.Context context = TestCluster.embedded().with(HazelcastConfigKeys.MODE, "auto");
    PresenceBackend backend = create(context);
    HazelcastInstance own = backend.unwrap(HazelcastInstance.class);

    assertThat(own).isNotSameAs(given);
    assertThat(own.getConfig().getClusterName())
        .isEqualTo(context.config(HazelcastConfigKeys.CLUSTER_NAME).orElseThrow());
    assertThat(own.getConfig().getNetworkConfig().getJoin().getMulticastConfig().isEnabled())
        .isFalse();
    assertThat(own.getConfig().getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(own.getCluster().getLocalMember().getAddress().getHost()).isEqualTo("127.0.0.1");
    assertThat(backend.isAvailable()).isTrue();
    backend.close();

    assertThat(own.getLifecycleService().isRunning()).isFalse();
  }

  @Test
  @DisplayName("an embedded member joins the configured members")
  void embeddedJoinsMembers() {
    TestCluster.Context context =
        new TestCluster.Context(null)
            .with(HazelcastConfigKeys.MODE, "embedded")
            .with(HazelcastConfigKeys.CLUSTER_NAME, clusterName)
            .with(HazelcastConfigKeys.MEMBERS, "127.0.0.1:" + port)
            .with(HazelcastConfigKeys.PORT, Integer.toString(TestCluster.freePort()));
    try (PresenceBackend backend = create(context)) {
      assertThat(backend.unwrap(HazelcastInstance.class).getCluster().getMembers()).hasSize(2);
      assertThat(given.getCluster().getMembers()).hasSize(2);
    }
    assertThat(given.getLifecycleService().isRunning()).isTrue();
  }

  @Test
  @DisplayName("client mode connects a client that shares the members' state; close() ends it")
  void clientMode() {
    TestCluster.Context context = TestCluster.client(clusterName, port);
    ChannelId channel = ChannelId.of(TestCluster.uniqueName("client-channel"));
    UserId user = UserId.of("alice");
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    PresenceBackend client = create(context);
    HazelcastInstance clientInstance = client.unwrap(HazelcastInstance.class);
    try (PresenceBackend member =
        create(new TestCluster.Context(given).with(HazelcastConfigKeys.MODE, "container"))) {
      assertThat(client.capabilities())
          .containsExactlyInAnyOrder(
              Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION, Capability.ADMINISTRATION);
      assertThat(client.nodeId()).isNotEqualTo(member.nodeId());
      assertThat(client.isAvailable()).isTrue();

      SessionLease session = SessionLease.leaseBound(SessionId.of("rest-1"), now.plusSeconds(60));
      assertThat(client.store().join(channel, user, session, 10, now)).isPresent();
      assertThat(member.store().occupancy(channel).occupancy()).isEqualTo(1);
      assertThat(client.store().channelsOf(user)).contains(channel);
      assertThat(client.store().expire(now.plusSeconds(61), java.time.Duration.ZERO))
          .filteredOn(e -> e.channel().equals(channel))
          .hasSize(1);
      assertThat(client.eventBus().isHookOwner(channel)).isTrue();
    } finally {
      client.close();
    }
    assertThat(clientInstance.getLifecycleService().isRunning()).isFalse();
    assertThat(given.getLifecycleService().isRunning()).isTrue();
  }
}
