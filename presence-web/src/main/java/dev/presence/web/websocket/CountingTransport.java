package dev.presence.web.websocket;

/**
 * A {@link Transport} that counts failed sends (for {@code presence_send_failures_total}) and
 * otherwise passes everything to the transport it wraps.
 */
final class CountingTransport implements Transport {

  private final Transport transport;
  private final Runnable onFailure;

  /**
   * Wraps a transport.
   *
   * @param transport the socket
   * @param onFailure called once per failed send; must be fast and thread-safe
   */
  CountingTransport(Transport transport, Runnable onFailure) {
    this.transport = transport;
    this.onFailure = onFailure;
  }

  @Override
  public void send(String text, SendCallback callback) {
    try {
      transport.send(
          text,
          failure -> {
            if (failure != null) {
              onFailure.run();
            }
            callback.done(failure);
          });
    } catch (Throwable t) { // the outbox treats a throwing send as failed; count it as such
      onFailure.run();
      throw t;
    }
  }

  @Override
  public void ping(byte[] payload) {
    transport.ping(payload);
  }

  @Override
  public void close(int code, String reason) {
    transport.close(code, reason);
  }
}
