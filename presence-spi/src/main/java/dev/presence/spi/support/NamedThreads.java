package dev.presence.spi.support;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The one way Presence names its background threads: daemon threads called {@code name}, or, for a
 * {@code name} ending in {@code -}, numbered {@code name1}, {@code name2}, … in the order a factory
 * makes them (each factory counts on its own).
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}): the backends and
 * the server share it so that thread dumps read the same everywhere.
 *
 * @since 0.1
 */
public final class NamedThreads {

  private NamedThreads() {}

  /**
   * A factory of plain daemon threads.
   *
   * @param name the thread name, or a prefix ending in {@code -} to number the threads
   * @return the factory
   */
  public static ThreadFactory daemon(String name) {
    return daemon(name, null, null);
  }

  /**
   * A factory of daemon threads made by another factory (such as a container's managed thread
   * factory), then named and made daemon.
   *
   * @param name the thread name, or a prefix ending in {@code -} to number the threads
   * @param base makes each thread; null for a plain {@link Thread}
   * @param contextLoader set as each thread's context class loader; null to keep the one the thread
   *     was made with
   * @return the factory
   */
  public static ThreadFactory daemon(
      String name, @Nullable ThreadFactory base, @Nullable ClassLoader contextLoader) {
    AtomicInteger count = new AtomicInteger();
    boolean numbered = name.endsWith("-");
    return task -> {
      String threadName = numbered ? name + count.incrementAndGet() : name;
      Thread thread = base != null ? base.newThread(task) : new Thread(task, threadName);
      thread.setName(threadName);
      thread.setDaemon(true);
      if (contextLoader != null) {
        thread.setContextClassLoader(contextLoader);
      }
      return thread;
    };
  }

  /**
   * A pool of up to {@code size} threads with an unbounded queue: a thread starts for each task
   * while fewer than {@code size} run, and ends after a minute without work.
   *
   * @param size the most threads at once, at least 1
   * @param threads makes the threads, typically one of {@link #daemon}
   * @return the pool; its owner shuts it down
   */
  public static ThreadPoolExecutor pool(int size, ThreadFactory threads) {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
