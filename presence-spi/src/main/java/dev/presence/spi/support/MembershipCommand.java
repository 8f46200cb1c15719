package dev.presence.spi.support;

import org.jspecify.annotations.Nullable;

/**
 * A change of one channel's memberships, as plain data: the arguments of a mutating {@link
 * dev.presence.spi.PresenceStore} method in the form {@link MembershipMachine} takes them. Times
 * are nanoseconds since the epoch (see {@link MembershipMachine#nanos(java.time.Instant)}); {@link
 * MembershipMachine#NONE} means "never". Users, sessions and nodes are their id strings.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.1
 */
public sealed interface MembershipCommand {

  /**
   * {@code PresenceStore.join}.
   *
   * @param user the user
   * @param session the session
   * @param node the node that keeps a node-bound session alive, or null for a lease-bound one
   * @param expiry when a lease-bound session's lease ends, or {@link MembershipMachine#NONE}
   * @param maxUsers the users-per-channel limit
   */
  record Join(String user, String session, @Nullable String node, long expiry, int maxUsers)
      implements MembershipCommand {}

  /**
   * {@code PresenceStore.leave}.
   *
   * @param user the user
   * @param session the session leaving
   */
  record Leave(String user, String session) implements MembershipCommand {}

  /**
   * {@code PresenceStore.release}.
   *
   * @param user the user
   * @param session the session that ended
   * @param reason {@link MembershipMachine#CLEAN} or {@link MembershipMachine#LOST}
   * @param graceUntil until when the membership is held
   */
  record Release(String user, String session, int reason, long graceUntil)
      implements MembershipCommand {}

  /**
   * {@code PresenceStore.releaseNode}, for one channel.
   *
   * @param node the node that was lost
   * @param graceUntil until when the memberships are held
   */
  record ReleaseNode(String node, long graceUntil) implements MembershipCommand {}

  /**
   * {@code PresenceStore.expire}, for one channel; also ends the retention of an empty channel.
   *
   * @param grace the grace period of expired leases, in nanoseconds
   */
  record Expire(long grace) implements MembershipCommand {}

  /**
   * {@code PresenceStore.setAttributes}.
   *
   * @param user the user
   * @param attributes the new map, flattened (see {@link MembershipEvent#attributes()})
   */
  record SetAttributes(String user, String[] attributes) implements MembershipCommand {}

  /**
   * {@code PresenceStore.kick}: ends the user's membership at once, with every session, pending or
   * not, emitting {@link MembershipMachine#KICKED}.
   *
   * @param user the user
   * @since 0.2
   */
  record Kick(String user) implements MembershipCommand {}
}
