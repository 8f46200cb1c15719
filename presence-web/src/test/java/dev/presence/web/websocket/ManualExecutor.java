package dev.presence.web.websocket;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executor;

/** An executor that runs tasks only when the test says so. */
final class ManualExecutor implements Executor {

  private final Deque<Runnable> tasks = new ArrayDeque<>();

  @Override
  public synchronized void execute(Runnable command) {
    tasks.add(command);
  }

  synchronized int pending() {
    return tasks.size();
  }

  /** Runs the oldest task; returns false if there was none. */
  boolean runOne() {
    Runnable task;
    synchronized (this) {
      task = tasks.poll();
    }
    if (task == null) {
      return false;
    }
    task.run();
    return true;
  }

  /** Runs tasks, including those they add, until none is left. */
  void runAll() {
    while (runOne()) {
      // keep going
    }
  }
}
