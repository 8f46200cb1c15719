package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.PresenceLimits;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.TooLargeException;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Collection;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The connection-bound sessions open on this node ({@link EngineSession}), counted per user, and
 * the store operations they make ({@link SessionOperations}).
 *
 * <p>Owns the sessions by id, the number of sessions of each user (the sessions-per-user limit is
 * counted here, without a store round trip), the session ids (prefix {@code s:}, this node's id at
 * start and a random part, then a counter) and whether new sessions and joins are admitted (not
 * once the shutdown handover has begun, {@link #stopAdmitting()}).
 *
 * <p>Thread-safe: sessions open and end on any thread; {@link #tick} runs on the ticker thread. A
 * session is registered before {@link #open} returns it and forgotten once its releases were made
 * (or queued for retry).
 */
final class SessionRegistry implements SessionOperations {

  private final StoreGateway store;
  private final SessionReleases releases;
  private final LimitChecks checks;
  private final InstantSource clock;
  private final Duration timeout;
  private final String sessionPrefix;
  private final AtomicLong sessionCounter = new AtomicLong();
  private final ConcurrentHashMap<SessionId, EngineSession> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UserId, Integer> sessionsPerUser = new ConcurrentHashMap<>();
  private volatile boolean admitting = true;

  /**
   * @param store the way to the store
   * @param releases where ended sessions' memberships are released
   * @param limits the limits
   * @param clock the only source of time
   * @param timeout the timeout {@code T} after which a silent session is ended as lost
   */
  SessionRegistry(
      StoreGateway store,
      SessionReleases releases,
      PresenceLimits limits,
      InstantSource clock,
      Duration timeout) {
    this(store, releases, new LimitChecks(limits), clock, timeout);
  }

  /**
   * @param store the way to the store
   * @param releases where ended sessions' memberships are released
   * @param checks the limit checks, shared with the engine
   * @param clock the only source of time
   * @param timeout the timeout {@code T} after which a silent session is ended as lost
   */
  SessionRegistry(
      StoreGateway store,
      SessionReleases releases,
      LimitChecks checks,
      InstantSource clock,
      Duration timeout) {
    this.store = store;
    this.releases = releases;
    this.checks = checks;
    this.clock = clock;
    this.timeout = timeout;
    this.sessionPrefix =
        "s:" + sanitize(store.nodeId()) + ":" + UUID.randomUUID().toString().substring(0, 8) + ":";
  }

  /**
   * Opens a session for a user, checking the user id, and channel ids on the session's join and
   * leave.
   *
   * @throws dev.presence.InvalidArgumentException if the user id is over its limit
   * @throws UnavailableException if this node is handing over
   * @throws TooLargeException if the user has as many sessions open here as allowed
   */
  PresenceSession open(UserId user) {
    checks.user(user);
    return open(user, true);
  }

  /**
   * Opens a session for a user whose id has been checked.
   *
   * @param user the user, checked against the limits
   * @param checkChannels whether the session's join and leave check their channel ids (false for a
   *     session of {@link PrecheckedPresence}, whose caller checked them)
   * @throws UnavailableException if this node is handing over
   * @throws TooLargeException if the user has as many sessions open here as allowed
   */
  PresenceSession open(UserId user, boolean checkChannels) {
    refuseWhenHandingOver();
    int max = checks.limits().sessionsPerUser();
    sessionsPerUser.compute(
        user,
        (u, count) -> {
          int n = count == null ? 0 : count;
          if (n >= max) {
            throw new TooLargeException(
                "a user may have at most " + max + " connections open; close one first");
          }
          return n + 1;
        });
    SessionId id = SessionId.of(sessionPrefix + sessionCounter.incrementAndGet());
    EngineSession session = new EngineSession(this, id, user, clock.instant(), checkChannels);
    sessions.put(id, session);
    return session;
  }

  /** The ticker's pass: ends as lost the sessions silent for the timeout {@code T}. */
  void tick(Instant now) {
    Instant cutoff = now.minus(timeout);
    for (EngineSession session : sessions.values()) {
      session.closeIfSilentSince(cutoff, now);
    }
  }

  /** The sessions open now (a weakly consistent view). */
  Collection<EngineSession> all() {
    return sessions.values();
  }

  int size() {
    return sessions.size();
  }

  /** Whether the user has a session open on this node. */
  boolean isConnected(UserId user) {
    return sessionsPerUser.containsKey(user);
  }

  /**
   * From now on refuses new sessions and joins of sessions ({@link UnavailableException}).
   *
   * @return true if this call stopped it, false if it was stopped already
   */
  synchronized boolean stopAdmitting() {
    boolean first = admitting;
    admitting = false;
    return first;
  }

  /** Whether new sessions and joins are still admitted. */
  boolean isAdmitting() {
    return admitting;
  }

  // ---- SessionOperations ----

  @Override
  public LimitChecks checks() {
    return checks;
  }

  @Override
  public Instant now() {
    return clock.instant();
  }

  @Override
  public long join(ChannelId channel, UserId user, SessionId session, Instant now) {
    refuseWhenHandingOver();
    return store.seqAtJoin(channel, store.joinNodeBound(channel, user, session, now));
  }

  @Override
  public void leave(ChannelId channel, UserId user, SessionId session, Instant now) {
    store.leave(channel, user, session, now);
  }

  @Override
  public void release(
      ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant now) {
    releases.release(channel, user, session, reason, now);
  }

  @Override
  public void ended(EngineSession session) {
    sessions.remove(session.id());
    sessionsPerUser.computeIfPresent(session.userId(), (u, n) -> n <= 1 ? null : n - 1);
  }

  private void refuseWhenHandingOver() {
    if (!admitting) {
      throw new UnavailableException(
          "this presence node is shutting down; connect again (to another node)");
    }
  }

  private static String sanitize(String nodeId) {
    StringBuilder b = new StringBuilder(Math.min(nodeId.length(), 200));
    for (int i = 0; i < nodeId.length() && b.length() < 200; i++) {
      char c = nodeId.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '.'
              || c == '_'
              || c == '-'
              || c == '@';
      b.append(ok ? c : '_');
    }
    return b.length() == 0 ? "node" : b.toString();
  }
}
