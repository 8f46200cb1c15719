package dev.presence;

/**
 * The user is not present in the channel (reading attributes of an absent user). Maps to {@link
 * ErrorCode#NOT_PRESENT}.
 *
 * @since 0.1
 */
public final class NotPresentException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public NotPresentException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public NotPresentException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.NOT_PRESENT;
  }
}
