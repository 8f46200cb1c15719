package dev.presence.web.config;

import dev.presence.PresenceLimits;
import org.jspecify.annotations.Nullable;

/**
 * Every configuration key of the server, with its default and a description: the one list that the
 * README's table is written from ({@link #markdownTable()}).
 *
 * <p>Keys under {@code presence.hazelcast.*} and {@code presence.redis.*} are not listed here: they
 * are passed through to the storage backend unchanged (see {@link PresenceConfig#get(String)}) and
 * documented by presence-hazelcast and presence-redis.
 */
public enum ConfigKey {
  /** The presence timeout T. */
  TIMEOUT(
      "presence.timeout",
      "60s",
      "Presence timeout T: a session that sends nothing for T is dead; clients heartbeat every T/2"
          + " at most. 10s to 600s. Also the lifetime of an implicit REST session."),
  /** The grace period G. */
  GRACE(
      "presence.grace",
      "5s",
      "Grace period G: memberships of a session that ended without a leave are held this long"
          + " before leave/timeout is emitted. 0 to 120s."),
  /** Allows short timeouts; for tests only. */
  TESTING_SHORT_TIMEOUTS(
      "presence.testing.short-timeouts",
      "false",
      "For tests only: when true, presence.timeout may be as short as 1s."),
  /** The channel-users response cache. */
  QUERY_CACHE_TTL(
      "presence.query.cache-ttl",
      "3s",
      "How long GET /api/v1/channels/{channel}/users responses may be served from a cache"
          + " (Cache-Control: max-age). 0 disables the cache. At most 60s."),
  /** The storage backend. */
  STORE(
      "presence.store",
      null,
      "The storage backend by name: hazelcast, redis (presence.redis.uri) or memory (one node"
          + " only). Unset: the backend with the highest priority on the class path (hazelcast in"
          + " the WAR)."),
  /** jwt or dev. */
  AUTH_MODE(
      "presence.auth.mode",
      "jwt",
      "jwt: verify tokens with presence.auth.hmac-secret or presence.auth.public-key (one is"
          + " required). dev: development mode, accepts any well-formed JWT without checking its"
          + " signature (alg none included); never use it in production."),
  /** HS256 secret. */
  AUTH_HMAC_SECRET(
      "presence.auth.hmac-secret",
      null,
      "HS256 secret (its UTF-8 bytes, at least 32). Exclusive with presence.auth.public-key."),
  /** RS256/ES256 key. */
  AUTH_PUBLIC_KEY(
      "presence.auth.public-key",
      null,
      "RS256/ES256 verification key: PEM text (BEGIN PUBLIC KEY or BEGIN CERTIFICATE) or the path"
          + " of a PEM file. Exclusive with presence.auth.hmac-secret."),
  /** Required issuer. */
  AUTH_ISSUER("presence.auth.issuer", null, "If set, tokens must carry this iss."),
  /** Required audience. */
  AUTH_AUDIENCE("presence.auth.audience", null, "If set, tokens must carry this aud."),
  /** See {@link PresenceLimits#channelLength()}. */
  LIMITS_CHANNEL_LENGTH(
      "presence.limits.channel-length",
      PresenceLimits.DEFAULTS.channelLength(),
      "Longest channel name (at most 1024)."),
  /** See {@link PresenceLimits#userIdLength()}. */
  LIMITS_USER_ID_LENGTH(
      "presence.limits.user-id-length",
      PresenceLimits.DEFAULTS.userIdLength(),
      "Longest user id (at most 1024)."),
  /** See {@link PresenceLimits#attributeKeys()}. */
  LIMITS_ATTRIBUTE_KEYS(
      "presence.limits.attribute-keys",
      PresenceLimits.DEFAULTS.attributeKeys(),
      "Most attributes per user and channel."),
  /** See {@link PresenceLimits#attributeKeyLength()}. */
  LIMITS_ATTRIBUTE_KEY_LENGTH(
      "presence.limits.attribute-key-length",
      PresenceLimits.DEFAULTS.attributeKeyLength(),
      "Longest attribute name."),
  /** See {@link PresenceLimits#attributeValueLength()}. */
  LIMITS_ATTRIBUTE_VALUE_LENGTH(
      "presence.limits.attribute-value-length",
      PresenceLimits.DEFAULTS.attributeValueLength(),
      "Longest attribute value."),
  /** See {@link PresenceLimits#attributesBytes()}. */
  LIMITS_ATTRIBUTES_BYTES(
      "presence.limits.attributes-bytes",
      PresenceLimits.DEFAULTS.attributesBytes(),
      "Largest attributes map, in UTF-8 bytes of keys and values."),
  /** See {@link PresenceLimits#channelsPerSession()}. */
  LIMITS_CHANNELS_PER_SESSION(
      "presence.limits.channels-per-session",
      PresenceLimits.DEFAULTS.channelsPerSession(),
      "Most channels one session may join."),
  /** See {@link PresenceLimits#sessionsPerUser()}. */
  LIMITS_SESSIONS_PER_USER(
      "presence.limits.sessions-per-user",
      PresenceLimits.DEFAULTS.sessionsPerUser(),
      "Most concurrent sessions of one user."),
  /** Channels one user may be in through REST sessions. */
  LIMITS_CHANNELS_PER_USER(
      "presence.limits.channels-per-user",
      200,
      "Most channels one user may be in through REST sessions joined through one node; one more"
          + " is refused with 413 TOO_LARGE (a repeated join of a channel is not). Counted per"
          + " node."),
  /** See {@link PresenceLimits#usersPerChannel()}. */
  LIMITS_USERS_PER_CHANNEL(
      "presence.limits.users-per-channel",
      PresenceLimits.DEFAULTS.usersPerChannel(),
      "Most users present in one channel."),
  /** See {@link PresenceLimits#attributeSetsPerSecond()}. */
  LIMITS_ATTRIBUTE_RATE(
      "presence.limits.attribute-rate",
      PresenceLimits.DEFAULTS.attributeSetsPerSecond(),
      "Attribute sets per user and second, sustained."),
  /** See {@link PresenceLimits#attributeSetsBurst()}. */
  LIMITS_ATTRIBUTE_BURST(
      "presence.limits.attribute-burst",
      PresenceLimits.DEFAULTS.attributeSetsBurst(),
      "Attribute sets a user may make at once (burst)."),
  /** The interval-mode threshold (SPEC 13.3). */
  CHANNELS_ANNOUNCE_MAX(
      "presence.channels.announce-max",
      100,
      "While a channel has more users than this, its observers get one interval message per"
          + " presence.channels.interval instead of one message per event (see Large channels)."
          + " 0 to 2147483647."),
  /** The interval (SPEC 13.3). */
  CHANNELS_INTERVAL(
      "presence.channels.interval",
      "5s",
      "Length of an interval of interval mode, and the period of occupancy subscriptions. 1s to"
          + " 60s."),
  /** Users per snapshot message. */
  WS_SNAPSHOT_PAGE(
      "presence.ws.snapshot-page",
      1000,
      "Most users in one snapshot message (WebSocket and SSE); a bigger snapshot is sent as"
          + " several pages, \"more\":true on all but the last. 1 to 1000000."),
  /** Outgoing queue per WebSocket session. */
  WS_QUEUE_CAPACITY(
      "presence.ws.queue-capacity",
      1024,
      "Outgoing messages queued per WebSocket session before the client is sent resync (or"
          + " closed). 16 to 1000000."),
  /** Largest WebSocket frame. */
  WS_MAX_FRAME_BYTES(
      "presence.ws.max-frame-bytes",
      65536,
      "Largest incoming WebSocket frame; a larger one closes the connection with 1009."
          + " 1024 to 16777216."),
  /** Open WebSocket and SSE connections per node. */
  WS_MAX_CONNECTIONS(
      "presence.ws.max-connections",
      15000,
      "Open WebSocket and Server-Sent Events connections per node; one more is refused (WebSocket"
          + " close 1013, SSE 503 UNAVAILABLE). 1 to 1000000."),
  /** Open WebSocket and SSE connections per user and node. */
  WS_MAX_CONNECTIONS_PER_USER(
      "presence.ws.max-connections-per-user",
      64,
      "Open WebSocket and Server-Sent Events connections of one user id on one node; one more is"
          + " refused like one over presence.ws.max-connections. 1 to 1000000."),
  /** WebSocket handshake origins. */
  WS_ALLOWED_ORIGINS(
      "presence.ws.allowed-origins",
      null,
      "Comma-separated origins (scheme://host[:port]) or *: a WebSocket handshake whose Origin"
          + " header is not listed is refused with 403. Unset: any origin. A handshake without an"
          + " Origin header (not a browser) is always accepted."),
  /** Origins allowed to call REST and SSE from a browser. */
  HTTP_CORS_ALLOWED_ORIGINS(
      "presence.http.cors.allowed-origins",
      null,
      "Comma-separated origins (scheme://host[:port]) or * allowed to call the REST API and"
          + " Server-Sent Events (/api/*) from a browser (CORS); a preflight from another origin is"
          + " answered 403 FORBIDDEN. Unset: none. /presence.js and /presence.d.ts are always"
          + " served with Access-Control-Allow-Origin: *."),
  /** Largest REST request body. */
  HTTP_MAX_BODY_BYTES(
      "presence.http.max-body-bytes",
      65536,
      "Largest REST request body; a larger one is refused with 413 TOO_LARGE. 1024 to"
          + " 16777216."),
  /** Time allowed to receive a REST request body. */
  HTTP_BODY_TIMEOUT(
      "presence.http.body-timeout",
      "10s",
      "Time allowed to receive a whole REST request body; a slower one is answered 408"
          + " INVALID_ARGUMENT and nothing is stored. 100ms to 600s."),
  /** Outgoing queue per SSE stream. */
  SSE_QUEUE_CAPACITY(
      "presence.sse.queue-capacity",
      1024,
      "Events queued per Server-Sent Events stream; a stream that falls further behind is sent"
          + " resync and a new snapshot. 16 to 1000000."),
  /** Queue per event hook. */
  HOOKS_QUEUE_CAPACITY(
      "presence.hooks.queue-capacity",
      10000,
      "Events queued per event hook; when a slow hook falls further behind, the oldest are"
          + " dropped and counted. 1 to 10000000."),
  /** Webhook receivers. */
  WEBHOOKS_URL(
      "presence.webhooks.url",
      null,
      "Comma-separated http:// or https:// URLs that get every presence event as signed, batched"
          + " POSTs (see Webhooks). Unset: no webhooks. Any other scheme fails the deployment."),
  /** Webhook signing secret. */
  WEBHOOKS_SECRET(
      "presence.webhooks.secret",
      null,
      "HMAC-SHA256 key of the X-Presence-Signature header (its UTF-8 bytes, at least 16)."
          + " Required when presence.webhooks.url is set: the deployment fails without it."),
  /** Webhook queue per URL. */
  WEBHOOKS_QUEUE_CAPACITY(
      "presence.webhooks.queue-capacity",
      10000,
      "Webhook events queued per URL (this node's share of the cluster's events) while the"
          + " receiver is slow or down; beyond it the oldest are dropped and counted. 100 to"
          + " 10000000."),
  /** How long a webhook batch is retried. */
  WEBHOOKS_MAX_RETRY(
      "presence.webhooks.max-retry",
      "10m",
      "How long a webhook batch is retried (exponential backoff with jitter) before it is dropped"
          + " and counted. 0 (one attempt) to 7d."),
  /** Longest wait between two attempts. */
  WEBHOOKS_MAX_BACKOFF(
      "presence.webhooks.max-backoff",
      "30s",
      "Longest wait between two attempts of a webhook batch; the first retry waits about 500ms"
          + " and each next one twice as long, up to this. 100ms to 10m."),
  /** Connect and response timeout. */
  WEBHOOKS_TIMEOUT(
      "presence.webhooks.timeout",
      "10s",
      "Time allowed to connect to a webhook receiver, and again to receive its answer; a slower"
          + " one counts as no answer and the batch is retried. 100ms to 60s."),
  /** The PubNub protocol front end. */
  PUBNUB_ENABLED(
      "presence.pubnub.enabled",
      "true",
      "Whether the server also speaks PubNub's presence protocol at /v2/... and /time/0 (README"
          + " \"Using the PubNub or LiveLike SDK\"); false: those paths answer 404."),
  /** How long a PubNub subscribe long-poll is held. */
  PUBNUB_LONG_POLL(
      "presence.pubnub.long-poll",
      "280s",
      "How long a PubNub subscribe long-poll is held before it is answered with no messages. 1s"
          + " to 300s (the SDKs give up after 310s)."),
  /** The PubNub event buffer. */
  PUBNUB_BUFFER(
      "presence.pubnub.buffer",
      "1000",
      "Presence events kept per -pnpres channel on each node for PubNub clients that come back"
          + " with an older timetoken. 16 to 100000."),
  /** The plugins folder. */
  PLUGINS_DIR(
      "presence.plugins.dir",
      null,
      "A folder of plugin jars loaded at deployment: their ServiceLoader entries for"
          + " PresenceEventHook, PresenceAuthorizer and PresenceBackendProvider take part as if"
          + " bundled (README \"Writing a plugin\"). Files not ending in .jar are ignored; a"
          + " missing folder or a jar that cannot be loaded fails the deployment. Unset: none.");

  private final String key;
  private final @Nullable String defaultValue;
  private final String description;

  ConfigKey(String key, @Nullable Object defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue == null ? null : String.valueOf(defaultValue);
    this.description = description;
  }

  /**
   * The key, such as {@code presence.timeout}.
   *
   * @return the key
   */
  public String key() {
    return key;
  }

  /**
   * The default as written in configuration, or null if the key has none (unset).
   *
   * @return the default
   */
  public @Nullable String defaultValue() {
    return defaultValue;
  }

  /**
   * What the key does, its unit and range.
   *
   * @return the description
   */
  public String description() {
    return description;
  }

  /**
   * The environment variable read for the key: dots and dashes become underscores, upper case
   * ({@code presence.timeout} becomes {@code PRESENCE_TIMEOUT}).
   *
   * @return the variable name
   */
  public String environmentVariable() {
    return ConfigLookup.environmentName(key);
  }

  /**
   * Whether the value is a secret that must not be logged.
   *
   * @return true for the HMAC secret and the webhook secret
   */
  public boolean secret() {
    return this == AUTH_HMAC_SECRET || this == WEBHOOKS_SECRET;
  }

  /**
   * The README table of every key: key, environment variable, default, description.
   *
   * @return Markdown text, one row per key, ending with rows for {@code presence.hazelcast.*} and
   *     {@code presence.redis.*}
   */
  public static String markdownTable() {
    StringBuilder sb = new StringBuilder();
    sb.append("| key | environment variable | default | description |\n");
    sb.append("|---|---|---|---|\n");
    for (ConfigKey k : values()) {
      sb.append("| `")
          .append(k.key)
          .append("` | `")
          .append(k.environmentVariable())
          .append("` | ")
          .append(k.defaultValue == null ? "(unset)" : "`" + k.defaultValue + "`")
          .append(" | ")
          .append(k.description.replace("|", "\\|"))
          .append(" |\n");
    }
    sb.append(
        "| `presence.hazelcast.*` | `PRESENCE_HAZELCAST_*` | | Passed to the storage backend"
            + " unchanged; see presence-hazelcast/README.md. |\n");
    sb.append(
        "| `presence.redis.*` | `PRESENCE_REDIS_*` | | Passed to the storage backend unchanged"
            + " (presence.store=redis); see presence-redis/README.md. |\n");
    return sb.toString();
  }
}
