package dev.presence.web.cdi;

import dev.presence.web.config.ConfigLookup;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.connection.ConnectionLimiter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * Produces the one {@link PresenceConfig} of the application, read from {@link
 * ConfigLookup#standard()} (MicroProfile Config where the server has it, then system properties,
 * then environment variables), and the {@link ConnectionLimiter} built from it.
 *
 * <p>{@code @Singleton} rather than {@code @ApplicationScoped}: the configuration is a final,
 * immutable class, so it needs no client proxy.
 */
@ApplicationScoped
public class ConfigProducer {

  /**
   * The configuration; reading it checks every key.
   *
   * @return the configuration
   * @throws IllegalStateException if a value is malformed or out of range
   */
  @Produces
  @Singleton
  public PresenceConfig config() {
    return new PresenceConfig(ConfigLookup.standard());
  }

  /**
   * The node's connection limits (SPEC 13.2), shared by the WebSocket endpoint and the SSE streams.
   *
   * @param config the configuration
   * @return the limiter
   */
  @Produces
  @Singleton
  public ConnectionLimiter connectionLimiter(PresenceConfig config) {
    return new ConnectionLimiter(config.maxConnections(), config.maxConnectionsPerUser());
  }
}
