package dev.presence.redis.internal;

import dev.presence.UnavailableException;
import dev.presence.redis.RedisConfigKeys;
import dev.presence.spi.BackendContext;
import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.Registration;
import dev.presence.spi.support.NamedThreads;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The Redis backend: a {@link RedisPresenceStore}, a {@link RedisEventBus} and this node's entry in
 * the node registry.
 *
 * <p><b>Node liveness.</b> Every {@link RedisConfigKeys#HEARTBEAT} a thread of this backend runs
 * the script's {@code tick}: it renews this node's entry (alive until Redis's clock plus {@link
 * RedisConfigKeys#NODE_TTL}), moves every entry past its time to the list of lost nodes (one
 * script, so each dead node is moved once), and reads the live and lost nodes. Each lost node that
 * this node has not reported yet is reported to its {@link ClusterListener}s, on every live node;
 * releasing its sessions ({@link PresenceStore#releaseNode}) is idempotent, so every node may do
 * it. A node that finds itself on the lost list (it was frozen, or cut off from Redis, for longer
 * than the TTL) takes a new node id and reports {@link ClusterListener#merged()}, so that its
 * engine re-asserts its sessions; so does a node whose entry vanished (Redis restarted empty, or a
 * replica that did not have it took over).
 *
 * <p><b>Availability.</b> {@link #isAvailable()} is true while the connections are up; Lettuce
 * reconnects by itself, and while disconnected commands fail at once with {@link
 * UnavailableException}.
 *
 * <p>Thread-safe. {@link #close()} marks this node lost (the others release what it still holds)
 * and closes the connections and the client.
 */
public final class RedisPresenceBackend implements PresenceBackend {

  private static final Logger LOG = Logger.getLogger(RedisPresenceBackend.class.getName());

  /** How long a starting node keeps trying to reach Redis (at least; see {@link #atStart}). */
  static final Duration STARTUP_WINDOW = Duration.ofSeconds(10);

  /**
   * How many times a step of the start is tried at least, however long each try took: on a busy
   * machine the first connection alone (Netty's and Lettuce's classes loading) outlasted the window
   * (Payara Micro 7 with a load average of 20 on two cores: 12 s).
   */
  static final int MIN_ATTEMPTS = 3;

  private final Settings settings;
  private final ClientResources resources;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> commands;
  private final StatefulRedisConnection<String, byte[]> publisher;
  private final StatefulRedisPubSubConnection<String, byte[]> subscriber;
  private final Script script;
  private final RedisPresenceStore store;
  private final RedisEventBus bus;
  private final CopyOnWriteArrayList<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private final ScheduledExecutorService ticker;
  private final Set<String> reported = new HashSet<>();
  private volatile String nodeId = newNodeId();
  private volatile boolean registered;
  private volatile boolean closed;
  private volatile boolean tickFailing;
  private volatile boolean frozen;

  private RedisPresenceBackend(Settings settings, ClientResources resources, RedisClient client) {
    this.settings = settings;
    this.resources = resources;
    this.client = client;
    RedisCodec<String, byte[]> bytes = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    long deadline = System.nanoTime() + startupWindow(settings).toNanos();
    commands = atStart(deadline, "connect", () -> client.connect(StringCodec.UTF8));
    publisher = atStart(deadline, "connect", () -> client.connect(bytes));
    subscriber = atStart(deadline, "connect", () -> client.connectPubSub(bytes));
    script = new Script(commands, settings.prefix());
    store = new RedisPresenceStore(script, commands, settings.prefix(), settings.retention());
    bus = new RedisEventBus(publisher, subscriber, settings.prefix() + "events", () -> nodeId);
    ScheduledThreadPoolExecutor executor =
        new ScheduledThreadPoolExecutor(1, NamedThreads.daemon("presence-redis-nodes"));
    executor.setRemoveOnCancelPolicy(true);
    ticker = executor;
  }

  /**
   * Connects, registers this node and starts its heartbeat.
   *
   * @param context the configuration
   * @return the backend
   * @throws IllegalStateException if the configuration is wrong or Redis cannot be reached
   */
  public static RedisPresenceBackend create(BackendContext context) {
    Settings settings = Settings.read(context);
    RedisURI uri;
    try {
      uri = RedisURI.create(settings.uri());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(
          RedisConfigKeys.URI + " is not a Redis URI: '" + settings.uri() + "'", e);
    }
    uri.setTimeout(settings.timeout());
    // Reconnect attempts at most a second apart (Lettuce's default backs off to 30 s), so that a
    // node is back within about a heartbeat of Redis.
    ClientResources resources =
        DefaultClientResources.builder()
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
            .build();
    RedisClient client = RedisClient.create(resources, uri);
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(settings.timeout()))
            .socketOptions(SocketOptions.builder().connectTimeout(settings.timeout()).build())
            .build());
    RedisPresenceBackend backend;
    try {
      backend = new RedisPresenceBackend(settings, resources, client);
    } catch (RedisException | UnavailableException e) {
      client.shutdown();
      resources.shutdown();
      throw new IllegalStateException(
          "cannot connect to Redis at "
              + uri.getHost()
              + ":"
              + uri.getPort()
              + " (check "
              + RedisConfigKeys.URI
              + "): "
              + e.getMessage(),
          e);
    }
    try {
      atStart(
          System.nanoTime() + startupWindow(settings).toNanos(),
          "register",
          () -> {
            backend.tick();
            return null;
          });
    } catch (RuntimeException e) {
      backend.close();
      throw new IllegalStateException(
          "cannot register this node in Redis (check " + RedisConfigKeys.URI + ")", e);
    }
    long period = settings.heartbeat().toMillis();
    backend.ticker.scheduleWithFixedDelay(
        backend::tickQuietly, period, period, TimeUnit.MILLISECONDS);
    return backend;
  }

  /**
   * How long a starting node keeps trying to reach Redis: {@link #STARTUP_WINDOW}, or the timeout
   * if that is longer.
   */
  private static Duration startupWindow(Settings settings) {
    return settings.timeout().compareTo(STARTUP_WINDOW) > 0 ? settings.timeout() : STARTUP_WINDOW;
  }

  /**
   * Runs a step of the start again until it succeeds, or the deadline has passed and it was tried
   * {@link #MIN_ATTEMPTS} times (pauses from 50 ms, doubling to 1 s): a node must not fail its
   * deployment because Redis starts at the same time, or because its first connection, made while
   * the JVM still loads Netty's and Lettuce's classes, takes longer than {@code
   * presence.redis.timeout}.
   *
   * @throws RedisException or {@link UnavailableException}: the last failure, once the deadline has
   *     passed
   */
  private static <T> T atStart(long deadline, String step, Supplier<T> attempt) {
    long pauseMillis = 50;
    for (int attempts = 1; ; attempts++) {
      try {
        return attempt.get();
      } catch (RedisException | UnavailableException e) {
        long left = deadline - System.nanoTime();
        if (left <= 0 && attempts >= MIN_ATTEMPTS) {
          throw e;
        }
        left = Math.max(left, TimeUnit.MILLISECONDS.toNanos(pauseMillis));
        LOG.info(() -> "Redis not ready at start (" + step + "), trying again: " + e.getMessage());
        try {
          TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(pauseMillis)));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
        pauseMillis = Math.min(1000, pauseMillis * 2);
      }
    }
  }

  private static String newNodeId() {
    return "redis-" + UUID.randomUUID();
  }

  /** One heartbeat: renew, reap, read the live and lost nodes, report what changed. */
  private synchronized void tick() {
    if (closed) {
      return;
    }
    List<Object> answer =
        script.call(
            "tick", nodeId, Long.toString(settings.nodeTtl().toMillis()), registered ? "1" : "0");
    String status = (String) answer.get(0);
    boolean rejoined = false;
    if (status.equals("LOST")) {
      String old = nodeId;
      nodeId = newNodeId();
      registered = false;
      LOG.warning(
          () ->
              "this node was declared lost by the others (no heartbeat for "
                  + settings.nodeTtl()
                  + "): its id changes from "
                  + old
                  + " to "
                  + nodeId
                  + " and its sessions are re-asserted");
      answer = script.call("tick", nodeId, Long.toString(settings.nodeTtl().toMillis()), "0");
      rejoined = true;
    } else if (status.equals("GONE")) {
      LOG.warning(
          "this node's entry vanished from Redis (restarted without its data, or a replica took"
              + " over): its sessions are re-asserted");
      rejoined = true;
    }
    registered = true;
    bus.liveNodes(strings(answer.get(1)));
    List<String> lost = strings(answer.get(2));
    for (String node : lost) {
      if (!node.equals(nodeId) && reported.add(node)) {
        LOG.info(() -> "node " + node + " was lost: its sessions are released");
        notifyListeners(l -> l.nodeLost(node));
      }
    }
    reported.retainAll(Set.copyOf(lost));
    if (rejoined) {
      notifyListeners(ClusterListener::merged);
    }
  }

  private void tickQuietly() {
    if (frozen) {
      return;
    }
    try {
      tick();
      if (tickFailing) {
        tickFailing = false;
        LOG.info("the node heartbeat reaches Redis again");
      }
    } catch (RuntimeException e) {
      if (!tickFailing) {
        tickFailing = true;
        LOG.log(Level.WARNING, "the node heartbeat cannot reach Redis; retrying", e);
      }
    }
  }

  private void notifyListeners(Consumer<ClusterListener> call) {
    for (ClusterListener listener : listeners) {
      try {
        call.accept(listener);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a cluster listener failed", e);
      }
    }
  }

  private static List<String> strings(Object list) {
    return ((List<?>) list).stream().map(String.class::cast).toList();
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public PresenceStore store() {
    return store;
  }

  @Override
  public PresenceEventBus eventBus() {
    return bus;
  }

  /**
   * Clustered, with node loss detection.
   *
   * @return {@link Capability#CLUSTERED}, {@link Capability#NODE_LOSS_DETECTION} and {@link
   *     Capability#ADMINISTRATION}
   */
  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION, Capability.ADMINISTRATION);
  }

  /**
   * Whether the connections to Redis are up.
   *
   * @return false after {@link #close()} and while Redis cannot be reached
   */
  @Override
  public boolean isAvailable() {
    return !closed && commands.isOpen() && publisher.isOpen() && subscriber.isOpen();
  }

  @Override
  public Registration addClusterListener(ClusterListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /**
   * The client ({@code io.lettuce.core.RedisClient}), the string connection ({@code
   * StatefulRedisConnection}) or this backend.
   *
   * @throws IllegalArgumentException for any other type
   */
  @Override
  public <T> T unwrap(Class<T> type) {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    if (type.isInstance(client)) {
      return type.cast(client);
    }
    if (type.isInstance(commands)) {
      return type.cast(commands);
    }
    throw new IllegalArgumentException(
        "the Redis presence backend has no object of type " + type.getName());
  }

  /**
   * Stops or resumes the heartbeat, as a frozen process would, for tests: a node frozen longer than
   * the node TTL is declared lost by the others and, once resumed, takes a new node id and reports
   * {@link ClusterListener#merged()}.
   *
   * @param frozen true to stop the heartbeat, false to resume it
   */
  public void freezeHeartbeat(boolean frozen) {
    this.frozen = frozen;
  }

  /**
   * Ends this node as a crash would, for tests of node loss: the heartbeat stops and the
   * connections close, but this node's entry and sessions stay until the others find it lost.
   */
  public void crash() {
    shutdown(false);
  }

  @Override
  public void close() {
    shutdown(true);
  }

  private void shutdown(boolean graceful) {
    @Nullable String leaving;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      leaving = graceful && registered ? nodeId : null;
    }
    ticker.shutdownNow();
    if (leaving != null) {
      try {
        script.call("leaveCluster", leaving);
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "could not leave the node registry; the others will find it lost", e);
      }
    }
    bus.close();
    subscriber.close();
    publisher.close();
    commands.close();
    client.shutdown(0, settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    resources.shutdown(0, settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public String toString() {
    return "RedisPresenceBackend[" + nodeId + "]";
  }
}
