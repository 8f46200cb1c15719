package dev.presence;

/**
 * The caller could not be authenticated. Maps to {@link ErrorCode#UNAUTHENTICATED}.
 *
 * @since 0.1
 */
public final class UnauthenticatedException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public UnauthenticatedException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public UnauthenticatedException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.UNAUTHENTICATED;
  }
}
