package dev.presence;

/**
 * How many users are present in a channel, as of one sequence number.
 *
 * @param channel the channel
 * @param occupancy the number of users present
 * @param seq the channel's sequence number this count reflects
 * @since 0.1
 */
public record Occupancy(ChannelId channel, int occupancy, long seq) {}
