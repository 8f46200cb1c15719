package dev.presence.web.websocket;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@link Transport} over a Jakarta WebSocket session: asynchronous sends with a completion handler;
 * pings and closes that do not wait for the client (Tyrus queues writes the socket cannot take yet
 * instead of blocking).
 */
final class SessionTransport implements Transport {

  private static final Logger LOG = Logger.getLogger(SessionTransport.class.getName());
  private static final int MAX_REASON_BYTES = 123;

  private final Session session;

  SessionTransport(Session session) {
    this.session = session;
  }

  @Override
  public void send(String text, SendCallback callback) {
    try {
      session
          .getAsyncRemote()
          .sendText(
              text,
              result -> {
                if (result.isOK()) {
                  callback.done(null);
                } else {
                  Throwable failure = result.getException();
                  callback.done(failure != null ? failure : new IOException("send failed"));
                }
              });
    } catch (RuntimeException e) {
      callback.done(e);
    }
  }

  @Override
  public void ping(byte[] payload) {
    try {
      if (session.isOpen()) {
        session.getAsyncRemote().sendPing(ByteBuffer.wrap(payload));
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "a WebSocket ping failed", e);
    }
  }

  @Override
  public void close(int code, String reason) {
    try {
      if (session.isOpen()) {
        session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), cut(reason)));
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(Level.FINE, "closing a WebSocket failed", e);
    }
  }

  /** Cuts a reason to the 123 UTF-8 bytes a close frame allows, on a character boundary. */
  static String cut(String reason) {
    if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) {
      return reason;
    }
    StringBuilder sb = new StringBuilder();
    int bytes = 0;
    for (int i = 0; i < reason.length(); ) {
      int cp = reason.codePointAt(i);
      int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + n > MAX_REASON_BYTES) {
        break;
      }
      sb.appendCodePoint(cp);
      bytes += n;
      i += Character.charCount(cp);
    }
    return sb.toString();
  }
}
