package dev.presence.web.config;

import dev.presence.PresenceLimits;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The server's configuration: every key of {@link ConfigKey}, parsed and checked once when the
 * object is created, so that a bad value fails deployment with a message naming the key.
 *
 * <p>Immutable and thread-safe. In the application it is produced once by {@code
 * dev.presence.web.cdi.ConfigProducer} from {@link ConfigLookup#standard()}; {@link #get(String)}
 * reads any other key (such as {@code presence.hazelcast.*}) from the same sources, live.
 */
public final class PresenceConfig {

  /** How the server authenticates tokens. */
  public enum AuthMode {
    /** Verify JWT signatures with the configured key. */
    JWT,
    /** Development mode: accept any well-formed JWT without checking its signature. */
    DEV
  }

  private static final Duration MIN_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration MIN_TEST_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration MAX_TIMEOUT = Duration.ofSeconds(600);
  private static final Duration MAX_GRACE = Duration.ofSeconds(120);
  private static final Duration MAX_CACHE_TTL = Duration.ofSeconds(60);

  private final ConfigLookup source;
  private final Duration timeout;
  private final boolean pubnubEnabled;
  private final Duration pubnubLongPoll;
  private final int pubnubBuffer;
  private final Duration grace;
  private final boolean shortTimeouts;
  private final Duration cacheTtl;
  private final @Nullable String store;
  private final AuthMode authMode;
  private final @Nullable String hmacSecret;
  private final @Nullable String publicKey;
  private final @Nullable String issuer;
  private final @Nullable String audience;
  private final PresenceLimits limits;
  private final int wsQueueCapacity;
  private final int announceMax;
  private final Duration channelInterval;
  private final int snapshotPage;
  private final int maxFrameBytes;
  private final int maxConnections;
  private final int maxConnectionsPerUser;
  private final int maxBodyBytes;
  private final Duration bodyTimeout;
  private final int channelsPerUser;
  private final int sseQueueCapacity;
  private final int hookQueueCapacity;
  private final AllowedOrigins wsAllowedOrigins;
  private final AllowedOrigins corsAllowedOrigins;
  private final @Nullable Path pluginsDir;

  /**
   * Reads and checks every key.
   *
   * @param source where values come from
   * @throws IllegalStateException if a value is malformed or out of range; the message names the
   *     key and says what is allowed
   */
  public PresenceConfig(ConfigLookup source) {
    this.source = source;
    this.shortTimeouts = bool(ConfigKey.TESTING_SHORT_TIMEOUTS);
    this.timeout =
        duration(ConfigKey.TIMEOUT, shortTimeouts ? MIN_TEST_TIMEOUT : MIN_TIMEOUT, MAX_TIMEOUT);
    this.grace = duration(ConfigKey.GRACE, Duration.ZERO, MAX_GRACE);
    this.cacheTtl = duration(ConfigKey.QUERY_CACHE_TTL, Duration.ZERO, MAX_CACHE_TTL);
    this.store = source.value(ConfigKey.STORE.key()).orElse(null);
    this.authMode = parseAuthMode(raw(ConfigKey.AUTH_MODE));
    this.hmacSecret = source.value(ConfigKey.AUTH_HMAC_SECRET.key()).orElse(null);
    this.publicKey = source.value(ConfigKey.AUTH_PUBLIC_KEY.key()).orElse(null);
    this.issuer = source.value(ConfigKey.AUTH_ISSUER.key()).orElse(null);
    this.audience = source.value(ConfigKey.AUTH_AUDIENCE.key()).orElse(null);
    this.limits = readLimits();
    this.wsQueueCapacity = integer(ConfigKey.WS_QUEUE_CAPACITY, 16, 1_000_000);
    this.announceMax = integer(ConfigKey.CHANNELS_ANNOUNCE_MAX, 0, Integer.MAX_VALUE);
    this.channelInterval =
        duration(ConfigKey.CHANNELS_INTERVAL, Duration.ofSeconds(1), Duration.ofSeconds(60));
    this.snapshotPage = integer(ConfigKey.WS_SNAPSHOT_PAGE, 1, 1_000_000);
    this.maxFrameBytes = integer(ConfigKey.WS_MAX_FRAME_BYTES, 1024, 16 * 1024 * 1024);
    this.maxConnections = integer(ConfigKey.WS_MAX_CONNECTIONS, 1, 1_000_000);
    this.maxConnectionsPerUser = integer(ConfigKey.WS_MAX_CONNECTIONS_PER_USER, 1, 1_000_000);
    this.maxBodyBytes = integer(ConfigKey.HTTP_MAX_BODY_BYTES, 1024, 16 * 1024 * 1024);
    this.bodyTimeout =
        duration(ConfigKey.HTTP_BODY_TIMEOUT, Duration.ofMillis(100), Duration.ofSeconds(600));
    this.channelsPerUser = integer(ConfigKey.LIMITS_CHANNELS_PER_USER, 1, Integer.MAX_VALUE);
    this.sseQueueCapacity = integer(ConfigKey.SSE_QUEUE_CAPACITY, 16, 1_000_000);
    this.hookQueueCapacity = integer(ConfigKey.HOOKS_QUEUE_CAPACITY, 1, 10_000_000);
    this.wsAllowedOrigins = origins(ConfigKey.WS_ALLOWED_ORIGINS, AllowedOrigins.ANY);
    this.corsAllowedOrigins = origins(ConfigKey.HTTP_CORS_ALLOWED_ORIGINS, AllowedOrigins.NONE);
    this.pluginsDir = path(ConfigKey.PLUGINS_DIR);
    this.pubnubEnabled = bool(ConfigKey.PUBNUB_ENABLED);
    this.pubnubLongPoll =
        duration(ConfigKey.PUBNUB_LONG_POLL, Duration.ofSeconds(1), Duration.ofSeconds(300));
    this.pubnubBuffer = integer(ConfigKey.PUBNUB_BUFFER, 16, 100_000);
  }

  /**
   * A configuration from fixed values, every other key at its default.
   *
   * @param values values by key
   * @return the configuration
   * @throws IllegalStateException if a value is malformed or out of range
   */
  public static PresenceConfig of(Map<String, String> values) {
    return new PresenceConfig(ConfigLookup.of(values));
  }

  /**
   * The raw value of any key from the configuration sources, such as {@code
   * presence.hazelcast.members}; for the keys of {@link ConfigKey} prefer the typed getters.
   *
   * @param key the full key
   * @return the value, or empty if unset or blank
   */
  public Optional<String> get(String key) {
    return source.value(key);
  }

  /**
   * The presence timeout T ({@code presence.timeout}).
   *
   * @return 10s to 600s (1s to 600s with {@code presence.testing.short-timeouts})
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * The least presence timeout a client may ask for (a PubNub client's {@code heartbeat}).
   *
   * @return 10s (1s with {@code presence.testing.short-timeouts})
   */
  public Duration minTimeout() {
    return shortTimeouts ? MIN_TEST_TIMEOUT : MIN_TIMEOUT;
  }

  /**
   * The greatest presence timeout a client may ask for.
   *
   * @return 600s
   */
  public Duration maxTimeout() {
    return MAX_TIMEOUT;
  }

  /**
   * Whether the PubNub protocol is served ({@code presence.pubnub.enabled}).
   *
   * @return true unless turned off
   */
  public boolean pubnubEnabled() {
    return pubnubEnabled;
  }

  /**
   * How long a PubNub subscribe long-poll is held ({@code presence.pubnub.long-poll}).
   *
   * @return 1s to 300s
   */
  public Duration pubnubLongPoll() {
    return pubnubLongPoll;
  }

  /**
   * The presence events kept per {@code -pnpres} channel ({@code presence.pubnub.buffer}).
   *
   * @return 16 to 100000
   */
  public int pubnubBuffer() {
    return pubnubBuffer;
  }

  /**
   * The grace period G ({@code presence.grace}).
   *
   * @return 0 to 120s
   */
  public Duration grace() {
    return grace;
  }

  /**
   * How long channel-users responses may be cached ({@code presence.query.cache-ttl}).
   *
   * @return 0 (no cache) to 60s
   */
  public Duration cacheTtl() {
    return cacheTtl;
  }

  /**
   * The configured backend name ({@code presence.store}).
   *
   * @return the name, or empty to choose by priority
   */
  public Optional<String> store() {
    return Optional.ofNullable(store);
  }

  /**
   * The authentication mode ({@code presence.auth.mode}).
   *
   * @return the mode
   */
  public AuthMode authMode() {
    return authMode;
  }

  /**
   * Whether the server runs in development mode ({@code presence.auth.mode=dev}).
   *
   * @return true in development mode
   */
  public boolean devMode() {
    return authMode == AuthMode.DEV;
  }

  /**
   * The HS256 secret ({@code presence.auth.hmac-secret}).
   *
   * @return the secret, or empty
   */
  public Optional<String> hmacSecret() {
    return Optional.ofNullable(hmacSecret);
  }

  /**
   * The RS256/ES256 key, PEM text or a file path ({@code presence.auth.public-key}).
   *
   * @return the key, or empty
   */
  public Optional<String> publicKey() {
    return Optional.ofNullable(publicKey);
  }

  /**
   * The required token issuer ({@code presence.auth.issuer}).
   *
   * @return the issuer, or empty if any is accepted
   */
  public Optional<String> issuer() {
    return Optional.ofNullable(issuer);
  }

  /**
   * The required token audience ({@code presence.auth.audience}).
   *
   * @return the audience, or empty if any is accepted
   */
  public Optional<String> audience() {
    return Optional.ofNullable(audience);
  }

  /**
   * The limits ({@code presence.limits.*}).
   *
   * @return the limits
   */
  public PresenceLimits limits() {
    return limits;
  }

  /**
   * The interval-mode threshold ({@code presence.channels.announce-max}).
   *
   * @return 0 or more
   */
  public int announceMax() {
    return announceMax;
  }

  /**
   * The interval of interval mode and occupancy subscriptions ({@code presence.channels.interval}).
   *
   * @return 1s to 60s
   */
  public Duration channelInterval() {
    return channelInterval;
  }

  /**
   * The most users in one snapshot message ({@code presence.ws.snapshot-page}).
   *
   * @return 1 to 1,000,000
   */
  public int snapshotPage() {
    return snapshotPage;
  }

  /**
   * Outgoing messages queued per WebSocket session ({@code presence.ws.queue-capacity}).
   *
   * @return 16 to 1,000,000
   */
  public int wsQueueCapacity() {
    return wsQueueCapacity;
  }

  /**
   * The largest incoming WebSocket frame in bytes ({@code presence.ws.max-frame-bytes}).
   *
   * @return 1 KiB to 16 MiB
   */
  public int maxFrameBytes() {
    return maxFrameBytes;
  }

  /**
   * The most open WebSocket and SSE connections of this node ({@code presence.ws.max-connections}).
   *
   * @return 1 to 1,000,000
   */
  public int maxConnections() {
    return maxConnections;
  }

  /**
   * The most open WebSocket and SSE connections of one user on this node ({@code
   * presence.ws.max-connections-per-user}).
   *
   * @return 1 to 1,000,000
   */
  public int maxConnectionsPerUser() {
    return maxConnectionsPerUser;
  }

  /**
   * The largest REST request body in bytes ({@code presence.http.max-body-bytes}).
   *
   * @return 1 KiB to 16 MiB
   */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /**
   * The time allowed to receive a whole REST request body ({@code presence.http.body-timeout}).
   *
   * @return 100 ms to 600 s
   */
  public Duration bodyTimeout() {
    return bodyTimeout;
  }

  /**
   * The most channels one user may be in through REST sessions joined through this node ({@code
   * presence.limits.channels-per-user}).
   *
   * @return at least 1
   */
  public int channelsPerUser() {
    return channelsPerUser;
  }

  /**
   * Events queued per Server-Sent Events stream ({@code presence.sse.queue-capacity}).
   *
   * @return 16 to 1,000,000
   */
  public int sseQueueCapacity() {
    return sseQueueCapacity;
  }

  /**
   * Events queued per event hook ({@code presence.hooks.queue-capacity}).
   *
   * @return 1 to 10,000,000
   */
  public int hookQueueCapacity() {
    return hookQueueCapacity;
  }

  /**
   * The origins whose browsers may open WebSocket connections ({@code
   * presence.ws.allowed-origins}).
   *
   * @return the origins; {@link AllowedOrigins#ANY} when unset
   */
  public AllowedOrigins wsAllowedOrigins() {
    return wsAllowedOrigins;
  }

  /**
   * The origins whose browsers may call the REST API and Server-Sent Events ({@code
   * presence.http.cors.allowed-origins}).
   *
   * @return the origins; {@link AllowedOrigins#NONE} when unset
   */
  public AllowedOrigins corsAllowedOrigins() {
    return corsAllowedOrigins;
  }

  /**
   * The folder of plugin jars ({@code presence.plugins.dir}), as configured (whether it exists is
   * checked when the plugins are loaded).
   *
   * @return the folder, or empty if unset
   */
  public Optional<Path> pluginsDir() {
    return Optional.ofNullable(pluginsDir);
  }

  /**
   * Whether {@code presence.testing.short-timeouts} is on.
   *
   * @return true if timeouts below 10s are allowed
   */
  public boolean shortTimeouts() {
    return shortTimeouts;
  }

  /**
   * The effective value of every key, for the startup log; secrets are masked.
   *
   * @return one {@code key=value} line per key
   */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    for (ConfigKey k : ConfigKey.values()) {
      Optional<String> v = source.value(k.key());
      String shown;
      if (v.isEmpty()) {
        shown = k.defaultValue() == null ? "(unset)" : k.defaultValue() + " (default)";
      } else if (k.secret()) {
        shown = "(set, " + v.get().length() + " characters)";
      } else if (k == ConfigKey.AUTH_PUBLIC_KEY && v.get().length() > 60) {
        shown = "(PEM text)";
      } else {
        shown = v.get();
      }
      lines.add(k.key() + "=" + shown);
    }
    return lines;
  }

  private String raw(ConfigKey key) {
    return source.value(key.key()).orElse(defaultOf(key));
  }

  private static String defaultOf(ConfigKey key) {
    String d = key.defaultValue();
    if (d == null) {
      throw new IllegalStateException(key.key() + " has no default");
    }
    return d;
  }

  private boolean bool(ConfigKey key) {
    String v = raw(key).toLowerCase(Locale.ROOT);
    return switch (v) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(key, v, "write true or false");
    };
  }

  /**
   * A key's duration (its default when unset), checked against a range; for keys read outside this
   * class (such as {@code presence.webhooks.*}).
   *
   * @param key the key
   * @param min the shortest allowed
   * @param max the longest allowed
   * @return the duration
   * @throws IllegalStateException naming the key if malformed or out of range
   */
  public Duration duration(ConfigKey key, Duration min, Duration max) {
    String v = raw(key);
    Duration d;
    try {
      d = Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(key.key() + ": " + e.getMessage(), e);
    }
    if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
      throw invalid(
          key,
          v,
          "allowed is "
              + Durations.format(min)
              + " to "
              + Durations.format(max)
              + (key == ConfigKey.TIMEOUT && !shortTimeouts
                  ? " (shorter only for tests, with "
                      + ConfigKey.TESTING_SHORT_TIMEOUTS.key()
                      + "=true)"
                  : ""));
    }
    return d;
  }

  /**
   * A key's whole number (its default when unset), checked against a range; for keys read outside
   * this class.
   *
   * @param key the key
   * @param min the smallest allowed
   * @param max the largest allowed
   * @return the number
   * @throws IllegalStateException naming the key if malformed or out of range
   */
  public int integer(ConfigKey key, int min, int max) {
    String v = raw(key);
    long n;
    try {
      n = Long.parseLong(v.replace("_", ""));
    } catch (NumberFormatException e) {
      throw invalid(key, v, "write a whole number");
    }
    if (n < min || n > max) {
      throw invalid(key, v, "allowed is " + min + " to " + max);
    }
    return (int) n;
  }

  private AllowedOrigins origins(ConfigKey key, AllowedOrigins unset) {
    Optional<String> v = source.value(key.key());
    if (v.isEmpty()) {
      return unset;
    }
    try {
      return AllowedOrigins.parse(v.get());
    } catch (IllegalArgumentException e) {
      throw invalid(key, v.get(), e.getMessage());
    }
  }

  private @Nullable Path path(ConfigKey key) {
    Optional<String> v = source.value(key.key());
    if (v.isEmpty()) {
      return null;
    }
    try {
      return Path.of(v.get().trim());
    } catch (InvalidPathException e) {
      throw invalid(key, v.get(), "not a file system path: " + e.getReason());
    }
  }

  private PresenceLimits readLimits() {
    int max = Integer.MAX_VALUE;
    try {
      return new PresenceLimits(
          integer(ConfigKey.LIMITS_CHANNEL_LENGTH, 1, 1024),
          integer(ConfigKey.LIMITS_USER_ID_LENGTH, 1, 1024),
          integer(ConfigKey.LIMITS_ATTRIBUTE_KEYS, 1, max),
          integer(ConfigKey.LIMITS_ATTRIBUTE_KEY_LENGTH, 1, max),
          integer(ConfigKey.LIMITS_ATTRIBUTE_VALUE_LENGTH, 1, max),
          integer(ConfigKey.LIMITS_ATTRIBUTES_BYTES, 1, max),
          integer(ConfigKey.LIMITS_CHANNELS_PER_SESSION, 1, max),
          integer(ConfigKey.LIMITS_SESSIONS_PER_USER, 1, max),
          integer(ConfigKey.LIMITS_USERS_PER_CHANNEL, 1, max),
          integer(ConfigKey.LIMITS_ATTRIBUTE_RATE, 1, max),
          integer(ConfigKey.LIMITS_ATTRIBUTE_BURST, 1, max));
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("presence.limits: " + e.getMessage(), e);
    }
  }

  private static AuthMode parseAuthMode(String v) {
    return switch (v.toLowerCase(Locale.ROOT)) {
      case "jwt" -> AuthMode.JWT;
      case "dev" -> AuthMode.DEV;
      default -> throw invalid(ConfigKey.AUTH_MODE, v, "write jwt or dev");
    };
  }

  private static IllegalStateException invalid(ConfigKey key, String value, String hint) {
    String shown = key.secret() ? "(secret)" : "'" + value + "'";
    return new IllegalStateException(
        "invalid configuration " + key.key() + "=" + shown + ": " + hint);
  }
}
