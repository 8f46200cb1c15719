package dev.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.redis.internal.RedisPresenceBackend;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Redis killed (SIGKILL) and started again on the same port without its data, under two nodes: both
 * reconnect by themselves, report {@link ClusterListener#merged()} (their registry entries are
 * gone, so their engines re-assert their sessions), and events and state flow again.
 */
class RedisRestartTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  @Test
  @DisplayName("after Redis restarts empty, both nodes come back, report merged(), and work again")
  void restartWithoutData() {
    try (RedisServer server = RedisServer.start()) {
      RedisServer.Context context = server.context();
      try (RedisPresenceBackend a = server.backend(context);
          RedisPresenceBackend b = server.backend(context)) {
        AtomicInteger mergesA = new AtomicInteger();
        AtomicInteger mergesB = new AtomicInteger();
        a.addClusterListener(merges(mergesA));
        b.addClusterListener(merges(mergesB));
        CopyOnWriteArrayList<PresenceEvent> onB = new CopyOnWriteArrayList<>();
        b.eventBus().subscribe(onB::addAll);
        ChannelId channel = ChannelId.of("restart");
        a.store()
            .join(
                channel,
                UserId.of("before"),
                SessionLease.nodeBound(SessionId.of("s0"), a.nodeId()),
                10,
                NOW);

        server.kill();
        await().atMost(Duration.ofSeconds(30)).until(() -> !a.isAvailable() && !b.isAvailable());
        server.restart();

        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () -> {
                  assertThat(a.isAvailable()).isTrue();
                  assertThat(b.isAvailable()).isTrue();
                  assertThat(mergesA).hasPositiveValue();
                  assertThat(mergesB).hasPositiveValue();
                });
        assertThat(a.store().occupancy(channel).occupancy()).as("the data is gone").isZero();
        AtomicLong seq = new AtomicLong();
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptionsInstanceOf(UnavailableException.class)
            .untilAsserted(
                () -> {
                  // Published until the resubscribed connection of B delivers one.
                  a.eventBus().publish(List.of(joined(channel, seq.incrementAndGet())));
                  assertThat(onB).extracting(PresenceEvent::channel).contains(channel);
                });
        assertThat(
                b.store()
                    .join(
                        channel,
                        UserId.of("after"),
                        SessionLease.nodeBound(SessionId.of("s1"), b.nodeId()),
                        10,
                        NOW))
            .map(PresenceEvent::seq)
            .contains(1L);
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(a.eventBus().isHookOwner(channel))
                        .isNotEqualTo(b.eventBus().isHookOwner(channel)));
      }
    }
  }

  private static PresenceEvent joined(ChannelId channel, long seq) {
    return PresenceEvent.of(
        EventKind.JOIN, channel, UserId.of("u" + seq), Attributes.EMPTY, 1, seq, NOW);
  }

  private static ClusterListener merges(AtomicInteger count) {
    return new ClusterListener() {
      @Override
      public void nodeLost(String nodeId) {}

      @Override
      public void merged() {
        count.incrementAndGet();
      }
    };
  }
}
