package dev.presence.hazelcast.internal;

import com.hazelcast.aggregation.Aggregators;
import com.hazelcast.map.IMap;
import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.SessionLease;
import dev.presence.spi.support.ChannelCursors;
import dev.presence.spi.support.MembershipMachine;
import dev.presence.spi.support.MembershipPage;
import dev.presence.spi.support.MembershipValues;
import dev.presence.spi.support.PageCursors;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The {@link PresenceStore} on two maps: {@code <prefix>.channels} (one entry per channel, the
 * state of the SPI's {@link MembershipMachine}) and {@code <prefix>.user-channels} (see {@link
 * UserIndex}).
 *
 * <p>The membership rules, cursors and error texts are those of {@code dev.presence.spi.support},
 * shared with every backend; this class makes each change one partition operation and keeps the
 * user index.
 *
 * <p>Every channel operation is one entry processor on the channel's key: one atomic partition
 * operation that also assigns the channel's sequence numbers. A join or an end of presence then
 * updates the user index with a second one. {@link #expire} looks for due channels among this
 * member's own entries ({@code localKeySet} with a predicate on each channel's next deadline) and
 * runs the expiry processor on those only, so members share the work; a client, having no entries,
 * runs it cluster-wide on matching entries (so does a lite member, which holds no entries). The
 * processor re-checks every deadline atomically, so concurrent callers report each ended membership
 * once. A data member that does not run the backend (a plain Hazelcast member added to the cluster)
 * would leave its entries unswept: every data member must run the backend. {@link #releaseNode}
 * runs on every channel with sessions of that node, cluster-wide.
 */
final class HazelcastPresenceStore implements PresenceStore {

  /** At most this many due channels are processed by one {@link #expire} call. */
  static final int MAX_DUE_CHANNELS_PER_CALL = 10_000;

  /** The second index repair after a merge follows the first by this much. */
  static final Duration SECOND_REPAIR_AFTER = Duration.ofSeconds(10);

  /** Users per index update of a repair. */
  private static final int REPAIR_BATCH = 1_000;

  private static final Logger LOG = Logger.getLogger(HazelcastPresenceStore.class.getName());

  private final IMap<String, Object> channels;
  private final IMap<String, Object> userChannels;
  private final long retention;
  private final BooleanSupplier ownsData;
  private final Runnable beforeSweep;
  private final AtomicBoolean repairRequested = new AtomicBoolean();
  private volatile long secondRepairAt = MembershipMachine.NONE;

  /**
   * Creates the store.
   *
   * @param ownsData whether this instance is a data member now (asked on every sweep: a lite member
   *     promoted to a data member starts sweeping only its own share)
   * @param beforeSweep run at the start of every {@link #expire} call, on the caller's thread (the
   *     engine's ticker, which carries the application's context); must not throw
   */
  HazelcastPresenceStore(
      IMap<String, Object> channels,
      IMap<String, Object> userChannels,
      Duration retention,
      BooleanSupplier ownsData,
      Runnable beforeSweep) {
    this.channels = channels;
    this.userChannels = userChannels;
    this.retention = MembershipMachine.nanos(retention);
    this.ownsData = ownsData;
    this.beforeSweep = beforeSweep;
  }

  @Override
  public Optional<PresenceEvent> join(
      ChannelId channel, UserId user, SessionLease session, int maxUsers, Instant now) {
    ChannelProcessors.Join join =
        new ChannelProcessors.Join(
            MembershipValues.join(user, session, maxUsers),
            MembershipMachine.nanos(now),
            retention);
    Codec.Outcome outcome = mutate(channel, now, join);
    MembershipValues.check(outcome.status(), channel, maxUsers);
    return first(outcome.events());
  }

  @Override
  public Optional<PresenceEvent> leave(
      ChannelId channel, UserId user, SessionId session, Instant now) {
    return first(
        mutate(
                channel,
                now,
                new ChannelProcessors.Leave(
                    user.value(), session.value(), MembershipMachine.nanos(now), retention))
            .events());
  }

  @Override
  public Optional<PresenceEvent> release(
      ChannelId channel,
      UserId user,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now) {
    ChannelProcessors.Release release =
        new ChannelProcessors.Release(
            MembershipValues.release(user, session, reason, graceUntil),
            MembershipMachine.nanos(now),
            retention);
    return first(mutate(channel, now, release).events());
  }

  @Override
  public List<PresenceEvent> releaseNode(String nodeId, Instant graceUntil, Instant now) {
    ChannelProcessors.ReleaseNode release =
        new ChannelProcessors.ReleaseNode(
            nodeId, MembershipMachine.nanos(graceUntil), MembershipMachine.nanos(now), retention);
    Map<String, byte[]> results =
        Guard.call(() -> channels.executeOnEntries(release, new ChannelProcessors.HasNode(nodeId)));
    return collect(results, now);
  }

  /**
   * Asks for a repair of the user index after a split-brain merge: the next {@link #expire} call
   * lists every user of every channel (this member's own channels on a data member, all of them
   * otherwise) and adds the index entries that are missing, and does so once more {@link
   * #SECOND_REPAIR_AFTER} later, since Hazelcast may report a merge before its merge operations
   * have all run. Runs from {@code expire} so that it runs on the engine's thread, in the
   * application's context. Non-blocking.
   */
  void repairIndexSoon() {
    repairRequested.set(true);
  }

  @Override
  public List<PresenceEvent> expire(Instant now, Duration grace) {
    beforeSweep.run();
    long at = MembershipMachine.nanos(now);
    repairIndexIfDue(at);
    ChannelProcessors.Expire expire =
        new ChannelProcessors.Expire(at, MembershipMachine.nanos(grace), retention);
    ChannelProcessors.Due due = new ChannelProcessors.Due(at);
    Map<String, byte[]> results =
        Guard.call(
            () -> {
              if (!ownsData.getAsBoolean()) {
                return channels.executeOnEntries(expire, due);
              }
              Set<String> keys = channels.localKeySet(due);
              if (keys.isEmpty()) {
                return Map.of();
              }
              if (keys.size() > MAX_DUE_CHANNELS_PER_CALL) {
                Set<String> some = new LinkedHashSet<>();
                Iterator<String> it = keys.iterator();
                while (some.size() < MAX_DUE_CHANNELS_PER_CALL) {
                  some.add(it.next());
                }
                keys = some;
              }
              return channels.executeOnKeys(keys, expire);
            });
    return collect(results, now);
  }

  @Override
  public Optional<PresenceEvent> setAttributes(
      ChannelId channel, UserId user, Attributes attributes, Instant now) {
    ChannelProcessors.SetAttributes set =
        new ChannelProcessors.SetAttributes(
            user.value(),
            MembershipValues.flatten(attributes),
            MembershipMachine.nanos(now),
            retention);
    Codec.Outcome outcome = mutate(channel, now, set);
    MembershipValues.check(outcome.status(), channel, 0);
    return first(outcome.events());
  }

  @Override
  public Optional<Attributes> attributes(ChannelId channel, UserId user) {
    Wire.In in = read(channel, ChannelProcessors.Read.ATTRIBUTES, user.value(), 0, false);
    return in.readBoolean()
        ? Optional.of(MembershipValues.attributes(in.readStrings()))
        : Optional.empty();
  }

  @Override
  public ChannelUsers users(ChannelId channel, PageRequest page) {
    String after = page.cursor() == null ? null : PageCursors.decode(page.cursor());
    return readPage(channel, after, page.limit(), page.withAttributes());
  }

  @Override
  public ChannelUsers snapshot(ChannelId channel) {
    return readPage(channel, null, Integer.MAX_VALUE, true);
  }

  @Override
  public Occupancy occupancy(ChannelId channel) {
    Wire.In in = read(channel, ChannelProcessors.Read.OCCUPANCY, null, 0, false);
    int occupancy = in.readInt();
    return new Occupancy(channel, occupancy, in.readLong());
  }

  @Override
  public List<ChannelId> channelsOf(UserId user) {
    byte[] listed = Guard.call(() -> userChannels.executeOnKey(user.value(), new UserIndex.Read()));
    Wire.In in = new Wire.In(listed);
    int count = in.readInt();
    if (count == 0) {
      return List.of();
    }
    Map<String, Long> indexed = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      indexed.put(in.readString(), in.readLong());
    }
    ChannelProcessors.Read check =
        new ChannelProcessors.Read(ChannelProcessors.Read.MEMBERSHIP, user.value(), 0, false);
    Map<String, byte[]> checked = Guard.call(() -> channels.executeOnKeys(indexed.keySet(), check));
    List<ChannelId> present = new ArrayList<>();
    List<UserIndex.Change> stale = new ArrayList<>();
    for (Map.Entry<String, Long> e : indexed.entrySet()) {
      byte[] answer = checked.get(e.getKey());
      if (answer != null && new Wire.In(answer).readBoolean()) {
        present.add(ChannelId.of(e.getKey()));
      } else {
        stale.add(new UserIndex.Change(e.getKey(), e.getValue(), UserIndex.REMOVE_IF_SEQ));
      }
    }
    if (!stale.isEmpty()) {
      updateIndex(Map.of(user.value(), stale));
    }
    return List.copyOf(present);
  }

  @Override
  public Optional<PresenceEvent> kick(ChannelId channel, UserId user, Instant now) {
    return first(
        mutate(
                channel,
                now,
                new ChannelProcessors.Kick(user.value(), MembershipMachine.nanos(now), retention))
            .events());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Cost: one cluster-wide aggregation ({@link ChannelProcessors.Listing}) that visits every
   * entry of the channels map on its member (O(channels), retained empty ones included, in parallel
   * on the members) and sends at most {@code limit + 1} names per member back. There is no ordered
   * index to start from the cursor, so every page costs a scan; fine for an operator's listing, not
   * for a hot path.
   */
  @Override
  public ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    if (limit < 1 || limit > PageRequest.MAX_LIMIT) {
      throw new IllegalArgumentException("limit out of range: " + limit);
    }
    String after = cursor == null ? null : ChannelCursors.decode(prefix, cursor);
    TreeMap<String, Integer> found =
        Guard.call(
            () -> channels.aggregate(new ChannelProcessors.Listing(prefix, after, limit + 1)));
    List<ChannelOccupancy> page = new ArrayList<>(Math.min(limit, found.size()));
    for (Map.Entry<String, Integer> e : found.entrySet()) {
      if (page.size() == limit) {
        break;
      }
      page.add(new ChannelOccupancy(ChannelId.of(e.getKey()), e.getValue()));
    }
    String next =
        found.size() > limit
            ? ChannelCursors.encode(prefix, page.get(page.size() - 1).channel().value())
            : null;
    return new ChannelPage(page, next);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Cost: users are the size of the user-channels index map (O(partitions), no entry is read);
   * the index is updated after each channel operation, so a failed index update (logged) may count
   * a user who left until the user's channels are next read or the index is repaired. Channels are
   * a cluster-wide count aggregation with a predicate on each channel's header: a scan of the
   * channels map on the members (O(channels)); callers cache it (the server's {@code /metrics}
   * does).
   */
  @Override
  public PresenceTotals totals() {
    long users = Guard.call(() -> (long) userChannels.size());
    long occupied =
        Guard.call(() -> channels.aggregate(Aggregators.count(), new ChannelProcessors.Occupied()));
    return new PresenceTotals(users, occupied);
  }

  // ---- index repair ----

  private void repairIndexIfDue(long at) {
    if (repairRequested.getAndSet(false)) {
      secondRepairAt =
          MembershipMachine.saturatedAdd(at, MembershipMachine.nanos(SECOND_REPAIR_AFTER));
    } else if (at >= secondRepairAt) {
      secondRepairAt = MembershipMachine.NONE;
    } else {
      return;
    }
    try {
      repairIndex();
    } catch (RuntimeException e) {
      repairRequested.set(true); // next sweep
      LOG.log(
          Level.WARNING, "could not repair the user-channels index after a merge; will retry", e);
    }
  }

  private void repairIndex() {
    ChannelProcessors.Read read =
        new ChannelProcessors.Read(ChannelProcessors.Read.PAGE, null, Integer.MAX_VALUE, false);
    Map<String, byte[]> pages =
        Guard.call(
            () -> {
              if (!ownsData.getAsBoolean()) {
                return channels.executeOnEntries(read);
              }
              Set<String> keys = channels.localKeySet();
              return keys.isEmpty() ? Map.<String, byte[]>of() : channels.executeOnKeys(keys, read);
            });
    Map<String, List<UserIndex.Change>> changes = new LinkedHashMap<>();
    int memberships = 0;
    for (Map.Entry<String, byte[]> e : pages.entrySet()) {
      MembershipPage page = Codec.page(new Wire.In(e.getValue()), false);
      for (String user : page.users()) {
        changes
            .computeIfAbsent(user, u -> new ArrayList<>())
            .add(new UserIndex.Change(e.getKey(), page.seq(), UserIndex.ENSURE));
        memberships++;
      }
      if (changes.size() >= REPAIR_BATCH) {
        updateIndex(changes);
        changes = new LinkedHashMap<>();
      }
    }
    if (!changes.isEmpty()) {
      updateIndex(changes);
    }
    int channelCount = pages.size();
    int membershipCount = memberships;
    LOG.info(
        () ->
            "checked the user-channels index after a merge: "
                + channelCount
                + " channels, "
                + membershipCount
                + " memberships");
  }

  // ---- helpers ----

  private Codec.Outcome mutate(
      ChannelId channel, Instant now, ChannelProcessors.Mutation processor) {
    byte[] result = Guard.call(() -> channels.executeOnKey(channel.value(), processor));
    Codec.Outcome outcome = Codec.outcome(channel, now, result);
    index(outcome.events());
    return outcome;
  }

  private Wire.In read(
      ChannelId channel, int kind, @Nullable String user, int limit, boolean withAttributes) {
    ChannelProcessors.Read read = new ChannelProcessors.Read(kind, user, limit, withAttributes);
    return new Wire.In(Guard.call(() -> channels.executeOnKey(channel.value(), read)));
  }

  private ChannelUsers readPage(
      ChannelId channel, @Nullable String after, int limit, boolean withAttributes) {
    Wire.In in = read(channel, ChannelProcessors.Read.PAGE, after, limit, withAttributes);
    return MembershipValues.channelUsers(channel, Codec.page(in, withAttributes));
  }

  private List<PresenceEvent> collect(Map<String, byte[]> results, Instant now) {
    List<PresenceEvent> events = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : results.entrySet()) {
      events.addAll(Codec.outcome(ChannelId.of(e.getKey()), now, e.getValue()).events());
    }
    index(events);
    return List.copyOf(events);
  }

  /** Brings the user index up to date with the joins and ends among some events. */
  private void index(List<PresenceEvent> events) {
    Map<String, List<UserIndex.Change>> changes = new LinkedHashMap<>();
    for (PresenceEvent e : events) {
      int kind;
      if (e.kind() == EventKind.JOIN) {
        kind = UserIndex.ADD;
      } else if (e.kind() == EventKind.LEAVE || e.kind() == EventKind.TIMEOUT) {
        kind = UserIndex.REMOVE;
      } else {
        continue;
      }
      changes
          .computeIfAbsent(e.userId().value(), u -> new ArrayList<>())
          .add(new UserIndex.Change(e.channel().value(), e.seq(), kind));
    }
    if (!changes.isEmpty()) {
      updateIndex(changes);
    }
  }

  /**
   * Applies index changes. A failure is logged, not thrown: the channel operation has happened and
   * its events must reach the caller; readers filter what the index got wrong.
   */
  private void updateIndex(Map<String, List<UserIndex.Change>> changes) {
    UserIndex.Update update = new UserIndex.Update(changes);
    try {
      Guard.run(
          () -> {
            if (changes.size() == 1) {
              userChannels.executeOnKey(changes.keySet().iterator().next(), update);
            } else {
              userChannels.executeOnKeys(changes.keySet(), update);
            }
          });
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "could not update the user-channels index of " + changes.size() + " user(s)",
          e);
    }
  }

  private static Optional<PresenceEvent> first(List<PresenceEvent> events) {
    return events.isEmpty() ? Optional.empty() : Optional.of(events.get(0));
  }
}
