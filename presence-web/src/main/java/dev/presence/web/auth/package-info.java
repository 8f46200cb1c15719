/**
 * Authentication (JWT verification, development mode) and authorization (self-or-admin rule, {@link
 * dev.presence.spi.PresenceAuthorizer} plug-ins).
 */
@NullMarked
package dev.presence.web.auth;

import org.jspecify.annotations.NullMarked;
