package dev.presence.web.webhook;

import dev.presence.web.config.ConfigKey;
import dev.presence.web.config.Durations;
import dev.presence.web.config.PresenceConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The webhook configuration ({@code presence.webhooks.*}), checked.
 *
 * @param urls the receivers, each an absolute http or https URL; empty: webhooks are off
 * @param secret the signing key's UTF-8 bytes (at least {@link #MIN_SECRET_BYTES}); empty when off
 * @param queueCapacity webhook events queued per URL
 * @param maxRetry how long a batch is retried after its first attempt
 * @param minBackoff the wait before the first retry (before jitter)
 * @param maxBackoff the longest wait between two attempts
 * @param timeout connect timeout, and again response timeout
 * @param batchSize the most events in one POST
 * @param batchDelay the longest an event waits for its batch to fill
 */
public record WebhookSettings(
    List<URI> urls,
    byte[] secret,
    int queueCapacity,
    Duration maxRetry,
    Duration minBackoff,
    Duration maxBackoff,
    Duration timeout,
    int batchSize,
    Duration batchDelay) {

  /** The shortest secret, in UTF-8 bytes. */
  public static final int MIN_SECRET_BYTES = 16;

  /** The most events in one POST (SPEC 13.4). */
  public static final int BATCH_SIZE = 100;

  /** The longest an event waits for its batch to fill (SPEC 13.4). */
  public static final Duration BATCH_DELAY = Duration.ofSeconds(1);

  /** The wait before the first retry, before jitter (unless max-backoff is shorter). */
  public static final Duration MIN_BACKOFF = Duration.ofMillis(500);

  /**
   * Copies the list and the secret.
   *
   * @param urls the receivers
   * @param secret the signing key
   * @param queueCapacity webhook events queued per URL
   * @param maxRetry how long a batch is retried
   * @param minBackoff the wait before the first retry
   * @param maxBackoff the longest wait between two attempts
   * @param timeout connect and response timeout
   * @param batchSize the most events in one POST
   * @param batchDelay the longest an event waits for its batch
   */
  public WebhookSettings {
    urls = List.copyOf(urls);
    secret = secret.clone();
  }

  /**
   * Whether any URL is configured.
   *
   * @return true if webhooks are on
   */
  public boolean enabled() {
    return !urls.isEmpty();
  }

  /** A copy of the secret. */
  @Override
  public byte[] secret() {
    return secret.clone();
  }

  @Override
  public String toString() {
    return "WebhookSettings[urls="
        + urls.size()
        + ", queueCapacity="
        + queueCapacity
        + ", maxRetry="
        + Durations.format(maxRetry)
        + ", maxBackoff="
        + Durations.format(maxBackoff)
        + ", timeout="
        + Durations.format(timeout)
        + "]";
  }

  /**
   * Reads and checks the {@code presence.webhooks.*} keys.
   *
   * @param config the configuration
   * @return the settings ({@link #enabled()} false when no URL is set)
   * @throws IllegalStateException if a value is malformed or out of range, a URL is not http(s), or
   *     URLs are set without a secret; the message names the key (never the secret)
   */
  public static WebhookSettings from(PresenceConfig config) {
    List<URI> urls = parseUrls(config.get(ConfigKey.WEBHOOKS_URL.key()));
    byte[] secret = new byte[0];
    Optional<String> rawSecret = config.get(ConfigKey.WEBHOOKS_SECRET.key());
    if (!urls.isEmpty()) {
      if (rawSecret.isEmpty()) {
        throw new IllegalStateException(
            "invalid configuration: "
                + ConfigKey.WEBHOOKS_URL.key()
                + " is set but "
                + ConfigKey.WEBHOOKS_SECRET.key()
                + " is not; every webhook is signed: set a secret of at least "
                + MIN_SECRET_BYTES
                + " bytes");
      }
      secret = rawSecret.get().getBytes(StandardCharsets.UTF_8);
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalStateException(
            "invalid configuration "
                + ConfigKey.WEBHOOKS_SECRET.key()
                + "=(secret): at least "
                + MIN_SECRET_BYTES
                + " bytes (UTF-8) are needed");
      }
    }
    int capacity = config.integer(ConfigKey.WEBHOOKS_QUEUE_CAPACITY, 100, 10_000_000);
    Duration maxRetry =
        config.duration(ConfigKey.WEBHOOKS_MAX_RETRY, Duration.ZERO, Duration.ofDays(7));
    Duration maxBackoff =
        config.duration(
            ConfigKey.WEBHOOKS_MAX_BACKOFF, Duration.ofMillis(100), Duration.ofMinutes(10));
    Duration timeout =
        config.duration(ConfigKey.WEBHOOKS_TIMEOUT, Duration.ofMillis(100), Duration.ofSeconds(60));
    Duration minBackoff = MIN_BACKOFF.compareTo(maxBackoff) < 0 ? MIN_BACKOFF : maxBackoff;
    return new WebhookSettings(
        urls, secret, capacity, maxRetry, minBackoff, maxBackoff, timeout, BATCH_SIZE, BATCH_DELAY);
  }

  /** Comma-separated absolute http(s) URLs, without duplicates, in the order written. */
  static List<URI> parseUrls(Optional<String> value) {
    if (value.isEmpty() || value.get().isBlank()) {
      return List.of();
    }
    LinkedHashSet<URI> urls = new LinkedHashSet<>();
    List<String> parts = new ArrayList<>(List.of(value.get().split(",", -1)));
    for (String part : parts) {
      String text = part.strip();
      if (text.isEmpty()) {
        throw invalidUrl(value.get(), "an empty entry (two commas, or a comma at an end)");
      }
      URI uri;
      try {
        uri = new URI(text);
      } catch (URISyntaxException e) {
        throw invalidUrl(text, "not a URL (" + e.getReason() + ")");
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw invalidUrl(text, "only http:// and https:// URLs can receive webhooks");
      }
      if (uri.getHost() == null || uri.getHost().isEmpty()) {
        throw invalidUrl(text, "the URL has no host");
      }
      if (uri.getRawFragment() != null) {
        throw invalidUrl(text, "a webhook URL has no #fragment");
      }
      if (uri.getRawUserInfo() != null) {
        throw invalidUrl(text, "user:password@ in a webhook URL is not supported");
      }
      urls.add(uri);
    }
    return List.copyOf(urls);
  }

  private static IllegalStateException invalidUrl(String value, String hint) {
    String shown = value.length() > 200 ? value.substring(0, 200) + "..." : value;
    return new IllegalStateException(
        "invalid configuration " + ConfigKey.WEBHOOKS_URL.key() + "='" + shown + "': " + hint);
  }
}
