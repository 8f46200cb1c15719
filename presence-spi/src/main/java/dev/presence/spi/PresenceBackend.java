package dev.presence.spi;

import java.util.Set;

/**
 * A running storage backend: the state, the event bus, and the cluster view of one node.
 *
 * <p>Created by {@link PresenceBackendProvider#create(BackendContext)}; the creator closes it.
 * Thread-safe.
 *
 * @since 0.1
 */
public interface PresenceBackend extends AutoCloseable {

  /**
   * This node's id, unique among the live nodes of the cluster and stable while the backend runs,
   * except that it may change when this node's part of the cluster merges with another after a
   * partition (a Hazelcast member gets a new UUID then); the change is followed by {@link
   * ClusterListener#merged()}, and the engine re-asserts its sessions under the new id. Stored with
   * node-bound sessions.
   *
   * @return the id
   */
  String nodeId();

  /**
   * The presence state.
   *
   * @return the store
   */
  PresenceStore store();

  /**
   * The event bus.
   *
   * @return the bus
   */
  PresenceEventBus eventBus();

  /**
   * The optional features this backend supports.
   *
   * @return the capabilities; immutable
   */
  Set<Capability> capabilities();

  /**
   * Whether a feature is supported.
   *
   * @param capability the feature
   * @return true if supported
   */
  default boolean isSupported(Capability capability) {
    return capabilities().contains(capability);
  }

  /**
   * Whether the state can be reached now; used by readiness checks. Must answer quickly.
   *
   * @return true if reachable
   */
  boolean isAvailable();

  /**
   * Whether this backend has failed for good: it cannot become available again while the
   * application runs, whatever happens outside (for example, an embedded Hazelcast member that
   * Hazelcast's out-of-memory handler terminated). An outage that can end by itself (a server or
   * the network down, a client still reconnecting) is not a failure: {@link #isAvailable()} is
   * false then, and this is false. While this is true the server's liveness check reports the node
   * as down, so that an orchestrator restarts it. Must answer quickly; false after {@link
   * #close()}. The default is false: a backend that cannot fail for good need not implement it.
   *
   * @return true if failed for good
   * @since 0.2
   */
  default boolean isFailed() {
    return false;
  }

  /**
   * Registers a listener for cluster changes. Backends without {@link
   * Capability#NODE_LOSS_DETECTION} never call it.
   *
   * @param listener the listener
   * @return a handle whose {@code close()} removes it
   */
  Registration addClusterListener(ClusterListener listener);

  /**
   * The vendor object behind this backend, for what the SPI does not offer.
   *
   * @param <T> the type
   * @param type the type wanted, such as the vendor's client class
   * @return the object
   * @throws IllegalArgumentException if this backend has no object of that type
   */
  <T> T unwrap(Class<T> type);

  /** Releases what this backend created; never shuts down what it was given. Idempotent. */
  @Override
  void close();
}
