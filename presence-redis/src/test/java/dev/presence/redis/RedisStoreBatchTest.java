package dev.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Sweeps and node releases run in batches of scripts (200 channels or sessions each); one call
 * still ends everything, and a sweep with nothing due ends nothing.
 */
class RedisStoreBatchTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final UserId USER = UserId.of("alice");

  private static RedisServer server;
  private static PresenceBackend backend;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
    backend = server.backend(server.context());
  }

  @AfterAll
  static void stop() {
    backend.close();
    server.close();
  }

  @Test
  @DisplayName("one sweep ends 450 channels' expired leases; the next finds nothing")
  void sweepOfManyChannels() {
    PresenceStore store = backend.store();
    for (int i = 0; i < 450; i++) {
      store.join(
          ChannelId.of("sweep" + i),
          USER,
          SessionLease.leaseBound(SessionId.of("rest-" + i), NOW.plusSeconds(60 + i % 7)),
          10,
          NOW);
    }

    assertThat(store.expire(NOW.plusSeconds(59), Duration.ofSeconds(5))).isEmpty();
    List<PresenceEvent> ended = store.expire(NOW.plusSeconds(100), Duration.ofSeconds(5));

    assertThat(ended).hasSize(450).extracting(PresenceEvent::kind).containsOnly(EventKind.TIMEOUT);
    assertThat(ended).extracting(PresenceEvent::channel).doesNotHaveDuplicates();
    assertThat(store.channelsOf(USER)).isEmpty();
    assertThat(store.expire(NOW.plusSeconds(200), Duration.ofSeconds(5))).isEmpty();
  }

  @Test
  @DisplayName("one releaseNode ends 450 sessions of the lost node in 150 channels")
  void releaseOfABigNode() {
    PresenceStore store = backend.store();
    for (int c = 0; c < 150; c++) {
      for (int u = 0; u < 3; u++) {
        store.join(
            ChannelId.of("node" + c),
            UserId.of("user" + u),
            SessionLease.nodeBound(SessionId.of("s" + c + "-" + u), "big-node"),
            10,
            NOW);
      }
    }

    List<PresenceEvent> ended = store.releaseNode("big-node", NOW, NOW);

    assertThat(ended).hasSize(450).extracting(PresenceEvent::kind).containsOnly(EventKind.TIMEOUT);
    assertThat(store.channelsOf(UserId.of("user0"))).isEmpty();
    assertThat(store.releaseNode("big-node", NOW, NOW)).isEmpty();
  }
}
