package dev.presence.spi;

import java.util.Optional;

/**
 * What the server hands a {@link PresenceBackendProvider}: configuration and container resources.
 *
 * @since 0.1
 */
public interface BackendContext {

  /**
   * A configuration value, such as {@code presence.hazelcast.members}.
   *
   * @param key the full key
   * @return the value, or empty if unset
   */
  Optional<String> config(String key);

  /**
   * An object the container provides, such as a managed bean of a vendor type (the container's own
   * Hazelcast instance on Payara). Containers without such support answer empty.
   *
   * @param <T> the type
   * @param type the type
   * @return the single object of that type, or empty if there is none or more than one
   */
  <T> Optional<T> lookup(Class<T> type);

  /**
   * The class loader of the application, for loading classes the backend stores or sends.
   *
   * @return the class loader
   */
  ClassLoader classLoader();
}
