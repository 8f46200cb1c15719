package dev.presence.event;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import java.time.Instant;

/**
 * A user's presence in a channel ended by an explicit leave, by a clean close of their last session
 * after the grace period, or by an administrator's kick ({@code kicked}: every session of the user
 * was removed from the channel at once, pending or not).
 *
 * @param channel the channel
 * @param userId the user
 * @param attributes the user's attributes (see {@link PresenceEvent})
 * @param occupancy users present after the event
 * @param seq the event's sequence number in the channel, at least 1
 * @param timestamp when it happened
 * @param kicked true if an administrator removed the user (SPEC 13.4); false for a leave or a clean
 *     close
 * @since 0.1
 */
public record Left(
    ChannelId channel,
    UserId userId,
    Attributes attributes,
    int occupancy,
    long seq,
    Instant timestamp,
    boolean kicked)
    implements PresenceEvent {

  /**
   * A leave that is not a kick.
   *
   * @param channel the channel
   * @param userId the user
   * @param attributes the user's attributes (see {@link PresenceEvent})
   * @param occupancy users present after the event
   * @param seq the event's sequence number in the channel, at least 1
   * @param timestamp when it happened
   * @throws IllegalArgumentException if occupancy is negative or seq below 1
   */
  public Left(
      ChannelId channel,
      UserId userId,
      Attributes attributes,
      int occupancy,
      long seq,
      Instant timestamp) {
    this(channel, userId, attributes, occupancy, seq, timestamp, false);
  }

  /**
   * Validates the event.
   *
   * @param channel the channel
   * @param userId the user
   * @param attributes the user's attributes (see {@link PresenceEvent})
   * @param occupancy users present after the event
   * @param seq the event's sequence number in the channel, at least 1
   * @param timestamp when it happened
   * @param kicked true if an administrator removed the user
   * @throws IllegalArgumentException if occupancy is negative or seq below 1
   */
  public Left {
    EventChecks.check(occupancy, seq);
  }

  @Override
  public EventKind kind() {
    return EventKind.LEAVE;
  }
}
