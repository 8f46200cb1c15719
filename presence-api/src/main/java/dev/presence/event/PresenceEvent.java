package dev.presence.event;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import java.time.Instant;

/**
 * Something that happened to a user's presence in a channel.
 *
 * <p>Every event carries its channel's next sequence number: within a channel, {@code seq} is
 * strictly increasing and gap-free across the whole cluster, so an observer can tell a missed or
 * repeated event. {@code occupancy} is the number of users present right after the event; {@code
 * attributes} is the current map for {@link Joined} and {@link AttributesUpdated}, and the last map
 * for {@link Left} and {@link TimedOut}. {@code timestamp} is when the store applied the event.
 *
 * <p>Events are immutable values; equality is by value.
 *
 * @since 0.1
 */
public sealed interface PresenceEvent permits Joined, Left, TimedOut, AttributesUpdated {

  /**
   * The kind of event.
   *
   * @return the kind
   */
  EventKind kind();

  /**
   * The channel.
   *
   * @return the channel
   */
  ChannelId channel();

  /**
   * The user whose presence changed.
   *
   * @return the user
   */
  UserId userId();

  /**
   * The user's attributes (see the type's description).
   *
   * @return the attributes
   */
  Attributes attributes();

  /**
   * Users present in the channel after the event.
   *
   * @return the occupancy, 0 or more
   */
  int occupancy();

  /**
   * The event's position in its channel's sequence; at least 1.
   *
   * @return the sequence number
   */
  long seq();

  /**
   * When the event happened (UTC).
   *
   * @return the instant
   */
  Instant timestamp();

  /**
   * Creates an event of a kind.
   *
   * @param kind the kind
   * @param channel the channel
   * @param userId the user
   * @param attributes the attributes
   * @param occupancy users present after the event
   * @param seq the sequence number
   * @param timestamp when it happened
   * @return the event
   */
  static PresenceEvent of(
      EventKind kind,
      ChannelId channel,
      UserId userId,
      Attributes attributes,
      int occupancy,
      long seq,
      Instant timestamp) {
    return switch (kind) {
      case JOIN -> new Joined(channel, userId, attributes, occupancy, seq, timestamp);
      case LEAVE -> new Left(channel, userId, attributes, occupancy, seq, timestamp);
      case TIMEOUT -> new TimedOut(channel, userId, attributes, occupancy, seq, timestamp);
      case ATTRIBUTES_UPDATE ->
          new AttributesUpdated(channel, userId, attributes, occupancy, seq, timestamp);
    };
  }
}
