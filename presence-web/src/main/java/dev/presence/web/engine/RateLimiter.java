package dev.presence.web.engine;

import dev.presence.RateLimitedException;
import dev.presence.UserId;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token bucket per user: {@code burst} tokens at most, refilled at {@code perSecond} tokens per
 * second; each operation takes one token. Counted on this node only.
 *
 * <p>Buckets that are full again are forgotten by {@link #forgetIdle}; a call racing with that may
 * find the fresh bucket of a user whose old one still had a token taken, which at worst grants one
 * extra operation.
 */
final class RateLimiter {

  /** One token, in bucket units (see {@link Bucket}). */
  private static final long UNIT = 1_000_000_000L;

  private final String what;
  private final int perSecond;
  private final int burst;
  private final ConcurrentHashMap<UserId, Bucket> buckets = new ConcurrentHashMap<>();

  /**
   * Creates a limiter.
   *
   * @param what what is limited, for the error message ("attribute sets")
   * @param perSecond the sustained rate, positive
   * @param burst the bucket size, positive
   */
  RateLimiter(String what, int perSecond, int burst) {
    this.what = what;
    this.perSecond = perSecond;
    this.burst = burst;
  }

  /**
   * Takes a token for a user.
   *
   * @param user the user
   * @param now the current time
   * @throws RateLimitedException if the user has no token left, with the time until one is back
   */
  void acquire(UserId user, Instant now) {
    Bucket bucket = buckets.computeIfAbsent(user, u -> new Bucket(burst, now));
    long waitNanos;
    synchronized (bucket) {
      bucket.refill(now, perSecond, burst);
      if (bucket.level >= UNIT) {
        bucket.level -= UNIT;
        return;
      }
      waitNanos = ceilDiv(UNIT - bucket.level, perSecond);
    }
    Duration retryAfter = Duration.ofMillis(Math.max(1, ceilDiv(waitNanos, 1_000_000)));
    throw new RateLimitedException(
        "too many "
            + what
            + ": at most "
            + perSecond
            + " per second (bursts of "
            + burst
            + ") are allowed; retry in "
            + retryAfter.toMillis()
            + " ms",
        retryAfter);
  }

  /** Forgets the buckets that are full at {@code now}. */
  void forgetIdle(Instant now) {
    buckets.forEach(
        (user, bucket) -> {
          boolean full;
          synchronized (bucket) {
            bucket.refill(now, perSecond, burst);
            full = bucket.level >= (long) burst * UNIT;
          }
          if (full) {
            buckets.remove(user, bucket);
          }
        });
  }

  int size() {
    return buckets.size();
  }

  private static long ceilDiv(long a, long b) {
    return (a + b - 1) / b;
  }

  /**
   * A bucket's level in exact integer units: one token is {@link #UNIT}, and each nanosecond adds
   * {@code perSecond} units, so no rounding error accumulates.
   */
  private static final class Bucket {
    long level;
    Instant refilledAt;

    Bucket(int tokens, Instant now) {
      this.level = (long) tokens * UNIT;
      this.refilledAt = now;
    }

    void refill(Instant now, int perSecond, int burst) {
      if (!now.isAfter(refilledAt)) {
        return;
      }
      long capacity = (long) burst * UNIT;
      Duration elapsed = Duration.between(refilledAt, now);
      refilledAt = now;
      long missing = capacity - level;
      // Full once elapsed * perSecond >= missing; compared without overflowing.
      if (elapsed.getSeconds() > burst || elapsed.toNanos() >= ceilDiv(missing, perSecond)) {
        level = capacity;
      } else {
        level += elapsed.toNanos() * perSecond;
      }
    }
  }
}
