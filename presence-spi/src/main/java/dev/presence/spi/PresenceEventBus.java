package dev.presence.spi;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import java.util.List;

/**
 * Carries events from the node that produced them to every node of the cluster, itself included.
 *
 * <p><b>Guarantees.</b> Events published in one call, and by one node in successive calls, reach
 * each node's listeners in that order. Events of different nodes may interleave in any order, so
 * receivers reorder a channel's events by {@code seq}. Delivery is at most once per node; a backend
 * may lose events when a node fails, which receivers detect as a gap in {@code seq}.
 *
 * <p><b>Threading.</b> Thread-safe. Listeners are called from a backend thread, one call at a time
 * per listener, and must not block.
 *
 * @since 0.1
 */
public interface PresenceEventBus {

  /**
   * Sends events to every node. Does not block for delivery.
   *
   * @param events the events, in the order to deliver them
   * @throws dev.presence.UnavailableException if the bus cannot be reached
   */
  void publish(List<PresenceEvent> events);

  /**
   * Registers a listener for every event published on any node from now on.
   *
   * @param listener the listener
   * @return a handle whose {@code close()} removes the listener (see {@link Registration})
   */
  Registration subscribe(Listener listener);

  /**
   * Whether this node is, at this moment, the one node of the cluster that runs the event hooks of
   * a channel. With a stable cluster exactly one live node answers true for each channel; while
   * nodes join or leave two nodes may briefly both answer true, or none.
   *
   * @param channel the channel
   * @return true if this node should run the channel's hooks
   */
  boolean isHookOwner(ChannelId channel);

  /**
   * Asks every node, this one included, to close every connection of a user (SPEC 13.4: {@code
   * DELETE /api/v1/users/{user}/connections}). Does not block for delivery. Delivery is as for
   * events: at most once per node, in publishing order among the events and signals this node
   * publishes (as events of one node are); a node that cannot be reached (partitioned, or its
   * subscription down) does not get it, and is not told again.
   *
   * @param user the user
   * @throws dev.presence.UnavailableException if the bus cannot be reached
   * @throws UnsupportedOperationException if the backend lacks {@link Capability#ADMINISTRATION}
   * @since 0.2
   */
  default void closeConnections(UserId user) {
    throw new UnsupportedOperationException("this event bus does not carry close signals");
  }

  /**
   * Receives published events.
   *
   * @since 0.1
   */
  @FunctionalInterface
  interface Listener {
    /**
     * Called with events in publishing order (see {@link PresenceEventBus}).
     *
     * @param events the events, never empty
     */
    void onEvents(List<PresenceEvent> events);

    /**
     * Called on every node with each {@link #closeConnections} of any node, on the thread and with
     * the one-call-at-a-time rule of {@link #onEvents}. Does nothing by default.
     *
     * @param user the user whose connections are to be closed
     * @since 0.2
     */
    default void onCloseConnections(UserId user) {}
  }
}
