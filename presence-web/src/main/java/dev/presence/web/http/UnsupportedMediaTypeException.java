package dev.presence.web.http;

/**
 * A request body in a media type the API does not read: answered 415 with code {@code
 * INVALID_ARGUMENT} (see {@link ErrorMapping}). Its message is written for the client. It carries
 * no stack trace: it is a client's error, not a server fault.
 */
public final class UnsupportedMediaTypeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what the client must send instead
   */
  public UnsupportedMediaTypeException(String message) {
    super(message, null, false, false);
  }
}
