package dev.presence.event;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import java.time.Instant;

/**
 * A user's presence in a channel ended because their last session was lost: it stopped
 * heartbeating, its connection broke, or its node died.
 *
 * @param channel the channel
 * @param userId the user
 * @param attributes the user's attributes (see {@link PresenceEvent})
 * @param occupancy users present after the event
 * @param seq the event's sequence number in the channel, at least 1
 * @param timestamp when it happened
 * @since 0.1
 */
public record TimedOut(
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
  public TimedOut {
    EventChecks.check(occupancy, seq);
  }

  @Override
  public EventKind kind() {
    return EventKind.TIMEOUT;
  }
}
