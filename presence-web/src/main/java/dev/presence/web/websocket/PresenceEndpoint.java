package dev.presence.web.websocket;

import dev.presence.ErrorCode;
import dev.presence.PresenceException;
import dev.presence.UnauthenticatedException;
import dev.presence.UnavailableException;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import dev.presence.web.connection.ConnectionLimiter;
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
 *   <li>1009 {@code "TOO_LARGE: ..."}: a frame over {@code presence.ws.max-frame-bytes}, closed as
 *       soon as the limit is passed, before the rest of the frame is read;
 *   <li>1013 {@code "UNAVAILABLE: ..."}: the node holds {@code presence.ws.max-connections}
 *       connections, or the user {@code presence.ws.max-connections-per-user} (SPEC 13.2), or the
 *       store is unreachable at connect; 1013 {@code "too slow: ..."}: the client took nothing for
 *       30 s (no send completed and no pong acknowledged the data sent), or even its replies
 *       overflow its queue (see {@link Outbox});
 *   <li>1001 {@code "TIMEOUT: ..."}: the engine ended the session because nothing (no frame, no
 *       pong) came for the presence timeout; 1001 also when the server is stopping;
 *   <li>1011: a send failed.
 * </ul>
 *
 * <p>Liveness: the server pings every third of the presence timeout and counts every frame and
 * every pong as a heartbeat, so any client whose WebSocket stack answers pings (browsers, the JDK
 * client, node {@code ws}) stays present while connected; the JSON {@code heartbeat} works too.
 * Pings a client sends are answered by the container but are not visible to the application, so
 * they count only through the pongs to the server's pings. The container's own idle timeout is only
 * a backstop far above the presence timeout (see {@link ContainerTuning}).
 *
 * <p>Frame size: the container's incoming buffer is sized from {@code presence.ws.max-frame-bytes}
 * at deployment ({@link ContainerTuning}, Tyrus), the handlers take messages in parts and {@link
 * MessageParts} refuses one as soon as it is over the same limit, and {@link Connection} checks the
 * UTF-8 size of every text message. The handler's {@code maxMessageSize} ({@value
 * #CONTAINER_MAX_MESSAGE_BYTES} bytes, the largest value the configuration allows) only keeps the
 * container from refusing a frame the configuration allows.
 */
@ServerEndpoint(value = "/ws/v1", configurator = HandshakeConfigurator.class)
public class PresenceEndpoint {

  /** The container's per-message limit: the largest {@code presence.ws.max-frame-bytes}. */
  public static final int CONTAINER_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  private static final Logger LOG = Logger.getLogger(PresenceEndpoint.class.getName());

  /**
   * What {@link HandshakeConfigurator#getEndpointInstance} gives each new endpoint, set while the
   * application runs (see {@link WebSocketSetup}); null before and after.
   */
  private static volatile @Nullable Dependencies installed;

  /** The collaborators of every endpoint instance. */
  record Dependencies(TokenVerifier verifier, WebSocketRuntime runtime) {}

  @Inject TokenVerifier verifier;
  @Inject WebSocketRuntime runtime;

  private volatile @Nullable Connection connection;
  private volatile @Nullable MessageParts parts;

  /** For the container: CDI injects the fields. */
  public PresenceEndpoint() {}

  private PresenceEndpoint(Dependencies dependencies) {
    this.verifier = dependencies.verifier();
    this.runtime = dependencies.runtime();
  }

  /**
   * Makes {@link #create()} available: called once the application has started.
   *
   * @param dependencies the collaborators, or null when the application stops
   */
  static void install(@Nullable Dependencies dependencies) {
    installed = dependencies;
  }

  /**
   * A new endpoint instance built without the container's CDI: creating an injected instance per
   * connection was about 6 % of the server's CPU in the paced benchmark (Weld builds an injection
   * target each time).
   *
   * @return the instance, or null if the application has not installed its dependencies
   */
  static @Nullable PresenceEndpoint create() {
    Dependencies d = installed;
    return d == null ? null : new PresenceEndpoint(d);
  }

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
    ConnectionLimiter.Permit permit;
    try {
      permit = runtime.limiter().acquire(verified.caller().userId());
    } catch (UnavailableException e) {
      transport.close(Connection.TRY_AGAIN_LATER, "UNAVAILABLE: " + e.getMessage());
      return;
    }
    // No per-session idle timeout: the container's default is a backstop set at deployment (see
    // ContainerTuning); the application's own liveness ends silent connections. Messages are
    // assembled from their parts up to the frame limit, and no further, by MessageParts; the
    // container's own limits (its defaults, the handlers' maxMessageSize) are only a backstop, so
    // that a message over the frame limit is closed with the application's reason.
    try {
      parts = new MessageParts(runtime.maxFrameBytes());
      connection = runtime.connect(verified, transport, permit::release);
    } catch (PresenceException e) {
      permit.release();
      int code =
          e.code() == ErrorCode.UNAVAILABLE
              ? Connection.TRY_AGAIN_LATER
              : Connection.POLICY_VIOLATION;
      transport.close(code, e.code().name() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      permit.release();
      LOG.log(Level.WARNING, "opening a WebSocket connection failed", e);
      transport.close(Connection.INTERNAL_ERROR, "INTERNAL: the connection could not be opened");
    }
  }

  /**
   * A part of a text message (the whole message when it came in one piece): one request once
   * complete. See {@link MessageParts} for why the endpoint takes parts.
   *
   * @param part the part
   * @param last whether it ends the message
   */
  @OnMessage(maxMessageSize = CONTAINER_MAX_MESSAGE_BYTES)
  public void onText(String part, boolean last) {
    Connection c = connection;
    MessageParts p = parts;
    if (c == null || p == null) {
      return;
    }
    String text = p.text(part, last);
    if (text != null) {
      c.onText(text);
    } else if (p.refused()) {
      c.onTooLarge();
    }
  }

  /**
   * A part of a binary message: refused with an error reply once complete.
   *
   * @param part the part
   * @param last whether it ends the message
   */
  @OnMessage(maxMessageSize = CONTAINER_MAX_MESSAGE_BYTES)
  public void onBinary(ByteBuffer part, boolean last) {
    Connection c = connection;
    MessageParts p = parts;
    if (c == null || p == null) {
      return;
    }
    if (p.binary(part.remaining(), last)) {
      c.onBinary();
    } else if (p.refused()) {
      c.onTooLarge();
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
    if (ContainerTuning.isFrameOverflow(reason)) {
      // A frame over the container's buffer (see ContainerTuning): the close the client gets is
      // 1009, as for any frame over the limit.
      ContainerTuning.rewrite(
          reason,
          jakarta.websocket.CloseReason.CloseCodes.TOO_BIG,
          Connection.frameTooLargeReason(runtime.maxFrameBytes()));
    }
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
