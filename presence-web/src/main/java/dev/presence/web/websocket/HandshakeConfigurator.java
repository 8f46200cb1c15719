package dev.presence.web.websocket;

import dev.presence.UnauthenticatedException;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.AllowedOrigins;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the token of a WebSocket handshake, {@code ?access_token=<JWT>} (what browsers can send) or
 * an {@code Authorization: Bearer <JWT>} header (the header wins when both are present), and hands
 * it to {@link PresenceEndpoint#onOpen} through the handshake's user properties, where it is
 * verified. The handshake itself is always accepted: a missing or bad token closes the connection
 * right after it opens with 1008 and {@code "UNAUTHENTICATED: <why>"}, which, unlike an HTTP 401 on
 * the upgrade request, a browser client can read.
 *
 * <p>The development-mode header of the handshake response ({@code X-Presence-Dev-Mode: true}) is
 * set by {@link dev.presence.web.auth.DevModeFilter}, which covers every HTTP response of the
 * application, the upgrade request included.
 *
 * <p>Tyrus (Payara's WebSocket implementation, 2.1 and later) passes {@code modifyHandshake} a
 * configuration whose user properties belong to this one handshake and gives the same map to {@code
 * onOpen}, so concurrent handshakes do not see each other's tokens.
 *
 * <p>The {@code Origin} header is checked against {@code presence.ws.allowed-origins} ({@link
 * #checkOrigin}): Tyrus refuses a handshake from an origin not listed with 403 before it is
 * upgraded; Undertow does not upgrade it and passes it on to the servlet chain (a 404), so {@link
 * WebSocketOriginFilter} refuses it with 403 before any container sees it. A handshake without an
 * {@code Origin} header is accepted: browsers always send one, so it comes from another kind of
 * client, which an origin check could not stop anyway.
 *
 * <p>Endpoint instances are built by {@link PresenceEndpoint#create()} with the collaborators the
 * application installed at start, not by the container's CDI per connection (which costs a Weld
 * injection target each time); before that, and for any other class, the container's default
 * applies.
 */
public class HandshakeConfigurator extends ServerEndpointConfig.Configurator {

  /** User property: the token, if the request had one. */
  static final String TOKEN = "dev.presence.websocket.token";

  /** User property: why the request's credentials were refused before verification. */
  static final String AUTH_ERROR = "dev.presence.websocket.authError";

  /**
   * The origins allowed to open connections, set while the application runs (see {@link
   * WebSocketSetup}); null before, when every handshake with an {@code Origin} is refused.
   */
  private static volatile @Nullable AllowedOrigins allowedOrigins;

  /**
   * Sets the origins {@link #checkOrigin} accepts: called once the application has started.
   *
   * @param origins the origins, or null when the application stops
   */
  static void allowOrigins(@Nullable AllowedOrigins origins) {
    allowedOrigins = origins;
  }

  @Override
  public boolean checkOrigin(@Nullable String originHeaderValue) {
    return originAllowed(originHeaderValue);
  }

  /**
   * Whether a handshake with this {@code Origin} header may connect now (also asked by {@link
   * WebSocketOriginFilter}).
   *
   * @param origin the {@code Origin} header, or null if the request has none
   * @return true if there is no {@code Origin} header or it is allowed
   */
  static boolean originAllowed(@Nullable String origin) {
    return checkOrigin(allowedOrigins, origin);
  }

  /**
   * Whether a handshake's origin may connect.
   *
   * @param allowed the allowed origins, or null if the application has not started
   * @param origin the {@code Origin} header, or null if the request has none
   * @return true if there is no {@code Origin} header or it is allowed
   */
  static boolean checkOrigin(@Nullable AllowedOrigins allowed, @Nullable String origin) {
    if (origin == null) {
      return true;
    }
    return allowed != null && allowed.allows(origin);
  }

  @Override
  public void modifyHandshake(
      ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
    Map<String, Object> properties = config.getUserProperties();
    properties.remove(TOKEN);
    properties.remove(AUTH_ERROR);
    try {
      String token = token(request.getHeaders(), request.getParameterMap());
      if (token != null) {
        properties.put(TOKEN, token);
      }
    } catch (UnauthenticatedException e) {
      properties.put(AUTH_ERROR, e.getMessage());
    }
  }

  @Override
  public <T> T getEndpointInstance(Class<T> endpointClass) throws InstantiationException {
    if (endpointClass == PresenceEndpoint.class) {
      PresenceEndpoint endpoint = PresenceEndpoint.create();
      if (endpoint != null) {
        return endpointClass.cast(endpoint);
      }
    }
    return super.getEndpointInstance(endpointClass);
  }

  /**
   * The token of a handshake: the {@code Authorization} header's bearer token, else the {@code
   * access_token} query parameter.
   *
   * @param headers the request headers (any case)
   * @param parameters the query parameters
   * @return the token, or null if there is none
   * @throws UnauthenticatedException if the {@code Authorization} header is not a bearer token
   */
  static @Nullable String token(
      Map<String, List<String>> headers, Map<String, List<String>> parameters) {
    for (Map.Entry<String, List<String>> h : headers.entrySet()) {
      if (h.getKey() != null && h.getKey().equalsIgnoreCase("Authorization")) {
        List<String> values = h.getValue();
        if (values != null && !values.isEmpty()) {
          String token = TokenVerifier.bearerToken(values.get(0));
          if (token != null) {
            return token;
          }
        }
      }
    }
    List<String> values = parameters.get("access_token");
    if (values != null && !values.isEmpty() && !values.get(0).isBlank()) {
      return values.get(0).trim();
    }
    return null;
  }
}
