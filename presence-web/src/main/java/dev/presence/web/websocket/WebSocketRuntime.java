package dev.presence.web.websocket;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.spi.Registration;
import dev.presence.spi.support.NamedThreads;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.connection.ConnectionLimiter;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.ops.OperationMetrics;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.servlet.ServletContext;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * What all WebSocket connections of the application share: the sender threads that drain the
 * outboxes (and carry out closes), one checker thread that pings, notices sessions the engine timed
 * out and sends that are stuck, the event text cache, and the set of open connections.
 *
 * <p>Threads: {@code presence-ws-send-N} (as many as processors, at least 2) never wait for a
 * client, since every send is asynchronous; they may wait for the store when a connection ends.
 * {@code presence-ws-check} runs every tenth of the presence timeout (100 ms to 1 s): it pings
 * every connection every third of the timeout, closes connections whose session the engine ended
 * (1001) and connections that took nothing for {@value #SEND_TIMEOUT_SECONDS} s (1013).
 *
 * <p>At shutdown the engine hands the sessions over, then every open connection is closed with 1001
 * before the threads stop (see {@link #stop()}).
 */
@ApplicationScoped
public class WebSocketRuntime {

  /** How long a client may take nothing before it counts as too slow. */
  static final int SEND_TIMEOUT_SECONDS = 30;

  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(SEND_TIMEOUT_SECONDS);

  private static final Logger LOG = Logger.getLogger(WebSocketRuntime.class.getName());

  @Inject PresenceConfig config;
  @Inject PresenceEngine presence;
  @Inject AccessControl access;
  @Inject ConnectionLimiter limiter;
  @Inject OperationMetrics metrics;
  @Inject TokenVerifier verifier;

  /**
   * The container's default managed thread factory, so the threads here (which end presence
   * sessions in the store) run in the application's context like the engine's; null outside a full
   * container (then plain threads with the application's class loader).
   */
  @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
  @Nullable ManagedThreadFactory threadFactory;

  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final EventTexts texts = new EventTexts();
  private @Nullable ExecutorService senders;
  private @Nullable ScheduledExecutorService checker;
  private @Nullable ScheduledThreadPoolExecutor containerTimers;
  private Connection.@Nullable Settings settings;
  private @Nullable Registration adminRegistration;

  /** Starts the threads. */
  @PostConstruct
  void start() {
    int maxFrame = config.maxFrameBytes();
    Duration timeout = config.timeout();
    settings =
        new Connection.Settings(
            config.wsQueueCapacity(),
            maxFrame,
            timeout,
            timeout.dividedBy(3),
            SEND_TIMEOUT,
            config.limits().channelsPerSession(),
            Outbox.DEFAULT_WINDOW_CHARS,
            config.snapshotPage());
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    senders = NamedThreads.pool(threads, threads("presence-ws-send-"));
    ScheduledThreadPoolExecutor check =
        new ScheduledThreadPoolExecutor(1, threads("presence-ws-check"));
    check.setRemoveOnCancelPolicy(true);
    checker = check;
    long period = Math.max(100, Math.min(1000, timeout.toMillis() / 10));
    check.scheduleWithFixedDelay(this::checkAll, period, period, TimeUnit.MILLISECONDS);
    // The container's idle timers (see ContainerTuning): a cancelled timer leaves the queue at
    // once.
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(1, threads("presence-ws-container-timer"));
    timers.setRemoveOnCancelPolicy(true);
    timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    containerTimers = timers;
    metrics.registerGauge(
        "presence_websocket_connections",
        "WebSocket connections open on this node.",
        connections::size);
    metrics.registerGauge(
        "presence_connections_open",
        "WebSocket and Server-Sent Events connections counted against presence.ws.max-connections.",
        limiter::open);
    presence.afterHandOver(this::goAway);
    adminRegistration =
        presence.addAdminListener(
            new PresenceEngine.AdminListener() {
              @Override
              public void kicked(ChannelId channel, UserId user) {
                for (Connection c : connections) {
                  if (c.caller().userId().equals(user)) {
                    c.kicked(channel);
                  }
                }
              }

              @Override
              public void closeConnections(UserId user) {
                for (Connection c : List.copyOf(connections)) {
                  if (c.caller().userId().equals(user)) {
                    c.closeByAdministrator();
                  }
                }
              }
            });
  }

  /**
   * Adjusts the application's WebSocket container (see {@link ContainerTuning}); called once when
   * the servlet context starts, before any connection.
   *
   * @param context the application's servlet context
   */
  public void configureContainer(ServletContext context) {
    ScheduledExecutorService timers = containerTimers;
    if (timers == null) {
      throw new IllegalStateException("the WebSocket runtime is not started");
    }
    List<String> applied =
        ContainerTuning.configure(context, config.maxFrameBytes(), idleBackstopMillis(), timers);
    LOG.info("WebSocket container: " + String.join(", ", applied));
  }

  /**
   * The container's idle timeout: a backstop far above the presence timeout, since the
   * application's own liveness (pings every T/3, the engine's timeout) ends silent connections
   * first.
   *
   * @return milliseconds, positive
   */
  long idleBackstopMillis() {
    return config.timeout().toMillis() * 2 + 10_000;
  }

  /**
   * At the application's end: first lets the engine hand this node's sessions over ({@link
   * PresenceEngine#handOver()}: each ends as lost with the grace period, so clients that reconnect
   * to another node within it see no event), then closes every connection with 1001 (going away:
   * clients reconnect at once; registered with {@link PresenceEngine#afterHandOver}, so a handover
   * started by the JVM's shutdown hook closes them too), then stops the threads. In this order,
   * closing a connection finds its session already ended and changes nothing in the store. If the
   * handover is already running (started by the shutdown hook of {@link
   * dev.presence.web.cdi.EngineProducer}), this waits for it.
   */
  @PreDestroy
  void stop() {
    Registration admin = adminRegistration;
    if (admin != null) {
      admin.close();
    }
    try {
      presence.handOver();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "the presence handover at shutdown failed", e);
    }
    goAway();
    ScheduledExecutorService check = checker;
    if (check != null) {
      check.shutdownNow();
    }
    ScheduledExecutorService timers = containerTimers;
    if (timers != null) {
      timers.shutdownNow();
    }
    ExecutorService pool = senders;
    if (pool != null) {
      pool.shutdown();
      try {
        if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        pool.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Closes every open connection with 1001 (going away), so that clients reconnect at once. */
  private void goAway() {
    for (Connection c : List.copyOf(connections)) {
      try {
        c.shutdown();
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "closing a WebSocket connection at shutdown failed", e);
      }
    }
  }

  /**
   * Creates a connection for an authenticated user over a socket and opens its presence session.
   *
   * @param token the user's verified token; the connection ends when it expires
   * @param transport the socket
   * @param onEnd run once when the connection has ended (not if this throws)
   * @return the open connection, registered for the periodic checks
   * @throws dev.presence.PresenceException if the presence session cannot be opened
   */
  public Connection connect(VerifiedToken token, Transport transport, Runnable onEnd) {
    ExecutorService pool = senders;
    Connection.Settings s = settings;
    if (pool == null || s == null) {
      throw new IllegalStateException("the WebSocket runtime is not started");
    }
    Connection c =
        new Connection(
            token,
            verifier,
            presence,
            access,
            new CountingTransport(transport, metrics::webSocketSendFailed),
            pool,
            texts,
            s,
            System::nanoTime,
            ended -> {
              connections.remove(ended);
              onEnd.run();
            });
    c.open();
    connections.add(c);
    return c;
  }

  /**
   * The number of open connections on this node.
   *
   * @return the count
   */
  public int connections() {
    return connections.size();
  }

  /**
   * The node's connection limits, shared with the Server-Sent Events streams.
   *
   * @return the limiter
   */
  public ConnectionLimiter limiter() {
    return limiter;
  }

  /**
   * The largest frame accepted.
   *
   * @return bytes
   */
  public int maxFrameBytes() {
    return config.maxFrameBytes();
  }

  private void checkAll() {
    long now = System.nanoTime();
    for (Connection c : connections) {
      try {
        c.check(now);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "checking a WebSocket connection failed", e);
      }
    }
  }

  private ThreadFactory threads(String prefix) {
    ThreadFactory base = threadFactory;
    // A managed thread gets the application's context from the container; a plain one this one's.
    return NamedThreads.daemon(
        prefix, base, base == null ? Thread.currentThread().getContextClassLoader() : null);
  }
}
