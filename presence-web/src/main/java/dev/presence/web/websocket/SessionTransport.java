package dev.presence.web.websocket;

import dev.presence.web.json.Texts;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@link Transport} over a Jakarta WebSocket session: asynchronous sends with a completion handler;
 * pings and closes that do not wait for the client (Tyrus queues writes the socket cannot take yet
 * instead of blocking).
 *
 * <p><b>Failed sends.</b> Every failure of a send reaches the callback exactly once, whatever its
 * type: a failure the container reports through its handler, and anything {@code sendText} throws,
 * {@link Error}s included. Tyrus encodes the frame on the calling thread and throws {@code
 * java.lang.Error} (wrapping a {@code MalformedInputException}) for text that is not valid Unicode;
 * before issue #9 that escaped the outbox, which then waited for the send forever. Text that cannot
 * be encoded as UTF-8 (an unpaired surrogate) is not handed to the container at all: the send fails
 * at once with a {@link CharacterCodingException}, on every container (others might send a
 * replacement character instead). Such failures are server faults and are logged as warnings.
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
    SendCallback once = once(callback);
    if (!Texts.isWellFormed(text)) {
      LOG.warning(
          "a WebSocket frame holds text that cannot be encoded as UTF-8 (an unpaired surrogate);"
              + " the connection is closed with 1011");
      once.done(new MalformedInputException(1));
      return;
    }
    try {
      session
          .getAsyncRemote()
          .sendText(
              text,
              result -> {
                if (result.isOK()) {
                  once.done(null);
                } else {
                  Throwable failure = result.getException();
                  once.done(failure != null ? failure : new IOException("send failed"));
                }
              });
    } catch (RuntimeException e) {
      once.done(e);
    } catch (Throwable t) { // an Error from the container is a failed send too
      LOG.log(Level.WARNING, "a WebSocket send failed; the connection is closed with 1011", t);
      once.done(t);
    }
  }

  /** A callback that passes on only its first call. */
  private static SendCallback once(SendCallback callback) {
    AtomicBoolean called = new AtomicBoolean();
    return failure -> {
      if (called.compareAndSet(false, true)) {
        callback.done(failure);
      }
    };
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
    } catch (Throwable t) { // an Error from the container too: closing must not fail its caller
      LOG.log(t instanceof Error ? Level.WARNING : Level.FINE, "closing a WebSocket failed", t);
    }
  }

  /**
   * Cuts a reason to the 123 UTF-8 bytes a close frame allows, on a character boundary; an unpaired
   * surrogate (which has no UTF-8 form) becomes U+FFFD.
   */
  static String cut(String reason) {
    if (!Texts.isWellFormed(reason)) {
      reason = reason.replaceAll("\\p{Cs}", "\uFFFD");
    }
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
