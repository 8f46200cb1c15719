package dev.presence;

/**
 * Attributes, an id or a request are over a configured limit; nothing of it was stored. Maps to
 * {@link ErrorCode#TOO_LARGE}.
 *
 * @since 0.1
 */
public final class TooLargeException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public TooLargeException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public TooLargeException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.TOO_LARGE;
  }
}
