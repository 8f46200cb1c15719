package dev.presence.spi.memory;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.NotJoinedException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresentUser;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PresenceStore} held in this process's memory, for a single node.
 *
 * <p><b>Atomicity.</b> Each channel has one state object, and every operation on a channel runs
 * while holding that object's monitor, so the operations of one channel are serialized and those of
 * different channels run in parallel. Reads take the same monitor, so what they return reflects
 * exactly the events up to the {@code seq} they report.
 *
 * <p><b>Sequence numbers never go backwards.</b> When a channel's last user leaves, its members are
 * dropped but its state object, with the channel's last {@code seq}, is kept for the life of the
 * store; a channel that fills again continues its sequence (an observer that saw {@code seq} 17
 * never sees 1 again). The cost is a few dozen bytes per channel name ever used. Reading a channel
 * that never had an event does not create a state object.
 *
 * <p><b>Indexes.</b> A user-to-channels index answers {@link #channelsOf}; an index of deadlines
 * (lease ends and pending ends, in time order) lets {@link #expire} visit only what is due, so a
 * sweep costs nothing when nothing is due. Both are updated under the channel's monitor. {@link
 * #releaseNode} visits every channel (a node loss is rare, and a single-node store sees it only
 * from tests or migration tools).
 *
 * <p><b>Cursors</b> of {@link #users} are the base64url form of the last user id of the page, so
 * they stay valid while the channel changes; a string not made that way (not base64url, bytes that
 * are not UTF-8, not a user id) is refused with {@link InvalidArgumentException}.
 *
 * <p>After {@link InMemoryPresenceBackend#close()} every method throws {@link
 * UnavailableException}.
 *
 * @since 0.1
 */
public final class InMemoryPresenceStore implements PresenceStore {

  private static final String CURSOR_PREFIX = "u1:";

  private final ConcurrentHashMap<ChannelId, ChannelState> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UserId, ConcurrentSkipListSet<ChannelId>> channelsByUser =
      new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Due> deadlines = new ConcurrentSkipListSet<>();
  private volatile boolean closed;

  /** Creates an empty store. */
  public InMemoryPresenceStore() {}

  /** Refuses every later call with {@link UnavailableException} and drops the state. */
  void close() {
    closed = true;
    channels.clear();
    channelsByUser.clear();
    deadlines.clear();
  }

  private void checkOpen() {
    if (closed) {
      throw new UnavailableException("the in-memory presence store is closed");
    }
  }

  @Override
  public Optional<PresenceEvent> join(
      ChannelId channel, UserId user, SessionLease session, int maxUsers, Instant now) {
    checkOpen();
    ChannelState state = channels.computeIfAbsent(channel, ChannelState::new);
    synchronized (state) {
      Membership membership = state.members.get(user);
      if (membership != null) {
        putSession(state, user, membership, session);
        if (membership.pendingUntil != null) {
          deadlines.remove(new Due(membership.pendingUntil, channel, user, null));
          membership.pendingUntil = null;
          membership.pendingReason = null;
        }
        return Optional.empty();
      }
      if (state.members.size() >= maxUsers) {
        throw new ChannelFullException(
            "channel '"
                + channel
                + "' is full: at most "
                + maxUsers
                + " users may be present in it at once");
      }
      membership = new Membership();
      state.members.put(user, membership);
      putSession(state, user, membership, session);
      // compute, not computeIfAbsent + add: end() may remove the user's set concurrently.
      channelsByUser.compute(
          user,
          (u, joined) -> {
            ConcurrentSkipListSet<ChannelId> set =
                joined == null ? new ConcurrentSkipListSet<>() : joined;
            set.add(channel);
            return set;
          });
      return Optional.of(event(state, EventKind.JOIN, user, Attributes.EMPTY, now));
    }
  }

  @Override
  public Optional<PresenceEvent> leave(
      ChannelId channel, UserId user, SessionId session, Instant now) {
    checkOpen();
    ChannelState state = channels.get(channel);
    if (state == null) {
      return Optional.empty();
    }
    synchronized (state) {
      Membership membership = state.members.get(user);
      if (membership == null || !removeSession(state, user, membership, session)) {
        return Optional.empty();
      }
      if (!membership.sessions.isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(end(state, user, membership, CloseReason.CLEAN, now));
    }
  }

  @Override
  public Optional<PresenceEvent> release(
      ChannelId channel,
      UserId user,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now) {
    checkOpen();
    ChannelState state = channels.get(channel);
    if (state == null) {
      return Optional.empty();
    }
    synchronized (state) {
      Membership membership = state.members.get(user);
      if (membership == null) {
        return Optional.empty();
      }
      return Optional.ofNullable(
          releaseSession(state, user, membership, session, reason, graceUntil, now));
    }
  }

  @Override
  public List<PresenceEvent> releaseNode(String nodeId, Instant graceUntil, Instant now) {
    checkOpen();
    List<PresenceEvent> events = new ArrayList<>();
    for (ChannelState state : channels.values()) {
      synchronized (state) {
        // Collect first: releasing may remove members from the map being iterated.
        Map<UserId, List<SessionId>> held = new LinkedHashMap<>();
        for (Map.Entry<UserId, Membership> e : state.members.entrySet()) {
          for (SessionLease lease : e.getValue().sessions.values()) {
            if (nodeId.equals(lease.nodeId())) {
              held.computeIfAbsent(e.getKey(), u -> new ArrayList<>()).add(lease.id());
            }
          }
        }
        held.forEach(
            (user, sessions) -> {
              for (SessionId session : sessions) {
                Membership membership = state.members.get(user);
                if (membership == null) {
                  break;
                }
                PresenceEvent event =
                    releaseSession(
                        state, user, membership, session, CloseReason.LOST, graceUntil, now);
                if (event != null) {
                  events.add(event);
                }
              }
            });
      }
    }
    return events;
  }

  @Override
  public List<PresenceEvent> expire(Instant now, Duration grace) {
    checkOpen();
    // The deadline index is in time order: take what is due, grouped by channel in time order.
    Map<ChannelId, List<Due>> due = new LinkedHashMap<>();
    for (Due d : deadlines) {
      if (d.at().isAfter(now)) {
        break;
      }
      due.computeIfAbsent(d.channel(), c -> new ArrayList<>()).add(d);
    }
    List<PresenceEvent> events = new ArrayList<>();
    for (Map.Entry<ChannelId, List<Due>> entry : due.entrySet()) {
      ChannelState state = channels.get(entry.getKey());
      if (state == null) {
        continue;
      }
      synchronized (state) {
        for (Due d : entry.getValue()) {
          PresenceEvent event = expireOne(state, d, now, grace);
          if (event != null) {
            events.add(event);
          }
        }
      }
    }
    return events;
  }

  /**
   * Handles one due deadline under the channel's monitor. Another sweeper may have handled it, or
   * the state may have changed since the index was read: the state decides, and an index entry that
   * no longer matches the state is dropped.
   */
  private @Nullable PresenceEvent expireOne(
      ChannelState state, Due due, Instant now, Duration grace) {
    Membership membership = state.members.get(due.user());
    SessionId sessionId = due.session();
    if (sessionId != null) {
      SessionLease lease = membership == null ? null : membership.sessions.get(sessionId);
      Instant expiresAt = lease == null ? null : lease.expiresAt();
      if (membership == null || expiresAt == null || !expiresAt.equals(due.at())) {
        deadlines.remove(due);
        return null;
      }
      return releaseSession(
          state, due.user(), membership, sessionId, CloseReason.LOST, expiresAt.plus(grace), now);
    }
    if (membership == null
        || membership.pendingUntil == null
        || !membership.pendingUntil.equals(due.at())) {
      deadlines.remove(due);
      return null;
    }
    return end(state, due.user(), membership, membership.pendingReason(), now);
  }

  @Override
  public Optional<PresenceEvent> setAttributes(
      ChannelId channel, UserId user, Attributes attributes, Instant now) {
    checkOpen();
    ChannelState state = channels.get(channel);
    if (state != null) {
      synchronized (state) {
        Membership membership = state.members.get(user);
        if (membership != null) {
          if (membership.attributes.equals(attributes)) {
            return Optional.empty();
          }
          membership.attributes = attributes;
          return Optional.of(event(state, EventKind.ATTRIBUTES_UPDATE, user, attributes, now));
        }
      }
    }
    throw new NotJoinedException("join channel '" + channel + "' before setting attributes in it");
  }

  @Override
  public Optional<Attributes> attributes(ChannelId channel, UserId user) {
    checkOpen();
    ChannelState state = channels.get(channel);
    if (state == null) {
      return Optional.empty();
    }
    synchronized (state) {
      Membership membership = state.members.get(user);
      return membership == null ? Optional.empty() : Optional.of(membership.attributes);
    }
  }

  @Override
  public ChannelUsers users(ChannelId channel, PageRequest page) {
    checkOpen();
    String cursor = page.cursor();
    UserId after = cursor == null ? null : decodeCursor(cursor);
    ChannelState state = channels.get(channel);
    if (state == null) {
      return new ChannelUsers(channel, 0, 0, List.of(), null);
    }
    synchronized (state) {
      NavigableMap<UserId, Membership> rest =
          after == null ? state.members : state.members.tailMap(after, false);
      List<PresentUser> users = new ArrayList<>(Math.min(page.limit(), rest.size()));
      Iterator<Map.Entry<UserId, Membership>> it = rest.entrySet().iterator();
      while (users.size() < page.limit() && it.hasNext()) {
        Map.Entry<UserId, Membership> e = it.next();
        users.add(
            new PresentUser(
                e.getKey(), page.withAttributes() ? e.getValue().attributes : Attributes.EMPTY));
      }
      String next =
          it.hasNext() && !users.isEmpty()
              ? encodeCursor(users.get(users.size() - 1).userId())
              : null;
      return new ChannelUsers(channel, state.members.size(), state.seq, users, next);
    }
  }

  @Override
  public ChannelUsers snapshot(ChannelId channel) {
    checkOpen();
    ChannelState state = channels.get(channel);
    if (state == null) {
      return new ChannelUsers(channel, 0, 0, List.of(), null);
    }
    synchronized (state) {
      List<PresentUser> users = new ArrayList<>(state.members.size());
      state.members.forEach((user, m) -> users.add(new PresentUser(user, m.attributes)));
      return new ChannelUsers(channel, users.size(), state.seq, users, null);
    }
  }

  @Override
  public Occupancy occupancy(ChannelId channel) {
    checkOpen();
    ChannelState state = channels.get(channel);
    if (state == null) {
      return new Occupancy(channel, 0, 0);
    }
    synchronized (state) {
      return new Occupancy(channel, state.members.size(), state.seq);
    }
  }

  @Override
  public List<ChannelId> channelsOf(UserId user) {
    checkOpen();
    ConcurrentSkipListSet<ChannelId> joined = channelsByUser.get(user);
    return joined == null ? List.of() : List.copyOf(joined);
  }

  // ---- state changes; all run under the channel's monitor ----

  private void putSession(
      ChannelState state, UserId user, Membership membership, SessionLease session) {
    SessionLease previous = membership.sessions.put(session.id(), session);
    Instant previousEnd = previous == null ? null : previous.expiresAt();
    if (previousEnd != null) {
      deadlines.remove(new Due(previousEnd, state.channel, user, session.id()));
    }
    Instant expiresAt = session.expiresAt();
    if (expiresAt != null) {
      deadlines.add(new Due(expiresAt, state.channel, user, session.id()));
    }
  }

  private boolean removeSession(
      ChannelState state, UserId user, Membership membership, SessionId session) {
    SessionLease removed = membership.sessions.remove(session);
    if (removed == null) {
      return false;
    }
    Instant expiresAt = removed.expiresAt();
    if (expiresAt != null) {
      deadlines.remove(new Due(expiresAt, state.channel, user, session));
    }
    return true;
  }

  /** Removes a session that ended without a leave; returns the event if the membership ended. */
  private @Nullable PresenceEvent releaseSession(
      ChannelState state,
      UserId user,
      Membership membership,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now) {
    if (!removeSession(state, user, membership, session) || !membership.sessions.isEmpty()) {
      return null;
    }
    if (!graceUntil.isAfter(now)) {
      return end(state, user, membership, reason, now);
    }
    Instant pendingUntil = membership.pendingUntil;
    if (pendingUntil == null || graceUntil.isAfter(pendingUntil)) {
      if (pendingUntil != null) {
        deadlines.remove(new Due(pendingUntil, state.channel, user, null));
      }
      membership.pendingUntil = graceUntil;
      membership.pendingReason = reason;
      deadlines.add(new Due(graceUntil, state.channel, user, null));
    }
    return null;
  }

  /** Ends a membership that has no session left. */
  private PresenceEvent end(
      ChannelState state, UserId user, Membership membership, CloseReason reason, Instant now) {
    state.members.remove(user);
    if (membership.pendingUntil != null) {
      deadlines.remove(new Due(membership.pendingUntil, state.channel, user, null));
    }
    channelsByUser.computeIfPresent(
        user,
        (u, joined) -> {
          joined.remove(state.channel);
          return joined.isEmpty() ? null : joined;
        });
    EventKind kind = reason == CloseReason.CLEAN ? EventKind.LEAVE : EventKind.TIMEOUT;
    return event(state, kind, user, membership.attributes, now);
  }

  private static PresenceEvent event(
      ChannelState state, EventKind kind, UserId user, Attributes attributes, Instant now) {
    state.seq++;
    return PresenceEvent.of(
        kind, state.channel, user, attributes, state.members.size(), state.seq, now);
  }

  // ---- cursors ----

  private static String encodeCursor(UserId last) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString((CURSOR_PREFIX + last.value()).getBytes(StandardCharsets.UTF_8));
  }

  private static UserId decodeCursor(String cursor) {
    try {
      // A decoder that reports bytes that are not UTF-8 instead of replacing them.
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .decode(ByteBuffer.wrap(Base64.getUrlDecoder().decode(cursor)))
              .toString();
      if (text.startsWith(CURSOR_PREFIX)) {
        return UserId.of(text.substring(CURSOR_PREFIX.length()));
      }
    } catch (IllegalArgumentException | CharacterCodingException | InvalidArgumentException e) {
      // not base64url, not UTF-8, or not a user id: refused below
    }
    throw new InvalidArgumentException(
        "cursor is not valid: pass the 'next' value of the previous page unchanged");
  }

  // ---- state types ----

  /** A channel's state; never removed from the map, so that its seq never goes backwards. */
  private static final class ChannelState {
    final ChannelId channel;
    final TreeMap<UserId, Membership> members = new TreeMap<>();
    long seq;

    ChannelState(ChannelId channel) {
      this.channel = channel;
    }
  }

  /** A user's membership in a channel. */
  private static final class Membership {
    final Map<SessionId, SessionLease> sessions = new HashMap<>(4);
    Attributes attributes = Attributes.EMPTY;
    @Nullable Instant pendingUntil;
    @Nullable CloseReason pendingReason;

    CloseReason pendingReason() {
      return Objects.requireNonNull(pendingReason);
    }
  }

  /**
   * An entry of the deadline index: a lease-bound session's end ({@code session} set) or a pending
   * membership's end ({@code session} null).
   */
  private record Due(Instant at, ChannelId channel, UserId user, @Nullable SessionId session)
      implements Comparable<Due> {

    private static final Comparator<Due> ORDER =
        Comparator.comparing(Due::at)
            .thenComparing(Due::channel)
            .thenComparing(Due::user)
            .thenComparing(
                Due::session, Comparator.nullsFirst(Comparator.comparing(SessionId::value)));

    @Override
    public int compareTo(Due other) {
      return ORDER.compare(this, other);
    }
  }
}
