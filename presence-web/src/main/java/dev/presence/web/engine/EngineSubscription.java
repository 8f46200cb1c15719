package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceListener;
import dev.presence.Subscription;
import dev.presence.event.PresenceEvent;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One observer of one channel.
 *
 * <p><b>Flow.</b> The router offers the channel's events in {@code seq} order into a bounded inbox;
 * a task on the engine's listener pool drains it, one task per subscription at a time, so the
 * listener is called from an engine thread, one call at a time. While a snapshot is being taken
 * ({@code BUFFERING}) events are kept; once it is known ({@code LIVE}) only events after its {@code
 * seq} are delivered, each exactly the next one. An event further ahead means events were lost (a
 * skipped gap): the listener is told {@link PresenceListener#onResync} and nothing more is
 * delivered ({@code STALE}) until {@link #resync()}. So is an inbox that overflows ({@value
 * #QUEUE_CAPACITY} events): a listener that cannot keep up is resynced instead of silently losing
 * events. So is every subscription after a partition healed ({@link #invalidate()}).
 *
 * <p><b>Large channels.</b> A listener that is an {@link IntervalListener} is fed {@link
 * ChannelIntervals}'s output instead of every event: events, intervals (an interval that began at
 * or before the snapshot's {@code seq} is cut to the events after it, {@link Interval#after}) and
 * period ends, where an {@link ObserveMode#OCCUPANCY} listener is told the occupancy if it differs
 * from the last one it was given (the snapshot's, at first). The same gap and repeat rules apply to
 * intervals by their {@code fromSeq..toSeq}.
 *
 * <p><b>Closing.</b> Listener calls run while holding the subscription's lock, and {@link #close()}
 * takes it, so no call starts or runs after {@code close()} returns. Closing from inside the
 * listener is allowed; closing from a thread the listener waits for would deadlock.
 */
final class EngineSubscription implements Subscription {

  /** The most events waiting for one listener before it is resynced instead. */
  static final int QUEUE_CAPACITY = 10_000;

  private static final int BATCH = 256;
  private static final Logger LOG = Logger.getLogger(EngineSubscription.class.getName());

  private enum State {
    BUFFERING,
    LIVE,
    STALE,
    CLOSED
  }

  private final ChannelId channel;
  private final PresenceListener listener;
  private final EventRouter router;
  private final Executor executor;
  private final Function<ChannelId, ChannelUsers> snapshots;

  private final ConcurrentLinkedQueue<Object> inbox = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean overflowed = new AtomicBoolean();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final ReentrantLock lock = new ReentrantLock();
  private final Object resyncMutex = new Object();

  // Guarded by lock.
  private State state = State.BUFFERING;
  private final ArrayDeque<Object> buffered = new ArrayDeque<>();
  private boolean bufferOverflowed;
  private boolean resyncToNotify;
  private long lastSeq;
  private int lastOccupancy;

  private int lastToldOccupancy; // occupancy mode: the last occupancy the listener was given

  private final @Nullable IntervalListener intervals;
  private final ObserveMode mode;

  private volatile @Nullable ChannelUsers snapshot;

  EngineSubscription(
      ChannelId channel,
      PresenceListener listener,
      EventRouter router,
      Executor executor,
      Function<ChannelId, ChannelUsers> snapshots) {
    this.channel = channel;
    this.listener = listener;
    this.router = router;
    this.executor = executor;
    this.intervals = listener instanceof IntervalListener il ? il : null;
    this.mode = intervals == null ? ObserveMode.EVENTS : intervals.mode();
    this.snapshots = snapshots;
  }

  /** Whether the router feeds this subscription {@link ChannelIntervals}'s output. */
  boolean takesIntervals() {
    return intervals != null;
  }

  /** The mode: {@link ObserveMode#EVENTS} for a plain listener. */
  ObserveMode mode() {
    return mode;
  }

  /** Registers with the router, then takes the first snapshot; undoes the registration on error. */
  void start() {
    router.register(this);
    try {
      resync();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public ChannelId channel() {
    return channel;
  }

  @Override
  public ChannelUsers snapshot() {
    ChannelUsers s = snapshot;
    if (s == null) {
      throw new IllegalStateException("the subscription has not started");
    }
    return s;
  }

  /**
   * {@inheritDoc}
   *
   * @throws InvalidArgumentException if the subscription is closed
   */
  @Override
  public ChannelUsers resync() {
    synchronized (resyncMutex) {
      lock.lock();
      try {
        if (state == State.CLOSED) {
          throw new InvalidArgumentException("the subscription is closed");
        }
        state = State.BUFFERING;
        buffered.clear();
        bufferOverflowed = false;
        resyncToNotify = false;
      } finally {
        lock.unlock();
      }
      ChannelUsers taken;
      try {
        taken = snapshots.apply(channel);
      } catch (RuntimeException e) {
        lock.lock();
        try {
          if (state == State.BUFFERING) {
            state = State.STALE;
            buffered.clear();
          }
        } finally {
          lock.unlock();
        }
        throw e;
      }
      lock.lock();
      try {
        if (state == State.CLOSED) {
          return taken;
        }
        snapshot = taken;
        lastSeq = taken.seq();
        lastOccupancy = taken.occupancy();
        lastToldOccupancy = taken.occupancy();
        if (bufferOverflowed) {
          state = State.STALE;
          buffered.clear();
          resyncToNotify = true;
        } else {
          state = State.LIVE;
        }
      } finally {
        lock.unlock();
      }
      router.snapshotTaken(taken);
      schedule();
      return taken;
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      buffered.clear();
    } finally {
      lock.unlock();
    }
    router.unregister(this);
    inbox.clear();
  }

  boolean isClosed() {
    lock.lock();
    try {
      return state == State.CLOSED;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Tells the listener to resync, because the sequence it follows is no longer the channel's (after
   * a split-brain merge another copy of the channel's state won): the same path as an overflow.
   * Events queued or buffered are dropped; a resync already in progress ends stale and is notified.
   * Non-blocking.
   */
  void invalidate() {
    overflowed.set(true);
    schedule();
  }

  /**
   * Called by the router, in {@code seq} order, under its lock: must not block. A {@link
   * PresenceEvent}, or for a listener that takes intervals an {@link Interval} or an {@link
   * OccupancyTick}.
   */
  void offer(Object event) {
    if (queued.incrementAndGet() > QUEUE_CAPACITY) {
      queued.decrementAndGet();
      overflowed.set(true);
    } else {
      inbox.add(event);
    }
    schedule();
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        scheduled.set(false); // the engine is closed
      }
    }
  }

  private void drain() {
    lock.lock();
    try {
      if (overflowed.getAndSet(false)) {
        while (inbox.poll() != null) {
          queued.decrementAndGet();
        }
        if (state == State.LIVE) {
          goStale();
        } else if (state == State.BUFFERING) {
          bufferOverflowed = true;
        }
      }
      if (resyncToNotify) {
        resyncToNotify = false;
        if (state == State.STALE) {
          notifyResync();
        }
      }
      while (state == State.LIVE && !buffered.isEmpty()) {
        accept(buffered.pollFirst());
      }
      for (int i = 0; i < BATCH; i++) {
        Object event = inbox.poll();
        if (event == null) {
          break;
        }
        queued.decrementAndGet();
        switch (state) {
          case BUFFERING -> {
            if (buffered.size() < QUEUE_CAPACITY) {
              buffered.addLast(event);
            } else {
              bufferOverflowed = true;
            }
          }
          case LIVE -> accept(event);
          case STALE, CLOSED -> {
            // dropped: a resync or nothing follows
          }
        }
      }
    } finally {
      lock.unlock();
      scheduled.set(false);
    }
    if (!inbox.isEmpty() || overflowed.get()) {
      schedule();
    }
  }

  private void accept(Object item) {
    if (item instanceof PresenceEvent event) {
      accept(event);
    } else if (item instanceof Interval interval) {
      accept(interval);
    } else if (item instanceof OccupancyTick) {
      tick();
    }
  }

  /**
   * Delivers the part of the interval after what was delivered last; drops one the snapshot already
   * reflects; resyncs on a jump.
   */
  private void accept(Interval interval) {
    if (interval.toSeq() <= lastSeq) {
      return;
    }
    if (interval.fromSeq() > lastSeq + 1) {
      goStale();
      return;
    }
    Interval part = interval.fromSeq() == lastSeq + 1 ? interval : interval.after(lastSeq);
    lastSeq = interval.toSeq();
    lastOccupancy = interval.occupancy();
    if (mode == ObserveMode.EVENTS && intervals != null) {
      try {
        intervals.onInterval(part);
      } catch (RuntimeException e) {
        LOG.log(
            Level.WARNING,
            e,
            () -> "a presence listener of channel " + channel + " failed on an interval; ignored");
      }
    }
  }

  /** The end of a period: an occupancy subscription is told the occupancy if it changed. */
  private void tick() {
    if (mode != ObserveMode.OCCUPANCY || intervals == null || lastOccupancy == lastToldOccupancy) {
      return;
    }
    lastToldOccupancy = lastOccupancy;
    try {
      intervals.onOccupancy(channel, lastOccupancy, lastSeq);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          e,
          () -> "a presence listener of channel " + channel + " failed on occupancy; ignored");
    }
  }

  /** Delivers the event if it is exactly the next one; drops a repeat; resyncs on a jump. */
  private void accept(PresenceEvent event) {
    long seq = event.seq();
    boolean restart = seq == 1 && lastOccupancy == 0 && lastSeq > 0;
    if (seq == lastSeq + 1 || restart) {
      lastSeq = seq;
      lastOccupancy = event.occupancy();
      if (mode == ObserveMode.OCCUPANCY) {
        return;
      }
      try {
        listener.onEvent(event);
      } catch (RuntimeException e) {
        LOG.log(
            Level.WARNING,
            e,
            () -> "a presence listener of channel " + channel + " failed on an event; ignored");
      }
    } else if (seq > lastSeq + 1) {
      goStale();
    }
  }

  private void goStale() {
    state = State.STALE;
    buffered.clear();
    notifyResync();
  }

  private void notifyResync() {
    router.countResync();
    try {
      listener.onResync(channel);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          e,
          () -> "a presence listener of channel " + channel + " failed on resync; ignored");
    }
  }
}
