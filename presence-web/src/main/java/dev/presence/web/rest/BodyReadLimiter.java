package dev.presence.web.rest;

import dev.presence.RateLimitedException;
import dev.presence.UnavailableException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the REST request bodies being received at once: at most {@code maxReads} on the node and
 * {@code maxReadsPerUser} for one user. A body being received holds no container thread (see {@link
 * RequestBodyFilter}), only its connection and its buffer, so the bounds cap memory and let one
 * user's slow uploads never crowd out the others.
 *
 * <p>Thread-safe.
 */
public final class BodyReadLimiter {

  /** A place taken by one body read; {@link #release()} gives it back (idempotent). */
  public final class Permit {
    private final String user;
    private final AtomicBoolean released = new AtomicBoolean();

    private Permit(String user) {
      this.user = user;
    }

    /** Gives the place back; later calls do nothing. */
    public void release() {
      if (released.compareAndSet(false, true)) {
        total.decrementAndGet();
        perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
      }
    }
  }

  private final int maxReads;
  private final int maxReadsPerUser;
  private final Duration retryAfter;
  private final AtomicInteger total = new AtomicInteger();
  private final ConcurrentHashMap<String, Integer> perUser = new ConcurrentHashMap<>();

  /**
   * Creates a limiter.
   *
   * @param maxReads the most bodies received at once on the node
   * @param maxReadsPerUser the most bodies of one user received at once
   * @param retryAfter what a refused client is told to wait (the body timeout: by then a place is
   *     free)
   */
  public BodyReadLimiter(int maxReads, int maxReadsPerUser, Duration retryAfter) {
    if (maxReads <= 0 || maxReadsPerUser <= 0) {
      throw new IllegalArgumentException("the body read bounds must be positive");
    }
    this.maxReads = maxReads;
    this.maxReadsPerUser = maxReadsPerUser;
    this.retryAfter = retryAfter;
  }

  /**
   * Takes a place for one body read.
   *
   * @param user the caller's user id
   * @return the place, to release when the body is received or abandoned
   * @throws RateLimitedException if the user has {@code maxReadsPerUser} bodies in flight (429)
   * @throws UnavailableException if the node has {@code maxReads} bodies in flight (503)
   */
  public Permit acquire(String user) {
    boolean[] userOver = new boolean[1];
    perUser.compute(
        user,
        (u, n) -> {
          int count = n == null ? 0 : n;
          if (count >= maxReadsPerUser) {
            userOver[0] = true;
            return n;
          }
          return count + 1;
        });
    if (userOver[0]) {
      throw new RateLimitedException(
          "a user may send at most "
              + maxReadsPerUser
              + " request bodies at once; finish one before starting another",
          retryAfter);
    }
    if (total.incrementAndGet() > maxReads) {
      total.decrementAndGet();
      perUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
      throw new UnavailableException(
          "the server is receiving too many request bodies at the moment; try again later");
    }
    return new Permit(user);
  }

  /**
   * The bodies being received now.
   *
   * @return the count
   */
  public int inFlight() {
    return total.get();
  }
}
