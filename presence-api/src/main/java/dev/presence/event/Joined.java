package dev.presence.event;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import java.time.Instant;

/**
 * A user became present in a channel: the first of their sessions joined it.
 *
 * @param channel the channel
 * @param userId the user
 * @param attributes the user's attributes (see {@link PresenceEvent})
 * @param occupancy users present after the event
 * @param seq the event's sequence number in the channel, at least 1
 * @param timestamp when it happened
 * @since 0.1
 */
public record Joined(
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
  public Joined {
    EventChecks.check(occupancy, seq);
  }

  @Override
  public EventKind kind() {
    return EventKind.JOIN;
  }
}
