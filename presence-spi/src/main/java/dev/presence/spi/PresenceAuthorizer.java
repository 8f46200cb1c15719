package dev.presence.spi;

/**
 * Integrator code asked before join, set-attributes, read and observe, after the built-in rules
 * (users act only as themselves unless they have the admin role) have passed.
 *
 * <p><b>Discovery.</b> A CDI bean of this type, or a class listed in {@code
 * META-INF/services/dev.presence.spi.PresenceAuthorizer} in the application or in a plugin jar of
 * the server's plugins folder ({@code presence.plugins.dir}); with several, all must allow.
 *
 * <p><b>Threading.</b> Called on the request thread, concurrently; must be thread-safe and fast. A
 * thrown exception denies the request with a generic reason and is logged.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface PresenceAuthorizer {

  /**
   * Decides one request.
   *
   * @param request the request
   * @return the decision, never null
   */
  AuthorizationDecision authorize(AuthorizationRequest request);
}
