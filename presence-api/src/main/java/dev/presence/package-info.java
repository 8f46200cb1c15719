/**
 * The Presence API: what applications program against.
 *
 * <p>{@link dev.presence.PresenceService} is the entry point. Identifiers ({@link
 * dev.presence.ChannelId}, {@link dev.presence.UserId}, {@link dev.presence.SessionId}) and {@link
 * dev.presence.Attributes} are immutable values that validate themselves when created; every
 * failure is reported as a subtype of the unchecked {@link dev.presence.PresenceException}, one
 * subtype per {@link dev.presence.ErrorCode}.
 *
 * <p>Text is valid Unicode: ids are limited to an ASCII alphabet, and {@link
 * dev.presence.Attributes} and the cursor of {@link dev.presence.PageRequest} refuse strings with
 * an unpaired UTF-16 surrogate (which has no UTF-8 form) with {@link
 * dev.presence.InvalidArgumentException}, so everything the API stores and hands out can be encoded
 * as UTF-8.
 *
 * <p>Everything in this package is non-null unless marked {@code @Nullable}; collections are never
 * null and are immutable when returned.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence;

import org.jspecify.annotations.NullMarked;
