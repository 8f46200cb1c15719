package dev.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.redis.internal.RedisPresenceBackend;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A node that starts while Redis cannot serve it yet keeps trying for the startup window (10 s, or
 * {@code presence.redis.timeout} if longer) instead of failing its deployment. Found on two Payara
 * Micro nodes with {@code presence.redis.timeout=1s} (RedisClusterIT): the first connection of a
 * fresh JVM, made while Netty's and Lettuce's classes were still loading on a busy machine, took
 * longer than the timeout ("Connection initialization timed out after 1 second(s)") and the WAR
 * failed to deploy. The same start failed at once when Redis came up a moment after the node.
 */
class RedisStartupTest {

  @Test
  @DisplayName("a node started before Redis connects once Redis is up")
  void redisStartsAfterTheNode() {
    ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();
    try (RedisServer server = RedisServer.start()) {
      RedisServer.Context context = server.context().with(RedisConfigKeys.TIMEOUT, "1s");
      // Netty and Lettuce loaded first: else loading them alone may outlast the outage.
      server.backend(server.context()).close();
      server.kill();
      long down = System.nanoTime();
      later.schedule(server::restart, 2, TimeUnit.SECONDS);
      try (RedisPresenceBackend backend = server.backend(context)) {
        assertThat(Duration.ofNanos(System.nanoTime() - down))
            .as("the start waited for Redis")
            .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(backend.isAvailable()).isTrue();
        assertThat(backend.store().channelsOf(dev.presence.UserId.of("nobody"))).isEmpty();
      }
    } finally {
      later.shutdownNow();
    }
  }
}
