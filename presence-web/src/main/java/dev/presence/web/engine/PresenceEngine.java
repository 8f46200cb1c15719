package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.NotPresentException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresenceException;
import dev.presence.PresenceLimits;
import dev.presence.PresenceListener;
import dev.presence.PresenceService;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.Subscription;
import dev.presence.TooLargeException;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceEventHook;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The presence engine of one node: implements {@link PresenceService} on top of a {@link
 * PresenceBackend}, with the liveness rules of the specification (section 3).
 *
 * <p><b>Sessions.</b> {@link #openSession} makes a node-bound session (its id starts with {@code
 * s:}, this node's id and a per-engine random part). A session silent for the timeout {@code T} (no
 * call and no {@link PresenceSession#heartbeat()}) is ended as lost by the ticker; a session's end
 * releases its memberships for the grace period {@code G}. The user-level {@link #join} and {@link
 * #leave} act on the lease-bound <em>API session</em> of (user, channel), whose id is derived from
 * both ({@code api:<length of user id>:<user>:<channel>}), so a repeated REST join renews the same
 * lease ({@code now + T}); the store ends an unrenewed lease in {@link PresenceStore#expire}, which
 * the ticker calls.
 *
 * <p><b>Limits</b> (section 7) are checked before anything reaches the store. Two are counted on
 * this node only, without a store round trip: sessions per user (connection-bound sessions open on
 * this node; API sessions do not count) and the attribute-set rate (a token bucket per user). The
 * users-per-channel limit is enforced by the store.
 *
 * <p><b>Events.</b> Every event the store returns is published on the backend's event bus, and
 * nothing else: local subscribers and hooks get events only from the bus listener, so local and
 * remote events take one path (see {@link EventRouter}). Subscribers are served in {@code seq}
 * order without gap or duplicate from their snapshot on, or told to resync; their listeners run on
 * a pool of engine threads, one call at a time per subscription, and a listener that falls {@value
 * EngineSubscription#QUEUE_CAPACITY} events behind is resynced. Event hooks run where {@link
 * PresenceEventBus#isHookOwner} is true, each on its own thread with a bounded queue. If publishing
 * fails after the store changed, the change stands (the call succeeds), the failure is logged, and
 * observers see a gap and resync.
 *
 * <p><b>Cluster.</b> A lost node's sessions are released on the ticker thread ({@link
 * PresenceStore#releaseNode}, retried until the store answers). After a partition heals ({@link
 * ClusterListener#merged()}), the ticker joins every channel of every local session again, so state
 * the other side ended while the connection stayed open here comes back (with a {@code join} event,
 * since the others saw it end).
 *
 * <p><b>Errors.</b> {@link PresenceException}s of the store pass through unchanged; anything else
 * thrown by the backend becomes an {@link UnavailableException} whose message says nothing about
 * internals. A session end whose release fails is retried by the ticker.
 *
 * <p><b>Time</b> comes only from the {@link InstantSource} given, so tests drive liveness with a
 * fake clock and {@link #tick()}.
 *
 * <p>Thread-safe. Use: construct, {@link #start()}, and {@link #close()} at shutdown.
 */
public final class PresenceEngine implements PresenceService, AutoCloseable {

  private static final System.Logger LOG = System.getLogger(PresenceEngine.class.getName());

  private static final String UNAVAILABLE =
      "the presence store cannot be reached at the moment; try again later";

  private final PresenceBackend backend;
  private final PresenceStore store;
  private final PresenceEventBus bus;
  private final EngineConfig config;
  private final PresenceLimits limits;
  private final InstantSource clock;
  private final List<HookRunner> hookRunners;
  private final EventRouter router;
  private final RateLimiter attributeRate;
  private final ThreadPoolExecutor listenerPool;

  private final ConcurrentHashMap<SessionId, EngineSession> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UserId, Integer> sessionsPerUser = new ConcurrentHashMap<>();
  private final String sessionPrefix;
  private final AtomicLong sessionCounter = new AtomicLong();

  private final ConcurrentLinkedQueue<String> lostNodes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean mergePending = new AtomicBoolean();
  private final ConcurrentLinkedQueue<PendingRelease> pendingReleases =
      new ConcurrentLinkedQueue<>();
  private final Map<EventKind, LongAdder> produced = new EnumMap<>(EventKind.class);

  private final @Nullable ThreadFactory threads;
  private final ReentrantLock tickLock = new ReentrantLock();
  private boolean tickFailing; // guarded by tickLock

  private final Object lifecycle = new Object();
  private boolean started; // guarded by lifecycle
  private boolean closed; // guarded by lifecycle
  private @Nullable ScheduledExecutorService ticker;
  private PresenceEventBus.@Nullable Registration busRegistration;
  private PresenceEventBus.@Nullable Registration clusterRegistration;

  /**
   * Creates an engine; nothing runs until {@link #start()}.
   *
   * @param backend the backend; the caller keeps ownership and closes it after this engine
   * @param config the settings
   * @param clock the only source of time
   * @param hooks the event hooks, each called on its own thread
   */
  public PresenceEngine(
      PresenceBackend backend,
      EngineConfig config,
      InstantSource clock,
      List<PresenceEventHook> hooks) {
    this(backend, config, clock, hooks, null);
  }

  /**
   * Creates an engine whose threads come from a container's thread factory; nothing runs until
   * {@link #start()}. In a Jakarta EE container pass its managed thread factory: calls a backend
   * makes from the engine's threads (the ticker, listeners, hooks) then run in the application's
   * context, which a clustered backend needs to send the application's classes to other nodes.
   *
   * @param backend the backend; the caller keeps ownership and closes it after this engine
   * @param config the settings
   * @param clock the only source of time
   * @param hooks the event hooks, each called on its own thread
   * @param threadFactory makes every thread of the engine, or null for plain daemon threads
   */
  public PresenceEngine(
      PresenceBackend backend,
      EngineConfig config,
      InstantSource clock,
      List<PresenceEventHook> hooks,
      @Nullable ThreadFactory threadFactory) {
    this.threads = threadFactory;
    this.backend = backend;
    this.store = backend.store();
    this.bus = backend.eventBus();
    this.config = config;
    this.limits = config.limits();
    this.clock = clock;
    List<HookRunner> runners = new ArrayList<>();
    for (int i = 0; i < hooks.size(); i++) {
      runners.add(
          new HookRunner(
              hooks.get(i), config.hookQueueCapacity(), threads("presence-hook-" + (i + 1))));
    }
    this.hookRunners = List.copyOf(runners);
    this.router = new EventRouter(bus, clock, config.reorderWindow(), hookRunners);
    this.attributeRate =
        new RateLimiter(
            "attribute changes", limits.attributeSetsPerSecond(), limits.attributeSetsBurst());
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.listenerPool =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            threads("presence-listener-"));
    this.listenerPool.allowCoreThreadTimeOut(true);
    this.sessionPrefix =
        "s:"
            + sanitize(backend.nodeId())
            + ":"
            + UUID.randomUUID().toString().substring(0, 8)
            + ":";
    for (EventKind kind : EventKind.values()) {
      produced.put(kind, new LongAdder());
    }
  }

  /**
   * Starts the engine: subscribes to the event bus and to cluster changes, starts the hook threads
   * and the liveness ticker (a daemon thread calling {@link #tick()} every {@link
   * EngineConfig#tickInterval()}). Calling it again does nothing.
   *
   * @throws IllegalStateException if the engine was closed
   */
  public void start() {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("the presence engine is closed");
      }
      if (started) {
        return;
      }
      started = true;
      busRegistration = bus.subscribe(router);
      clusterRegistration =
          backend.addClusterListener(
              new ClusterListener() {
                @Override
                public void nodeLost(String nodeId) {
                  lostNodes.add(nodeId);
                }

                @Override
                public void merged() {
                  mergePending.set(true);
                }
              });
      hookRunners.forEach(HookRunner::start);
      ScheduledExecutorService t =
          Executors.newSingleThreadScheduledExecutor(threads("presence-engine-ticker"));
      long period = config.tickInterval().toNanos();
      t.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.NANOSECONDS);
      ticker = t;
    }
  }

  /**
   * One liveness pass: ends local sessions silent for the timeout as lost, retries failed session
   * releases, releases the sessions of lost nodes, re-asserts local sessions after a merge, lets
   * the store end expired leases and grace periods ({@link PresenceStore#expire}), publishes the
   * resulting events, and skips event gaps older than the reorder window. Public so that tests
   * drive it with a fake clock; the ticker calls it otherwise. Never throws: failures are logged
   * and the work is retried on the next pass.
   */
  public void tick() {
    tickLock.lock();
    try {
      Instant now = clock.instant();
      boolean ok = true;
      ok &= step("ending silent sessions", () -> endSilentSessions(now));
      ok &= step("retrying session releases", () -> retryReleases(now));
      ok &= step("releasing lost nodes", () -> releaseLostNodes(now));
      ok &= step("re-asserting sessions after a merge", () -> reassertAfterMerge(now));
      ok &= step("expiring", () -> publish(store.expire(now, config.grace())));
      ok &= step("rate limits", () -> attributeRate.forgetIdle(now));
      ok &= step("reordering events", () -> router.tick(now));
      if (ok && tickFailing) {
        LOG.log(Level.INFO, "presence liveness checks work again");
      }
      tickFailing = !ok;
    } finally {
      tickLock.unlock();
    }
  }

  /**
   * Whether the backend can be reached now.
   *
   * @return the backend's answer; false if asking failed
   */
  public boolean isAvailable() {
    try {
      return backend.isAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * This node's counters.
   *
   * @return a snapshot
   */
  public EngineMetrics metrics() {
    Map<EventKind, Long> events = new EnumMap<>(EventKind.class);
    produced.forEach((kind, count) -> events.put(kind, count.sum()));
    long failures = 0;
    long drops = 0;
    for (HookRunner runner : hookRunners) {
      failures += runner.failures();
      drops += runner.drops();
    }
    return new EngineMetrics(
        sessions.size(),
        router.subscriptions(),
        events,
        failures,
        drops,
        router.resyncs(),
        router.gaps());
  }

  /**
   * The backend.
   *
   * @return the backend given to the constructor
   */
  public PresenceBackend backend() {
    return backend;
  }

  /**
   * The settings.
   *
   * @return the settings given to the constructor
   */
  public EngineConfig config() {
    return config;
  }

  /**
   * Stops the ticker, the hook threads and the listener threads, and unsubscribes from the bus and
   * from cluster changes. Sessions are not ended: their memberships stay in the store (a graceful
   * handover is future work; on a cluster, the other nodes release them when this node leaves).
   * Subscriptions get no further events. Idempotent.
   */
  @Override
  public void close() {
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      closeQuietly(busRegistration);
      closeQuietly(clusterRegistration);
      ScheduledExecutorService t = ticker;
      if (t != null) {
        t.shutdownNow();
      }
      hookRunners.forEach(HookRunner::stop);
      listenerPool.shutdownNow();
    }
  }

  // ---- PresenceService ----

  @Override
  public PresenceSession openSession(UserId user) {
    limits.check(user);
    int max = limits.sessionsPerUser();
    sessionsPerUser.compute(
        user,
        (u, count) -> {
          int n = count == null ? 0 : count;
          if (n >= max) {
            throw new TooLargeException(
                "a user may have at most " + max + " connections open; close one first");
          }
          return n + 1;
        });
    SessionId id = SessionId.of(sessionPrefix + sessionCounter.incrementAndGet());
    EngineSession session = new EngineSession(this, id, user, now());
    sessions.put(id, session);
    return session;
  }

  @Override
  public void join(ChannelId channel, UserId user) {
    limits.check(channel);
    limits.check(user);
    Instant now = now();
    SessionLease lease =
        SessionLease.leaseBound(apiSessionId(channel, user), now.plus(config.timeout()));
    publish(call(() -> store.join(channel, user, lease, limits.usersPerChannel(), now)));
  }

  @Override
  public void leave(ChannelId channel, UserId user) {
    limits.check(channel);
    limits.check(user);
    Instant now = now();
    SessionId session = apiSessionId(channel, user);
    publish(call(() -> store.leave(channel, user, session, now)));
  }

  @Override
  public ChannelUsers channelUsers(ChannelId channel, PageRequest page) {
    limits.check(channel);
    return call(() -> store.users(channel, page));
  }

  @Override
  public List<ChannelId> userChannels(UserId user) {
    limits.check(user);
    return call(() -> store.channelsOf(user));
  }

  @Override
  public Attributes setAttributes(ChannelId channel, UserId user, Attributes attributes) {
    limits.check(channel);
    limits.check(user);
    limits.check(attributes);
    Instant now = now();
    attributeRate.acquire(user, now);
    publish(call(() -> store.setAttributes(channel, user, attributes, now)));
    return attributes;
  }

  @Override
  public Attributes attributes(ChannelId channel, UserId user) {
    limits.check(channel);
    limits.check(user);
    return call(() -> store.attributes(channel, user))
        .orElseThrow(
            () ->
                new NotPresentException(
                    "user '" + user + "' is not present in channel '" + channel + "'"));
  }

  @Override
  public Occupancy occupancy(ChannelId channel) {
    limits.check(channel);
    return call(() -> store.occupancy(channel));
  }

  /**
   * {@inheritDoc}
   *
   * <p>The listener is registered before the snapshot is read, so no event after the snapshot is
   * missed; events the snapshot already reflects are dropped. The subscription delivers only while
   * the engine is started.
   *
   * <p>The listener runs on an engine thread and may be called before this method (or {@link
   * Subscription#resync()}) has returned the snapshot to the caller; every event it gets has a
   * {@code seq} above the snapshot's. A caller that must send the snapshot before the events (a
   * WebSocket reply) queues what the listener gets until it has sent the snapshot.
   */
  @Override
  public Subscription subscribe(ChannelId channel, PresenceListener listener) {
    limits.check(channel);
    EngineSubscription subscription =
        new EngineSubscription(
            channel, listener, router, listenerPool, c -> call(() -> store.snapshot(c)));
    subscription.start();
    return subscription;
  }

  @Override
  public PresenceLimits limits() {
    return limits;
  }

  // ---- for sessions ----

  Instant now() {
    return clock.instant();
  }

  void joinNodeBound(ChannelId channel, UserId user, SessionId session, Instant now) {
    SessionLease lease = SessionLease.nodeBound(session, backend.nodeId());
    publish(call(() -> store.join(channel, user, lease, limits.usersPerChannel(), now)));
  }

  void leaveSession(ChannelId channel, UserId user, SessionId session, Instant now) {
    publish(call(() -> store.leave(channel, user, session, now)));
  }

  /** Releases one membership of an ended session; on failure the ticker retries it. */
  void releaseSession(
      ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant now) {
    PendingRelease release =
        new PendingRelease(channel, user, session, reason, now.plus(config.grace()));
    try {
      release(release, now);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          () ->
              "could not release session " + session + " from channel " + channel + "; will retry",
          e);
      pendingReleases.add(release);
    }
  }

  void sessionEnded(EngineSession session) {
    sessions.remove(session.id());
    sessionsPerUser.computeIfPresent(session.userId(), (u, n) -> n <= 1 ? null : n - 1);
  }

  void reassert(ChannelId channel, UserId user, SessionId session, Instant now) {
    try {
      joinNodeBound(channel, user, session, now);
    } catch (PresenceException e) {
      LOG.log(
          Level.WARNING,
          () -> "could not re-assert session " + session + " in channel " + channel,
          e);
    }
  }

  /** The session with an id, if it is open on this node; for tests. */
  @Nullable EngineSession session(SessionId id) {
    return sessions.get(id);
  }

  /** The router; for tests. */
  EventRouter router() {
    return router;
  }

  // ---- ticker work ----

  private void endSilentSessions(Instant now) {
    Instant cutoff = now.minus(config.timeout());
    for (EngineSession session : sessions.values()) {
      session.closeIfSilentSince(cutoff, now);
    }
  }

  private void retryReleases(Instant now) {
    int n = pendingReleases.size();
    for (int i = 0; i < n; i++) {
      PendingRelease release = pendingReleases.poll();
      if (release == null) {
        return;
      }
      try {
        release(release, now);
      } catch (RuntimeException e) {
        pendingReleases.add(release);
        throw e;
      }
    }
  }

  private void release(PendingRelease r, Instant now) {
    publish(
        call(
            () ->
                store.release(
                    r.channel(), r.user(), r.session(), r.reason(), r.graceUntil(), now)));
  }

  private void releaseLostNodes(Instant now) {
    String nodeId;
    while ((nodeId = lostNodes.peek()) != null) {
      if (!nodeId.equals(backend.nodeId())) {
        String lost = nodeId;
        List<PresenceEvent> events =
            call(() -> store.releaseNode(lost, now.plus(config.grace()), now));
        LOG.log(
            Level.INFO,
            () -> "released the sessions of lost node " + lost + " (" + events.size() + " events)");
        publish(events);
      }
      lostNodes.poll();
    }
  }

  private void reassertAfterMerge(Instant now) {
    if (mergePending.getAndSet(false)) {
      LOG.log(Level.INFO, "partition healed: re-asserting the sessions of this node");
      for (EngineSession session : sessions.values()) {
        session.reassert(now);
      }
    }
  }

  private boolean step(String what, Runnable work) {
    try {
      work.run();
      return true;
    } catch (RuntimeException e) {
      LOG.log(
          tickFailing ? Level.DEBUG : Level.WARNING,
          () -> "presence liveness pass failed while " + what + "; will retry",
          e);
      return false;
    }
  }

  // ---- helpers ----

  private <T> T call(Supplier<T> operation) {
    try {
      return operation.get();
    } catch (PresenceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UnavailableException(UNAVAILABLE, e);
    }
  }

  private void publish(Optional<PresenceEvent> event) {
    event.ifPresent(e -> publish(List.of(e)));
  }

  private void publish(List<PresenceEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    for (PresenceEvent event : events) {
      produced.get(event.kind()).increment();
    }
    try {
      bus.publish(events);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          () -> "could not publish " + events.size() + " presence events; observers will resync",
          e);
    }
  }

  static SessionId apiSessionId(ChannelId channel, UserId user) {
    String u = user.value();
    return SessionId.of("api:" + u.length() + ":" + u + ":" + channel.value());
  }

  private static String sanitize(String nodeId) {
    StringBuilder b = new StringBuilder(Math.min(nodeId.length(), 200));
    for (int i = 0; i < nodeId.length() && b.length() < 200; i++) {
      char c = nodeId.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-'
              || c == '@';
      b.append(ok ? c : '_');
    }
    return b.length() == 0 ? "node" : b.toString();
  }

  private static void closeQuietly(PresenceEventBus.@Nullable Registration registration) {
    if (registration != null) {
      try {
        registration.close();
      } catch (RuntimeException e) {
        LOG.log(Level.DEBUG, "unsubscribing from the backend failed", e);
      }
    }
  }

  private ThreadFactory threads(String prefix) {
    ThreadFactory container = threads;
    if (container != null) {
      return container;
    }
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread =
          new Thread(task, prefix.endsWith("-") ? prefix + count.incrementAndGet() : prefix);
      thread.setDaemon(true);
      return thread;
    };
  }

  private record PendingRelease(
      ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant graceUntil) {}
}
