/**
 * The Redis storage backend of Presence: {@link dev.presence.redis.RedisPresenceBackendProvider}
 * (name {@code redis}, priority 50), found by {@link java.util.ServiceLoader}, and its
 * configuration keys, {@link dev.presence.redis.RedisConfigKeys}.
 *
 * <p>No Lettuce type appears in this package's signatures; {@code
 * PresenceBackend.unwrap(io.lettuce.core.RedisClient.class)} gives the client in use.
 *
 * @since 0.1
 */
@NullMarked
package dev.presence.redis;

import org.jspecify.annotations.NullMarked;
