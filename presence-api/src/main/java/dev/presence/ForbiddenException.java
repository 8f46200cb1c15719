package dev.presence;

/**
 * The caller may not do this: acting for another user without the admin role, or an authorizer
 * denied it; the message carries the authorizer's reason. Maps to {@link ErrorCode#FORBIDDEN}.
 *
 * @since 0.1
 */
public final class ForbiddenException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public ForbiddenException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public ForbiddenException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.FORBIDDEN;
  }
}
