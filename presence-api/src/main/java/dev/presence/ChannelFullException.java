package dev.presence;

/**
 * The channel is at its member limit; the join changed nothing. Maps to {@link
 * ErrorCode#CHANNEL_FULL}.
 *
 * @since 0.1
 */
public final class ChannelFullException extends PresenceException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message a sentence a person can act on
   */
  public ChannelFullException(String message) {
    super(message);
  }

  /**
   * Creates the exception with an internal cause, which never reaches a client.
   *
   * @param message a sentence a person can act on
   * @param cause the internal cause
   */
  public ChannelFullException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public ErrorCode code() {
    return ErrorCode.CHANNEL_FULL;
  }
}
