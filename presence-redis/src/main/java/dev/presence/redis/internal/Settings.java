package dev.presence.redis.internal;

import dev.presence.redis.RedisConfigKeys;
import dev.presence.spi.BackendContext;
import dev.presence.spi.support.ConfigDurations;
import java.time.Duration;

/**
 * The backend's configuration, read once at start ({@link RedisConfigKeys}).
 *
 * @param uri the Redis URI
 * @param prefix the prefix of keys and pub/sub channels
 * @param timeout command and connect timeout
 * @param heartbeat how often a node renews its registry entry
 * @param nodeTtl how long an entry lives without renewal
 * @param retention how long an emptied channel keeps its seq; zero for ever
 */
record Settings(
    String uri,
    String prefix,
    Duration timeout,
    Duration heartbeat,
    Duration nodeTtl,
    Duration retention) {

  static Settings read(BackendContext context) {
    Duration heartbeat = duration(context, RedisConfigKeys.HEARTBEAT, Duration.ofSeconds(1));
    Duration nodeTtl = duration(context, RedisConfigKeys.NODE_TTL, Duration.ofSeconds(10));
    if (heartbeat.isZero() || nodeTtl.compareTo(heartbeat.multipliedBy(2)) < 0) {
      throw new IllegalStateException(
          RedisConfigKeys.NODE_TTL
              + " ("
              + nodeTtl
              + ") must be at least twice "
              + RedisConfigKeys.HEARTBEAT
              + " ("
              + heartbeat
              + "), which must not be zero");
    }
    return new Settings(
        text(context, RedisConfigKeys.URI, "redis://127.0.0.1:6379"),
        text(context, RedisConfigKeys.PREFIX, "presence:"),
        duration(context, RedisConfigKeys.TIMEOUT, Duration.ofSeconds(2)),
        heartbeat,
        nodeTtl,
        duration(context, RedisConfigKeys.EMPTY_CHANNEL_RETENTION, Duration.ofHours(1)));
  }

  private static String text(BackendContext context, String key, String fallback) {
    return context.config(key).map(String::trim).filter(s -> !s.isEmpty()).orElse(fallback);
  }

  private static Duration duration(BackendContext context, String key, Duration fallback) {
    return ConfigDurations.config(key, text(context, key, ""), fallback);
  }
}
