package dev.presence.spi;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.NotJoinedException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Cluster-wide presence state: which sessions of which users are in which channel, the users'
 * attributes, and each channel's event sequence.
 *
 * <p><b>State.</b> Per (channel, user) a store keeps a <em>membership</em>: the set of sessions of
 * the user that joined the channel, the attributes, and possibly a <em>pending end</em> (a deadline
 * and a {@link CloseReason}) while the membership is held for the grace period after its last
 * session ended. A user with a membership is present (pending or not) and counts in the occupancy.
 * Per channel a store keeps the sequence number of the last event.
 *
 * <p><b>Atomicity and order.</b> Every mutating method is atomic per channel: it reads and changes
 * the channel's state, and assigns the events it emits the channel's next sequence numbers, as one
 * step that no other change of the same channel interleaves with, on any node. Reads are
 * consistent: a read reflects exactly the events up to the {@code seq} it reports. Sequence numbers
 * start at 1 and grow by exactly one per event, cluster-wide; after a channel is empty and removed
 * a store may start it again at 1. The returned events carry the channel's occupancy after the
 * event and the {@code now} passed in as timestamp.
 *
 * <p><b>Publishing.</b> A store only returns the events; the caller publishes them on the {@link
 * PresenceEventBus}.
 *
 * <p><b>Validation.</b> Arguments are already validated against {@link dev.presence.PresenceLimits}
 * by the caller; the store enforces only the users-per-channel limit, which needs its state.
 *
 * <p><b>Errors.</b> Methods throw {@link UnavailableException} when the state cannot be reached;
 * then nothing changed, as far as the store can tell. Nothing else is thrown except as documented.
 *
 * <p><b>Threading.</b> Thread-safe; methods may block for a round trip to the state.
 *
 * @since 0.1
 */
public interface PresenceStore {

  /**
   * Adds a session to a user's membership in a channel, or renews its lease if already there. The
   * user becomes present with a {@code join} event if they had no membership; a pending end is
   * cancelled with no event, keeping the attributes.
   *
   * @param channel the channel
   * @param user the user
   * @param session the session and who keeps it alive
   * @param maxUsers the users-per-channel limit
   * @param now the current time
   * @return the {@code join} event, or empty if the user was already present
   * @throws ChannelFullException if the user is not present and the channel has {@code maxUsers}
   *     users; nothing changed
   */
  Optional<PresenceEvent> join(
      ChannelId channel, UserId user, SessionLease session, int maxUsers, Instant now);

  /**
   * Removes a session from a user's membership by an explicit leave. If no session remains, the
   * membership ends at once with a {@code leave} event. Leaving with a session that is not in the
   * membership changes nothing; in particular a pending membership (which has no session left) is
   * not ended by a leave: its grace deadline ends it.
   *
   * @param channel the channel
   * @param user the user
   * @param session the session leaving
   * @param now the current time
   * @return the {@code leave} event, or empty
   */
  Optional<PresenceEvent> leave(ChannelId channel, UserId user, SessionId session, Instant now);

  /**
   * Removes a session that ended without an explicit leave. If no session remains, the membership
   * becomes pending until {@code graceUntil} with the reason (a later deadline replaces an earlier
   * one); if {@code graceUntil} is not after {@code now} it ends at once, with {@code leave} for
   * {@link CloseReason#CLEAN} and {@code timeout} for {@link CloseReason#LOST}. A session not in
   * the membership changes nothing.
   *
   * @param channel the channel
   * @param user the user
   * @param session the session that ended
   * @param reason how it ended
   * @param graceUntil until when the membership is held
   * @param now the current time
   * @return the event if the membership ended at once, or empty
   */
  Optional<PresenceEvent> release(
      ChannelId channel,
      UserId user,
      SessionId session,
      CloseReason reason,
      Instant graceUntil,
      Instant now);

  /**
   * Releases, as {@link CloseReason#LOST}, every session held by a node that left the cluster, in
   * every channel, with the membership held until {@code graceUntil}. Safe to call from several
   * nodes at once and more than once: each session is released once.
   *
   * @param nodeId the node that was lost
   * @param graceUntil until when the memberships are held
   * @param now the current time
   * @return the events of memberships that ended at once (only if {@code graceUntil} is not after
   *     {@code now}), each channel's in {@code seq} order
   */
  List<PresenceEvent> releaseNode(String nodeId, Instant graceUntil, Instant now);

  /**
   * Ends what time has ended: lease-bound sessions whose lease expired are released as {@link
   * CloseReason#LOST} with the membership held until {@code expiresAt + grace}, and pending
   * memberships whose deadline is not after {@code now} end with {@code leave} or {@code timeout}.
   *
   * <p>Safe to call from several threads and nodes at once: each ended membership is reported by
   * exactly one call. A store may limit one call to part of the work (for example this node's share
   * of the state) as long as calls made regularly from every node together end everything.
   *
   * @param now the current time
   * @param grace the grace period for expired leases
   * @return the events, each channel's in {@code seq} order
   */
  List<PresenceEvent> expire(Instant now, Duration grace);

  /**
   * Replaces a present user's attributes. Emits {@code attributesUpdate} unless the map equals the
   * current one. Allowed while the membership is pending.
   *
   * @param channel the channel
   * @param user the user
   * @param attributes the new map
   * @param now the current time
   * @return the event, or empty if nothing changed
   * @throws NotJoinedException if the user has no membership in the channel
   */
  Optional<PresenceEvent> setAttributes(
      ChannelId channel, UserId user, Attributes attributes, Instant now);

  /**
   * A present user's attributes.
   *
   * @param channel the channel
   * @param user the user
   * @return the attributes, or empty if the user is not present
   */
  Optional<Attributes> attributes(ChannelId channel, UserId user);

  /**
   * One page of a channel's users in ascending order of id, with the occupancy and {@code seq} it
   * reflects (see {@link dev.presence.PageRequest} for cursors).
   *
   * @param channel the channel
   * @param page the page
   * @return the page
   * @throws dev.presence.InvalidArgumentException if the cursor was not made by this store
   */
  ChannelUsers users(ChannelId channel, PageRequest page);

  /**
   * Every user of a channel with attributes, read at one {@code seq}; the starting point of an
   * observer.
   *
   * @param channel the channel
   * @return all users, with {@code next} null
   */
  ChannelUsers snapshot(ChannelId channel);

  /**
   * A channel's occupancy and {@code seq}.
   *
   * @param channel the channel
   * @return the occupancy
   */
  Occupancy occupancy(ChannelId channel);

  /**
   * The channels a user is present in, in ascending order of name.
   *
   * @param user the user
   * @return the channels
   */
  List<ChannelId> channelsOf(UserId user);

  /**
   * Ends a user's membership in a channel at once, whatever sessions it holds and whether or not it
   * is pending, with a {@link dev.presence.event.Left} event whose {@code kicked} is true (SPEC
   * 13.4). The attributes are dropped as at any end. A user without a membership changes nothing. A
   * session of the user that joins again later makes a new membership (a kick is not a ban);
   * releasing or leaving with a session the kick removed changes nothing.
   *
   * @param channel the channel
   * @param user the user
   * @param now the current time
   * @return the {@code leave} event, or empty if the user was not present
   * @throws UnsupportedOperationException if the backend lacks {@link Capability#ADMINISTRATION}
   * @since 0.2
   */
  default Optional<PresenceEvent> kick(ChannelId channel, UserId user, Instant now) {
    throw new UnsupportedOperationException("this store does not support kick");
  }

  /**
   * One page of the channels, cluster-wide, that have at least one user present (pending
   * memberships count), in ascending order of name, each with its occupancy. Empty channels whose
   * {@code seq} is still retained are not listed. A cursor is opaque: it is the {@link
   * ChannelPage#next()} of the previous page for the same prefix, names a position (not a channel)
   * and stays valid while channels change: channels created behind it appear on a later page,
   * channels that empty are skipped.
   *
   * <p>Cost: a store documents it; the contract only requires that one page does not hold more than
   * {@code limit} entries in the caller's memory.
   *
   * @param prefix only channels whose name starts with it; empty for all (the caller has checked
   *     its characters and length)
   * @param limit the page size, 1 to {@link dev.presence.PageRequest#MAX_LIMIT}
   * @param cursor where to continue, or null for the first page
   * @return the page
   * @throws dev.presence.InvalidArgumentException if the cursor was not made by this store for this
   *     prefix (support: {@code ChannelCursors})
   * @throws IllegalArgumentException if the limit is out of range
   * @throws UnsupportedOperationException if the backend lacks {@link Capability#ADMINISTRATION}
   * @since 0.2
   */
  default ChannelPage channels(String prefix, int limit, @Nullable String cursor) {
    throw new UnsupportedOperationException("this store does not list channels");
  }

  /**
   * The cluster-wide counts: distinct users present and channels with users present. Not atomic
   * across channels (a count may miss a change made while it is taken); a store documents its cost,
   * which should not grow with the number of users in a channel.
   *
   * @return the counts
   * @throws UnsupportedOperationException if the backend lacks {@link Capability#ADMINISTRATION}
   * @since 0.2
   */
  default PresenceTotals totals() {
    throw new UnsupportedOperationException("this store does not count");
  }
}
