package dev.presence.web.pubnub;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.Subscription;
import dev.presence.UserId;
import dev.presence.event.AttributesUpdated;
import dev.presence.event.PresenceEvent;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.Interval;
import dev.presence.web.engine.IntervalListener;
import dev.presence.web.engine.ObserveMode;
import dev.presence.web.engine.PrecheckedPresence;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.AsyncResponse;
import jakarta.ws.rs.container.ConnectionCallback;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The node's PubNub state: per observed channel a {@link ChannelBuffer} (an engine subscription
 * whose events become PubNub envelopes, the last {@code presence.pubnub.buffer} of them kept by
 * timetoken) and the long-polls waiting on them; per (uuid, channel) the last heartbeat value and
 * the last state seen.
 *
 * <p><b>Ordering.</b> An envelope gets its timetoken and enters its buffer under one node-wide lock
 * and only then becomes visible through {@link #lastAppended}; a poll delivers only envelopes up to
 * the {@code lastAppended} it read first, and answers that as its next timetoken, so an envelope of
 * another channel with a smaller timetoken can never be skipped.
 *
 * <p><b>Polls.</b> A waiting poll holds no thread: it is a suspended {@link AsyncResponse}
 * registered with its buffers, answered from a small executor when an event arrives, when the hold
 * ends (its timeout handler), or forgotten when the client disconnects. A closed or aborted poll is
 * not a leave (PUBNUB.md 1.3).
 *
 * <p><b>Lifetime.</b> A buffer lives while polls use it and is dropped (its subscription closed)
 * after ten minutes without one. Thread-safe.
 */
@ApplicationScoped
public class PubNubHub {

  private static final Logger LOG = Logger.getLogger(PubNubHub.class.getName());

  /** A buffer unused this long is dropped. */
  static final Duration IDLE = Duration.ofMinutes(10);

  /** The default presence timeout of the SDKs, for a subscribe without {@code heartbeat}. */
  static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(300);

  /** The most (uuid, channel) entries remembered for heartbeats and state. */
  static final int MAX_REMEMBERED = 200_000;

  /** The subscribe key written in envelopes (the SDKs ignore it). */
  static final String ENVELOPE_KEY = "presence";

  /** At most this many user ids per list in one {@code interval} envelope. */
  static final int INTERVAL_IDS = 500;

  @Inject PrecheckedPresence presence;
  @Inject PresenceConfig config;

  private final Object appendLock = new Object();
  private volatile long lastAppended;
  private final ConcurrentHashMap<ChannelId, ChannelBuffer> buffers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Duration> heartbeats = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Attributes> states = new ConcurrentHashMap<>();
  private final AtomicInteger openPolls = new AtomicInteger();
  private final ExecutorService answers =
      Executors.newFixedThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "presence-pubnub-answers");
            t.setDaemon(true);
            return t;
          });
  private final ScheduledExecutorService reaper =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "presence-pubnub-reaper");
            t.setDaemon(true);
            return t;
          });
  private final AtomicBoolean reaping = new AtomicBoolean();

  /** Stops the threads and closes every subscription. */
  @PreDestroy
  void stop() {
    reaper.shutdownNow();
    answers.shutdownNow();
    for (ChannelBuffer b : buffers.values()) {
      b.close();
    }
    buffers.clear();
  }

  /** The long-polls waiting on this node. */
  public int openPolls() {
    return openPolls.get();
  }

  /** The channels observed through PubNub on this node. */
  public int bufferedChannels() {
    return buffers.size();
  }

  /** The last timetoken handed to an envelope, or a fresh one. */
  long now() {
    return Timetokens.next();
  }

  // ---------------------------------------------------------------- heartbeat and state memory

  private static String key(UserId user, ChannelId channel) {
    return user.value() + '\u0000' + channel.value();
  }

  /** Remembers the heartbeat value of (user, channel). */
  void heartbeat(UserId user, ChannelId channel, Duration timeout) {
    if (heartbeats.size() > MAX_REMEMBERED) {
      heartbeats.clear();
    }
    heartbeats.put(key(user, channel), timeout);
  }

  /** The last heartbeat value of (user, channel), or the SDKs' default. */
  Duration heartbeatOf(UserId user, ChannelId channel) {
    return heartbeats.getOrDefault(key(user, channel), DEFAULT_HEARTBEAT);
  }

  /** The state last set or seen for (user, channel) on this node, or null. */
  @Nullable Attributes stateOf(UserId user, ChannelId channel) {
    return states.get(key(user, channel));
  }

  /** Remembers the state of (user, channel). */
  void state(UserId user, ChannelId channel, Attributes state) {
    if (states.size() > MAX_REMEMBERED) {
      states.clear();
    }
    states.put(key(user, channel), state);
  }

  /** Forgets (user, channel) after a leave. */
  void forget(UserId user, ChannelId channel) {
    heartbeats.remove(key(user, channel));
    states.remove(key(user, channel));
  }

  // ---------------------------------------------------------------- polls

  /**
   * Starts observing channels (before a handshake answers, so every later event is kept).
   *
   * @param channels the channels
   * @return their buffers, live
   */
  List<ChannelBuffer> observe(List<ChannelId> channels) {
    startReaper();
    List<ChannelBuffer> list = new ArrayList<>(channels.size());
    for (ChannelId c : channels) {
      list.add(acquire(c));
    }
    return list;
  }

  private ChannelBuffer acquire(ChannelId channel) {
    while (true) {
      ChannelBuffer b = buffers.computeIfAbsent(channel, ChannelBuffer::new);
      if (b.use()) {
        return b;
      }
      buffers.remove(channel, b);
    }
  }

  /**
   * Suspends a long-poll: answered with every envelope after {@code after} on the buffers, at once
   * if there are some, else at the first event or when the hold ends.
   */
  void poll(List<ChannelBuffer> observed, long after, AsyncResponse response) {
    Poll poll = new Poll(observed, after, response);
    response.setTimeout(config.pubnubLongPoll().toMillis(), TimeUnit.MILLISECONDS);
    response.setTimeoutHandler(r -> poll.expire());
    try {
      response.register((ConnectionCallback) r -> poll.abandon());
    } catch (RuntimeException e) {
      // connection callbacks are optional in JAX-RS; the hold then ends at its timeout
      LOG.log(Level.FINE, "no connection callback", e);
    }
    openPolls.incrementAndGet();
    for (ChannelBuffer b : observed) {
      b.add(poll);
    }
    poll.tryDeliver();
  }

  private void startReaper() {
    if (reaping.compareAndSet(false, true)) {
      reaper.scheduleWithFixedDelay(this::reap, 60, 60, TimeUnit.SECONDS);
    }
  }

  private void reap() {
    long idleBefore = System.nanoTime() - IDLE.toNanos();
    for (ChannelBuffer b : buffers.values()) {
      if (b.closeIfIdle(idleBefore)) {
        buffers.remove(b.channel, b);
      }
    }
  }

  static Response json(String body) {
    return Response.ok(body, MediaType.APPLICATION_JSON_TYPE)
        .header("Cache-Control", "no-store")
        .header("Access-Control-Allow-Origin", "*")
        .build();
  }

  private void submit(Runnable task) {
    try {
      answers.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      LOG.log(Level.FINE, "shutting down", e);
    }
  }

  /** One envelope in a buffer. */
  private record Entry(long timetoken, String json) {}

  /** The envelopes of one channel and the polls waiting on it. */
  final class ChannelBuffer implements IntervalListener {

    final ChannelId channel;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Set<Poll> waiters = ConcurrentHashMap.newKeySet();
    private @Nullable Subscription subscription;
    private boolean closed;
    private long lastUse = System.nanoTime();

    ChannelBuffer(ChannelId channel) {
      this.channel = channel;
    }

    /** Marks the buffer used, subscribing first if needed; false if it was closed meanwhile. */
    synchronized boolean use() {
      if (closed) {
        return false;
      }
      lastUse = System.nanoTime();
      if (subscription == null) {
        subscription = presence.subscribe(channel, this);
      }
      return true;
    }

    void add(Poll poll) {
      waiters.add(poll);
      synchronized (this) {
        lastUse = System.nanoTime();
      }
    }

    void remove(Poll poll) {
      waiters.remove(poll);
    }

    synchronized boolean closeIfIdle(long idleBefore) {
      if (closed || !waiters.isEmpty() || lastUse - idleBefore > 0) {
        return false;
      }
      close();
      return true;
    }

    synchronized void close() {
      closed = true;
      Subscription s = subscription;
      subscription = null;
      if (s != null) {
        try {
          s.close();
        } catch (RuntimeException e) {
          LOG.log(Level.FINE, "closing a PubNub channel subscription failed", e);
        }
      }
    }

    @Override
    public void onEvent(PresenceEvent event) {
      append(tt -> PubNubJson.envelope(event, tt, ENVELOPE_KEY));
    }

    @Override
    public ObserveMode mode() {
      return ObserveMode.EVENTS;
    }

    /**
     * An interval of a large channel (SPEC 13.3) becomes PubNub's {@code interval} presence event:
     * {@code join}, {@code leave} and {@code timeout} lists (split over several envelopes of at
     * most {@link #INTERVAL_IDS} ids each, as PUBNUB.md advises instead of {@code
     * here_now_refresh}), then one {@code state-change} per user whose attributes changed and who
     * is in none of the lists (PubNub's intervals carry no state).
     */
    @Override
    public void onInterval(Interval interval) {
      List<String> join = ids(interval.join());
      List<String> leave = ids(interval.leave());
      List<String> timeout = ids(interval.timeout());
      long seconds =
          interval.events().isEmpty()
              ? System.currentTimeMillis() / 1000
              : interval.events().get(interval.events().size() - 1).timestamp().getEpochSecond();
      int longest = Math.max(join.size(), Math.max(leave.size(), timeout.size()));
      int chunks = Math.max(1, (longest + INTERVAL_IDS - 1) / INTERVAL_IDS);
      for (int i = 0; i < chunks; i++) {
        List<String> j = chunk(join, i);
        List<String> l = chunk(leave, i);
        List<String> t = chunk(timeout, i);
        append(
            tt ->
                PubNubJson.interval(
                    channel.value(), tt, seconds, interval.occupancy(), j, l, t, ENVELOPE_KEY));
      }
      Set<UserId> listed = new java.util.HashSet<>(interval.join());
      listed.addAll(interval.leave());
      listed.addAll(interval.timeout());
      Map<UserId, PresenceEvent> lastChange = new java.util.LinkedHashMap<>();
      for (PresenceEvent e : interval.events()) {
        if (e instanceof AttributesUpdated && !listed.contains(e.userId())) {
          lastChange.put(e.userId(), e);
        }
      }
      for (PresenceEvent e : lastChange.values()) {
        append(tt -> PubNubJson.envelope(e, tt, ENVELOPE_KEY));
      }
    }

    @Override
    public void onOccupancy(ChannelId c, int occupancy, long seq) {
      // EVENTS mode: never called
    }

    private static List<String> ids(List<UserId> users) {
      List<String> out = new ArrayList<>(users.size());
      for (UserId u : users) {
        out.add(u.value());
      }
      return out;
    }

    private static List<String> chunk(List<String> ids, int i) {
      int from = Math.min(ids.size(), i * INTERVAL_IDS);
      return ids.subList(from, Math.min(ids.size(), from + INTERVAL_IDS));
    }

    /**
     * Puts an envelope into the buffer under a fresh timetoken and wakes the waiting polls: the way
     * every event and every interval enters.
     *
     * @param envelope writes the envelope's JSON for its timetoken
     */
    void append(java.util.function.LongFunction<String> envelope) {
      synchronized (appendLock) {
        long tt = Timetokens.next();
        String json = envelope.apply(tt);
        synchronized (this) {
          entries.addLast(new Entry(tt, json));
          while (entries.size() > config.pubnubBuffer()) {
            entries.removeFirst();
          }
        }
        lastAppended = tt;
      }
      for (Poll p : waiters) {
        try {
          answers.execute(p::tryDeliver);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          return; // shutting down
        }
      }
    }

    @Override
    public void onResync(ChannelId c) {
      // Events were lost (a partition, or an overflowing inbox): take up the stream again. PubNub
      // has no resync message; clients see the events from now on.
      submit(
          () -> {
            Subscription s;
            synchronized (this) {
              s = subscription;
            }
            if (s != null) {
              try {
                s.resync();
              } catch (RuntimeException e) {
                LOG.log(Level.FINE, "resync of a PubNub channel subscription failed", e);
              }
            }
          });
    }

    /** The envelopes with after < timetoken <= upTo. */
    synchronized void collect(long after, long upTo, List<Entry> into) {
      for (var it = entries.descendingIterator(); it.hasNext(); ) {
        Entry e = it.next();
        if (e.timetoken <= after) {
          break;
        }
        if (e.timetoken <= upTo) {
          into.add(e);
        }
      }
    }
  }

  /** One suspended subscribe. */
  final class Poll {

    private final List<ChannelBuffer> observed;
    private final long after;
    private final AsyncResponse response;
    private final AtomicBoolean done = new AtomicBoolean();

    Poll(List<ChannelBuffer> observed, long after, AsyncResponse response) {
      this.observed = observed;
      this.after = after;
      this.response = response;
    }

    /** Answers if there is something to deliver. */
    void tryDeliver() {
      long upTo = lastAppended;
      List<Entry> found = collect(upTo);
      if (!found.isEmpty() && finish()) {
        answer(upTo, found);
      }
    }

    /** The hold ended: answers what there is, or nothing with the client's own timetoken. */
    void expire() {
      if (finish()) {
        long upTo = lastAppended;
        List<Entry> found = collect(upTo);
        answer(found.isEmpty() ? after : upTo, found);
      }
    }

    /** The client went away. */
    void abandon() {
      finish();
    }

    private boolean finish() {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      openPolls.decrementAndGet();
      for (ChannelBuffer b : observed) {
        b.remove(this);
      }
      return true;
    }

    private List<Entry> collect(long upTo) {
      List<Entry> found = new ArrayList<>();
      if (upTo <= after) {
        return found;
      }
      for (ChannelBuffer b : observed) {
        b.collect(after, upTo, found);
      }
      found.sort(Comparator.comparingLong(Entry::timetoken));
      return found;
    }

    private void answer(long timetoken, List<Entry> found) {
      List<String> json = new ArrayList<>(found.size());
      for (Entry e : found) {
        json.add(e.json);
      }
      try {
        response.resume(json(PubNubJson.subscribe(timetoken, json)));
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "a PubNub long-poll could not be answered", e);
      }
    }
  }

  /** For tests: the heartbeat memory. */
  Map<String, Duration> heartbeats() {
    return heartbeats;
  }
}
