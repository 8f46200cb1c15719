package dev.presence.web.rest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ChannelUsersCacheTest {

  static final ChannelId A = ChannelId.of("a");
  static final ChannelId B = ChannelId.of("b");

  final AtomicLong now = new AtomicLong(1_000);

  @Test
  void servesAnEntryUntilItsTtlEnds() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10);
    cache.put(A, 1000, null, true, "body");
    assertThat(cache.get(A, 1000, null, true)).contains("body");
    now.addAndGet(Duration.ofMillis(2999).toNanos());
    assertThat(cache.get(A, 1000, null, true)).contains("body");
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(cache.get(A, 1000, null, true)).isEmpty();
  }

  @Test
  void keysIncludeLimitCursorAndAttributes() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10);
    cache.put(A, 1000, null, true, "all");
    cache.put(A, 10, "u5", false, "page");
    assertThat(cache.get(A, 1000, null, false)).isEmpty();
    assertThat(cache.get(A, 10, null, false)).isEmpty();
    assertThat(cache.get(A, 10, "u5", false)).contains("page");
    assertThat(cache.get(B, 1000, null, true)).isEmpty();
  }

  @Test
  void invalidateDropsOneChannel() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10);
    cache.put(A, 1000, null, true, "a");
    cache.put(B, 1000, null, true, "b");
    cache.invalidate(A);
    assertThat(cache.get(A, 1000, null, true)).isEmpty();
    assertThat(cache.get(B, 1000, null, true)).contains("b");
  }

  @Test
  void zeroTtlDisablesTheCache() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ZERO, now::get, 10);
    assertThat(cache.enabled()).isFalse();
    cache.put(A, 1000, null, true, "a");
    assertThat(cache.get(A, 1000, null, true)).isEmpty();
  }

  @Test
  void holdsAtMostMaxChannels() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 3);
    for (int i = 0; i < 10; i++) {
      cache.put(ChannelId.of("c" + i), 1000, null, true, "x");
      assertThat(cache.channelCount()).isLessThanOrEqualTo(3);
    }
    assertThat(cache.get(ChannelId.of("c9"), 1000, null, true)).contains("x");
  }
}
