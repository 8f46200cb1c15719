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
    ChannelUsersCache cache =
        new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10, 100, 1_000_000);
    cache.put(A, 1000, null, true, "body");
    assertThat(cache.get(A, 1000, null, true)).contains("body");
    now.addAndGet(Duration.ofMillis(2999).toNanos());
    assertThat(cache.get(A, 1000, null, true)).contains("body");
    now.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(cache.get(A, 1000, null, true)).isEmpty();
  }

  @Test
  void keysIncludeLimitCursorAndAttributes() {
    ChannelUsersCache cache =
        new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10, 100, 1_000_000);
    cache.put(A, 1000, null, true, "all");
    cache.put(A, 10, "u5", false, "page");
    assertThat(cache.get(A, 1000, null, false)).isEmpty();
    assertThat(cache.get(A, 10, null, false)).isEmpty();
    assertThat(cache.get(A, 10, "u5", false)).contains("page");
    assertThat(cache.get(B, 1000, null, true)).isEmpty();
  }

  @Test
  void invalidateDropsOneChannel() {
    ChannelUsersCache cache =
        new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10, 100, 1_000_000);
    cache.put(A, 1000, null, true, "a");
    cache.put(B, 1000, null, true, "b");
    cache.invalidate(A);
    assertThat(cache.get(A, 1000, null, true)).isEmpty();
    assertThat(cache.get(B, 1000, null, true)).contains("b");
  }

  @Test
  void zeroTtlDisablesTheCache() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ZERO, now::get, 10, 100, 1_000_000);
    assertThat(cache.enabled()).isFalse();
    cache.put(A, 1000, null, true, "a");
    assertThat(cache.get(A, 1000, null, true)).isEmpty();
  }

  @Test
  void holdsAtMostMaxPerChannelAndKeepsWhatItHas() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 3, 100, 1_000);
    for (int i = 0; i < 10; i++) {
      cache.put(A, 1000, "u1.minted" + i, true, "x");
    }
    assertThat(cache.entries()).isEqualTo(3);
    assertThat(cache.get(A, 1000, "u1.minted0", true)).contains("x");
    assertThat(cache.get(A, 1000, "u1.minted9", true)).isEmpty();
    cache.put(B, 1000, null, true, "b");
    assertThat(cache.get(B, 1000, null, true)).contains("b");
  }

  @Test
  void holdsAtMostMaxEntriesOnTheNode() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 3, 5, 1_000);
    for (int i = 0; i < 10; i++) {
      cache.put(ChannelId.of("c" + i), 1000, null, true, "x");
      cache.put(ChannelId.of("c" + i), 1000, "cursor", true, "x");
      assertThat(cache.entries()).isLessThanOrEqualTo(5);
    }
    assertThat(cache.entries()).isEqualTo(5);
  }

  @Test
  void holdsAtMostMaxCharsOnTheNode() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10, 10, 10);
    cache.put(A, 1000, null, true, "123456");
    cache.put(B, 1000, null, true, "123456");
    assertThat(cache.get(B, 1000, null, true)).isEmpty();
    assertThat(cache.chars()).isEqualTo(6);
    cache.put(A, 1000, null, true, "12345678901");
    assertThat(cache.get(A, 1000, null, true)).contains("123456");
  }

  @Test
  void expiredEntriesAreDroppedAndMakeRoom() {
    ChannelUsersCache cache = new ChannelUsersCache(Duration.ofSeconds(3), now::get, 2, 100, 1_000);
    cache.put(A, 1000, "c1", true, "x");
    cache.put(A, 1000, "c2", true, "x");
    cache.put(B, 1000, null, true, "y");
    assertThat(cache.entries()).isEqualTo(3);
    now.addAndGet(Duration.ofSeconds(3).toNanos());
    assertThat(cache.entries()).isZero();
    assertThat(cache.channelCount()).isZero();
    assertThat(cache.chars()).isZero();
    cache.put(A, 1000, "c3", true, "z");
    assertThat(cache.get(A, 1000, "c3", true)).contains("z");
  }

  @Test
  void addingSweepsAtMostOncePerTtl() {
    ChannelUsersCache cache =
        new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10, 100, 1_000);
    cache.put(A, 1000, null, true, "x");
    now.addAndGet(Duration.ofSeconds(4).toNanos());
    cache.put(B, 1000, null, true, "y");
    assertThat(cache.channelCount()).as("A expired and was swept when B was added").isEqualTo(1);
  }

  @Test
  void invalidateAndReplaceKeepTheCountsRight() {
    ChannelUsersCache cache =
        new ChannelUsersCache(Duration.ofSeconds(3), now::get, 10, 100, 1_000);
    cache.put(A, 1000, null, true, "abc");
    cache.put(A, 1000, null, true, "abcde");
    cache.put(A, 10, null, true, "ab");
    assertThat(cache.entries()).isEqualTo(2);
    assertThat(cache.chars()).isEqualTo(7);
    cache.invalidate(A);
    assertThat(cache.entries()).isZero();
    assertThat(cache.chars()).isZero();
  }
}
