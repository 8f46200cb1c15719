package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.Registration;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * One simulated node over a shared in-memory backend: its own node id, the shared store and bus,
 * and switches a test can flip: a broken store (throws a non-Presence exception), a bus that drops
 * or holds published events, a hook-ownership rule. The cluster listeners the engine registers are
 * kept, so a test can report a lost node or a merge through the real path.
 */
final class TestBackend implements PresenceBackend {

  final InMemoryPresenceBackend shared;
  private volatile String nodeId;
  private final PresenceStore store;
  private volatile PresenceStore real;
  private final Bus bus = new Bus();
  final List<ClusterListener> clusterListeners = new CopyOnWriteArrayList<>();
  volatile RuntimeException storeFailure;

  /** Whether it reports {@link Capability#ADMINISTRATION}. */
  volatile boolean administration = true;

  TestBackend(InMemoryPresenceBackend shared, String nodeId) {
    this.shared = shared;
    this.nodeId = nodeId;
    this.real = shared.store();
    this.store =
        (PresenceStore)
            Proxy.newProxyInstance(
                PresenceStore.class.getClassLoader(),
                new Class<?>[] {PresenceStore.class},
                (proxy, method, args) -> {
                  PresenceStore target = real;
                  if (method.getDeclaringClass() == Object.class) {
                    return method.invoke(target, args);
                  }
                  RuntimeException failure = storeFailure;
                  if (failure != null) {
                    throw failure;
                  }
                  try {
                    return method.invoke(target, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
  }

  Bus bus() {
    return bus;
  }

  /**
   * From now on this node's store is {@code kept}: a merge that kept the other side's copy of the
   * data (its memberships, and its seqs, which may be lower than this side's).
   */
  void keepOtherCopy(PresenceStore kept) {
    this.real = kept;
  }

  /** Changes the node id, as a Hazelcast member's UUID changes when it merges after a split. */
  void changeNodeId(String newId) {
    this.nodeId = newId;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  @Override
  public PresenceStore store() {
    return store;
  }

  @Override
  public PresenceEventBus eventBus() {
    return bus;
  }

  @Override
  public Set<Capability> capabilities() {
    return administration
        ? Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION, Capability.ADMINISTRATION)
        : Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION);
  }

  /** Whether it reports itself failed for good ({@link PresenceBackend#isFailed()}). */
  volatile boolean failed;

  @Override
  public boolean isAvailable() {
    return shared.isAvailable() && storeFailure == null && !failed;
  }

  @Override
  public boolean isFailed() {
    return failed;
  }

  @Override
  public Registration addClusterListener(ClusterListener listener) {
    clusterListeners.add(listener);
    return () -> clusterListeners.remove(listener);
  }

  @Override
  public <T> T unwrap(Class<T> type) {
    throw new IllegalArgumentException("no " + type);
  }

  @Override
  public void close() {}

  /** The shared bus, with switches. */
  final class Bus implements PresenceEventBus {
    volatile boolean dropping;
    volatile boolean holding;
    volatile Predicate<ChannelId> hookOwner = c -> true;
    private final List<List<PresenceEvent>> held = new ArrayList<>();

    @Override
    public void publish(List<PresenceEvent> events) {
      if (dropping) {
        return;
      }
      synchronized (held) {
        if (holding) {
          held.add(List.copyOf(events));
          return;
        }
      }
      shared.eventBus().publish(events);
    }

    /** Publishes the held batches in the order given by their indexes, and stops holding. */
    void release(int... order) {
      synchronized (held) {
        holding = false;
        for (int i : order) {
          shared.eventBus().publish(held.get(i));
        }
        held.clear();
      }
    }

    int heldCount() {
      synchronized (held) {
        return held.size();
      }
    }

    @Override
    public void closeConnections(UserId user) {
      shared.eventBus().closeConnections(user);
    }

    @Override
    public Registration subscribe(Listener listener) {
      return shared.eventBus().subscribe(listener);
    }

    @Override
    public boolean isHookOwner(ChannelId channel) {
      return hookOwner.test(channel);
    }
  }
}
