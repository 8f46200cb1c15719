package dev.presence.web.engine;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.Joined;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.event.TimedOut;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * What this node remembers from a node loss (a crash, or the start of a split) until the next merge
 * is handled, so that a merge which keeps the other side's copy of a channel does not undo what
 * happened here.
 *
 * <p>Owns two maps, each bounded to {@link #MAX_HELD} keys, and the time of the last loss:
 *
 * <ul>
 *   <li><b>Held attributes.</b> At a loss ({@link #hold}) the attributes of this node's
 *       connection-bound memberships, as the state stands on this side; until the merge, also the
 *       attributes set through this node for users connected here ({@link #attributesSet}), marked
 *       as changed. A re-assert that finds the user gone from the kept state (its re-join emitted
 *       {@code join}), or whose attributes changed here, sets them again ({@link #reassert}): the
 *       merging side's value wins over the other side's.
 *   <li><b>REST journal.</b> The last REST join (with its lease end) or leave of each (channel,
 *       user) made through this node ({@link #journal}), replayed after the re-assert ({@link
 *       #replay}; a join only while its lease runs), so a REST join made on the side whose copy the
 *       merge discarded comes back and a REST leave made there stays done.
 *   <li><b>Followed attributes.</b> At all times, the attributes of the users connected here as the
 *       event stream last showed them ({@link #observed}, every node's events; a leave or timeout
 *       forgets them). A store that lost everything without a node loss (Redis restarted empty: its
 *       nodes report a merge) leaves nothing to hold; a re-assert whose re-join emitted {@code
 *       join} and that holds nothing sets these again ({@link #reassert}).
 * </ul>
 *
 * <p>Holding starts afresh at the first loss after a handled merge ({@link #mergeHandled}), and
 * stops without a merge {@link #MAX_HOLD} after the last loss ({@link #forgetIfStale}).
 *
 * <p>Threading: {@link #hold}, {@link #reassert}, {@link #replay}, {@link #forgetIfStale} and
 * {@link #mergeHandled} run on the ticker thread only (under the engine's tick lock); {@link
 * #attributesSet} and {@link #journal} on request threads, after the store call they record; {@link
 * #observed} on the event bus's thread.
 */
final class SplitMemory {

  private static final Logger LOG = Logger.getLogger(SplitMemory.class.getName());

  /** At most this many attribute maps (and as many journal entries) are held. */
  static final int MAX_HELD = 10_000;

  /** Attributes are held at most this long after the last node loss when no merge follows. */
  static final Duration MAX_HOLD = Duration.ofHours(1);

  private final StoreGateway store;
  private final SessionRegistry sessions;
  private final ConcurrentHashMap<Key, Held> held = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, ApiOperation> journal = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Attributes> followed = new ConcurrentHashMap<>();
  private volatile boolean holding;
  private @Nullable Instant heldSince; // ticker thread only

  SplitMemory(StoreGateway store, SessionRegistry sessions) {
    this.store = store;
    this.sessions = sessions;
  }

  /**
   * A node was lost: reads and keeps the attributes of every membership of the local sessions
   * (except those changed here since an earlier loss: that value stands), and from now on records
   * changes and REST operations made through this node.
   *
   * @throws dev.presence.PresenceException if the store failed (what was read so far is kept)
   */
  void hold(Instant now) {
    if (!holding) {
      held.clear();
      journal.clear();
      holding = true;
    }
    heldSince = now;
    for (EngineSession session : sessions.all()) {
      UserId user = session.userId();
      for (ChannelId channel : session.channels()) {
        Key key = new Key(channel, user);
        Held h = held.get(key);
        if (h != null && h.changed()) {
          continue; // changed here since a node was lost: that value stands
        }
        Optional<Attributes> current = store.attributes(channel, user);
        if (current.isPresent()) {
          putBounded(held, key, new Held(current.get(), false));
        }
      }
    }
  }

  /**
   * Follows the attributes of the users connected here from the events of every node: an {@code
   * attributesUpdate} (or a {@code join} with attributes) of such a user keeps the event's
   * attributes, a {@code leave} or {@code timeout} forgets them. Bounded to {@link #MAX_HELD}
   * memberships.
   *
   * @param events events as the bus delivers them
   */
  void observed(List<PresenceEvent> events) {
    for (PresenceEvent e : events) {
      Key key = new Key(e.channel(), e.userId());
      if (e instanceof Left || e instanceof TimedOut) {
        followed.remove(key);
      } else if (e instanceof Joined && e.attributes().isEmpty()) {
        // A join without attributes (the re-join of a merge among them) keeps what was followed:
        // the re-assert that set them again may not have read them yet.
        continue;
      } else if (sessions.isConnected(e.userId())) {
        putBounded(followed, key, e.attributes());
      }
    }
  }

  /** Whether a loss is being remembered (from {@link #hold} to the merge or {@link #MAX_HOLD}). */
  boolean isHolding() {
    return holding;
  }

  /** Attributes were set through this node: kept as changed, if held and the user is connected. */
  void attributesSet(ChannelId channel, UserId user, Attributes attributes) {
    if (holding && sessions.isConnected(user)) {
      putBounded(held, new Key(channel, user), new Held(attributes, true));
    }
  }

  /** A REST join (lease until) or leave (null) was made through this node: kept, if holding. */
  void journal(ChannelId channel, UserId user, @Nullable Instant leaseUntil) {
    if (holding) {
      putBounded(journal, new Key(channel, user), new ApiOperation(leaseUntil));
    }
  }

  /**
   * After a session's channel was joined again in a merge: sets the held attributes again if the
   * user was not present any more in the kept state ({@code joined}) or changed them here, and
   * forgets them once set. Without held attributes, a re-join that emitted {@code join} sets the
   * followed ones (the store lost them with everything else).
   *
   * @param joined whether the re-join emitted a {@code join} event
   * @throws dev.presence.PresenceException if the store failed (they stay held)
   */
  void reassert(ChannelId channel, UserId user, boolean joined, Instant now) {
    Key key = new Key(channel, user);
    Held h = held.get(key);
    if (h != null) {
      if (h.changed() || (joined && !h.attributes().isEmpty())) {
        store.setAttributes(channel, user, h.attributes(), now);
        held.remove(key, h);
      }
      return;
    }
    Attributes last = followed.get(key);
    if (joined && last != null && !last.isEmpty()) {
      store.setAttributes(channel, user, last, now);
    }
  }

  /**
   * Replays the REST joins and leaves made through this node since a node was lost, each once: a
   * leave again, a join again while its lease runs (a full channel is logged and skipped).
   *
   * @throws dev.presence.PresenceException if the store failed (the rest stays journaled)
   */
  void replay(Instant now) {
    for (Map.Entry<Key, ApiOperation> entry : journal.entrySet()) {
      ChannelId channel = entry.getKey().channel();
      UserId user = entry.getKey().user();
      Instant until = entry.getValue().leaseUntil();
      if (until == null) {
        store.leaveApi(channel, user, now);
      } else if (until.isAfter(now)) {
        try {
          store.joinApi(channel, user, until, now);
        } catch (ChannelFullException e) {
          LOG.log(
              Level.WARNING,
              () -> "could not replay the REST join of " + user + " in " + channel + ": full");
        }
      }
      journal.remove(entry.getKey(), entry.getValue());
    }
  }

  /** The merge was handled: changes from now on are not held (until the next loss). */
  void mergeHandled() {
    holding = false;
  }

  /** Stops holding, and forgets everything, {@link #MAX_HOLD} after the last loss. */
  void forgetIfStale(Instant now) {
    Instant since = heldSince;
    if (since != null && !now.isBefore(since.plus(MAX_HOLD))) {
      // No merge came (a crash, not a split): stop holding attributes.
      holding = false;
      held.clear();
      journal.clear();
      heldSince = null;
    }
  }

  /** The attributes held for a membership, if any; for tests. */
  Optional<Attributes> held(ChannelId channel, UserId user) {
    return Optional.ofNullable(held.get(new Key(channel, user))).map(Held::attributes);
  }

  /** The attributes followed for a membership, if any; for tests. */
  Optional<Attributes> followed(ChannelId channel, UserId user) {
    return Optional.ofNullable(followed.get(new Key(channel, user)));
  }

  /** How many REST operations are journaled; for tests. */
  int journaled() {
    return journal.size();
  }

  /** Puts unless the map holds {@link #MAX_HELD} other keys already. */
  private static <V> void putBounded(Map<Key, V> map, Key key, V value) {
    if (map.size() < MAX_HELD || map.containsKey(key)) {
      map.put(key, value);
    }
  }

  private record Key(ChannelId channel, UserId user) {}

  /** Attributes held for a re-assert; {@code changed} if set through this node since a loss. */
  private record Held(Attributes attributes, boolean changed) {}

  /** A REST join (lease until) or leave (null) made while a node was lost. */
  private record ApiOperation(@Nullable Instant leaseUntil) {}
}
