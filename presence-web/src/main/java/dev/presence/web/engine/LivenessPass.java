package dev.presence.web.engine;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The engine's periodic work ({@link PresenceEngine#tick()}): named steps run in order, each even
 * if one before it failed. A failure is logged as a warning once, then quietly until a pass
 * succeeds again, which is logged too; it is retried on the next pass. One pass at a time.
 */
final class LivenessPass {

  private static final Logger LOG = Logger.getLogger(PresenceEngine.class.getName());

  /**
   * One step of the pass.
   *
   * @param what what it does, for the log ("ending silent sessions")
   * @param work the step, given the pass's time
   */
  record Step(String what, Consumer<Instant> work) {}

  private final List<Step> steps;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean failing; // guarded by lock

  LivenessPass(List<Step> steps) {
    this.steps = List.copyOf(steps);
  }

  /**
   * Runs every step once. Never throws.
   *
   * @param now the time of the pass
   */
  void run(Instant now) {
    lock.lock();
    try {
      boolean ok = true;
      for (Step step : steps) {
        ok &= run(step, now);
      }
      if (ok && failing) {
        LOG.log(Level.INFO, "presence liveness checks work again");
      }
      failing = !ok;
    } finally {
      lock.unlock();
    }
  }

  private boolean run(Step step, Instant now) {
    try {
      step.work().accept(now);
      return true;
    } catch (RuntimeException e) {
      Level level = failing ? Level.FINE : Level.WARNING;
      LOG.log(
          level, e, () -> "presence liveness pass failed while " + step.what() + "; will retry");
      return false;
    }
  }
}
