package dev.presence.web.webhook;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter: before retry {@code n} (1 for the first) the wait is {@code base
 * = min(max, min * 2^(n-1))}, of which a random half is taken off ("equal jitter": between {@code
 * base/2} and {@code base}), so that nodes whose receiver came back do not all retry in step.
 */
final class Backoff {

  private final long minMs;
  private final long maxMs;
  private final DoubleSupplier random;

  /**
   * A backoff.
   *
   * @param min the wait before the first retry, before jitter
   * @param max the longest wait
   * @param random numbers in [0, 1)
   */
  Backoff(Duration min, Duration max, DoubleSupplier random) {
    this.minMs = Math.max(1, min.toMillis());
    this.maxMs = Math.max(minMs, max.toMillis());
    this.random = random;
  }

  /**
   * The wait before a retry.
   *
   * @param retry 1 for the first retry
   * @return milliseconds, between half the base and the base
   */
  long delayMs(int retry) {
    long base = maxMs;
    int shift = Math.max(0, retry - 1);
    if (shift < 62 && minMs <= (maxMs >> shift)) {
      base = Math.min(maxMs, minMs << shift);
    }
    long half = base / 2;
    return base - half + (long) (random.getAsDouble() * (half + 1));
  }
}
