/**
 * The Presence API: what applications program against.
 *
 * <p>{@link dev.presence.PresenceService} is the entry point. Identifiers ({@link
 * dev.presence.ChannelId}, {@link dev.presence.UserId}, {@link dev.presence.SessionId}) and {@link
 * dev.presence.Attributes} are immutable values that validate themselves when created; every
 * failure is reported as a subtype of the unchecked {@link dev.presence.PresenceException}, one
 * subtype per {@link dev.presence.ErrorCode}.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}; collections are never
 * null and are immutable when returned.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence;

import org.jspecify.annotations.NullMarked;
