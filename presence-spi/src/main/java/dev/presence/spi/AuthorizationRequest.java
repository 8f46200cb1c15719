package dev.presence.spi;

import dev.presence.ChannelId;
import dev.presence.UserId;
import org.jspecify.annotations.Nullable;

/**
 * One question to a {@link PresenceAuthorizer}.
 *
 * @param caller who asks
 * @param action what they want to do
 * @param channel the channel, or null for a request about a user's channels
 * @param target the user acted on or read, or null for channel-wide reads and observing
 * @since 0.1
 */
public record AuthorizationRequest(
    Caller caller, Action action, @Nullable ChannelId channel, @Nullable UserId target) {}
