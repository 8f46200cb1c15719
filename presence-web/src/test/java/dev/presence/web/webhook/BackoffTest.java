package dev.presence.web.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static final Duration MIN = Duration.ofMillis(500);
  private static final Duration MAX = Duration.ofSeconds(30);

  @Test
  void doublesFromTheMinimumUpToTheMaximumBetweenHalfAndAll() {
    Backoff low = new Backoff(MIN, MAX, () -> 0.0);
    Backoff high = new Backoff(MIN, MAX, () -> 0.999_999_9);
    long[] bases = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (int retry = 1; retry <= bases.length; retry++) {
      long base = bases[retry - 1];
      assertThat(low.delayMs(retry)).as("retry %d, no jitter taken", retry).isEqualTo(base / 2);
      assertThat(high.delayMs(retry)).as("retry %d, all jitter", retry).isEqualTo(base);
    }
  }

  @Test
  void hugeRetryCountsStayAtTheMaximum() {
    Backoff b = new Backoff(MIN, MAX, () -> 0.5);
    for (int retry : new int[] {62, 63, 64, 1000, Integer.MAX_VALUE}) {
      assertThat(b.delayMs(retry)).isBetween(15_000L, 30_000L);
    }
  }

  @Test
  void jitterSpreadsTheWaits() {
    java.util.Random random = new java.util.Random(7);
    Backoff b = new Backoff(MIN, MAX, random::nextDouble);
    java.util.Set<Long> waits = new java.util.HashSet<>();
    for (int i = 0; i < 50; i++) {
      long w = b.delayMs(5);
      assertThat(w).isBetween(4000L, 8000L);
      waits.add(w);
    }
    assertThat(waits).hasSizeGreaterThan(40);
  }
}
