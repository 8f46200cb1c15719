package dev.presence.web.engine;

import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceEventHook;
import dev.presence.spi.Registration;
import dev.presence.spi.support.NamedThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The running parts of one engine and their lifecycle: every thread (the liveness ticker, the pool
 * that runs subscription listeners, one {@link HookRunner} thread per event hook) and the
 * registrations with the backend (the event bus listener, the cluster listener).
 *
 * <p>Threads are made by the container's thread factory when one is given (so that backend calls
 * from them run in the application's context), else as plain daemon threads named {@code
 * presence-*}.
 *
 * <p>Owns the executors, the hook runners, the registrations and the started and closed states, all
 * guarded by this object's lock. {@link #start} registers, then starts the hooks and the ticker;
 * {@link #close} unregisters, then stops the ticker, the hooks and the listener threads, none of
 * them waiting for running work. Each runs once; start after close throws.
 */
final class EngineRuntime {

  private static final Logger LOG = Logger.getLogger(EngineRuntime.class.getName());

  private final PresenceBackend backend;
  private final @Nullable ThreadFactory container;
  private final List<HookRunner> hooks;
  private final ThreadPoolExecutor listenerPool;
  private volatile @Nullable ScheduledExecutorService ticker;
  private boolean started; // guarded by this
  private boolean closed; // guarded by this
  private @Nullable Registration busRegistration; // guarded by this
  private @Nullable Registration clusterRegistration; // guarded by this

  /**
   * @param backend the backend whose bus and cluster changes are listened to
   * @param hooks the event hooks, each to run on its own thread with a queue of {@code capacity}
   * @param capacity each hook's queue capacity
   * @param container the container's thread factory, or null for plain daemon threads
   */
  EngineRuntime(
      PresenceBackend backend,
      List<PresenceEventHook> hooks,
      int capacity,
      @Nullable ThreadFactory container) {
    this.backend = backend;
    this.container = container;
    List<HookRunner> runners = new ArrayList<>();
    for (int i = 0; i < hooks.size(); i++) {
      runners.add(new HookRunner(hooks.get(i), capacity, factory("presence-hook-" + (i + 1))));
    }
    this.hooks = List.copyOf(runners);
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    this.listenerPool = NamedThreads.pool(threads, factory("presence-listener-"));
  }

  /** The hook runners, in the order of the hooks given. */
  List<HookRunner> hooks() {
    return hooks;
  }

  /** Where subscription listeners run. */
  Executor listeners() {
    return listenerPool;
  }

  /**
   * Starts, once: subscribes {@code events} to the bus and registers for cluster changes, then
   * starts the hook threads and the ticker, which runs {@code tick} every {@code period}.
   *
   * @param events gets every event of the bus
   * @param onNodeLost told of a lost node, on a backend thread
   * @param onMerged told that a partition healed, on a backend thread
   * @throws IllegalStateException if closed
   */
  synchronized void start(
      PresenceEventBus.Listener events,
      Consumer<String> onNodeLost,
      Runnable onMerged,
      Runnable tick,
      Duration period) {
    if (closed) {
      throw new IllegalStateException("the presence engine is closed");
    }
    if (started) {
      return;
    }
    started = true;
    busRegistration = backend.eventBus().subscribe(events);
    clusterRegistration =
        backend.addClusterListener(
            new ClusterListener() {
              @Override
              public void nodeLost(String nodeId) {
                onNodeLost.accept(nodeId);
              }

              @Override
              public void merged() {
                onMerged.run();
              }
            });
    hooks.forEach(HookRunner::start);
    ScheduledExecutorService t =
        Executors.newSingleThreadScheduledExecutor(factory("presence-engine-ticker"));
    long nanos = period.toNanos();
    t.scheduleWithFixedDelay(tick, nanos, nanos, TimeUnit.NANOSECONDS);
    ticker = t;
  }

  /**
   * Runs a task on the ticker thread and waits up to {@code timeout} for it.
   *
   * @return false if it did not run there (no ticker, or the ticker is stopping): run it yourself
   */
  boolean runOnTicker(Runnable task, Duration timeout)
      throws ExecutionException, TimeoutException, InterruptedException {
    ScheduledExecutorService t = ticker;
    if (t == null) {
      return false;
    }
    try {
      t.submit(task).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  /** Unsubscribes, then stops the ticker, the hook threads and the listener threads; once. */
  synchronized void close() {
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
    hooks.forEach(HookRunner::stop);
    listenerPool.shutdownNow();
  }

  /** Calls of event hooks that threw, over all hooks. */
  long hookFailures() {
    return hooks.stream().mapToLong(HookRunner::failures).sum();
  }

  /** Events dropped because a hook's queue was full, over all hooks. */
  long hookDrops() {
    return hooks.stream().mapToLong(HookRunner::drops).sum();
  }

  private static void closeQuietly(@Nullable Registration registration) {
    if (registration != null) {
      try {
        registration.close();
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "unsubscribing from the backend failed", e);
      }
    }
  }

  /** Loads and initializes a class now, so that a shutdown never needs to load it. */
  static void preload(Class<?> type) {
    try {
      Class.forName(type.getName(), true, type.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  private ThreadFactory factory(String prefix) {
    ThreadFactory given = container;
    return given != null ? given : NamedThreads.daemon(prefix);
  }
}
