package dev.presence;

/**
 * The store is unreachable; nothing was changed and the caller may retry. Maps to {@link
 * ErrorCode#UNAVAILABLE}.
 *
 * @since 0.1
 */
public final class UnavailableException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public UnavailableException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public UnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.UNAVAILABLE;
  }
}
