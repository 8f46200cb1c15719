package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The reorder buffer of one channel: turns the events received from the bus, which may arrive out
 * of order when several nodes publish, into the channel's sequence without duplicates.
 *
 * <p>The stream knows the last {@code seq} it passed on ({@code last}), or nothing yet ({@code
 * -1}). An event with the next {@code seq} is passed on at once, together with the held events that
 * follow it; an event further ahead is held; an event at or below {@code last} is a duplicate and
 * dropped. A stream that knows nothing passes on {@code seq 1} at once and otherwise holds events
 * until a snapshot says where the sequence stands ({@link #startAt}) or the window runs out.
 *
 * <p>A gap that stays open for the reorder window ({@link #skipExpiredGap}) is skipped: the held
 * events after it are passed on, and each receiver detects the jump in {@code seq} itself (a
 * subscriber then asks for a resync). A store may restart a channel's sequence at 1 after it became
 * empty; the stream accepts {@code seq 1} after an event with occupancy 0. (An event of the new
 * sequence that arrives before its {@code seq 1} looks like a duplicate and is dropped; receivers
 * then see a gap and resync, so this rare case costs a resync, never a silent loss.)
 *
 * <p>Not thread-safe: the engine calls it under its routing lock.
 */
final class ChannelStream {

  private final ChannelId channel;
  private long last = -1;
  private int lastOccupancy = -1;
  private final TreeMap<Long, PresenceEvent> held = new TreeMap<>();
  private @Nullable Instant waitingSince;
  private Instant lastActivity;
  private final ChannelIntervals intervals;

  ChannelStream(ChannelId channel, Instant now) {
    this(
        channel,
        now,
        new ChannelIntervals(channel, Integer.MAX_VALUE, Duration.ofSeconds(5), Duration.ZERO));
  }

  ChannelStream(ChannelId channel, Instant now, ChannelIntervals intervals) {
    this.channel = channel;
    this.lastActivity = now;
    this.intervals = intervals;
  }

  /** The channel's interval mode, fed by the router with the events this stream passes on. */
  ChannelIntervals intervals() {
    return intervals;
  }

  ChannelId channel() {
    return channel;
  }

  /** The last seq passed on, or -1 if the stream does not know where the sequence stands. */
  long last() {
    return last;
  }

  /**
   * Takes one received event.
   *
   * @param event the event
   * @param now the current time
   * @param out where the events that are now in order are added
   * @return false if the event was a duplicate and dropped
   */
  boolean offer(PresenceEvent event, Instant now, List<PresenceEvent> out) {
    lastActivity = now;
    long seq = event.seq();
    if (last >= 0 && seq <= last && !isRestart(seq)) {
      return false;
    }
    held.put(seq, event);
    drain(now, out);
    return true;
  }

  /**
   * Tells a stream that knows nothing yet where the sequence stands: a snapshot reflected the
   * events up to {@code seq}. Held events up to it are passed on (subscribers drop what their
   * snapshot covers; hooks still get them), then the sequence continues after it. A stream that
   * already knows its position ignores this.
   *
   * @param seq the snapshot's seq
   * @param occupancy the snapshot's occupancy
   * @param now the current time
   * @param out where the events that are now in order are added
   */
  void startAt(long seq, int occupancy, Instant now, List<PresenceEvent> out) {
    if (last >= 0) {
      return;
    }
    while (!held.isEmpty() && held.firstKey() <= seq) {
      PresenceEvent event = held.pollFirstEntry().getValue();
      out.add(event);
    }
    last = seq;
    lastOccupancy = occupancy;
    drain(now, out);
  }

  /**
   * Skips the gap in front of the held events if it has been open for the window.
   *
   * @param now the current time
   * @param window the reorder window
   * @param out where the events that are now in order are added
   * @return true if a gap was skipped
   */
  boolean skipExpiredGap(Instant now, Duration window, List<PresenceEvent> out) {
    if (waitingSince == null || held.isEmpty() || waitingSince.plus(window).isAfter(now)) {
      return false;
    }
    last = held.firstKey() - 1;
    drain(now, out);
    return true;
  }

  /** Whether the stream holds nothing and has seen no event since {@code idleSince}. */
  boolean isIdleSince(Instant idleSince) {
    return held.isEmpty() && !intervals.intervalOpen() && lastActivity.isBefore(idleSince);
  }

  boolean holdsNothing() {
    return held.isEmpty();
  }

  private boolean isRestart(long seq) {
    return seq == 1 && lastOccupancy == 0 && last > 0;
  }

  private void drain(Instant now, List<PresenceEvent> out) {
    boolean progressed = false;
    while (!held.isEmpty()) {
      long first = held.firstKey();
      if (last < 0) {
        if (first != 1) {
          break;
        }
        last = 0;
      }
      if (first == last + 1 || isRestart(first)) {
        PresenceEvent event = held.pollFirstEntry().getValue();
        last = first;
        lastOccupancy = event.occupancy();
        out.add(event);
        progressed = true;
      } else if (first <= last) {
        // Only possible for events held across a restart of the sequence: stale, drop.
        held.pollFirstEntry();
      } else {
        break;
      }
    }
    if (held.isEmpty()) {
      waitingSince = null;
    } else if (progressed || waitingSince == null) {
      waitingSince = now;
    }
  }
}
