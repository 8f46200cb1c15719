package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventBus;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Receives every event from the bus (local and remote alike), puts each channel's events in {@code
 * seq} order ({@link ChannelStream}) and hands them to the channel's local subscriptions and, where
 * this node is the channel's hook owner, to the event hooks.
 *
 * <p>A channel gets a stream only while someone here needs its events: a local subscription, or
 * hooks on a node that owns the channel's hooks. Streams without subscriptions are forgotten after
 * {@link #STREAM_IDLE} without events; a forgotten stream's next event waits up to the reorder
 * window unless it is {@code seq 1} or a subscription's snapshot says where the sequence stands.
 *
 * <p>Each stream also keeps the channel's interval mode ({@link ChannelIntervals}), fed with every
 * event in order and ticked with the clock: subscriptions whose listener takes intervals ({@link
 * IntervalListener}) get its output, every other subscription and the hooks get every event.
 *
 * <p>All stream state is guarded by one lock, held while events are routed; handing an event on is
 * a non-blocking queue offer, so the bus thread is never blocked by a subscriber or a hook.
 */
final class EventRouter implements PresenceEventBus.Listener {

  private static final Logger LOG = Logger.getLogger(EventRouter.class.getName());

  /** How long a stream without subscriptions is kept after its last event. */
  static final Duration STREAM_IDLE = Duration.ofMinutes(10);

  /** How often idle streams are looked for. */
  private static final Duration CLEANUP_EVERY = Duration.ofSeconds(30);

  private final PresenceEventBus bus;
  private final InstantSource clock;
  private final Duration reorderWindow;
  private final List<HookRunner> hooks;
  private final int announceMax;
  private final Duration interval;

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<ChannelId, ChannelStream> streams = new HashMap<>();
  private final Set<ChannelStream> waiting = new HashSet<>();
  private final Map<ChannelId, Set<EngineSubscription>> subscribers = new ConcurrentHashMap<>();
  private final AtomicInteger subscriptionCount = new AtomicInteger();
  private final AtomicLong resyncs = new AtomicLong();
  private final AtomicLong gaps = new AtomicLong();
  private Instant nextCleanup;

  EventRouter(
      PresenceEventBus bus, InstantSource clock, Duration reorderWindow, List<HookRunner> hooks) {
    this(
        bus,
        clock,
        reorderWindow,
        hooks,
        EngineConfig.defaults().announceMax(),
        EngineConfig.defaults().interval());
  }

  EventRouter(
      PresenceEventBus bus,
      InstantSource clock,
      Duration reorderWindow,
      List<HookRunner> hooks,
      int announceMax,
      Duration interval) {
    this.announceMax = announceMax;
    this.interval = interval;
    this.bus = bus;
    this.clock = clock;
    this.reorderWindow = reorderWindow;
    this.hooks = List.copyOf(hooks);
    this.nextCleanup = clock.instant().plus(CLEANUP_EVERY);
  }

  @Override
  public void onEvents(List<PresenceEvent> events) {
    Instant now = clock.instant();
    List<PresenceEvent> ready = new ArrayList<>();
    lock.lock();
    try {
      for (PresenceEvent event : events) {
        ChannelStream stream = streams.get(event.channel());
        if (stream == null) {
          if (!isWanted(event.channel())) {
            continue;
          }
          stream = newStream(event.channel(), now);
          streams.put(event.channel(), stream);
        }
        ready.clear();
        stream.offer(event, now, ready);
        afterChange(stream, ready);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Registers a subscription before its snapshot is taken, so it sees every later event. */
  void register(EngineSubscription subscription) {
    lock.lock();
    try {
      subscribers
          .computeIfAbsent(subscription.channel(), c -> ConcurrentHashMap.newKeySet())
          .add(subscription);
      subscriptionCount.incrementAndGet();
    } finally {
      lock.unlock();
    }
  }

  void unregister(EngineSubscription subscription) {
    lock.lock();
    try {
      Set<EngineSubscription> set = subscribers.get(subscription.channel());
      if (set != null && set.remove(subscription)) {
        subscriptionCount.decrementAndGet();
        if (set.isEmpty()) {
          subscribers.remove(subscription.channel());
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** A subscription took a snapshot: a stream that does not know its position starts there. */
  void snapshotTaken(ChannelUsers snapshot) {
    Instant now = clock.instant();
    List<PresenceEvent> ready = new ArrayList<>();
    lock.lock();
    try {
      ChannelStream stream = streams.computeIfAbsent(snapshot.channel(), c -> newStream(c, now));
      stream.startAt(snapshot.seq(), snapshot.occupancy(), now, ready);
      afterChange(stream, ready);
    } finally {
      lock.unlock();
    }
  }

  /**
   * After a split-brain merge: forgets where every channel's sequence stood (the surviving copy of
   * a channel may be at any {@code seq}, below or above what was routed here) and tells every
   * subscription to resync. Streams start again from the next snapshot, or from an event after the
   * reorder window (hooks).
   *
   * @return the number of subscriptions told to resync
   */
  int resyncAll() {
    lock.lock();
    try {
      streams.clear();
      waiting.clear();
      int n = 0;
      for (Set<EngineSubscription> subs : subscribers.values()) {
        for (EngineSubscription sub : subs) {
          sub.invalidate();
          n++;
        }
      }
      return n;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Skips gaps open for the reorder window, and now and then forgets idle streams.
   *
   * @param now the current time
   */
  void tick(Instant now) {
    List<PresenceEvent> ready = new ArrayList<>();
    lock.lock();
    try {
      for (ChannelStream stream : List.copyOf(waiting)) {
        ready.clear();
        if (stream.skipExpiredGap(now, reorderWindow, ready)) {
          gaps.incrementAndGet();
          LOG.log(
              Level.FINE,
              () -> "events of channel " + stream.channel() + " were missing; gap skipped");
        }
        afterChange(stream, ready);
      }
      List<Object> due = new ArrayList<>();
      for (ChannelStream stream : streams.values()) {
        stream.intervals().tick(now, due);
        if (!due.isEmpty()) {
          toIntervalSubscribers(stream.channel(), due);
          due.clear();
        }
      }
      if (!now.isBefore(nextCleanup)) {
        nextCleanup = now.plus(CLEANUP_EVERY);
        Instant idleSince = now.minus(STREAM_IDLE);
        Iterator<ChannelStream> it = streams.values().iterator();
        while (it.hasNext()) {
          ChannelStream stream = it.next();
          if (stream.isIdleSince(idleSince) && !subscribers.containsKey(stream.channel())) {
            it.remove();
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  int subscriptions() {
    return subscriptionCount.get();
  }

  void countResync() {
    resyncs.incrementAndGet();
  }

  long resyncs() {
    return resyncs.get();
  }

  long gaps() {
    return gaps.get();
  }

  /** Streams currently kept, for tests. */
  int streamCount() {
    lock.lock();
    try {
      return streams.size();
    } finally {
      lock.unlock();
    }
  }

  /** Streams holding events that wait for a gap to fill, for tests. */
  int waitingStreams() {
    lock.lock();
    try {
      return waiting.size();
    } finally {
      lock.unlock();
    }
  }

  /** The last seq passed on for a channel, or -1 if unknown or there is no stream; for tests. */
  long lastRouted(ChannelId channel) {
    lock.lock();
    try {
      ChannelStream stream = streams.get(channel);
      return stream == null ? -1 : stream.last();
    } finally {
      lock.unlock();
    }
  }

  private boolean isWanted(ChannelId channel) {
    return subscribers.containsKey(channel) || (!hooks.isEmpty() && isHookOwner(channel));
  }

  private void afterChange(ChannelStream stream, List<PresenceEvent> ready) {
    if (stream.holdsNothing()) {
      waiting.remove(stream);
    } else {
      waiting.add(stream);
    }
    if (ready.isEmpty()) {
      return;
    }
    Set<EngineSubscription> subs = subscribers.get(stream.channel());
    boolean toHooks = !hooks.isEmpty() && isHookOwner(stream.channel());
    List<Object> intervalOutput = new ArrayList<>();
    for (PresenceEvent event : ready) {
      stream.intervals().offer(event, intervalOutput);
      if (subs != null) {
        for (EngineSubscription sub : subs) {
          if (sub.takesIntervals()) {
            for (Object item : intervalOutput) {
              sub.offer(item);
            }
          } else {
            sub.offer(event);
          }
        }
      }
      intervalOutput.clear();
      if (toHooks) {
        for (HookRunner hook : hooks) {
          hook.offer(event);
        }
      }
    }
  }

  private ChannelStream newStream(ChannelId channel, Instant now) {
    return new ChannelStream(
        channel, now, new ChannelIntervals(channel, announceMax, interval, reorderWindow));
  }

  private void toIntervalSubscribers(ChannelId channel, List<Object> items) {
    Set<EngineSubscription> subs = subscribers.get(channel);
    if (subs == null) {
      return;
    }
    for (EngineSubscription sub : subs) {
      if (sub.takesIntervals()) {
        for (Object item : items) {
          sub.offer(item);
        }
      }
    }
  }

  private boolean isHookOwner(ChannelId channel) {
    try {
      return bus.isHookOwner(channel);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          e,
          () -> "could not tell whether this node runs the hooks of channel " + channel);
      return false;
    }
  }
}
