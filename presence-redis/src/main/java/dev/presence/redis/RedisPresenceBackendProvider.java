package dev.presence.redis;

import dev.presence.redis.internal.RedisPresenceBackend;
import dev.presence.spi.BackendContext;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;

/**
 * The Redis backend: presence state in a Redis 7 server shared by every node of the cluster, each
 * change of a channel one Lua script that Redis runs atomically, events on Redis pub/sub, node
 * liveness by heartbeats in Redis. Selected by {@code presence.store=redis}; its priority ({@value
 * #PRIORITY}) is below Hazelcast's, so it is the default only where Hazelcast is absent.
 *
 * <p>Configured by {@link RedisConfigKeys}. The backend owns its connections and closes them; it
 * never stops the Redis server.
 *
 * @since 0.1
 */
public final class RedisPresenceBackendProvider implements PresenceBackendProvider {

  /** The name that selects this backend in {@code presence.store}. */
  public static final String NAME = "redis";

  /** The priority when {@code presence.store} is unset: below Hazelcast's 100. */
  public static final int PRIORITY = 50;

  /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
  public RedisPresenceBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return PRIORITY;
  }

  /**
   * Connects to Redis and registers this node.
   *
   * @param context configuration ({@link RedisConfigKeys})
   * @return the backend; its {@code unwrap(io.lettuce.core.RedisClient.class)} gives the client
   * @throws IllegalStateException if the configuration is wrong or Redis cannot be reached; the
   *     message names the key to check
   */
  @Override
  public PresenceBackend create(BackendContext context) {
    return RedisPresenceBackend.create(context);
  }
}
