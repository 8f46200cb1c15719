package dev.presence.web.rest;

import dev.presence.web.config.PresenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Produces the REST layer's shared objects. */
@ApplicationScoped
public class RestBeans {

  /** The most channels the channel-users cache holds. */
  static final int CACHE_MAX_CHANNELS = 10_000;

  /**
   * The channel-users response cache, with the TTL of {@code presence.query.cache-ttl}.
   *
   * @param config the configuration
   * @return the cache
   */
  @Produces
  @Singleton
  public ChannelUsersCache channelUsersCache(PresenceConfig config) {
    return new ChannelUsersCache(config.cacheTtl(), System::nanoTime, CACHE_MAX_CHANNELS);
  }
}
