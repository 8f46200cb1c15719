package dev.presence.web.auth;

import dev.presence.spi.Caller;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A token that {@link TokenVerifier#verifyToken} accepted: who it authenticates, and its {@code
 * exp} claim, so that a long-lived connection can end when the token does ({@link
 * TokenVerifier#isExpired}).
 *
 * @param caller the caller the token authenticates
 * @param expiresAt the token's {@code exp}, or null if it has none (development mode only: such a
 *     token never expires)
 */
public record VerifiedToken(Caller caller, @Nullable Instant expiresAt) {}
