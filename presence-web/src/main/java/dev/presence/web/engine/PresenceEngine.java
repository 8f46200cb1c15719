package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
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
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * users-per-channel limit is enforced by the store. The channels one user may be in through API
 * (REST) sessions ({@link EngineConfig#channelsPerUser()}) are counted per node too: this node
 * remembers the channels each user joined through it and until when their leases run, forgets a
 * channel at a leave through it or when the lease ends, and refuses a join that would go over the
 * limit with {@link TooLargeException} (413 {@code TOO_LARGE}, like channels-per-session); a
 * repeated join of a channel already counted (a heartbeat) is never refused. Before refusing, it
 * asks the store once which channels the user is still in ({@link PresenceStore#channelsOf}) and
 * forgets the others, so a leave made through another node frees the place here too. Per node
 * rather than cluster-wide because the store cannot tell which of a user's channels are held by API
 * sessions and a store read on every join would cost every REST heartbeat a round trip; a user
 * spreading REST joins over n nodes is held to n times the limit, which still bounds it.
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
 * ClusterListener#merged()}, which a clustered backend reports on the nodes of both sides), the
 * ticker (1) forgets where every channel's sequence stood and tells every local subscription to
 * resync, since the merge kept one side's copy of each channel and its {@code seq} may be anything;
 * (2) joins every channel of every local session again under the backend's current node id, so that
 * presence the other side ended while the connection stayed open here comes back (with a {@code
 * join} event, since the others saw it end), retrying until every join succeeded; (3) if the merge
 * gave this node a new id (Hazelcast gives a merging member a new UUID), releases what is still
 * stored under the old id ({@link PresenceStore#releaseNode}), which no node would ever report
 * lost. A change of the node id not followed by a merge report within {@link #UNREPORTED_MERGE} is
 * handled the same way. Attributes: when a node is lost (a crash or the start of a split) the
 * ticker reads and keeps the attributes of this node's connection-bound memberships, and until the
 * next merge is handled (at most {@link #MAX_HOLD}, {@link #MAX_HELD_ATTRIBUTES} maps) it keeps
 * those set through this node for users connected here; a re-assert that finds the user gone from
 * the kept state (its re-join emitted {@code join}), or whose attributes changed here during the
 * split, sets them again. REST (lease-bound) sessions: in the same period the last REST join or
 * leave of each (channel, user) made through this node is remembered and replayed after the
 * re-assert (a join only while its lease runs), so a REST join made on the side whose copy the
 * merge discarded comes back and a REST leave made there stays done.
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
  private final ConcurrentHashMap<UserId, Map<ChannelId, Instant>> apiChannels =
      new ConcurrentHashMap<>();
  private final String sessionPrefix;
  private final AtomicLong sessionCounter = new AtomicLong();

  private final ConcurrentLinkedQueue<String> lostNodes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean mergePending = new AtomicBoolean();
  private final AtomicBoolean reassertPending = new AtomicBoolean();
  private final ConcurrentHashMap<HeldKey, HeldAttributes> heldAttributes =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<HeldKey, ApiOperation> apiJournal = new ConcurrentHashMap<>();
  private volatile boolean holdingAttributes;
  private String nodeIdInUse; // guarded by tickLock
  private @Nullable Instant idChangedAt; // guarded by tickLock
  private @Nullable Instant heldSince; // guarded by tickLock
  private final ConcurrentLinkedQueue<PendingRelease> pendingReleases =
      new ConcurrentLinkedQueue<>();
  private final Map<EventKind, LongAdder> produced = new EnumMap<>(EventKind.class);

  private final @Nullable ThreadFactory threads;
  private final ReentrantLock tickLock = new ReentrantLock();
  private boolean tickFailing; // guarded by tickLock

  private final Object lifecycle = new Object();
  private boolean started; // guarded by lifecycle
  private boolean closed; // guarded by lifecycle
  private volatile boolean handingOver;
  private final CountDownLatch handOverDone = new CountDownLatch(1);
  private final List<Runnable> afterHandOver = new CopyOnWriteArrayList<>();
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
    this.nodeIdInUse = backend.nodeId();
    this.sessionPrefix =
        "s:" + sanitize(nodeIdInUse) + ":" + UUID.randomUUID().toString().substring(0, 8) + ":";
    for (EventKind kind : EventKind.values()) {
      produced.put(kind, new LongAdder());
    }
    // Loaded now: at shutdown the container may already refuse to load the application's classes.
    preload(PendingRelease.class);
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
      ok &= step("forgetting ended REST leases", () -> forgetEndedApiLeases(now));
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
   * The graceful handover at shutdown (idempotent; {@link #close()} calls it first): from now on
   * the engine refuses new connection sessions and their joins ({@link UnavailableException}: the
   * client should connect to another node), and it ends every session open on this node as {@link
   * CloseReason#LOST}, so their memberships are held for the grace period {@code G}: a user who is
   * present again by then (a client that reconnected to another node and joined again) sees no
   * event; anyone else gets {@code timeout} when {@code G} ends (from whichever node sweeps the
   * channel then). {@code LOST} rather than {@code CLEAN}: the client did not choose to leave, its
   * server went away, which SPEC section 3 counts as a lost connection; it is also what the other
   * nodes would have decided had this node died. Events of memberships that end at once ({@code G =
   * 0}) are published here.
   *
   * <p>The releases run on the engine's ticker thread when it runs (made by the container's thread
   * factory, so it carries the application's context that a clustered store needs), and this method
   * waits for them. A release the store refuses is left to the cluster: the other nodes release
   * this node's sessions when it leaves. Call it while the store is still reachable, before the
   * connections are closed (closing them first would end each session on its own) and before the
   * backend is closed.
   */
  public void handOver() {
    ScheduledExecutorService t;
    boolean first;
    synchronized (lifecycle) {
      first = !handingOver;
      handingOver = true;
      t = closed ? null : ticker;
    }
    if (!first) {
      awaitHandOver();
      return;
    }
    try {
      boolean done = false;
      if (t != null) {
        try {
          t.submit(this::releaseAllSessions).get(30, TimeUnit.SECONDS);
          done = true;
        } catch (RejectedExecutionException e) {
          // the ticker is stopping: release here
        } catch (ExecutionException | TimeoutException e) {
          LOG.log(Level.WARNING, "the shutdown handover did not complete", e);
          done = true;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          done = true;
        }
      }
      if (!done) {
        releaseAllSessions();
      }
      for (Runnable action : afterHandOver) {
        try {
          action.run();
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "an action after the shutdown handover failed", e);
        }
      }
    } finally {
      handOverDone.countDown();
    }
  }

  /**
   * Registers an action run once the handover has released the sessions (for example: close the
   * connections, so that clients reconnect elsewhere). Runs on the thread that calls {@link
   * #handOver()} first.
   *
   * @param action the action
   */
  public void afterHandOver(Runnable action) {
    afterHandOver.add(action);
  }

  private void awaitHandOver() {
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try {
      while (true) {
        try {
          long left = deadline - System.nanoTime();
          if (left <= 0 || handOverDone.await(left, TimeUnit.NANOSECONDS)) {
            return;
          }
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Whether {@link #handOver()} has begun: the engine takes no new connection sessions.
   *
   * @return true once the handover has begun
   */
  public boolean isHandingOver() {
    return handingOver;
  }

  private void releaseAllSessions() {
    long t0 = System.nanoTime();
    List<EngineSession> open = List.copyOf(sessions.values());
    Instant now = now();
    for (EngineSession session : open) {
      session.close(CloseReason.LOST);
    }
    int failed = pendingReleases.size();
    if (failed > 0) {
      try {
        retryReleases(now);
        failed = 0;
      } catch (RuntimeException e) {
        failed = pendingReleases.size();
      }
    }
    int left = failed;
    LOG.log(
        left == 0 ? Level.INFO : Level.WARNING,
        () ->
            "shutdown handover: released "
                + open.size()
                + " session(s) of this node as lost with a grace period of "
                + config.grace().toMillis()
                + " ms in "
                + (System.nanoTime() - t0) / 1_000_000
                + " ms"
                + (left == 0 ? "" : "; " + left + " release(s) failed, left to the other nodes"));
  }

  /**
   * Hands the sessions over ({@link #handOver()}), then stops the ticker, the hook threads and the
   * listener threads, and unsubscribes from the bus and from cluster changes. Subscriptions get no
   * further events. Idempotent.
   */
  @Override
  public void close() {
    handOver();
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
    refuseWhenHandingOver();
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
    boolean counted = countApiChannel(channel, user, lease.expiresAt(), now);
    try {
      publish(storeJoin(channel, user, lease, now));
    } catch (RuntimeException e) {
      if (counted) {
        forgetApiChannel(channel, user);
      }
      throw e;
    }
    journal(channel, user, lease.expiresAt());
  }

  /**
   * Counts an API-session channel of a user against {@link EngineConfig#channelsPerUser()}.
   *
   * @return true if the channel was not counted before
   * @throws TooLargeException if the user is in as many channels as allowed
   */
  private boolean countApiChannel(ChannelId channel, UserId user, Instant until, Instant now) {
    int max = config.channelsPerUser();
    Boolean first = tryCountApiChannel(channel, user, until, now, max);
    if (first != null) {
      return first;
    }
    // At the limit: forget what the user has left meanwhile (through another node, or by expiry).
    List<ChannelId> stillIn = call(() -> store.channelsOf(user));
    apiChannels.computeIfPresent(
        user,
        (u, channels) -> {
          channels.keySet().retainAll(stillIn);
          return channels.isEmpty() ? null : channels;
        });
    Boolean added = tryCountApiChannel(channel, user, until, now, max);
    if (added == null) {
      throw new TooLargeException(
          "a user may be in at most "
              + max
              + " channels through REST; leave one before joining another");
    }
    return added;
  }

  /** True: counted now; false: was counted (lease extended); null: over the limit. */
  private @Nullable Boolean tryCountApiChannel(
      ChannelId channel, UserId user, Instant until, Instant now, int max) {
    Boolean[] result = new Boolean[1];
    apiChannels.compute(
        user,
        (u, channels) -> {
          Map<ChannelId, Instant> m = channels == null ? new HashMap<>() : channels;
          if (m.containsKey(channel)) {
            m.put(channel, until);
            result[0] = Boolean.FALSE;
            return m;
          }
          if (m.size() >= max) {
            m.values().removeIf(end -> !end.isAfter(now));
          }
          if (m.size() < max) {
            m.put(channel, until);
            result[0] = Boolean.TRUE;
          }
          return m.isEmpty() ? null : m;
        });
    return result[0];
  }

  private void forgetApiChannel(ChannelId channel, UserId user) {
    apiChannels.computeIfPresent(
        user,
        (u, channels) -> {
          channels.remove(channel);
          return channels.isEmpty() ? null : channels;
        });
  }

  private void forgetEndedApiLeases(Instant now) {
    for (UserId user : apiChannels.keySet()) {
      apiChannels.computeIfPresent(
          user,
          (u, channels) -> {
            channels.values().removeIf(end -> !end.isAfter(now));
            return channels.isEmpty() ? null : channels;
          });
    }
  }

  /**
   * The channels a user is counted in through API sessions on this node (for tests).
   *
   * @param user the user
   * @return the count
   */
  int apiChannelCount(UserId user) {
    int[] n = new int[1];
    apiChannels.computeIfPresent(
        user,
        (u, channels) -> {
          n[0] = channels.size();
          return channels;
        });
    return n[0];
  }

  @Override
  public void leave(ChannelId channel, UserId user) {
    limits.check(channel);
    limits.check(user);
    Instant now = now();
    SessionId session = apiSessionId(channel, user);
    publish(call(() -> store.leave(channel, user, session, now)));
    forgetApiChannel(channel, user);
    journal(channel, user, null);
  }

  /**
   * While a node is lost (maybe a split), remembers the last REST join or leave of each (channel,
   * user) made through this node, replayed after a merge: the merge may have kept the other side's
   * copy of the channel, where the join never happened or the leave did not.
   */
  private void journal(ChannelId channel, UserId user, @Nullable Instant leaseUntil) {
    if (!holdingAttributes) {
      return;
    }
    putBounded(apiJournal, new HeldKey(channel, user), new ApiOperation(leaseUntil));
  }

  /** Replays the REST joins and leaves made through this node since a node was lost. */
  private void replayApiJournal(Instant now) {
    for (Map.Entry<HeldKey, ApiOperation> entry : apiJournal.entrySet()) {
      ChannelId channel = entry.getKey().channel();
      UserId user = entry.getKey().user();
      SessionId session = apiSessionId(channel, user);
      Instant until = entry.getValue().leaseUntil();
      if (until == null) {
        publish(call(() -> store.leave(channel, user, session, now)));
      } else if (until.isAfter(now)) {
        SessionLease lease = SessionLease.leaseBound(session, until);
        try {
          publish(storeJoin(channel, user, lease, now));
        } catch (ChannelFullException e) {
          LOG.log(
              Level.WARNING,
              () -> "could not replay the REST join of " + user + " in " + channel + ": full");
        }
      }
      apiJournal.remove(entry.getKey(), entry.getValue());
    }
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
    if (holdingAttributes && sessionsPerUser.containsKey(user)) {
      putBounded(heldAttributes, new HeldKey(channel, user), new HeldAttributes(attributes, true));
    }
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
    refuseWhenHandingOver();
    publish(storeJoin(channel, user, SessionLease.nodeBound(session, backend.nodeId()), now));
  }

  private Optional<PresenceEvent> storeJoin(
      ChannelId channel, UserId user, SessionLease lease, Instant now) {
    return call(() -> store.join(channel, user, lease, limits.usersPerChannel(), now));
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

  /**
   * Joins a session's channel again after a merge; false if it failed (it is retried). If the user
   * was not present any more in the state that was kept (a {@code join} event), or changed
   * attributes through this node during the split, the attributes held since the split ({@link
   * #holdAttributes}) are set again: the merging side's value wins over the other side's.
   */
  boolean reassert(ChannelId channel, UserId user, SessionId session, Instant now) {
    try {
      Optional<PresenceEvent> joined =
          storeJoin(channel, user, SessionLease.nodeBound(session, backend.nodeId()), now);
      publish(joined);
      HeldKey key = new HeldKey(channel, user);
      HeldAttributes held = heldAttributes.get(key);
      if (held != null
          && (held.changed() || (joined.isPresent() && !held.attributes().isEmpty()))) {
        publish(call(() -> store.setAttributes(channel, user, held.attributes(), now)));
        heldAttributes.remove(key, held);
      }
      return true;
    } catch (PresenceException e) {
      LOG.log(
          Level.WARNING,
          () -> "could not re-assert session " + session + " in channel " + channel,
          e);
      return false;
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

  private void refuseWhenHandingOver() {
    if (handingOver) {
      throw new UnavailableException(
          "this presence node is shutting down; connect again (to another node)");
    }
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
    if (lostNodes.isEmpty()) {
      return;
    }
    holdAttributes(now);
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

  /**
   * A node was lost, maybe cut off by a partition: remembers the attributes of this node's
   * connection-bound memberships, as the state stands on this side, so that a merge that keeps the
   * other side's copy (where these users timed out) can give them back when the sessions are
   * re-asserted. From now until a merge is handled, attribute changes made through this node for
   * users connected here are remembered too. A first loss after a handled merge starts afresh.
   */
  private void holdAttributes(Instant now) {
    if (!holdingAttributes) {
      heldAttributes.clear();
      apiJournal.clear();
      holdingAttributes = true;
    }
    heldSince = now;
    for (EngineSession session : sessions.values()) {
      UserId user = session.userId();
      for (ChannelId channel : session.channels()) {
        HeldKey key = new HeldKey(channel, user);
        HeldAttributes held = heldAttributes.get(key);
        if (held != null && held.changed()) {
          continue; // changed here since a node was lost: that value stands
        }
        Optional<Attributes> current = call(() -> store.attributes(channel, user));
        if (current.isPresent()) {
          putBounded(heldAttributes, key, new HeldAttributes(current.get(), false));
        }
      }
    }
  }

  private void reassertAfterMerge(Instant now) {
    Instant since = heldSince;
    if (since != null && !now.isBefore(since.plus(MAX_HOLD))) {
      // No merge came (a crash, not a split): stop holding attributes.
      holdingAttributes = false;
      heldAttributes.clear();
      apiJournal.clear();
      heldSince = null;
    }
    String current = backend.nodeId();
    if (current.equals(nodeIdInUse) || reassertPending.get()) {
      idChangedAt = null;
    } else if (idChangedAt == null) {
      idChangedAt = now;
    } else if (!now.isBefore(idChangedAt.plus(UNREPORTED_MERGE))) {
      // The id changed long ago and no merge was reported: handle it as one anyway. (Hazelcast
      // changes the id when a merge starts, and reports it once its merge operations ran.)
      mergePending.set(true);
    }
    if (mergePending.getAndSet(false)) {
      int told = router.resyncAll();
      LOG.log(
          Level.INFO,
          () ->
              "partition healed: "
                  + told
                  + " local subscriptions told to resync; re-asserting the "
                  + sessions.size()
                  + " sessions of this node");
      reassertPending.set(true);
    }
    if (!reassertPending.get()) {
      return;
    }
    boolean ok = true;
    for (EngineSession session : sessions.values()) {
      ok &= session.reassert(now);
    }
    if (!ok) {
      throw new UnavailableException("some sessions could not be re-asserted after a merge");
    }
    replayApiJournal(now);
    holdingAttributes = false;
    String previous = nodeIdInUse;
    if (!previous.equals(current)) {
      List<PresenceEvent> events =
          call(() -> store.releaseNode(previous, now.plus(config.grace()), now));
      publish(events);
      nodeIdInUse = current;
      LOG.log(
          Level.INFO,
          () ->
              "this node's id changed in the merge from "
                  + previous
                  + " to "
                  + current
                  + ": sessions re-asserted under the new id, the rest of the old released ("
                  + events.size()
                  + " events)");
    }
    reassertPending.set(false);
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

  /** Loads and initializes a class now, so that a shutdown never needs to load it. */
  static void preload(Class<?> type) {
    try {
      Class.forName(type.getName(), true, type.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
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

  /** A change of the node id not followed by a merge report this soon is handled as a merge. */
  static final Duration UNREPORTED_MERGE = Duration.ofSeconds(30);

  /** At most this many attribute maps are held from a node loss to the next merge. */
  static final int MAX_HELD_ATTRIBUTES = 10_000;

  /** Attributes are held at most this long after the last node loss when no merge follows. */
  static final Duration MAX_HOLD = Duration.ofHours(1);

  private record HeldKey(ChannelId channel, UserId user) {}

  /** Puts unless the map holds {@link #MAX_HELD_ATTRIBUTES} other keys already. */
  private static <V> void putBounded(Map<HeldKey, V> map, HeldKey key, V value) {
    if (map.size() < MAX_HELD_ATTRIBUTES || map.containsKey(key)) {
      map.put(key, value);
    }
  }

  /** Attributes held for a re-assert; {@code changed} if set through this node since a loss. */
  private record HeldAttributes(Attributes attributes, boolean changed) {}

  /** A REST join (lease until) or leave (null) made while a node was lost. */
  private record ApiOperation(@Nullable Instant leaseUntil) {}

  private record PendingRelease(
      ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant graceUntil) {}
}
