package dev.presence.web.engine;

import dev.presence.CloseReason;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The graceful handover at shutdown (see {@link PresenceEngine#handOver()}): stops the registry
 * admitting new sessions and joins, ends every local session as {@link CloseReason#LOST} (so their
 * memberships are held for the grace period), retries once the releases that failed, and then runs
 * the actions registered with {@link #afterHandOver}.
 *
 * <p>Owns the after-handover actions and the latch that later callers wait on. Threading: the first
 * caller of {@link #handOver()} does the work, the releases on the engine's ticker thread when it
 * runs (it carries the application's context that a clustered store needs), else on the caller's
 * thread, waiting up to {@link #WAIT} for them; the actions run on the caller's thread, in the
 * order registered. Any later caller waits (up to {@link #WAIT}) until the first is done.
 */
final class ShutdownHandOver {

  private static final Logger LOG = Logger.getLogger(ShutdownHandOver.class.getName());

  /** How long the releases, and a second caller, are waited for. */
  static final Duration WAIT = Duration.ofSeconds(30);

  private final SessionRegistry sessions;
  private final SessionReleases releases;
  private final EngineRuntime runtime;
  private final InstantSource clock;
  private final Duration grace;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final List<Runnable> afterHandOver = new CopyOnWriteArrayList<>();

  ShutdownHandOver(
      SessionRegistry sessions,
      SessionReleases releases,
      EngineRuntime runtime,
      InstantSource clock,
      Duration grace) {
    this.sessions = sessions;
    this.releases = releases;
    this.runtime = runtime;
    this.clock = clock;
    this.grace = grace;
  }

  /** Hands over, once; a later call waits for the first. Never throws. */
  void handOver() {
    if (!sessions.stopAdmitting()) {
      awaitDone();
      return;
    }
    try {
      boolean done = false;
      try {
        done = runtime.runOnTicker(this::releaseAllSessions, WAIT);
      } catch (ExecutionException | TimeoutException e) {
        LOG.log(Level.WARNING, "the shutdown handover did not complete", e);
        done = true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = true;
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
      finished.countDown();
    }
  }

  /** Whether the handover has begun. */
  boolean hasBegun() {
    return !sessions.isAdmitting();
  }

  /** Registers an action run once the sessions are released, on the first caller's thread. */
  void afterHandOver(Runnable action) {
    afterHandOver.add(action);
  }

  private void awaitDone() {
    boolean interrupted = false;
    long deadline = System.nanoTime() + WAIT.toNanos();
    try {
      while (true) {
        try {
          long left = deadline - System.nanoTime();
          if (left <= 0 || finished.await(left, TimeUnit.NANOSECONDS)) {
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

  private void releaseAllSessions() {
    long t0 = System.nanoTime();
    List<EngineSession> open = List.copyOf(sessions.all());
    Instant now = clock.instant();
    for (EngineSession session : open) {
      session.close(CloseReason.LOST);
    }
    int failed = releases.pending();
    if (failed > 0) {
      try {
        releases.tick(now);
        failed = 0;
      } catch (RuntimeException e) {
        failed = releases.pending();
      }
    }
    int left = failed;
    LOG.log(
        left == 0 ? Level.INFO : Level.WARNING,
        () ->
            "shutdown handover: released "
                + open.size()
                + " session(s) of this node as lost with a grace period of "
                + grace.toMillis()
                + " ms in "
                + (System.nanoTime() - t0) / 1_000_000
                + " ms"
                + (left == 0 ? "" : "; " + left + " release(s) failed, left to the other nodes"));
  }
}
