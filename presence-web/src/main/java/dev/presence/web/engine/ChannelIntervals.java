package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Interval mode of one channel (SPEC 13.3): turns the channel's events, in {@code seq} order, into
 * what observers that take intervals ({@link IntervalListener}) are sent. Engine-level and
 * transport-neutral: every transport (WebSocket, SSE, the PubNub protocol) takes the same output.
 *
 * <p><b>Output</b>, in {@code seq} order: a {@link PresenceEvent} passed on as it is (the channel
 * is at or under {@code announceMax}), an {@link Interval} (over it), and an {@link OccupancyTick}
 * at the end of every period in which events happened (for occupancy subscriptions, in both modes).
 *
 * <p><b>Mode.</b> An event whose occupancy is over {@code announceMax} goes into the open interval
 * (opening one if none is open): the event that takes the channel over the threshold is the first
 * of the first interval. An event whose occupancy is at or under it first closes the open interval
 * (up to the seq before it), then is passed on as an event. So a crossing either way is announced
 * by the first message of the new mode.
 *
 * <p><b>Periods, the same on every node.</b> Each event belongs to the period {@code
 * floor(timestamp / interval)} of its {@code timestamp} (when the store applied it, stamped by the
 * clock of the node that made the change), raised to the previous event's period if lower (periods
 * never go back in {@code seq} order, whatever the nodes' clocks say). An event of a later period
 * closes the current one: the open interval is emitted, then a tick. Every node sees the same
 * events with the same timestamps in the same order, so every node cuts the same intervals, without
 * talking to the others; a recovery's timeouts, published by a surviving node for a dead one, are
 * ordinary events of the sequence. A period also closes when the wall clock passes its end plus the
 * reorder window ({@link #tick}) without a later event: so a quiet channel's last interval still
 * goes out. An event that arrives later than that (delayed beyond the reorder window) goes into the
 * next period on that node only: the one case where two nodes may cut differently. So may the first
 * interval of a node that starts following the channel in the middle of a period (it starts at the
 * first event it sees), and nodes whose clocks differ by more than the reorder window.
 *
 * <p>A jump in {@code seq} (the router skipped a gap) closes the open interval before the jump; the
 * receivers see the gap and resync. An interval holds at most {@value #MAX_EVENTS} events; one more
 * closes it (a count in {@code seq} order, the same on every node that saw the interval's start).
 *
 * <p>Not thread-safe: the router calls it under its lock.
 */
public final class ChannelIntervals {

  /** The most events in one interval. */
  public static final int MAX_EVENTS = 50_000;

  private final ChannelId channel;
  private final int announceMax;
  private final long intervalMillis;
  private final long windowMillis;

  private long period = Long.MIN_VALUE;
  private boolean periodOpen;
  private long lastSeq = -1;
  private int lastOccupancy;
  private List<PresenceEvent> open = new ArrayList<>();

  /**
   * Creates the state of one channel.
   *
   * @param channel the channel
   * @param announceMax the threshold: intervals while the occupancy is over it
   * @param interval the period length, positive
   * @param reorderWindow how long after a period's end its events may still arrive
   */
  public ChannelIntervals(
      ChannelId channel, int announceMax, Duration interval, Duration reorderWindow) {
    if (interval.toMillis() <= 0) {
      throw new IllegalArgumentException("the interval must be at least 1 ms");
    }
    this.channel = channel;
    this.announceMax = announceMax;
    this.intervalMillis = interval.toMillis();
    this.windowMillis = Math.max(0, reorderWindow.toMillis());
  }

  /**
   * Takes the channel's next event.
   *
   * @param event the event, after every event given before
   * @param out where the output that is now due is added
   */
  public void offer(PresenceEvent event, List<Object> out) {
    if (lastSeq >= 0 && event.seq() != lastSeq + 1) {
      flushInterval(out);
    }
    long p = Math.max(period, Math.floorDiv(event.timestamp().toEpochMilli(), intervalMillis));
    if (periodOpen && p > period) {
      closePeriod(out);
    }
    period = p;
    periodOpen = true;
    lastSeq = event.seq();
    lastOccupancy = event.occupancy();
    if (event.occupancy() > announceMax) {
      if (open.size() >= MAX_EVENTS) {
        flushInterval(out);
      }
      open.add(event);
    } else {
      flushInterval(out);
      out.add(event);
    }
  }

  /**
   * Closes the current period if the wall clock has passed its end plus the reorder window.
   *
   * @param now the current time
   * @param out where the output that is now due is added
   */
  public void tick(Instant now, List<Object> out) {
    if (periodOpen && now.toEpochMilli() >= (period + 1) * intervalMillis + windowMillis) {
      closePeriod(out);
      period++; // a straggler of the closed period goes into the next one
    }
  }

  /**
   * Whether an interval is open.
   *
   * @return true while events wait for their interval to close
   */
  public boolean intervalOpen() {
    return !open.isEmpty();
  }

  /**
   * The channel.
   *
   * @return the channel
   */
  public ChannelId channel() {
    return channel;
  }

  private void closePeriod(List<Object> out) {
    flushInterval(out);
    out.add(new OccupancyTick(channel, lastSeq, lastOccupancy));
    periodOpen = false;
  }

  private void flushInterval(List<Object> out) {
    if (!open.isEmpty()) {
      out.add(Interval.of(channel, open));
      open = new ArrayList<>();
    }
  }
}
