package dev.presence;

import java.util.List;

/**
 * Who is present in which channel, cluster-wide: the entry point for applications.
 *
 * <p><b>Model.</b> A user is present in a channel while at least one of their sessions has joined
 * it. Events are per user: the first session's join emits {@code join}, the end of the last one
 * emits {@code leave} or {@code timeout}; further sessions and repeated joins emit nothing. Each
 * (channel, user) has an attributes map that exists only while the user is present.
 *
 * <p><b>Sessions.</b> Connection-bound sessions come from {@link #openSession}. The user-level
 * {@link #join(ChannelId, UserId)} and {@link #leave(ChannelId, UserId)} act on the user's implicit
 * <em>API session</em> for that channel, which is what the REST API uses: it lives for the presence
 * timeout {@code T}, each repeated join refreshes it, and unrefreshed it ends as lost (grace, then
 * {@code timeout}).
 *
 * <p><b>Cluster scope.</b> Every read answers with the cluster's state, and events reach
 * subscribers on every node. Each channel has one cluster-wide, strictly increasing, gap-free
 * sequence: every event takes the next {@code seq}, and every read says the {@code seq} it
 * reflects.
 *
 * <p><b>Trust.</b> This interface does no authentication or authorization: callers act for any
 * user. Servers check identity before calling it.
 *
 * <p><b>Errors.</b> Every method throws only subtypes of {@link PresenceException} (and {@link
 * NullPointerException} for null arguments); a method that throws has changed nothing. {@link
 * UnavailableException} means the store could not be reached.
 *
 * <p><b>Threading.</b> Implementations are thread-safe; calls may block for one store round trip.
 *
 * @since 0.1
 */
public interface PresenceService {

  /**
   * Opens a connection-bound session for a user.
   *
   * @param user the user
   * @return the new session
   * @throws InvalidArgumentException if the user id is over the limit
   * @throws TooLargeException if the user is at the sessions-per-user limit
   */
  PresenceSession openSession(UserId user);

  /**
   * Joins (or refreshes) the user's implicit API session in the channel. Idempotent: the user
   * becomes present with a {@code join} event only if not present before.
   *
   * @param channel the channel
   * @param user the user
   * @throws InvalidArgumentException if an id is over its limit
   * @throws ChannelFullException if the channel is at its user limit and the user is not in it
   */
  void join(ChannelId channel, UserId user);

  /**
   * Ends the user's implicit API session in the channel. The user's presence ends with a {@code
   * leave} event unless another session of theirs is in the channel. Idempotent.
   *
   * @param channel the channel
   * @param user the user
   */
  void leave(ChannelId channel, UserId user);

  /**
   * One page of the users present in a channel.
   *
   * @param channel the channel
   * @param page which page, and whether with attributes
   * @return the page, with the channel's occupancy and the {@code seq} it reflects
   * @throws InvalidArgumentException if the cursor is not one this service made
   */
  ChannelUsers channelUsers(ChannelId channel, PageRequest page);

  /**
   * The channels a user is present in ("where now"), in ascending order of name.
   *
   * @param user the user
   * @return the channels; empty if none
   */
  List<ChannelId> userChannels(UserId user);

  /**
   * Replaces a present user's attributes in a channel. Emits {@code attributesUpdate} unless the
   * new map equals the current one.
   *
   * @param channel the channel
   * @param user the user
   * @param attributes the new map; an empty map clears them
   * @return the attributes now stored
   * @throws NotJoinedException if the user is not present in the channel
   * @throws TooLargeException if the map is over a limit
   * @throws RateLimitedException if the user sets attributes too often
   */
  Attributes setAttributes(ChannelId channel, UserId user, Attributes attributes);

  /**
   * A present user's attributes in a channel.
   *
   * @param channel the channel
   * @param user the user
   * @return the attributes; empty if none were set
   * @throws NotPresentException if the user is not present in the channel
   */
  Attributes attributes(ChannelId channel, UserId user);

  /**
   * How many users are present in a channel.
   *
   * @param channel the channel
   * @return the occupancy and the {@code seq} it reflects
   */
  Occupancy occupancy(ChannelId channel);

  /**
   * Observes a channel: takes a snapshot, then delivers every later event of the channel to the
   * listener in {@code seq} order, without gap or duplicate (see {@link PresenceListener}).
   * Observing does not make anyone present.
   *
   * @param channel the channel
   * @param listener the listener
   * @return the subscription, holding the snapshot
   */
  Subscription subscribe(ChannelId channel, PresenceListener listener);

  /**
   * The limits this service enforces.
   *
   * @return the limits
   */
  PresenceLimits limits();
}
