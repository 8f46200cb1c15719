package dev.presence;

/**
 * Input that is malformed: a bad id, a bad attribute, a bad request. Maps to {@link
 * ErrorCode#INVALID_ARGUMENT}.
 *
 * @since 0.1
 */
public final class InvalidArgumentException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public InvalidArgumentException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public InvalidArgumentException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.INVALID_ARGUMENT;
  }
}
