package dev.presence.event;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import java.time.Instant;

/**
 * A user's presence in a channel ended by an explicit leave, or by a clean close of their last
 * session after the grace period.
 *
 * @param channel the channel
 * @param userId the user
 * @param attributes the user's attributes (see {@link PresenceEvent})
 * @param occupancy users present after the event
 * @param seq the event's sequence number in the channel, at least 1
 * @param timestamp when it happened
 * @since 0.1
 */
public record Left(
    ChannelId channel,
    UserId userId,
    Attributes attributes,
    int occupancy,
    long seq,
    Instant timestamp)
    implements PresenceEvent {

  /**
   * Validates the event.
   *
   * @param channel the channel
   * @param userId the user
   * @param attributes the user's attributes (see {@link PresenceEvent})
   * @param occupancy users present after the event
   * @param seq the event's sequence number in the channel, at least 1
   * @param timestamp when it happened
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
