package dev.presence;

/**
 * An observer's subscription to one channel: a snapshot, then the events that follow it.
 *
 * <p>Thread-safe. Closing is idempotent.
 *
 * @since 0.1
 */
public interface Subscription extends AutoCloseable {

  /**
   * The channel observed.
   *
   * @return the channel
   */
  ChannelId channel();

  /**
   * The snapshot taken when the subscription started (or at the last {@link #resync()}): the events
   * delivered afterwards start at its {@code seq + 1}. It lists every present user with attributes.
   *
   * @return the snapshot
   */
  ChannelUsers snapshot();

  /**
   * Takes a new snapshot after {@link PresenceListener#onResync}, and resumes delivery after it.
   *
   * @return the new snapshot
   * @throws UnavailableException if the store cannot be reached
   */
  ChannelUsers resync();

  /** Stops delivery. No event is delivered after this method returns. */
  @Override
  void close();
}
