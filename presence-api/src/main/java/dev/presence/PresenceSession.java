package dev.presence;

/**
 * One connection of a user, such as a WebSocket: the joins made through it end with it.
 *
 * <p>A session is alive while it is used: every call, and {@link #heartbeat()}, counts as a sign of
 * life; a session with no sign of life for the presence timeout {@code T} is treated as lost. When
 * it ends without an explicit leave ({@link #close(CloseReason)}, or the timeout), its memberships
 * are held for the grace period {@code G}, after which the user's presence ends with {@code leave}
 * (clean close) or {@code timeout} (anything else) unless the user is present again by another
 * session. An explicit {@link #leave} ends the membership at once.
 *
 * <p>Thread-safe. Calls after the session ended throw {@link InvalidArgumentException}.
 *
 * @since 0.1
 */
public interface PresenceSession extends AutoCloseable {

  /**
   * This session's id, unique in the cluster.
   *
   * @return the id
   */
  SessionId id();

  /**
   * The user this session belongs to.
   *
   * @return the user
   */
  UserId userId();

  /**
   * Joins a channel through this session. The user becomes present (a {@code join} event) unless
   * already present through another session; repeating the call does nothing.
   *
   * @param channel the channel
   * @throws InvalidArgumentException if the channel name is over the limit or the session ended
   * @throws TooLargeException if the session is at its channel limit
   * @throws ChannelFullException if the channel is at its user limit
   * @throws UnavailableException if the store cannot be reached; nothing changed
   */
  void join(ChannelId channel);

  /**
   * Leaves a channel. If no other session of the user remains in it, the user's presence ends at
   * once with a {@code leave} event. Leaving a channel not joined does nothing.
   *
   * @param channel the channel
   * @throws UnavailableException if the store cannot be reached; nothing changed
   */
  void leave(ChannelId channel);

  /**
   * Records a sign of life. Cheap: it does not reach the store.
   *
   * @throws InvalidArgumentException if the session ended
   */
  void heartbeat();

  /**
   * Ends the session without an explicit leave: its memberships are held for the grace period.
   * Idempotent.
   *
   * @param reason {@link CloseReason#CLEAN} for a clean close, {@link CloseReason#LOST} otherwise
   */
  void close(CloseReason reason);

  /** Ends the session cleanly; the same as {@code close(CloseReason.CLEAN)}. */
  @Override
  default void close() {
    close(CloseReason.CLEAN);
  }

  /**
   * Whether the session has ended (closed, or timed out).
   *
   * @return true once ended
   */
  boolean isClosed();
}
