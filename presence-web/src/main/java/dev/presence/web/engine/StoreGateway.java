package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresenceException;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The engine's one way to the backend's store and bus: one method a store operation, each
 * translating failures and publishing the events the store returns.
 *
 * <p><b>Errors.</b> {@link PresenceException}s of the store pass through unchanged; anything else
 * the backend throws becomes an {@link UnavailableException} whose message says nothing about
 * internals. <b>Events.</b> Every event the store returns is counted (for {@link EngineMetrics})
 * and published on the backend's bus, and nothing else: local subscribers get events only from the
 * bus. If publishing fails after the store changed, the change stands (the call succeeds), the
 * failure is logged and observers see a gap and resync.
 *
 * <p>Owns no state but the event counters. Thread-safe; events of one call are published in the
 * order the store returned them, on the calling thread.
 */
final class StoreGateway {

  private static final Logger LOG = Logger.getLogger(StoreGateway.class.getName());

  private static final String UNAVAILABLE =
      "the presence store cannot be reached at the moment; try again later";

  private final PresenceBackend backend;
  private final PresenceStore store;
  private final PresenceEventBus bus;
  private final int usersPerChannel;
  private final Duration grace;
  private final Map<EventKind, LongAdder> produced = new EnumMap<>(EventKind.class);

  /**
   * @param backend the backend, whose store, bus and current node id are used
   * @param usersPerChannel the limit every join passes to the store
   * @param grace the grace period {@code G} passed to {@link PresenceStore#expire}
   */
  StoreGateway(PresenceBackend backend, int usersPerChannel, Duration grace) {
    this.backend = backend;
    this.store = backend.store();
    this.bus = backend.eventBus();
    this.usersPerChannel = usersPerChannel;
    this.grace = grace;
    for (EventKind kind : EventKind.values()) {
      produced.put(kind, new LongAdder());
    }
  }

  /** The backend's node id now (it may change when a partition heals). */
  String nodeId() {
    return backend.nodeId();
  }

  /** Runs a store operation, translating failures (see the class comment). */
  private <T> T call(Supplier<T> operation) {
    try {
      return operation.get();
    } catch (PresenceException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new UnavailableException(UNAVAILABLE, e);
    }
  }

  /** Joins with a lease and publishes the event, if any; returns it. */
  Optional<PresenceEvent> join(ChannelId channel, UserId user, SessionLease lease, Instant now) {
    Optional<PresenceEvent> event =
        call(() -> store.join(channel, user, lease, usersPerChannel, now));
    publish(event);
    return event;
  }

  /** Joins a connection-bound session under the backend's current node id; see {@link #join}. */
  Optional<PresenceEvent> joinNodeBound(
      ChannelId channel, UserId user, SessionId session, Instant now) {
    return join(channel, user, SessionLease.nodeBound(session, backend.nodeId()), now);
  }

  /**
   * Joins through the lease-bound API session of (user, channel) ({@link #apiSessionId}), whose
   * lease runs until {@code until}; publishes the event, if any.
   */
  void joinApi(ChannelId channel, UserId user, Instant until, Instant now) {
    join(channel, user, SessionLease.leaseBound(apiSessionId(channel, user), until), now);
  }

  /** Ends the API session of (user, channel) at once; publishes the event, if any. */
  void leaveApi(ChannelId channel, UserId user, Instant now) {
    leave(channel, user, apiSessionId(channel, user), now);
  }

  /**
   * The id of the API session of (user, channel), derived from both ({@code api:<length of user
   * id>:<user>:<channel>}), so that a repeated REST join renews the same lease.
   */
  static SessionId apiSessionId(ChannelId channel, UserId user) {
    String u = user.value();
    return SessionId.of("api:" + u.length() + ":" + u + ":" + channel.value());
  }

  /** Ends one session's membership at once and publishes the event, if any. */
  void leave(ChannelId channel, UserId user, SessionId session, Instant now) {
    publish(call(() -> store.leave(channel, user, session, now)));
  }

  /** Releases one membership of an ended session for its grace period; publishes the event. */
  void release(
      ChannelId channel,
      UserId user,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now) {
    publish(call(() -> store.release(channel, user, session, reason, graceUntil, now)));
  }

  /** Releases every session stored under a node id for {@code G} and publishes the events. */
  List<PresenceEvent> releaseNode(String nodeId, Instant now) {
    List<PresenceEvent> events = call(() -> store.releaseNode(nodeId, now.plus(grace), now));
    publish(events);
    return events;
  }

  /** Sets a user's attributes in a channel and publishes the event, if any. */
  void setAttributes(ChannelId channel, UserId user, Attributes attributes, Instant now) {
    publish(call(() -> store.setAttributes(channel, user, attributes, now)));
  }

  /** Kicks a user from a channel and publishes the event, if any; returns it. */
  Optional<PresenceEvent> kick(ChannelId channel, UserId user, Instant now) {
    Optional<PresenceEvent> event = call(() -> store.kick(channel, user, now));
    publish(event);
    return event;
  }

  /** Sends the close signal of a user's connections on the bus. */
  void closeConnections(UserId user) {
    call(
        () -> {
          bus.closeConnections(user);
          return null;
        });
  }

  ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    return call(() -> store.channels(prefix, limit, cursor));
  }

  PresenceTotals totals() {
    return call(store::totals);
  }

  Optional<Attributes> attributes(ChannelId channel, UserId user) {
    return call(() -> store.attributes(channel, user));
  }

  List<ChannelId> channelsOf(UserId user) {
    return call(() -> store.channelsOf(user));
  }

  ChannelUsers users(ChannelId channel, PageRequest page) {
    return call(() -> store.users(channel, page));
  }

  ChannelUsers snapshot(ChannelId channel) {
    return call(() -> store.snapshot(channel));
  }

  Occupancy occupancy(ChannelId channel) {
    return call(() -> store.occupancy(channel));
  }

  /**
   * The channel's seq at a join (see {@link SessionOperations#join}): the {@code join} event's, or,
   * when the user was present already (no event), the channel's seq read now.
   *
   * @param channel the channel joined
   * @param join what the join returned
   */
  long seqAtJoin(ChannelId channel, Optional<PresenceEvent> join) {
    return join.isPresent() ? join.get().seq() : occupancy(channel).seq();
  }

  /**
   * The ticker's pass: lets the store end expired leases and grace periods ({@link
   * PresenceStore#expire}) and publishes the events. Failures are not translated (the ticker logs
   * them as they are).
   */
  void tick(Instant now) {
    publish(store.expire(now, grace));
  }

  void publish(Optional<PresenceEvent> event) {
    event.ifPresent(e -> publish(List.of(e)));
  }

  void publish(List<PresenceEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    for (PresenceEvent event : events) {
      produced.get(event.kind()).increment();
    }
    try {
      bus.publish(events);
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          e,
          () -> "could not publish " + events.size() + " presence events; observers will resync");
    }
  }

  /** The events published so far, by kind. */
  Map<EventKind, Long> produced() {
    Map<EventKind, Long> events = new EnumMap<>(EventKind.class);
    produced.forEach((kind, count) -> events.put(kind, count.sum()));
    return events;
  }
}
