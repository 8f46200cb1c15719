package dev.presence.web.rest;

import dev.presence.web.config.PresenceConfig;
import dev.presence.web.ops.OperationMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Produces the REST layer's shared objects. */
@ApplicationScoped
public class RestBeans {

  /** The most pages the channel-users cache holds for one channel. */
  static final int CACHE_MAX_PER_CHANNEL = 100;

  /** The most pages the channel-users cache holds on this node. */
  static final int CACHE_MAX_ENTRIES = 10_000;

  /** The most characters of response bodies the channel-users cache holds on this node. */
  static final long CACHE_MAX_CHARS = 32L * 1024 * 1024;

  /** The most REST request bodies received at once on this node. */
  static final int MAX_BODY_READS = 512;

  /** The most REST request bodies of one user received at once on this node. */
  static final int MAX_BODY_READS_PER_USER = 8;

  /**
   * The bound on REST request bodies being received ({@link RequestBodyFilter}); the count is the
   * gauge {@code presence_http_body_reads}.
   *
   * @param config the configuration
   * @param metrics where the gauge is registered
   * @return the limiter
   */
  @Produces
  @Singleton
  public BodyReadLimiter bodyReadLimiter(PresenceConfig config, OperationMetrics metrics) {
    BodyReadLimiter limiter =
        new BodyReadLimiter(MAX_BODY_READS, MAX_BODY_READS_PER_USER, config.bodyTimeout());
    metrics.registerGauge(
        "presence_http_body_reads",
        "REST request bodies being received on this node (no thread waits for them).",
        limiter::inFlight);
    return limiter;
  }

  /**
   * The channel-users response cache, with the TTL of {@code presence.query.cache-ttl} and the
   * bounds above; its size is the gauge {@code presence_query_cache_entries}.
   *
   * @param config the configuration
   * @param metrics where the gauge is registered
   * @return the cache
   */
  @Produces
  @Singleton
  public ChannelUsersCache channelUsersCache(PresenceConfig config, OperationMetrics metrics) {
    ChannelUsersCache cache =
        new ChannelUsersCache(
            config.cacheTtl(),
            System::nanoTime,
            CACHE_MAX_PER_CHANNEL,
            CACHE_MAX_ENTRIES,
            CACHE_MAX_CHARS);
    metrics.registerGauge(
        "presence_query_cache_entries",
        "Channel-users responses held by this node's response cache (expired ones dropped).",
        cache::entries);
    return cache;
  }
}
