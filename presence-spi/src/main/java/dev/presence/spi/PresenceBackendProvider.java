package dev.presence.spi;

/**
 * The entry point of a storage backend, registered for {@link java.util.ServiceLoader} in {@code
 * META-INF/services/dev.presence.spi.PresenceBackendProvider}, in the application or in a plugin
 * jar of the server's plugins folder ({@code presence.plugins.dir}).
 *
 * <p>Implementations have a public no-argument constructor and are cheap to create: work happens in
 * {@link #create}.
 *
 * @since 0.1
 */
public interface PresenceBackendProvider {

  /**
   * The name that selects this backend in {@code presence.store}, such as {@code hazelcast}. Lower
   * case letters, digits and dashes.
   *
   * @return the name
   */
  String name();

  /**
   * The priority when {@code presence.store} is unset: the highest wins. The in-memory backend has
   * 0 and the Hazelcast backend 100; third-party backends choose above 100 to become the default on
   * their class path.
   *
   * @return the priority
   */
  int priority();

  /**
   * Starts a backend.
   *
   * @param context configuration and container resources
   * @return the backend; the caller closes it
   * @throws IllegalStateException if the backend cannot start, with a message naming the
   *     configuration to fix
   */
  PresenceBackend create(BackendContext context);
}
