package dev.presence;

/**
 * The user has not joined the channel (setting attributes before joining). Maps to {@link
 * ErrorCode#NOT_JOINED}.
 *
 * @since 0.1
 */
public final class NotJoinedException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public NotJoinedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public NotJoinedException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.NOT_JOINED;
  }
}
