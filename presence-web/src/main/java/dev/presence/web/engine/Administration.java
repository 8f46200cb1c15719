package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.Capability;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.Registration;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The administration of SPEC 13.4 on this node: kick, close a user's connections, the channel
 * listing and the cluster-wide totals.
 *
 * <p><b>Kick.</b> {@link #kick} asks the store to end the user's membership (every session, on
 * every node, pending or not) and publishes the {@code leave} event, whose {@link Left#kicked()} is
 * true. Every node, this one included, acts on that event when the bus delivers it ({@link
 * #onEvents}): its connection sessions of the user forget the channel (so that the client may join
 * it again, and a merge does not re-assert it), its REST lease of (user, channel) is forgotten, and
 * the {@link PresenceEngine.AdminListener}s (the WebSocket and SSE front ends) are told, so the
 * user's WebSocket clients get {@code {"type":"kicked","channel":"c"}}. A node that misses the
 * event (the bus is at most once) keeps the channel in its sessions' lists: the membership is gone
 * from the store all the same, and a later leave or close of those sessions changes nothing; a
 * re-join from such a session would be answered {@code ok} without a store call until the session
 * leaves the channel.
 *
 * <p><b>Close.</b> {@link #closeConnections} publishes a signal on the bus ({@link
 * PresenceEventBus#closeConnections}); every node that gets it tells its listeners, which close the
 * user's WebSocket connections with 4003 and end the user's SSE streams. A node that is cut off
 * when the signal is sent never gets it (the bus is at most once, and the signal is not stored):
 * its connections of the user stay open; the call is answered as accepted all the same.
 *
 * <p><b>Listing and totals</b> are the store's ({@link dev.presence.spi.PresenceStore#channels},
 * {@link dev.presence.spi.PresenceStore#totals}); totals are cached for {@link #TOTALS_TTL} so that
 * metrics scrapes do not each cost a cluster-wide count.
 *
 * <p>Thread-safe. The bus calls {@link #onEvents} and {@link #onCloseConnections} one at a time on
 * its thread; listeners must not block.
 */
final class Administration implements PresenceEventBus.Listener {

  /** How long {@link #totals()} reuses a count. */
  static final Duration TOTALS_TTL = Duration.ofSeconds(5);

  private static final Logger LOG = Logger.getLogger(Administration.class.getName());

  private final PresenceBackend backend;
  private final StoreGateway store;
  private final SessionRegistry sessions;
  private final ApiSessions apiSessions;
  private final InstantSource clock;
  private final CopyOnWriteArrayList<PresenceEngine.AdminListener> listeners =
      new CopyOnWriteArrayList<>();
  private volatile @Nullable Cached cached;

  Administration(
      PresenceBackend backend,
      StoreGateway store,
      SessionRegistry sessions,
      ApiSessions apiSessions,
      InstantSource clock) {
    this.backend = backend;
    this.store = store;
    this.sessions = sessions;
    this.apiSessions = apiSessions;
    this.clock = clock;
  }

  /** Refuses the administration if the backend lacks it. */
  private void requireSupport() {
    if (!backend.isSupported(Capability.ADMINISTRATION)) {
      throw new UnavailableException(
          "the presence store in use does not support the administration API");
    }
  }

  /**
   * Kicks a user from a channel (see the class comment).
   *
   * @return true if the user was present
   */
  boolean kick(ChannelId channel, UserId user) {
    requireSupport();
    return store.kick(channel, user, clock.instant()).isPresent();
  }

  /** Asks every node to close the user's connections (see the class comment). */
  void closeConnections(UserId user) {
    requireSupport();
    store.closeConnections(user);
  }

  ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    requireSupport();
    return store.channels(prefix, limit, cursor);
  }

  /** The totals, at most {@link #TOTALS_TTL} old. */
  PresenceTotals totals() {
    requireSupport();
    Instant now = clock.instant();
    Cached c = cached;
    if (c != null && now.isBefore(c.until())) {
      return c.totals();
    }
    PresenceTotals fresh = store.totals();
    cached = new Cached(fresh, now.plus(TOTALS_TTL));
    return fresh;
  }

  /** Registers a listener; the registration's close removes it. */
  Registration addListener(PresenceEngine.AdminListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public void onEvents(List<PresenceEvent> events) {
    for (PresenceEvent e : events) {
      if (e instanceof Left left && left.kicked()) {
        kickedHere(left.channel(), left.userId(), left.seq());
      }
    }
  }

  @Override
  public void onCloseConnections(UserId user) {
    for (PresenceEngine.AdminListener l : listeners) {
      try {
        l.closeConnections(user);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "closing a user's connections failed", e);
      }
    }
  }

  private void kickedHere(ChannelId channel, UserId user, long kickSeq) {
    apiSessions.kicked(channel, user);
    for (EngineSession s : sessions.all()) {
      if (s.userId().equals(user) && s.forget(channel, kickSeq)) {
        for (PresenceEngine.AdminListener l : listeners) {
          try {
            l.kicked(channel, user, s.id());
          } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "telling a kicked user's clients failed", e);
          }
        }
      }
    }
  }

  private record Cached(PresenceTotals totals, Instant until) {}
}
