package dev.presence.redis.internal;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.SessionLease;
import dev.presence.spi.support.ChannelCursors;
import dev.presence.spi.support.MembershipEvent;
import dev.presence.spi.support.MembershipMachine;
import dev.presence.spi.support.MembershipPage;
import dev.presence.spi.support.MembershipStatus;
import dev.presence.spi.support.MembershipValues;
import dev.presence.spi.support.PageCursors;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PresenceStore} in Redis. Every mutating method, and every read that reports a {@code
 * seq}, is one call of {@code presence.lua}, which Redis runs atomically: the read-decide-write of
 * a channel never interleaves with another command, from any node, and the script assigns the
 * channel's next sequence numbers (INCR) in the same step. The script mirrors the rules of {@link
 * MembershipMachine}; results are turned into API values by {@link MembershipValues} and cursors by
 * {@link PageCursors}, exactly as in the other stores.
 *
 * <p>{@link #expire} and {@link #releaseNode} work in batches (each batch one atomic script call)
 * until nothing is left, so one call ends everything due; from several nodes at once each
 * membership is still ended by exactly one batch.
 *
 * <p>Errors: {@link dev.presence.UnavailableException} when Redis cannot be reached or cannot serve
 * (see {@link Script}); a script either ran whole or not at all, except that a command timeout
 * cannot tell which. Thread-safe; methods block for one or more round trips.
 */
final class RedisPresenceStore implements PresenceStore {

  private static final int BATCH = 200;

  private final Script script;
  private final StatefulRedisConnection<String, String> connection;
  private final String prefix;
  private final String retentionMs;

  RedisPresenceStore(
      Script script,
      StatefulRedisConnection<String, String> connection,
      String prefix,
      Duration retention) {
    this.script = script;
    this.connection = connection;
    this.prefix = prefix;
    this.retentionMs = Long.toString(retention.toMillis());
  }

  @Override
  public Optional<PresenceEvent> join(
      ChannelId channel, UserId user, SessionLease session, int maxUsers, Instant now) {
    Instant expiresAt = session.expiresAt();
    String node = session.nodeId();
    Result r =
        mutate(
            "join",
            channel.value(),
            retentionMs,
            Times.of(now),
            user.value(),
            session.id().value(),
            node == null ? "" : node,
            expiresAt == null ? Times.of(MembershipMachine.NONE) : Times.of(expiresAt),
            Integer.toString(maxUsers));
    MembershipValues.check(r.status, channel, maxUsers);
    return r.first(now);
  }

  @Override
  public Optional<PresenceEvent> leave(
      ChannelId channel, UserId user, SessionId session, Instant now) {
    return mutate(
            "leave", channel.value(), retentionMs, Times.of(now), user.value(), session.value())
        .first(now);
  }

  @Override
  public Optional<PresenceEvent> release(
      ChannelId channel,
      UserId user,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now) {
    return mutate(
            "release",
            channel.value(),
            retentionMs,
            Times.of(now),
            user.value(),
            session.value(),
            Integer.toString(MembershipValues.reason(reason)),
            Times.of(graceUntil))
        .first(now);
  }

  @Override
  public List<PresenceEvent> releaseNode(String nodeId, Instant graceUntil, Instant now) {
    List<PresenceEvent> events = new ArrayList<>();
    Result r;
    do {
      r =
          mutate(
              "releaseNode",
              nodeId,
              retentionMs,
              Times.of(now),
              Times.of(graceUntil),
              Integer.toString(BATCH));
      events.addAll(r.events(now));
    } while (r.more);
    return events;
  }

  @Override
  public List<PresenceEvent> expire(Instant now, Duration grace) {
    List<PresenceEvent> events = new ArrayList<>();
    Result r;
    do {
      r =
          mutate(
              "expire",
              "",
              retentionMs,
              Times.of(now),
              Times.of(grace.isNegative() ? Duration.ZERO : grace),
              Integer.toString(BATCH));
      events.addAll(r.events(now));
    } while (r.more);
    return events;
  }

  @Override
  public Optional<PresenceEvent> setAttributes(
      ChannelId channel, UserId user, Attributes attributes, Instant now) {
    String[] flat = MembershipValues.flatten(attributes);
    String[] args = new String[4 + flat.length];
    args[0] = channel.value();
    args[1] = retentionMs;
    args[2] = Times.of(now);
    args[3] = user.value();
    System.arraycopy(flat, 0, args, 4, flat.length);
    Result r = mutate("attributes", args);
    MembershipValues.check(r.status, channel, 0);
    return r.first(now);
  }

  @Override
  public Optional<Attributes> attributes(ChannelId channel, UserId user) {
    List<Object> answer = script.call("read", channel.value(), user.value());
    if (((Long) answer.get(0)) == 0) {
      return Optional.empty();
    }
    return Optional.of(MembershipValues.attributes(strings(answer.get(1))));
  }

  @Override
  public ChannelUsers users(ChannelId channel, PageRequest page) {
    String cursor = page.cursor();
    String after = cursor == null ? null : PageCursors.decode(cursor);
    return read(channel, after, page.limit(), page.withAttributes());
  }

  @Override
  public ChannelUsers snapshot(ChannelId channel) {
    return read(channel, null, Integer.MAX_VALUE - 1, true);
  }

  @Override
  public Occupancy occupancy(ChannelId channel) {
    List<Object> answer = script.call("occupancy", channel.value());
    return new Occupancy(channel, ((Long) answer.get(0)).intValue(), (Long) answer.get(1));
  }

  @Override
  public List<ChannelId> channelsOf(UserId user) {
    List<String> channels =
        Script.guard(() -> connection.sync().zrange(prefix + "u:" + user.value(), 0, -1));
    return channels.stream().map(ChannelId::of).toList();
  }

  @Override
  public Optional<PresenceEvent> kick(ChannelId channel, UserId user, Instant now) {
    return mutate("kick", channel.value(), retentionMs, Times.of(now), user.value()).first(now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Cost: one script call, {@code ZRANGEBYLEX} on the sorted set of occupied channels from the
   * cursor (O(log n + limit)) and one {@code ZCARD} per listed channel. The set is kept by the
   * script with every join and end; memberships made before this version's first start are not in
   * it until they end or the user joins the channel again.
   */
  @Override
  public ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    if (limit < 1 || limit > PageRequest.MAX_LIMIT) {
      throw new IllegalArgumentException("limit out of range: " + limit);
    }
    String after = cursor == null ? "" : ChannelCursors.decode(prefix, cursor);
    List<Object> answer = script.call("channels", prefix, after, Integer.toString(limit));
    List<?> names = (List<?>) answer.get(0);
    List<?> counts = (List<?>) answer.get(1);
    List<ChannelOccupancy> page = new ArrayList<>();
    for (int i = 0; i < names.size() && page.size() < limit; i++) {
      int occupancy = ((Long) counts.get(i)).intValue();
      if (occupancy > 0) {
        page.add(new ChannelOccupancy(ChannelId.of((String) names.get(i)), occupancy));
      }
    }
    String next =
        names.size() > limit && !page.isEmpty()
            ? ChannelCursors.encode(prefix, page.get(page.size() - 1).channel().value())
            : null;
    return new ChannelPage(page, next);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Cost: one script call, {@code SCARD} and {@code ZCARD} (O(1)) on the sets the script keeps
   * (see {@link #channels}).
   */
  @Override
  public PresenceTotals totals() {
    List<Object> answer = script.call("totals");
    return new PresenceTotals((Long) answer.get(0), (Long) answer.get(1));
  }

  // ---- helpers ----

  private ChannelUsers read(
      ChannelId channel, @Nullable String after, int limit, boolean withAttributes) {
    List<Object> answer =
        script.call(
            "page",
            channel.value(),
            after == null ? "" : after,
            Integer.toString(limit),
            withAttributes ? "1" : "0");
    List<String> users = new ArrayList<>();
    for (Object u : (List<?>) answer.get(3)) {
      users.add((String) u);
    }
    List<String[]> attributes = new ArrayList<>();
    for (Object a : (List<?>) answer.get(4)) {
      attributes.add(strings(a));
    }
    boolean more = ((Long) answer.get(2)) == 1;
    String last = more && !users.isEmpty() ? users.get(users.size() - 1) : null;
    MembershipPage page =
        new MembershipPage(
            ((Long) answer.get(0)).intValue(), (Long) answer.get(1), users, attributes, last);
    return MembershipValues.channelUsers(channel, page);
  }

  private Result mutate(String operation, String... args) {
    return Result.of(script.call(operation, args));
  }

  private static String[] strings(Object list) {
    List<?> items = (List<?>) list;
    String[] out = new String[items.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (String) items.get(i);
    }
    return out;
  }

  /**
   * A mutation's answer: {status, event, ...} with events {channel, kind, user, occ, seq, attrs}.
   */
  private record Result(
      MembershipStatus status, boolean more, List<ChannelId> channels, List<MembershipEvent> raw) {

    static Result of(List<Object> answer) {
      String status = (String) answer.get(0);
      List<ChannelId> channels = new ArrayList<>(answer.size() - 1);
      List<MembershipEvent> events = new ArrayList<>(answer.size() - 1);
      for (int i = 1; i < answer.size(); i++) {
        List<?> e = (List<?>) answer.get(i);
        channels.add(ChannelId.of((String) e.get(0)));
        events.add(
            new MembershipEvent(
                ((Long) e.get(1)).intValue(),
                (String) e.get(2),
                strings(e.get(5)),
                ((Long) e.get(3)).intValue(),
                (Long) e.get(4)));
      }
      MembershipStatus s =
          switch (status) {
            case "FULL" -> MembershipStatus.FULL;
            case "NOT_JOINED" -> MembershipStatus.NOT_JOINED;
            default -> MembershipStatus.OK;
          };
      return new Result(s, status.equals("MORE"), channels, events);
    }

    List<PresenceEvent> events(Instant now) {
      List<PresenceEvent> out = new ArrayList<>(raw.size());
      for (int i = 0; i < raw.size(); i++) {
        out.add(MembershipValues.event(channels.get(i), raw.get(i), now));
      }
      return out;
    }

    Optional<PresenceEvent> first(Instant now) {
      return raw.isEmpty()
          ? Optional.empty()
          : Optional.of(MembershipValues.event(channels.get(0), raw.get(0), now));
    }
  }
}
