package dev.presence.hazelcast.internal;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.TopicConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import dev.presence.spi.BackendContext;
import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The Hazelcast {@link PresenceBackend}: a store and an event bus on one Hazelcast instance (a
 * member or a client), and the member's cluster events.
 *
 * <p>The capabilities are {@link Capability#CLUSTERED} and {@link Capability#NODE_LOSS_DETECTION}.
 * On a member the node id is the member's UUID and lost nodes are the members Hazelcast removes. On
 * a client the node id is the client's UUID, and client nodes watch each other through a registry
 * map ({@link ClientNodes}), since no member event describes them.
 *
 * <p>The structures are configured at start with {@code hz.getConfig().add...Config} (dynamic
 * configuration, which works on a running member such as Payara's): the maps use the OBJECT
 * in-memory format with one synchronous backup and no statistics, the topic keeps per-publisher
 * order. A different configuration already present for the same names is kept (with a warning): the
 * backend stays correct with any in-memory format, only slower.
 */
public final class HazelcastPresenceBackend implements PresenceBackend {

  private static final Logger LOG = Logger.getLogger(HazelcastPresenceBackend.class.getName());

  private final HazelcastInstance hz;
  private final boolean owned;
  private final boolean member;
  private final String nodeId;
  private final HazelcastPresenceStore store;
  private final HazelcastEventBus bus;
  private final ClusterEvents clusterEvents;
  private final @Nullable ClientNodes clientNodes;
  private final Set<Capability> capabilities;
  private final AtomicBoolean connected = new AtomicBoolean(true);
  private final UUID connectionListener;
  private final AtomicBoolean closed = new AtomicBoolean();

  private HazelcastPresenceBackend(HazelcastInstance hz, boolean owned, Settings settings) {
    this.hz = hz;
    this.owned = owned;
    this.member = hz.getLocalEndpoint() instanceof Member;
    // A lite member, like a client, owns no partition: it sweeps and runs hooks as a client does.
    boolean ownsData = hz.getLocalEndpoint() instanceof Member m && !m.isLiteMember();
    this.nodeId = hz.getLocalEndpoint().getUuid().toString();
    configure(hz, settings);
    IMap<String, Object> channels = hz.getMap(settings.channelsMap());
    IMap<String, Object> userChannels = hz.getMap(settings.userChannelsMap());
    ITopic<byte[]> topic = hz.getTopic(settings.eventsTopic());
    this.store = new HazelcastPresenceStore(channels, userChannels, settings.retention(), ownsData);
    this.clusterEvents = new ClusterEvents(hz, member);
    if (member) {
      this.clientNodes = null;
      this.bus = new HazelcastEventBus(hz, topic, ownsData ? null : channel -> true);
    } else {
      IMap<String, Long> nodes = hz.getMap(settings.nodesMap());
      ClientNodes registry =
          new ClientNodes(nodes, nodeId, clusterEvents, settings.nodeTtl().toMillis());
      registry.start();
      this.clientNodes = registry;
      this.bus = new HazelcastEventBus(hz, topic, registry::owns);
    }
    this.capabilities = Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION);
    this.connectionListener =
        hz.getLifecycleService()
            .addLifecycleListener(
                e -> {
                  if (e.getState() == LifecycleState.CLIENT_CONNECTED) {
                    boolean reconnected = !connected.getAndSet(true);
                    ClientNodes registry = clientNodes;
                    if (reconnected && registry != null) {
                      // Back after a disconnection: refresh now, which reports merged() if the
                      // others have presumed this node lost meanwhile.
                      registry.refreshSoon();
                    }
                  } else if (e.getState() == LifecycleState.CLIENT_DISCONNECTED) {
                    connected.set(false);
                  }
                });
  }

  /**
   * Starts a backend: locates or starts the instance as configured, then prepares the structures.
   *
   * @param context the server's context
   * @return the backend
   * @throws IllegalStateException if the configuration is wrong or Hazelcast cannot be reached
   */
  public static HazelcastPresenceBackend create(BackendContext context) {
    Settings settings = Settings.read(context);
    InstanceLocator.Located located = InstanceLocator.locate(settings, context);
    LOG.info(() -> "presence backend uses Hazelcast: " + located.source());
    try {
      return new HazelcastPresenceBackend(located.instance(), located.owned(), settings);
    } catch (RuntimeException e) {
      if (located.owned()) {
        located.instance().shutdown();
      }
      throw new IllegalStateException(
          "could not prepare the presence structures on Hazelcast (" + located.source() + ")", e);
    }
  }

  private static void configure(HazelcastInstance hz, Settings settings) {
    for (String map : new String[] {settings.channelsMap(), settings.userChannelsMap()}) {
      addConfig(
          "map " + map,
          () ->
              hz.getConfig()
                  .addMapConfig(
                      new MapConfig(map)
                          .setInMemoryFormat(InMemoryFormat.OBJECT)
                          .setBackupCount(1)
                          .setAsyncBackupCount(0)
                          .setReadBackupData(false)
                          .setStatisticsEnabled(false)));
    }
    addConfig(
        "topic " + settings.eventsTopic(),
        () ->
            hz.getConfig()
                .addTopicConfig(
                    new TopicConfig(settings.eventsTopic())
                        .setGlobalOrderingEnabled(false)
                        .setMultiThreadingEnabled(false)
                        .setStatisticsEnabled(false)));
  }

  private static void addConfig(String what, Runnable add) {
    try {
      add.run();
    } catch (RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "keeping the existing Hazelcast configuration of " + what + ", which differs from ours",
          e);
    }
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
    return capabilities;
  }

  @Override
  public boolean isAvailable() {
    if (closed.get()) {
      return false;
    }
    try {
      if (!hz.getLifecycleService().isRunning()) {
        return false;
      }
      return member ? hz.getCluster().getClusterState() == ClusterState.ACTIVE : connected.get();
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public PresenceEventBus.Registration addClusterListener(ClusterListener listener) {
    return clusterEvents.add(listener);
  }

  @Override
  public <T> T unwrap(Class<T> type) {
    if (type.isInstance(hz)) {
      return type.cast(hz);
    }
    throw new IllegalArgumentException(
        "the Hazelcast backend has no " + type.getName() + "; it offers HazelcastInstance");
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    bus.close();
    if (clientNodes != null) {
      clientNodes.close();
    }
    clusterEvents.close();
    try {
      hz.getLifecycleService().removeLifecycleListener(connectionListener);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "could not remove a lifecycle listener (instance down?)", e);
    }
    if (owned) {
      hz.shutdown();
    }
  }
}
