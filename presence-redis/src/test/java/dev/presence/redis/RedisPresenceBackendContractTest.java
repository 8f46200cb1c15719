package dev.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.spi.Capability;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;
import dev.presence.spi.tck.PresenceBackendContract;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The backend contract; every backend is a node of its own on one redis-server of this class. */
class RedisPresenceBackendContractTest extends PresenceBackendContract {

  private static RedisServer server;

  @BeforeAll
  static void startServer() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected PresenceBackendProvider provider() {
    return new RedisPresenceBackendProvider();
  }

  @Override
  protected PresenceBackend createBackend() {
    return server.backend(server.context());
  }

  @Test
  @DisplayName("the provider is named redis with priority 50; clustered with node loss detection")
  void nameAndCapabilities() {
    try (PresenceBackend backend = createBackend()) {
      assertThat(provider().name()).isEqualTo("redis");
      assertThat(provider().priority()).isEqualTo(50);
      assertThat(backend.capabilities())
          .containsExactlyInAnyOrder(
              Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION, Capability.ADMINISTRATION);
      assertThat(backend.unwrap(RedisClient.class)).isNotNull();
      assertThat(backend.nodeId()).startsWith("redis-");
    }
  }
}
