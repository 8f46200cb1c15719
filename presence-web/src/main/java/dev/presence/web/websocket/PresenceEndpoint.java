package dev.presence.web.websocket;

import dev.presence.ErrorCode;
import dev.presence.PresenceException;
import dev.presence.UnauthenticatedException;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import jakarta.inject.Inject;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The WebSocket endpoint {@code /ws/v1} (SPEC section 5): one instance per connection, created and
 * injected by the container. It authenticates the connection and hands everything else to a {@link
 * Connection}.
 *
 * <p>Close codes the server uses:
 *
 * <ul>
 *   <li>1008 {@code "UNAUTHENTICATED: ..."}: no token, or a token the server does not accept (see
 *       {@link HandshakeConfigurator}); 1008 {@code "TOO_LARGE: ..."} when the user has too many
 *       sessions; 1008 {@code "UNAUTHENTICATED: token expired"} after the error message {@code
 *       {"type":"error","code":"UNAUTHENTICATED","message":"token expired"}} when the token expires
 *       without a {@code reauthenticate}, and 1008 {@code "FORBIDDEN: ..."} after a {@code
 *       reauthenticate} with a token for another user (see {@link Connection});
 *   <li>1009 {@code "TOO_LARGE: ..."}: a frame over {@code presence.ws.max-frame-bytes};
 *   <li>1013 {@code "too slow: ..."}: the client took nothing for 30 s (no send completed and no
 *       pong acknowledged the data sent), or even its replies overflow its queue (see {@link
 *       Outbox}); 1013 {@code "UNAVAILABLE: ..."}: the store is unreachable at connect;
 *   <li>1001 {@code "TIMEOUT: ..."}: the engine ended the session because nothing (no frame, no
 *       pong) came for the presence timeout; 1001 also when the server is stopping;
 *   <li>1011: a send failed.
 * </ul>
 *
 * <p>Liveness: the server pings every third of the presence timeout and counts every frame and
 * every pong as a heartbeat, so any client whose WebSocket stack answers pings (browsers, the JDK
 * client, node {@code ws}) stays present while connected; the JSON {@code heartbeat} works too.
 * Pings a client sends are answered by the container but are not visible to the application, so
 * they count only through the pongs to the server's pings.
 *
 * <p>The frame size is checked by {@link Connection} against the configuration; the container limit
 * on the handler ({@value #CONTAINER_MAX_MESSAGE_BYTES} bytes, the largest value the configuration
 * allows) only keeps the container from refusing a frame the configuration allows.
 */
@ServerEndpoint(value = "/ws/v1", configurator = HandshakeConfigurator.class)
public class PresenceEndpoint {

  /** The container's per-message limit: the largest {@code presence.ws.max-frame-bytes}. */
  public static final int CONTAINER_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private static final Logger LOG = Logger.getLogger(PresenceEndpoint.class.getName());

  @Inject TokenVerifier verifier;
  @Inject WebSocketRuntime runtime;

  private volatile @Nullable Connection connection;

  /**
   * Authenticates the connection and opens its presence session; closes it if either fails.
   *
   * @param session the WebSocket session, with the token in its user properties
   */
  @OnOpen
  public void onOpen(Session session) {
    SessionTransport transport = new SessionTransport(session);
    VerifiedToken verified;
    try {
      // The session's user properties: the per-connection copy of what modifyHandshake put
      // (WebSocket 2.1), never the endpoint's shared configuration.
      verified = verifier.verifyToken(token(session.getUserProperties()));
    } catch (UnauthenticatedException e) {
      transport.close(Connection.POLICY_VIOLATION, "UNAUTHENTICATED: " + e.getMessage());
      return;
    }
    // Above the presence timeout, so the engine's timeout (then check()) ends a silent client
    // first; the server's own pings keep the container from counting a connection as idle.
    session.setMaxIdleTimeout(runtime.timeout().toMillis() * 2);
    try {
      connection = runtime.connect(verified, transport);
    } catch (PresenceException e) {
      int code =
          e.code() == ErrorCode.UNAVAILABLE
              ? Connection.TRY_AGAIN_LATER
              : Connection.POLICY_VIOLATION;
      transport.close(code, e.code().name() + ": " + e.getMessage());
    }
  }

  /**
   * A text frame: one request.
   *
   * @param text the frame
   */
  @OnMessage(maxMessageSize = CONTAINER_MAX_MESSAGE_BYTES)
  public void onText(String text) {
    Connection c = connection;
    if (c != null) {
      c.onText(text);
    }
  }

  /**
   * A binary frame: refused with an error reply.
   *
   * @param data the frame
   */
  @OnMessage(maxMessageSize = CONTAINER_MAX_MESSAGE_BYTES)
  public void onBinary(ByteBuffer data) {
    Connection c = connection;
    if (c != null) {
      c.onBinary();
    }
  }

  /**
   * A pong (the answer to the server's ping, or unsolicited): a heartbeat.
   *
   * @param pong the pong
   */
  @OnMessage
  public void onPong(PongMessage pong) {
    Connection c = connection;
    if (c != null) {
      c.onPong(pong.getApplicationData());
    }
  }

  /**
   * The connection closed: a clean close (1000, 1001) ends the presence session cleanly, anything
   * else as lost.
   *
   * @param reason the close reason
   */
  @OnClose
  public void onClose(jakarta.websocket.CloseReason reason) {
    Connection c = connection;
    if (c != null) {
      c.onClosed(reason.getCloseCode().getCode());
    }
  }

  /**
   * A transport error. The container closes the connection after a fatal one, and {@link #onClose}
   * ends the session as lost; nothing else is done here.
   *
   * @param error the error
   */
  @OnError
  public void onError(Throwable error) {
    LOG.log(Level.FINE, "WebSocket error", error);
  }

  private static @Nullable String token(Map<String, Object> properties) {
    Object refused = properties.get(HandshakeConfigurator.AUTH_ERROR);
    if (refused instanceof String reason) {
      throw new UnauthenticatedException(reason);
    }
    Object token = properties.get(HandshakeConfigurator.TOKEN);
    return token instanceof String s ? s : null;
  }
}
