package dev.presence;

/**
 * The error codes of the product specification (section 4.4), each with the HTTP status a REST
 * client sees. Each code has exactly one {@link PresenceException} subtype.
 *
 * @since 0.1
 */
public enum ErrorCode {
  /** Malformed input: bad JSON, bad channel or user id, attribute value not a string. */
  INVALID_ARGUMENT(400),
  /** No token, bad signature, expired token, wrong issuer or audience. */
  UNAUTHENTICATED(401),
  /** Acting for another user without the admin role, or an authorizer said no. */
  FORBIDDEN(403),
  /** Reading the attributes of a user who is not present in the channel. */
  NOT_PRESENT(404),
  /** Setting attributes before joining the channel. */
  NOT_JOINED(409),
  /** The channel is at its member limit. */
  CHANNEL_FULL(409),
  /** Attributes or a request body over the limits. */
  TOO_LARGE(413),
  /** Over a per-user rate limit; see {@link RateLimitedException#retryAfter()}. */
  RATE_LIMITED(429),
  /** The store is unreachable; nothing was changed. */
  UNAVAILABLE(503);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  /**
   * The HTTP status that carries this code.
   *
   * @return a 4xx or 5xx status
   */
  public int httpStatus() {
    return httpStatus;
  }
}
