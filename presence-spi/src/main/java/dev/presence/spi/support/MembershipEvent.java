package dev.presence.spi.support;

/**
 * An event emitted by {@link MembershipMachine}, as plain data; {@link
 * MembershipValues#event(dev.presence.ChannelId, MembershipEvent, java.time.Instant)} makes the
 * {@link dev.presence.event.PresenceEvent} of it.
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @param kind {@link MembershipMachine#JOIN}, {@link MembershipMachine#LEAVE}, {@link
 *     MembershipMachine#TIMEOUT}, {@link MembershipMachine#ATTRIBUTES} or {@link
 *     MembershipMachine#KICKED}
 * @param user the user id
 * @param attributes the attributes as key, value, key, value, ... in ascending key order; not to be
 *     modified
 * @param occupancy the channel's occupancy after the event
 * @param seq the event's sequence number in its channel
 * @since 0.1
 */
public record MembershipEvent(
    int kind, String user, String[] attributes, int occupancy, long seq) {}
