package dev.presence.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A backend that cannot start fails with a message that names the key to fix. */
class RedisConfigurationTest {

  private static RedisServer.Context context(String uri) {
    return new RedisServer.Context(uri, "config:");
  }

  @Test
  @DisplayName("a Redis that cannot be reached fails creation, naming presence.redis.uri")
  void unreachable() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      closedPort = socket.getLocalPort();
    }
    String uri = "redis://127.0.0.1:" + closedPort;

    assertThatThrownBy(() -> new RedisPresenceBackendProvider().create(context(uri)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RedisConfigKeys.URI)
        .hasMessageContaining(Integer.toString(closedPort));
  }

  @Test
  @DisplayName("wrong values fail creation, naming their key")
  void wrongValues() {
    RedisPresenceBackendProvider provider = new RedisPresenceBackendProvider();

    assertThatThrownBy(() -> provider.create(context("http://nowhere")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RedisConfigKeys.URI);
    assertThatThrownBy(
            () ->
                provider.create(
                    context("redis://127.0.0.1:1")
                        .with(RedisConfigKeys.HEARTBEAT, "1s")
                        .with(RedisConfigKeys.NODE_TTL, "1500ms")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RedisConfigKeys.NODE_TTL)
        .hasMessageContaining(RedisConfigKeys.HEARTBEAT);
    assertThatThrownBy(
            () ->
                provider.create(
                    context("redis://127.0.0.1:1").with(RedisConfigKeys.TIMEOUT, "soon")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(RedisConfigKeys.TIMEOUT);
  }
}
