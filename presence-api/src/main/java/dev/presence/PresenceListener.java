package dev.presence;

import dev.presence.event.PresenceEvent;

/**
 * Receives the events of one channel after a {@link PresenceService#subscribe subscribe}.
 *
 * <p><b>Ordering:</b> events arrive in {@code seq} order with no gap and no duplicate, starting
 * right after the snapshot's {@code seq}. If the service cannot guarantee that (the listener fell
 * behind, or events were lost between nodes), it calls {@link #onResync} instead of delivering out
 * of order; the listener should then take a new snapshot ({@link Subscription#resync()}).
 *
 * <p><b>Threading:</b> the methods are called from a service thread, one call at a time per
 * subscription. They must return quickly and must not block: a listener that needs to do I/O hands
 * the event to its own queue. An exception thrown by a listener is logged and otherwise ignored.
 *
 * @since 0.1
 */
@FunctionalInterface
public interface PresenceListener {

  /**
   * Called for each event of the channel, in {@code seq} order.
   *
   * @param event the event
   */
  void onEvent(PresenceEvent event);

  /**
   * Called when the listener can no longer be served in order; no further events are delivered
   * until {@link Subscription#resync()} is called. The default does nothing.
   *
   * @param channel the channel
   */
  default void onResync(ChannelId channel) {}
}
