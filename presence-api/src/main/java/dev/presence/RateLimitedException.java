package dev.presence;

import java.time.Duration;

/**
 * The caller is over a per-user rate limit. Maps to {@link ErrorCode#RATE_LIMITED}; {@link
 * #retryAfter()} says when a retry can succeed (REST sends it as {@code Retry-After}).
 *
 * @since 0.1
 */
public final class RateLimitedException extends PresenceException {

  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   * @param retryAfter how long to wait before retrying; not negative
   */
  public RateLimitedException(String message, Duration retryAfter) {
    super(message);
    if (retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative");
    }
    this.retryAfter = retryAfter;
  }

  /**
   * How long the caller should wait before retrying.
   *
   * @return a non-negative duration
   */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.RATE_LIMITED;
  }
}
