package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresenceException;
import dev.presence.PresenceLimits;
import dev.presence.PresenceListener;
import dev.presence.PresenceService;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.Subscription;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventHook;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.Registration;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The presence engine of one node: implements {@link PresenceService} on top of a {@link
 * PresenceBackend}, with the liveness rules of the specification (section 3). This class is the
 * face: it checks the ids against the limits (section 7, {@link LimitChecks}) before anything
 * reaches the store, and hands each call to {@link PrecheckedPresence}, the path the server's front
 * ends take directly once they have checked the ids themselves (so that each check runs once per
 * request), which hands it to the collaborator that owns the state:
 *
 * <ul>
 *   <li>{@link SessionRegistry}: the connection-bound sessions of {@link #openSession}, counted per
 *       user; a session silent for the timeout {@code T} is ended as lost by the ticker.
 *   <li>{@link SessionReleases}: an ended session's memberships, held for the grace period {@code
 *       G}; a release the store refuses is retried by the ticker.
 *   <li>{@link ApiSessions}: {@link #join} and {@link #leave} (REST) on the lease-bound session of
 *       (user, channel), and the REST channels-per-user limit.
 *   <li>{@link StoreGateway}: every store call, its errors ({@link PresenceException}s pass
 *       through, anything else becomes {@link UnavailableException}), and every event the store
 *       returns, published on the bus: the only path to local subscribers and hooks ({@link
 *       EventRouter}).
 *   <li>{@link LostNodes}, {@link MergeRecovery} and {@link SplitMemory}: a lost node's sessions
 *       released; after a partition heals, observers resynced, local sessions re-asserted and an
 *       old node id released; what this node remembers from a loss until the merge, so that the
 *       merge does not undo it.
 *   <li>{@link ShutdownHandOver}: the handover at shutdown; {@link EngineRuntime}: the threads and
 *       the registrations with the backend, from {@link #start()} to {@link #close()}.
 * </ul>
 *
 * <p>Counted on this node: sessions per user, the attribute-set rate ({@link RateLimiter}), REST
 * channels per user; the store enforces users per channel. Time comes only from the {@link
 * InstantSource} given, so tests drive liveness with a fake clock and {@link #tick()}.
 *
 * <p>Thread-safe. Use: construct, {@link #start()}, and {@link #close()} at shutdown.
 */
public final class PresenceEngine implements PresenceService, AutoCloseable {

  /** For tests: {@link MergeRecovery#UNREPORTED_MERGE}. */
  static final Duration UNREPORTED_MERGE = MergeRecovery.UNREPORTED_MERGE;

  /** For tests: {@link SplitMemory#MAX_HOLD}. */
  static final Duration MAX_HOLD = SplitMemory.MAX_HOLD;

  private static final Logger LOG = Logger.getLogger(PresenceEngine.class.getName());

  private final PresenceBackend backend;
  private final AtomicBoolean failureLogged = new AtomicBoolean();
  private final EngineConfig config;
  private final PresenceLimits limits;
  private final LimitChecks checks;
  private final InstantSource clock;
  private final EngineRuntime runtime;
  private final StoreGateway store;
  private final EventRouter router;
  private final RateLimiter attributeRate;
  private final SessionReleases releases;
  private final SessionRegistry sessions;
  private final ApiSessions apiSessions;
  private final SplitMemory splitMemory;
  private final LostNodes lostNodes;
  private final MergeRecovery merges;
  private final ShutdownHandOver handOver;
  private final PrecheckedPresence prechecked;

  private final LivenessPass liveness;
  private final Administration administration;
  private @Nullable Registration busListeners; // guarded by this

  /**
   * Creates an engine; nothing runs until {@link #start()}.
   *
   * @param backend the backend; the caller keeps ownership and closes it after this engine
   * @param config the settings
   * @param clock the only source of time
   * @param hooks the event hooks, each called on its own thread
   * @throws IllegalArgumentException if the backend is clustered without node loss detection
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
   * @throws IllegalArgumentException if the backend is clustered but cannot detect node loss
   */
  public PresenceEngine(
      PresenceBackend backend,
      EngineConfig config,
      InstantSource clock,
      List<PresenceEventHook> hooks,
      @Nullable ThreadFactory threadFactory) {
    LostNodes.requireDetection(backend);
    this.backend = backend;
    this.config = config;
    this.limits = config.limits();
    this.checks = new LimitChecks(limits);
    this.clock = clock;
    this.runtime = new EngineRuntime(backend, hooks, config.hookQueueCapacity(), threadFactory);
    this.store = new StoreGateway(backend, limits.usersPerChannel(), config.grace());
    this.router =
        new EventRouter(
            backend.eventBus(),
            clock,
            config.reorderWindow(),
            runtime.hooks(),
            config.announceMax(),
            config.interval());
    this.attributeRate =
        new RateLimiter(
            "attribute changes", limits.attributeSetsPerSecond(), limits.attributeSetsBurst());
    this.releases = new SessionReleases(store, config.grace());
    this.sessions = new SessionRegistry(store, releases, checks, clock, config.timeout());
    this.splitMemory = new SplitMemory(store, sessions);
    this.apiSessions =
        new ApiSessions(store, splitMemory, config.timeout(), config.channelsPerUser());
    this.lostNodes = new LostNodes(store, splitMemory);
    this.merges = new MergeRecovery(store, sessions, splitMemory, router);
    this.handOver = new ShutdownHandOver(sessions, releases, runtime, clock, config.grace());
    this.prechecked =
        new PrecheckedPresence(
            checks,
            clock,
            sessions,
            apiSessions,
            store,
            attributeRate,
            splitMemory,
            router,
            runtime);
    this.administration = new Administration(backend, store, sessions, apiSessions, clock);
    this.liveness =
        new LivenessPass(
            List.of(
                new LivenessPass.Step("ending silent sessions", sessions::tick),
                new LivenessPass.Step("retrying session releases", releases::tick),
                new LivenessPass.Step("releasing lost nodes", lostNodes::tick),
                new LivenessPass.Step("re-asserting sessions after a merge", merges::tick),
                new LivenessPass.Step("expiring", store::tick),
                new LivenessPass.Step("rate limits", attributeRate::forgetIdle),
                new LivenessPass.Step("forgetting ended REST leases", apiSessions::tick),
                new LivenessPass.Step("reordering events", router::tick)));
  }

  /**
   * Starts the engine: subscribes to the event bus and to cluster changes, starts the hook threads
   * and the liveness ticker (a daemon thread calling {@link #tick()} every {@link
   * EngineConfig#tickInterval()}). Calling it again does nothing.
   *
   * @throws IllegalStateException if the engine was closed
   */
  public void start() {
    runtime.start(router, lostNodes::nodeLost, merges::merged, this::tick, config.tickInterval());
    synchronized (this) {
      if (busListeners == null) {
        Registration admin = backend.eventBus().subscribe(administration);
        Registration followed = backend.eventBus().subscribe(splitMemory::observed);
        busListeners =
            () -> {
              admin.close();
              followed.close();
            };
      }
    }
  }

  /**
   * One liveness pass: each collaborator's periodic work, in this order, each even if one before it
   * failed (see each {@code tick}). Public so that tests drive it with a fake clock; the ticker
   * calls it otherwise. Never throws: failures are logged and retried on the next pass.
   */
  public void tick() {
    liveness.run(clock.instant());
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
   * Whether the backend has failed for good ({@link PresenceBackend#isFailed()}): this node cannot
   * serve again until it is restarted, and its liveness check says so. Logged once, at SEVERE, the
   * first time it is seen.
   *
   * @return the backend's answer; false if asking failed
   */
  public boolean isFailed() {
    boolean failed;
    try {
      failed = backend.isFailed();
    } catch (RuntimeException e) {
      return false;
    }
    if (failed && failureLogged.compareAndSet(false, true)) {
      LOG.severe(
          "the presence store has failed for good (the backend reports that it cannot become"
              + " available again); /health/live now answers 503 so that this node is restarted");
    }
    return failed;
  }

  /**
   * This node's counters.
   *
   * @return a snapshot
   */
  public EngineMetrics metrics() {
    return new EngineMetrics(
        sessions.size(),
        router.subscriptions(),
        store.produced(),
        runtime.hookFailures(),
        runtime.hookDrops(),
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
   * <p>It waits for the releases, which run on the engine's ticker thread when it runs (it carries
   * the application's context that a clustered store needs); a release the store refuses is left to
   * the other nodes, which release this node's sessions when it leaves. Call it while the store is
   * still reachable, before the connections are closed (closing them first would end each session
   * on its own) and before the backend is closed.
   */
  public void handOver() {
    handOver.handOver();
  }

  /**
   * Registers an action run once the handover has released the sessions (for example: close the
   * connections, so that clients reconnect elsewhere). Runs on the thread that calls {@link
   * #handOver()} first.
   *
   * @param action the action
   */
  public void afterHandOver(Runnable action) {
    handOver.afterHandOver(action);
  }

  /**
   * Whether {@link #handOver()} has begun: the engine takes no new connection sessions.
   *
   * @return true once the handover has begun
   */
  public boolean isHandingOver() {
    return handOver.hasBegun();
  }

  /**
   * Hands the sessions over ({@link #handOver()}), then stops the ticker, the hook threads and the
   * listener threads, and unsubscribes from the bus and from cluster changes. Subscriptions get no
   * further events. Idempotent.
   */
  @Override
  public void close() {
    handOver();
    Registration r;
    synchronized (this) {
      r = busListeners;
      busListeners = null;
    }
    if (r != null) {
      r.close();
    }
    runtime.close();
  }

  // ---- administration (SPEC 13.4); the caller has checked the ids and the admin role ----

  /**
   * Kicks a user from a channel on every node: the store ends the membership with a kicked {@code
   * leave}; every node then drops the channel from the user's sessions and tells its {@link
   * AdminListener}s (see {@link Administration}).
   *
   * @param channel the channel
   * @param user the user
   * @return true if the user was present
   * @throws UnavailableException if the store cannot be reached or does not support it
   */
  public boolean kick(ChannelId channel, UserId user) {
    return administration.kick(channel, user);
  }

  /**
   * Asks every node to close every connection of a user (a signal on the bus; nodes that cannot be
   * reached miss it, see {@link Administration}).
   *
   * @param user the user
   * @throws UnavailableException if the bus cannot be reached or does not support it
   */
  public void closeConnections(UserId user) {
    administration.closeConnections(user);
  }

  /**
   * One page of the occupied channels, cluster-wide, by name.
   *
   * @param prefix only channels starting with it; empty for all
   * @param limit the page size, 1 to {@link PageRequest#MAX_LIMIT}
   * @param cursor the previous page's {@code next}, or null
   * @return the page
   * @throws dev.presence.InvalidArgumentException if the cursor is not valid for the prefix
   * @throws UnavailableException if the store cannot be reached or does not support it
   */
  public ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    return administration.channels(prefix, limit, cursor);
  }

  /**
   * The cluster-wide totals, cached for {@link Administration#TOTALS_TTL}.
   *
   * @return the totals
   * @throws UnavailableException if the store cannot be reached or does not support it
   */
  public PresenceTotals totals() {
    return administration.totals();
  }

  /**
   * Registers what the front ends do for a kick or a close on this node (called on the bus's
   * thread; must not block).
   *
   * @param listener the listener
   * @return a registration whose close removes it
   */
  public Registration addAdminListener(AdminListener listener) {
    return administration.addListener(listener);
  }

  /**
   * What a front end does on this node for the administration; see {@link Administration}. Called
   * on the bus's thread, one call at a time; must not block.
   */
  public interface AdminListener {
    /**
     * A session of a user on this node was kicked from a channel: tell its client. Called once per
     * session that lost the channel; not for a session that joined the channel again after the kick
     * (its new membership stands).
     *
     * @param channel the channel
     * @param user the user
     * @param session the session that no longer holds the channel
     */
    void kicked(ChannelId channel, UserId user, SessionId session);

    /**
     * Close every connection of the user on this node.
     *
     * @param user the user
     */
    void closeConnections(UserId user);
  }

  // ---- PresenceService: the ids checked, then the path the front ends take ----

  @Override
  public PresenceSession openSession(UserId user) {
    checks.user(user);
    return sessions.open(user, true);
  }

  @Override
  public void join(ChannelId channel, UserId user) {
    checks.channel(channel);
    checks.user(user);
    prechecked.join(channel, user);
  }

  @Override
  public void leave(ChannelId channel, UserId user) {
    checks.channel(channel);
    checks.user(user);
    prechecked.leave(channel, user);
  }

  @Override
  public ChannelUsers channelUsers(ChannelId channel, PageRequest page) {
    checks.channel(channel);
    return prechecked.channelUsers(channel, page);
  }

  @Override
  public List<ChannelId> userChannels(UserId user) {
    checks.user(user);
    return prechecked.userChannels(user);
  }

  @Override
  public Attributes setAttributes(ChannelId channel, UserId user, Attributes attributes) {
    checks.channel(channel);
    checks.user(user);
    return prechecked.setAttributes(channel, user, attributes);
  }

  @Override
  public Attributes attributes(ChannelId channel, UserId user) {
    checks.channel(channel);
    checks.user(user);
    return prechecked.attributes(channel, user);
  }

  @Override
  public Occupancy occupancy(ChannelId channel) {
    checks.channel(channel);
    return prechecked.occupancy(channel);
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
    checks.channel(channel);
    return prechecked.subscribe(channel, listener);
  }

  /**
   * The checks of ids and attributes against this engine's limits, for the front ends, which check
   * ids before they authorize and then call {@link #prechecked()}.
   *
   * @return the checks
   */
  public LimitChecks checks() {
    return checks;
  }

  /**
   * This engine for callers that have checked the ids with {@link #checks()}: the same operations
   * without a second id check (see {@link PrecheckedPresence} for the precondition).
   *
   * @return the view
   */
  public PrecheckedPresence prechecked() {
    return prechecked;
  }

  @Override
  public PresenceLimits limits() {
    return limits;
  }

  // ---- for tests ----

  EventRouter router() {
    return router;
  }

  /** The channels a user is counted in through API sessions on this node. */
  int apiChannelCount(UserId user) {
    return apiSessions.countOf(user);
  }

  static SessionId apiSessionId(ChannelId channel, UserId user) {
    return StoreGateway.apiSessionId(channel, user);
  }
}
