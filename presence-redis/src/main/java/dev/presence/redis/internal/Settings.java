package dev.presence.redis.internal;

import dev.presence.redis.RedisConfigKeys;
import dev.presence.spi.BackendContext;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

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

  private static final Pattern SIMPLE_DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

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
    String value = text(context, key, "");
    if (value.isEmpty()) {
      return fallback;
    }
    Duration parsed = parseDuration(value);
    if (parsed == null || parsed.isNegative()) {
      throw new IllegalStateException(
          key + " must be a duration such as 500ms, 10s, 2m, 1h or PT10S, not '" + value + "'");
    }
    return parsed;
  }

  /** Parses {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1d} or ISO-8601. */
  static @Nullable Duration parseDuration(String value) {
    Matcher m = SIMPLE_DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long amount = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(amount);
        case "s" -> Duration.ofSeconds(amount);
        case "m" -> Duration.ofMinutes(amount);
        case "h" -> Duration.ofHours(amount);
        default -> Duration.ofDays(amount);
      };
    }
    try {
      return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
