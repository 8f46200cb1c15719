package dev.presence.hazelcast;

import dev.presence.hazelcast.internal.HazelcastPresenceBackend;
import dev.presence.spi.BackendContext;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceBackendProvider;

/**
 * The Hazelcast backend: presence state in Hazelcast maps and events on a Hazelcast topic, shared
 * by every node of the cluster. Selected by {@code presence.store=hazelcast}, or by its priority
 * (100) when the Hazelcast classes are on the class path.
 *
 * <p>Where the instance comes from is set by {@link HazelcastConfigKeys#MODE}: inside Payara Micro
 * the container's own member is used; elsewhere the backend starts an embedded member or a client.
 * It shuts down only an instance it started.
 *
 * @since 0.1
 */
public final class HazelcastPresenceBackendProvider implements PresenceBackendProvider {

  /** The name that selects this backend in {@code presence.store}. */
  public static final String NAME = "hazelcast";

  /** The priority when {@code presence.store} is unset. */
  public static final int PRIORITY = 100;

  /** Creates the provider; cheap, as {@link java.util.ServiceLoader} requires. */
  public HazelcastPresenceBackendProvider() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public int priority() {
    return PRIORITY;
  }

  /**
   * Starts the backend.
   *
   * @param context configuration ({@link HazelcastConfigKeys}) and container resources (a managed
   *     {@code HazelcastInstance})
   * @return the backend; its {@code unwrap(HazelcastInstance.class)} gives the instance
   * @throws IllegalStateException if the configuration is wrong or no instance can be started or
   *     reached; the message names the keys to check
   */
  @Override
  public PresenceBackend create(BackendContext context) {
    return HazelcastPresenceBackend.create(context);
  }
}
