package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.PresenceListener;

/**
 * A listener that takes large channels' intervals and occupancy (SPEC 13.3): subscribe with one
 * ({@link PrecheckedPresence#subscribe}) and the subscription follows {@link ChannelIntervals}'s
 * output instead of every event. A plain {@link PresenceListener} still gets every event.
 *
 * <p>In {@link ObserveMode#EVENTS} the listener gets {@link #onEvent} for events while the channel
 * is at or under the threshold and {@link #onInterval} while over it; in {@link
 * ObserveMode#OCCUPANCY} only {@link #onOccupancy}. Either way the calls are in {@code seq} order
 * and gap-free after the subscription's snapshot: the first interval after a snapshot taken inside
 * an interval covers only the events after the snapshot's {@code seq}. Calls come from engine
 * threads, one at a time per subscription, as for {@link PresenceListener}.
 */
public interface IntervalListener extends PresenceListener {

  /**
   * What the listener wants.
   *
   * @return the mode; read once when subscribing
   */
  ObserveMode mode();

  /**
   * An interval of the channel ({@link ObserveMode#EVENTS}).
   *
   * @param interval the interval, starting right after what the listener was last given
   */
  void onInterval(Interval interval);

  /**
   * The channel's occupancy changed during an interval period ({@link ObserveMode#OCCUPANCY}).
   *
   * @param channel the channel
   * @param occupancy the occupancy after {@code seq}
   * @param seq the last seq of the period
   */
  void onOccupancy(ChannelId channel, int occupancy, long seq);
}
