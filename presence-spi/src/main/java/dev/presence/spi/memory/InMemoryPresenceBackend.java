package dev.presence.spi.memory;

import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.Registration;
import java.util.Set;
import java.util.UUID;

/**
 * A single-node backend whose state lives in this process: an {@link InMemoryPresenceStore} and an
 * {@link InMemoryPresenceEventBus}.
 *
 * <p>Its only {@link Capability} is {@link Capability#ADMINISTRATION}: it is not clustered and
 * never reports lost nodes, so {@link #addClusterListener} registers nothing. It is available until
 * closed; after {@link #close()} the store throws {@link dev.presence.UnavailableException} and the
 * bus refuses to publish. {@link #unwrap} offers only this object itself, since there is no vendor
 * object behind it.
 *
 * @since 0.1
 */
public final class InMemoryPresenceBackend implements PresenceBackend {

  private final String nodeId;
  private final InMemoryPresenceStore store = new InMemoryPresenceStore();
  private final InMemoryPresenceEventBus eventBus = new InMemoryPresenceEventBus();
  private volatile boolean closed;

  /** Creates a backend with a random node id of the form {@code memory-<uuid>}. */
  public InMemoryPresenceBackend() {
    this("memory-" + UUID.randomUUID());
  }

  /**
   * Creates a backend with a given node id.
   *
   * @param nodeId the node id, not blank
   * @throws IllegalArgumentException if the id is blank
   */
  public InMemoryPresenceBackend(String nodeId) {
    if (nodeId.isBlank()) {
      throw new IllegalArgumentException("nodeId must not be blank");
    }
    this.nodeId = nodeId;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public InMemoryPresenceStore store() {
    return store;
  }

  @Override
  public InMemoryPresenceEventBus eventBus() {
    return eventBus;
  }

  /**
   * No capability: the backend serves one node.
   *
   * @return the empty set
   */
  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.ADMINISTRATION);
  }

  /**
   * Whether the backend is open.
   *
   * @return true until {@link #close()}
   */
  @Override
  public boolean isAvailable() {
    return !closed;
  }

  /**
   * Registers nothing: a single node never loses another node.
   *
   * @param listener ignored
   * @return a handle whose {@code close()} does nothing
   */
  @Override
  public Registration addClusterListener(ClusterListener listener) {
    return () -> {};
  }

  /**
   * This backend itself, if it is of the type asked for.
   *
   * @param <T> the type
   * @param type the type
   * @return this backend
   * @throws IllegalArgumentException for any type this backend is not an instance of
   */
  @Override
  public <T> T unwrap(Class<T> type) {
    if (type.isInstance(this)) {
      return type.cast(this);
    }
    throw new IllegalArgumentException(
        "the in-memory presence backend has no object of type " + type.getName());
  }

  /**
   * Drops the state and stops event delivery; events already published are still delivered.
   * Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    store.close();
    eventBus.close();
  }

  @Override
  public String toString() {
    return "InMemoryPresenceBackend[" + nodeId + "]";
  }
}
