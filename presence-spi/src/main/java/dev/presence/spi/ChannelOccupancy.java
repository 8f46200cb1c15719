package dev.presence.spi;

import dev.presence.ChannelId;

/**
 * A channel and the number of users present in it, as one entry of a {@link ChannelPage}.
 *
 * @param channel the channel
 * @param occupancy the users present in it when it was listed, at least 1
 * @since 0.2
 */
public record ChannelOccupancy(ChannelId channel, int occupancy) {

  /**
   * Validates the entry.
   *
   * @param channel the channel
   * @param occupancy the users present in it when it was listed, at least 1
   * @throws IllegalArgumentException if occupancy is below 1 (empty channels are not listed)
   */
  public ChannelOccupancy {
    if (occupancy < 1) {
      throw new IllegalArgumentException("a listed channel has at least one user: " + occupancy);
    }
  }
}
