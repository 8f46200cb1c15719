package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.SessionId;
import dev.presence.UserId;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The releases of ended sessions' memberships ({@link dev.presence.spi.PresenceStore#release}, held
 * for the grace period {@code G}), and the queue of those the store refused, which {@link
 * #tick(Instant)} retries until the store takes them.
 *
 * <p>Owns the retry queue. Thread-safe: {@link #release} runs on the thread that ends a session;
 * {@link #tick} on the ticker thread (or the shutdown handover). A retried release keeps the grace
 * end computed when the session ended. Retries run in the order the releases failed; a retry that
 * fails again goes back to the end of the queue and stops the pass.
 */
final class SessionReleases {

  private static final Logger LOG = Logger.getLogger(SessionReleases.class.getName());

  private final StoreGateway store;
  private final Duration grace;
  private final ConcurrentLinkedQueue<PendingRelease> pending = new ConcurrentLinkedQueue<>();

  SessionReleases(StoreGateway store, Duration grace) {
    this.store = store;
    this.grace = grace;
    // Loaded now: at shutdown the container may already refuse to load the application's classes.
    EngineRuntime.preload(PendingRelease.class);
  }

  /** Releases one membership of an ended session; on failure {@link #tick} retries it. */
  void release(ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant now) {
    PendingRelease release = new PendingRelease(channel, user, session, reason, now.plus(grace));
    try {
      release(release, now);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          e,
          () ->
              "could not release session " + session + " from channel " + channel + "; will retry");
      pending.add(release);
    }
  }

  /**
   * Retries the releases that failed, each once.
   *
   * @throws RuntimeException the first failure (that release and the ones not tried stay queued)
   */
  void tick(Instant now) {
    int n = pending.size();
    for (int i = 0; i < n; i++) {
      PendingRelease release = pending.poll();
      if (release == null) {
        return;
      }
      try {
        release(release, now);
      } catch (RuntimeException e) {
        pending.add(release);
        throw e;
      }
    }
  }

  /** How many releases wait for a retry. */
  int pending() {
    return pending.size();
  }

  private void release(PendingRelease r, Instant now) {
    store.release(r.channel(), r.user(), r.session(), r.reason(), r.graceUntil(), now);
  }

  private record PendingRelease(
      ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant graceUntil) {}
}
