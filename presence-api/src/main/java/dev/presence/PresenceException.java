package dev.presence;

/**
 * The root of every failure reported by Presence. It is unchecked; each subtype stands for exactly
 * one {@link ErrorCode}, so callers that need to branch catch the subtype and everyone else catches
 * this class.
 *
 * <p>Messages are written for the person who made the request ("channel name must be 1 to 200
 * characters of A-Z a-z 0-9 . _ - : @") and never contain stack traces, class names or server
 * internals, so servers may pass them on to clients as they are. An operation that throws has
 * changed nothing.
 *
 * @since 0.1
 */
public abstract sealed class PresenceException extends RuntimeException
    permits InvalidArgumentException,
        UnauthenticatedException,
        ForbiddenException,
        NotPresentException,
        NotJoinedException,
        ChannelFullException,
        TooLargeException,
        RateLimitedException,
        UnavailableException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a client-facing message.
   *
   * @param message a sentence a person can act on
   */
  protected PresenceException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a client-facing message and an internal cause. The cause is for logs
   * only and never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  protected PresenceException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The error code of this failure.
   *
   * @return the code, never null
   */
  public abstract ErrorCode code();
}
