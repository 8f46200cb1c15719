package dev.presence.spi;

/**
 * What a caller asks to do, as seen by a {@link PresenceAuthorizer}.
 *
 * @since 0.1
 */
public enum Action {
  /** Join a channel (REST or WebSocket). Leaving is never refused. */
  JOIN,
  /** Set one's attributes in a channel. */
  SET_ATTRIBUTES,
  /** Read a channel's users, occupancy or a user's attributes, or a user's channels. */
  READ,
  /** Subscribe to a channel's events. */
  OBSERVE
}
