package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.TooLargeException;
import dev.presence.UserId;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The user-level {@link dev.presence.PresenceService#join} and {@link
 * dev.presence.PresenceService#leave} (REST): each acts on the lease-bound <em>API session</em> of
 * (user, channel) ({@link StoreGateway#apiSessionId}), so a repeated join renews the same lease
 * ({@code now + T}); the store ends an unrenewed lease in {@link
 * dev.presence.spi.PresenceStore#expire}. Each join and leave is also told to {@link SplitMemory},
 * which replays it after a merge.
 *
 * <p><b>Channels per user.</b> The channels one user may be in through API sessions ({@link
 * EngineConfig#channelsPerUser()}) are counted on this node only: this node remembers the channels
 * each user joined through it and until when their leases run, and forgets a channel at a leave
 * through it or when its lease ends ({@link #tick}). A join that would go over the limit is refused
 * with {@link TooLargeException} (413 {@code TOO_LARGE}); a repeated join of a channel already
 * counted (a heartbeat) is never refused. Before refusing, the store is asked once which channels
 * the user is still in, and the others are forgotten, so a leave made through another node frees
 * the place here too. Per node rather than cluster-wide because the store cannot tell which of a
 * user's channels are held by API sessions and a store read on every join would cost every REST
 * heartbeat a round trip; a user spreading REST joins over n nodes is held to n times the limit,
 * which still bounds it.
 *
 * <p>Owns the count. Thread-safe: each user's channels change atomically ({@link
 * ConcurrentHashMap#compute}); a join is counted before the store call and uncounted if the call
 * fails.
 */
final class ApiSessions {

  private final StoreGateway store;
  private final SplitMemory splitMemory;
  private final Duration timeout;
  private final int max;
  private final ConcurrentHashMap<UserId, Map<ChannelId, Instant>> channels =
      new ConcurrentHashMap<>();

  /**
   * @param store the way to the store
   * @param splitMemory told of every join and leave
   * @param timeout the timeout {@code T}: how long a join's lease runs
   * @param max the channels one user may be in through API sessions on this node
   */
  ApiSessions(StoreGateway store, SplitMemory splitMemory, Duration timeout, int max) {
    this.store = store;
    this.splitMemory = splitMemory;
    this.timeout = timeout;
    this.max = max;
  }

  /**
   * Joins, or renews the lease of, the API session of (user, channel).
   *
   * @throws TooLargeException if the user is in as many channels through this node as allowed
   */
  void join(ChannelId channel, UserId user, Instant now) {
    join(channel, user, now, timeout);
  }

  /**
   * Joins, or renews the lease of, the API session of (user, channel) for a timeout of the client's
   * choosing (a PubNub client's {@code heartbeat}); the caller bounds it.
   *
   * @param lease how long the lease runs from now
   * @throws TooLargeException if the user is in as many channels through this node as allowed
   */
  void join(ChannelId channel, UserId user, Instant now, Duration lease) {
    Instant until = now.plus(lease);
    SessionLease bound = SessionLease.leaseBound(StoreGateway.apiSessionId(channel, user), until);
    boolean counted = count(channel, user, until, now);
    try {
      store.join(channel, user, bound, now);
    } catch (RuntimeException e) {
      if (counted) {
        forget(channel, user);
      }
      throw e;
    }
    splitMemory.journal(channel, user, until);
  }

  /** Ends the API session of (user, channel) at once. */
  void leave(ChannelId channel, UserId user, Instant now) {
    store.leaveApi(channel, user, now);
    forget(channel, user);
    splitMemory.journal(channel, user, null);
  }

  /**
   * Counts a channel of a user, or extends its lease if it was counted.
   *
   * @return true if the channel was not counted before
   * @throws TooLargeException if the user is in as many channels as allowed
   */
  private boolean count(ChannelId channel, UserId user, Instant until, Instant now) {
    Boolean first = tryCount(channel, user, until, now);
    if (first != null) {
      return first;
    }
    // At the limit: forget what the user has left meanwhile (through another node, or by expiry).
    List<ChannelId> stillIn = store.channelsOf(user);
    channels.computeIfPresent(
        user,
        (u, m) -> {
          m.keySet().retainAll(stillIn);
          return m.isEmpty() ? null : m;
        });
    Boolean added = tryCount(channel, user, until, now);
    if (added == null) {
      throw new TooLargeException(
          "a user may be in at most "
              + max
              + " channels through REST; leave one before joining another");
    }
    return added;
  }

  /** True: counted now; false: was counted (lease extended); null: over the limit. */
  private @Nullable Boolean tryCount(ChannelId channel, UserId user, Instant until, Instant now) {
    Boolean[] result = new Boolean[1];
    channels.compute(
        user,
        (u, counted) -> {
          Map<ChannelId, Instant> m = counted == null ? new HashMap<>() : counted;
          if (m.containsKey(channel)) {
            m.put(channel, until);
            result[0] = Boolean.FALSE;
            return m;
          }
          if (m.size() >= max) {
            m.values().removeIf(end -> !end.isAfter(now));
          }
          if (m.size() < max) {
            m.put(channel, until);
            result[0] = Boolean.TRUE;
          }
          return m.isEmpty() ? null : m;
        });
    return result[0];
  }

  /**
   * The user was kicked from the channel: the lease is gone from the store, so it is no longer
   * counted here and not replayed after a merge.
   */
  void kicked(ChannelId channel, UserId user) {
    forget(channel, user);
    splitMemory.journal(channel, user, null);
  }

  /** Forgets a channel of a user (a leave, or a join that failed after it was counted). */
  private void forget(ChannelId channel, UserId user) {
    channels.computeIfPresent(
        user,
        (u, m) -> {
          m.remove(channel);
          return m.isEmpty() ? null : m;
        });
  }

  /** The ticker's pass: forgets the channels whose leases have ended. */
  void tick(Instant now) {
    for (UserId user : channels.keySet()) {
      channels.computeIfPresent(
          user,
          (u, m) -> {
            m.values().removeIf(end -> !end.isAfter(now));
            return m.isEmpty() ? null : m;
          });
    }
  }

  /** The channels a user is counted in. */
  int countOf(UserId user) {
    int[] n = new int[1];
    channels.computeIfPresent(
        user,
        (u, m) -> {
          n[0] = m.size();
          return m;
        });
    return n[0];
  }
}
