package dev.presence.web.engine;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Runs one event hook on a thread of its own, fed by a bounded queue: {@link #offer} never blocks;
 * when the queue is full the oldest event is dropped and counted. A hook that throws is logged and
 * counted and gets the next event. Events are passed to the hook in the order offered.
 */
final class HookRunner {

  private static final Logger LOG = Logger.getLogger(HookRunner.class.getName());

  private final PresenceEventHook hook;
  private final String name;
  private final int capacity;
  private final ArrayDeque<PresenceEvent> queue = new ArrayDeque<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong drops = new AtomicLong();
  private final Thread thread;
  private volatile boolean stopped;

  HookRunner(PresenceEventHook hook, int capacity, ThreadFactory threads) {
    this.hook = hook;
    this.name = name(hook);
    this.capacity = capacity;
    this.thread = threads.newThread(this::run);
  }

  void start() {
    thread.start();
  }

  /** Queues an event; drops the oldest queued event if the queue is full. Never blocks. */
  void offer(PresenceEvent event) {
    if (stopped) {
      return;
    }
    lock.lock();
    try {
      if (queue.size() >= capacity) {
        queue.pollFirst();
        drops.incrementAndGet();
      }
      queue.addLast(event);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  long failures() {
    return failures.get();
  }

  long drops() {
    return drops.get();
  }

  /** Stops the thread; events still queued are not delivered. */
  void stop() {
    stopped = true;
    lock.lock();
    try {
      queue.clear();
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      PresenceEvent event = next();
      if (event == null) {
        return;
      }
      try {
        hook.onEvent(event);
      } catch (RuntimeException e) {
        failures.incrementAndGet();
        LOG.log(Level.WARNING, e, () -> "presence event hook " + name + " failed; it goes on");
      }
    }
  }

  /**
   * The hook's class name for logs, without the suffix of a CDI client proxy (Weld names them
   * {@code Foo$Proxy$_$$_WeldClientProxy}).
   */
  static String name(PresenceEventHook hook) {
    String name = hook.getClass().getName();
    int proxy = name.indexOf("$Proxy$_$$_");
    return proxy > 0 ? name.substring(0, proxy) : name;
  }

  private @Nullable PresenceEvent next() {
    lock.lock();
    try {
      while (queue.isEmpty() && !stopped) {
        notEmpty.awaitUninterruptibly();
      }
      return stopped ? null : queue.pollFirst();
    } finally {
      lock.unlock();
    }
  }
}
