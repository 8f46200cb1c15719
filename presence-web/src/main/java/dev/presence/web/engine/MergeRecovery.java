package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.PresenceException;
import dev.presence.UnavailableException;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * What the ticker does after a partition healed ({@link #merged()}, which a clustered backend
 * reports on the nodes of both sides), in this order:
 *
 * <ol>
 *   <li>forgets where every channel's sequence stood and tells every local subscription to resync
 *       ({@link EventRouter#resyncAll()}), since the merge kept one side's copy of each channel and
 *       its {@code seq} may be anything;
 *   <li>joins every channel of every local session again under the backend's current node id, so
 *       that presence the other side ended while the connection stayed open here comes back (with a
 *       {@code join} event), setting the attributes held since the split where they were lost or
 *       changed here ({@link SplitMemory#reassert}); retried on every tick until every join
 *       succeeded;
 *   <li>replays the REST journal ({@link SplitMemory#replay}) and stops holding;
 *   <li>if the merge gave this node a new id (Hazelcast gives a merging member a new UUID),
 *       releases what is still stored under the old id, which no node would ever report lost.
 * </ol>
 *
 * A change of the node id not followed by a merge report within {@link #UNREPORTED_MERGE} is
 * handled the same way. Reports that come before the ticker runs coalesce into one.
 *
 * <p>Owns the pending merge report, the pending re-assert, the node id the sessions are stored
 * under and when a change of it was first seen. Threading: {@link #merged} on a backend thread (it
 * only sets a flag); {@link #tick} on the ticker thread only, so the node id fields need no lock.
 */
final class MergeRecovery {

  private static final Logger LOG = Logger.getLogger(MergeRecovery.class.getName());

  /** A change of the node id not followed by a merge report this soon is handled as a merge. */
  static final Duration UNREPORTED_MERGE = Duration.ofSeconds(30);

  private final StoreGateway store;
  private final SessionRegistry sessions;
  private final SplitMemory memory;
  private final EventRouter router;
  private final AtomicBoolean mergePending = new AtomicBoolean();
  private final AtomicBoolean reassertPending = new AtomicBoolean();
  private String nodeIdInUse; // ticker thread only
  private @Nullable Instant idChangedAt; // ticker thread only

  MergeRecovery(
      StoreGateway store, SessionRegistry sessions, SplitMemory memory, EventRouter router) {
    this.store = store;
    this.sessions = sessions;
    this.memory = memory;
    this.router = router;
    this.nodeIdInUse = store.nodeId();
  }

  /** The backend reports a merge; it is handled on the next tick. */
  void merged() {
    mergePending.set(true);
  }

  /**
   * The ticker's pass: forgets held state kept too long, notices an unreported change of the node
   * id, and handles a pending merge (see the class comment).
   *
   * @throws PresenceException if a re-assert or a store call failed (retried on the next tick)
   */
  void tick(Instant now) {
    memory.forgetIfStale(now);
    String current = store.nodeId();
    if (current.equals(nodeIdInUse) || reassertPending.get()) {
      idChangedAt = null;
    } else if (idChangedAt == null) {
      idChangedAt = now;
    } else if (!now.isBefore(idChangedAt.plus(UNREPORTED_MERGE))) {
      // The id changed long ago and no merge was reported: handle it as one anyway. (Hazelcast
      // changes the id when a merge starts, and reports it once its merge operations ran.)
      mergePending.set(true);
    }
    if (mergePending.getAndSet(false)) {
      int told = router.resyncAll();
      LOG.log(
          Level.INFO,
          () ->
              "partition healed: "
                  + told
                  + " local subscriptions told to resync; re-asserting the "
                  + sessions.size()
                  + " sessions of this node");
      reassertPending.set(true);
    }
    if (!reassertPending.get()) {
      return;
    }
    boolean ok = true;
    for (EngineSession session : sessions.all()) {
      ok &= session.reassert(channel -> reassert(session, channel, now));
    }
    if (!ok) {
      throw new UnavailableException("some sessions could not be re-asserted after a merge");
    }
    memory.replay(now);
    memory.mergeHandled();
    String previous = nodeIdInUse;
    if (!previous.equals(current)) {
      List<PresenceEvent> events = store.releaseNode(previous, now);
      nodeIdInUse = current;
      LOG.log(
          Level.INFO,
          () ->
              "this node's id changed in the merge from "
                  + previous
                  + " to "
                  + current
                  + ": sessions re-asserted under the new id, the rest of the old released ("
                  + events.size()
                  + " events)");
    }
    reassertPending.set(false);
  }

  /**
   * Joins one channel of a session again; returns the channel's seq at the join ({@link
   * StoreGateway#seqAtJoin}), empty if it failed (it is retried).
   */
  private OptionalLong reassert(EngineSession session, ChannelId channel, Instant now) {
    try {
      Optional<PresenceEvent> join =
          store.joinNodeBound(channel, session.userId(), session.id(), now);
      memory.reassert(channel, session.userId(), join.isPresent(), now);
      return OptionalLong.of(store.seqAtJoin(channel, join));
    } catch (PresenceException e) {
      LOG.log(
          Level.WARNING,
          e,
          () -> "could not re-assert session " + session.id() + " in channel " + channel);
      return OptionalLong.empty();
    }
  }
}
