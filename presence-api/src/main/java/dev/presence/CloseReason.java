package dev.presence;

/**
 * How a session ended without an explicit leave. Both hold the session's memberships for the grace
 * period; if the user is not present again by then, {@code CLEAN} ends in a {@code leave} event and
 * {@code LOST} in a {@code timeout} event.
 *
 * @since 0.1
 */
public enum CloseReason {
  /** The client closed the connection cleanly. */
  CLEAN,
  /** The connection was lost, the session stopped heartbeating, or its node died. */
  LOST
}
