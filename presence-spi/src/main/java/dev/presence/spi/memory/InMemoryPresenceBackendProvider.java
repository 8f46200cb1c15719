package dev.presence.spi.memory;

import dev.presence.spi.BackendContext;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;

/**
 * The provider of the in-memory backend: name {@value #NAME}, priority {@value #PRIORITY}.
 *
 * <p>It reads no configuration; every backend it creates has its own empty state and a random node
 * id.
 *
 * @since 0.1
 */
public final class InMemoryPresenceBackendProvider implements PresenceBackendProvider {

  /** The name that selects this backend in {@code presence.store}. */
  public static final String NAME = "memory";

  /** The priority: the lowest of the bundled backends, so any other backend wins by default. */
  public static final int PRIORITY = 0;

  /** Creates the provider; used by {@link java.util.ServiceLoader}. */
  public InMemoryPresenceBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return PRIORITY;
  }

  /**
   * Creates an empty in-memory backend.
   *
   * @param context ignored: the backend has no configuration
   * @return a new backend with its own state
   */
  @Override
  public PresenceBackend create(BackendContext context) {
    return new InMemoryPresenceBackend();
  }
}
