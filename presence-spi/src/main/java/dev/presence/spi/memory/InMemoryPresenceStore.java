package dev.presence.spi.memory;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.SessionLease;
import dev.presence.spi.support.ChannelCursors;
import dev.presence.spi.support.MembershipCommand;
import dev.presence.spi.support.MembershipEvent;
import dev.presence.spi.support.MembershipMachine;
import dev.presence.spi.support.MembershipValues;
import dev.presence.spi.support.PageCursors;
import dev.presence.spi.support.Transition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * A {@link PresenceStore} held in this process's memory, for a single node.
 *
 * <p><b>Rules.</b> Every change of a channel is {@link MembershipMachine}, the membership state
 * machine every backend shares (package {@code dev.presence.spi.support}); this class holds the
 * channels' states and makes each change atomic.
 *
 * <p><b>Atomicity.</b> Each channel has one slot holding its state, and every operation on a
 * channel runs while holding that slot's monitor, so the operations of one channel are serialized
 * and those of different channels run in parallel. Reads take the same monitor, so what they return
 * reflects exactly the events up to the {@code seq} they report.
 *
 * <p><b>Sequence numbers never go backwards.</b> When a channel's last user leaves, its members are
 * dropped but its state, with the channel's last {@code seq}, is kept for the life of the store (an
 * unlimited retention); a channel that fills again continues its sequence (an observer that saw
 * {@code seq} 17 never sees 1 again). The cost is a few hundred bytes per channel name ever used.
 * Reading a channel that never had an event does not create a state.
 *
 * <p><b>Indexes.</b> A user-to-channels index, kept from the join and end events, answers {@link
 * #channelsOf}; an index of each channel's next deadline (the earliest lease end or pending end, in
 * time order) lets {@link #expire} visit only the channels that have something due, so a sweep
 * costs nothing when nothing is due. Both are updated under the channel's monitor. {@link
 * #releaseNode} looks at every channel (a node loss is rare, and a single-node store sees it only
 * from tests or migration tools).
 *
 * <p><b>Cursors</b> of {@link #users} are those of {@link PageCursors}: they stay valid while the
 * channel changes; a string not made that way is refused with {@link InvalidArgumentException}.
 *
 * <p>After {@link InMemoryPresenceBackend#close()} every method throws {@link
 * UnavailableException}.
 *
 * @since 0.1
 */
public final class InMemoryPresenceStore implements PresenceStore {

  private final ConcurrentHashMap<ChannelId, Slot> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UserId, ConcurrentSkipListSet<ChannelId>> channelsByUser =
      new ConcurrentHashMap<>();
  private final ConcurrentSkipListSet<Due> deadlines = new ConcurrentSkipListSet<>();
  private final ConcurrentSkipListSet<ChannelId> occupied = new ConcurrentSkipListSet<>();
  private final AtomicLong occupiedCount = new AtomicLong();
  private volatile boolean closed;

  /** Creates an empty store. */
  public InMemoryPresenceStore() {}

  /** Refuses every later call with {@link UnavailableException} and drops the state. */
  void close() {
    closed = true;
    channels.clear();
    channelsByUser.clear();
    deadlines.clear();
    occupied.clear();
    occupiedCount.set(0);
  }

  private void checkOpen() {
    if (closed) {
      throw new UnavailableException("the in-memory presence store is closed");
    }
  }

  @Override
  public Optional<PresenceEvent> join(
      ChannelId channel, UserId user, SessionLease session, int maxUsers, Instant now) {
    MembershipCommand.Join join = MembershipValues.join(user, session, maxUsers);
    Transition t = mutate(channel, join, now);
    MembershipValues.check(t.status(), channel, maxUsers);
    return first(channel, t, now);
  }

  @Override
  public Optional<PresenceEvent> leave(
      ChannelId channel, UserId user, SessionId session, Instant now) {
    MembershipCommand.Leave leave = new MembershipCommand.Leave(user.value(), session.value());
    return first(channel, mutate(channel, leave, now), now);
  }

  @Override
  public Optional<PresenceEvent> release(
      ChannelId channel,
      UserId user,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now) {
    MembershipCommand.Release release = MembershipValues.release(user, session, reason, graceUntil);
    return first(channel, mutate(channel, release, now), now);
  }

  @Override
  public List<PresenceEvent> releaseNode(String nodeId, Instant graceUntil, Instant now) {
    checkOpen();
    MembershipCommand.ReleaseNode release =
        new MembershipCommand.ReleaseNode(nodeId, MembershipMachine.nanos(graceUntil));
    List<PresenceEvent> events = new ArrayList<>();
    channels.forEach(
        (channel, slot) -> {
          synchronized (slot) {
            if (MembershipMachine.hasNode(slot.state, nodeId)) {
              events.addAll(apply(channel, slot, release, now));
            }
          }
        });
    return events;
  }

  @Override
  public List<PresenceEvent> expire(Instant now, Duration grace) {
    checkOpen();
    long at = MembershipMachine.nanos(now);
    // The deadline index is in time order: take the channels with something due.
    Set<ChannelId> due = new LinkedHashSet<>();
    for (Due d : deadlines) {
      if (d.at() > at) {
        break;
      }
      due.add(d.channel());
    }
    MembershipCommand.Expire expire = new MembershipCommand.Expire(MembershipMachine.nanos(grace));
    List<PresenceEvent> events = new ArrayList<>();
    for (ChannelId channel : due) {
      Slot slot = channels.get(channel);
      if (slot != null) {
        // Another sweeper may have been first: the machine re-checks every deadline.
        synchronized (slot) {
          events.addAll(apply(channel, slot, expire, now));
        }
      }
    }
    return events;
  }

  @Override
  public Optional<PresenceEvent> setAttributes(
      ChannelId channel, UserId user, Attributes attributes, Instant now) {
    MembershipCommand.SetAttributes set =
        new MembershipCommand.SetAttributes(user.value(), MembershipValues.flatten(attributes));
    Transition t = mutate(channel, set, now);
    MembershipValues.check(t.status(), channel, 0);
    return first(channel, t, now);
  }

  @Override
  public Optional<Attributes> attributes(ChannelId channel, UserId user) {
    checkOpen();
    Slot slot = channels.get(channel);
    if (slot == null) {
      return Optional.empty();
    }
    synchronized (slot) {
      String[] flat = MembershipMachine.attributes(slot.state, user.value());
      return flat == null ? Optional.empty() : Optional.of(MembershipValues.attributes(flat));
    }
  }

  @Override
  public ChannelUsers users(ChannelId channel, PageRequest page) {
    checkOpen();
    String cursor = page.cursor();
    String after = cursor == null ? null : PageCursors.decode(cursor);
    return read(channel, after, page.limit(), page.withAttributes());
  }

  @Override
  public ChannelUsers snapshot(ChannelId channel) {
    checkOpen();
    return read(channel, null, Integer.MAX_VALUE, true);
  }

  @Override
  public Occupancy occupancy(ChannelId channel) {
    checkOpen();
    Slot slot = channels.get(channel);
    if (slot == null) {
      return new Occupancy(channel, 0, 0);
    }
    synchronized (slot) {
      return new Occupancy(
          channel, MembershipMachine.occupancy(slot.state), MembershipMachine.seq(slot.state));
    }
  }

  @Override
  public List<ChannelId> channelsOf(UserId user) {
    checkOpen();
    ConcurrentSkipListSet<ChannelId> joined = channelsByUser.get(user);
    return joined == null ? List.of() : List.copyOf(joined);
  }

  @Override
  public Optional<PresenceEvent> kick(ChannelId channel, UserId user, Instant now) {
    return first(channel, mutate(channel, new MembershipCommand.Kick(user.value()), now), now);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Walks an ordered index of the occupied channels from the cursor (or the prefix): a page
   * costs O(log n + limit) for n occupied channels.
   */
  @Override
  public ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    checkOpen();
    if (limit < 1 || limit > PageRequest.MAX_LIMIT) {
      throw new IllegalArgumentException("limit out of range: " + limit);
    }
    String after = cursor == null ? null : ChannelCursors.decode(prefix, cursor);
    NavigableSet<ChannelId> tail;
    if (after != null) {
      tail = occupied.tailSet(ChannelId.of(after), false);
    } else if (prefix.isEmpty()) {
      tail = occupied;
    } else {
      tail = occupied.tailSet(ChannelId.of(prefix), true);
    }
    List<ChannelOccupancy> page = new ArrayList<>();
    boolean more = false;
    for (ChannelId channel : tail) {
      if (!channel.value().startsWith(prefix)) {
        break;
      }
      int n = occupancy(channel).occupancy();
      if (n == 0) {
        continue; // emptied since the index was read
      }
      if (page.size() == limit) {
        more = true;
        break;
      }
      page.add(new ChannelOccupancy(channel, n));
    }
    String next =
        more ? ChannelCursors.encode(prefix, page.get(page.size() - 1).channel().value()) : null;
    return new ChannelPage(page, next);
  }

  /**
   * {@inheritDoc}
   *
   * <p>O(1): the size of the user index and a counter of occupied channels.
   */
  @Override
  public PresenceTotals totals() {
    checkOpen();
    return new PresenceTotals(channelsByUser.size(), occupiedCount.get());
  }

  // ---- helpers ----

  /** Applies a command to a channel; only a join creates the channel's slot. */
  private Transition mutate(ChannelId channel, MembershipCommand command, Instant now) {
    checkOpen();
    Slot slot =
        command instanceof MembershipCommand.Join
            ? channels.computeIfAbsent(channel, c -> new Slot())
            : channels.get(channel);
    if (slot == null) {
      // No state: the command finds no membership and changes nothing.
      return MembershipMachine.apply(
          null, command, MembershipMachine.nanos(now), MembershipMachine.NONE);
    }
    synchronized (slot) {
      Transition t =
          MembershipMachine.apply(
              slot.state, command, MembershipMachine.nanos(now), MembershipMachine.NONE);
      store(channel, slot, t);
      return t;
    }
  }

  /** Applies a command under the slot's monitor and returns its events. */
  private List<PresenceEvent> apply(
      ChannelId channel, Slot slot, MembershipCommand command, Instant now) {
    Transition t =
        MembershipMachine.apply(
            slot.state, command, MembershipMachine.nanos(now), MembershipMachine.NONE);
    store(channel, slot, t);
    return MembershipValues.events(channel, t.events(), now);
  }

  /** Keeps a transition's state and brings the indexes up to date; under the slot's monitor. */
  private void store(ChannelId channel, Slot slot, Transition t) {
    if (!t.changed()) {
      return;
    }
    // With an unlimited retention the machine never removes a channel: the state is never null.
    slot.state = t.state();
    if (MembershipMachine.occupancy(slot.state) > 0) {
      if (occupied.add(channel)) {
        occupiedCount.incrementAndGet();
      }
    } else if (occupied.remove(channel)) {
      occupiedCount.decrementAndGet();
    }
    long next = MembershipMachine.nextDeadline(slot.state);
    if (next != slot.indexed) {
      if (slot.indexed != MembershipMachine.NONE) {
        deadlines.remove(new Due(slot.indexed, channel));
      }
      if (next != MembershipMachine.NONE) {
        deadlines.add(new Due(next, channel));
      }
      slot.indexed = next;
    }
    for (MembershipEvent e : t.events()) {
      UserId user = UserId.of(e.user());
      if (e.kind() == MembershipMachine.JOIN) {
        // compute, not computeIfAbsent + add: an end may remove the user's set concurrently.
        channelsByUser.compute(
            user,
            (u, joined) -> {
              ConcurrentSkipListSet<ChannelId> set =
                  joined == null ? new ConcurrentSkipListSet<>() : joined;
              set.add(channel);
              return set;
            });
      } else if (e.kind() != MembershipMachine.ATTRIBUTES) {
        channelsByUser.computeIfPresent(
            user,
            (u, joined) -> {
              joined.remove(channel);
              return joined.isEmpty() ? null : joined;
            });
      }
    }
  }

  private ChannelUsers read(
      ChannelId channel, @Nullable String after, int limit, boolean withAttributes) {
    Slot slot = channels.get(channel);
    if (slot == null) {
      return new ChannelUsers(channel, 0, 0, List.of(), null);
    }
    synchronized (slot) {
      return MembershipValues.channelUsers(
          channel, MembershipMachine.page(slot.state, after, limit, withAttributes));
    }
  }

  private static Optional<PresenceEvent> first(ChannelId channel, Transition t, Instant now) {
    return t.events().isEmpty()
        ? Optional.empty()
        : Optional.of(MembershipValues.event(channel, t.events().get(0), now));
  }

  /** A channel's state; never removed from the map, so that its seq never goes backwards. */
  private static final class Slot {
    @Nullable Object state;

    /** The deadline under which the channel is in the deadline index, or none. */
    long indexed = MembershipMachine.NONE;
  }

  /** An entry of the deadline index: a channel's next deadline, in nanoseconds since the epoch. */
  private record Due(long at, ChannelId channel) implements Comparable<Due> {

    private static final Comparator<Due> ORDER =
        Comparator.comparingLong(Due::at).thenComparing(Due::channel);

    @Override
    public int compareTo(Due other) {
      return ORDER.compare(this, other);
    }
  }
}
