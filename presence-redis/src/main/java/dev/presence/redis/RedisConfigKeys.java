package dev.presence.redis;

/**
 * The configuration keys of the Redis backend, read through {@link
 * dev.presence.spi.BackendContext#config(String)} (MicroProfile Config, system properties or
 * environment variables, as the server provides). Durations are written {@code 500ms}, {@code 10s},
 * {@code 2m}, {@code 1h} or ISO-8601 ({@code PT10S}).
 *
 * @since 0.1
 */
public final class RedisConfigKeys {

  /**
   * The Redis server, as a Lettuce URI: {@code redis://[password@]host[:port][/database]}, {@code
   * rediss://...} for TLS, or {@code redis-sentinel://host:port[,host:port]#master} for a primary
   * found through Sentinel. Default {@code redis://127.0.0.1:6379}. Redis Cluster is not supported:
   * the scripts touch keys of many hash slots.
   */
  public static final String URI = "presence.redis.uri";

  /**
   * The prefix of every key and pub/sub channel this backend uses, so that several presence
   * clusters can share one Redis. Default {@code presence:}.
   */
  public static final String PREFIX = "presence.redis.prefix";

  /**
   * How long a command may take before it fails with {@link dev.presence.UnavailableException};
   * also the connect timeout. Default {@code 2s}.
   */
  public static final String TIMEOUT = "presence.redis.timeout";

  /** How often a node renews its entry in the node registry. Default {@code 1s}. */
  public static final String HEARTBEAT = "presence.redis.heartbeat";

  /**
   * How long a node's entry lives without a heartbeat before the other nodes declare it lost and
   * release its sessions. Default {@code 10s}; at least twice {@link #HEARTBEAT}.
   */
  public static final String NODE_TTL = "presence.redis.node-ttl";

  /**
   * How long an emptied channel keeps its sequence number, so that an observer never sees a {@code
   * seq} again that it saw before. Default {@code 1h}; {@code 0s} keeps it for ever.
   */
  public static final String EMPTY_CHANNEL_RETENTION = "presence.redis.empty-channel-retention";

  private RedisConfigKeys() {}
}
