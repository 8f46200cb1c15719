package dev.presence.web.engine;

import dev.presence.ChannelId;

/**
 * The end of one interval period of a channel in which events happened ({@link ChannelIntervals}):
 * where occupancy subscriptions say the occupancy, if it changed.
 *
 * @param channel the channel
 * @param seq the last seq of the period
 * @param occupancy the occupancy after it
 */
public record OccupancyTick(ChannelId channel, long seq, int occupancy) {}
