package dev.presence.web.websocket;

import org.jspecify.annotations.Nullable;

/**
 * The socket under one connection, as {@link Connection} and {@link Outbox} need it. The production
 * implementation wraps a Jakarta WebSocket session ({@link PresenceEndpoint}); tests use a fake.
 */
interface Transport {

  /** Called once when an asynchronous send ends. */
  @FunctionalInterface
  interface SendCallback {

    /**
     * The send ended.
     *
     * @param failure null if the text was written, else why it was not
     */
    void done(@Nullable Throwable failure);
  }

  /**
   * Starts sending one text frame and returns without waiting for the network. The callback is
   * called exactly once, on any thread, possibly before this method returns.
   *
   * @param text the frame
   * @param callback told when the frame is written or failed
   */
  void send(String text, SendCallback callback);

  /**
   * Sends a WebSocket ping after everything sent before, without waiting; failures are ignored.
   *
   * @param payload the application data the client's pong echoes (at most 125 bytes)
   */
  void ping(byte[] payload);

  /**
   * Closes the connection with a close frame. May call back into the endpoint's close handling on
   * the calling thread. Failures are ignored.
   *
   * @param code the WebSocket close code
   * @param reason the reason phrase; cut to the 123 bytes a close frame allows
   */
  void close(int code, String reason);
}
