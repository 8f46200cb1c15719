package dev.presence;

/**
 * One user present in a channel, with their attributes in that channel.
 *
 * @param userId the user
 * @param attributes their attributes in the channel; {@link Attributes#EMPTY} when attributes were
 *     not asked for
 * @since 0.1
 */
public record PresentUser(UserId userId, Attributes attributes) {}
