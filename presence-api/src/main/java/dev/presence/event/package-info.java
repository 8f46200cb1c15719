/**
 * Presence events: {@link dev.presence.event.PresenceEvent} and its four kinds.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.event;

import org.jspecify.annotations.NullMarked;
