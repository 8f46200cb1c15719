package dev.presence.hazelcast.internal;

import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.ClusterState;
import com.hazelcast.cluster.Member;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.TopicConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.map.IMap;
import com.hazelcast.topic.ITopic;
import dev.presence.hazelcast.HazelcastConfigKeys;
import dev.presence.spi.BackendContext;
import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.Registration;
import dev.presence.spi.support.MembershipCommand;
import dev.presence.spi.support.MembershipEvent;
import dev.presence.spi.support.MembershipMachine;
import dev.presence.spi.support.MembershipPage;
import dev.presence.spi.support.MembershipValues;
import dev.presence.spi.support.PageCursors;
import dev.presence.spi.support.Transition;
import java.lang.reflect.Method;
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
 * <p>The capabilities are {@link Capability#CLUSTERED}, {@link Capability#NODE_LOSS_DETECTION} and
 * {@link Capability#ADMINISTRATION}. On a member the node id is the member's current UUID (it
 * changes when the member merges into another cluster after a split) and lost nodes are the members
 * Hazelcast removes. On a client the node id is the client's UUID, and client nodes watch each
 * other through a registry map ({@link ClientNodes}), since no member event describes them.
 * Split-brain merges are reported to every node of the merged cluster (see {@link ClusterEvents}).
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
  private final boolean manageRole;
  private final AtomicBoolean promotionDone = new AtomicBoolean();
  private volatile long promotionSince;

  private HazelcastPresenceBackend(HazelcastInstance hz, boolean owned, Settings settings) {
    this.hz = hz;
    this.owned = owned;
    this.member = hz.getLocalEndpoint() instanceof Member;
    this.manageRole = member && !owned && settings.promoteLiteMember();
    this.nodeId = hz.getLocalEndpoint().getUuid().toString();
    configure(hz, settings);
    IMap<String, Object> channels = hz.getMap(settings.channelsMap());
    IMap<String, Object> userChannels = hz.getMap(settings.userChannelsMap());
    ITopic<byte[]> topic = hz.getTopic(settings.eventsTopic());
    // A lite member, like a client, owns no partition: it sweeps and runs hooks as a client does.
    // Asked each time, since a lite member may be promoted.
    this.store =
        new HazelcastPresenceStore(
            channels, userChannels, settings.retention(), this::dataMember, this::promoteIfReady);
    this.clusterEvents =
        new ClusterEvents(hz, member, hz.getTopic(settings.prefix() + ".cluster"), store);
    if (member) {
      this.clientNodes = null;
      this.bus = new HazelcastEventBus(hz, topic, null);
    } else {
      IMap<String, Long> nodes = hz.getMap(settings.nodesMap());
      ClientNodes registry =
          new ClientNodes(nodes, nodeId, clusterEvents, settings.nodeTtl().toMillis());
      registry.start();
      this.clientNodes = registry;
      this.bus = new HazelcastEventBus(hz, topic, registry::owns);
    }
    this.capabilities =
        Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION, Capability.ADMINISTRATION);
    // Loaded now: at shutdown (sessions released, the member leaving) the container may already
    // refuse to load the application's classes.
    for (Class<?> outer :
        new Class<?>[] {
          ChannelProcessors.class, UserIndex.class, MembershipCommand.class, MembershipMachine.class
        }) {
      for (Class<?> nested : outer.getDeclaredClasses()) {
        preload(nested);
      }
    }
    for (Class<?> used :
        new Class<?>[] {
          MembershipMachine.class,
          Transition.class,
          MembershipEvent.class,
          MembershipPage.class,
          MembershipValues.class,
          PageCursors.class
        }) {
      preload(used);
    }
    preload(PromotionProbe.class);
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

  /** Whether this instance is a data member now (a member that is not lite). */
  private boolean dataMember() {
    if (!member) {
      return false;
    }
    try {
      return !hz.getCluster().getLocalMember().isLiteMember();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * Promotes the container's lite member to a data member (see {@link
   * HazelcastConfigKeys#PROMOTE_LITE_MEMBER}) once the application is deployed here: partitions
   * then move to this member only when the processors they run can be read on it.
   *
   * <p>Called before every sweep, on the engine's ticker (which carries the application's context),
   * until done. The application is still being deployed when the backend is created, and Payara's
   * serializer can read the application's classes only once the deployment has completed: so each
   * attempt first serializes a processor here and reads it back on a thread without the
   * application's context, as a partition thread would; it promotes only when that works.
   */
  private void promoteIfReady() {
    if (promotionDone.get()) {
      return;
    }
    if (!manageRole || closed.get() || dataMember()) {
      promotionDone.set(true);
      return;
    }
    if (promotionSince == 0) {
      promotionSince = System.nanoTime();
    }
    try {
      if (!PromotionProbe.applicationReadable(hz)) {
        return;
      }
      long t0 = System.nanoTime();
      hz.getCluster().promoteLocalLiteMember();
      promotionDone.set(true);
      LOG.info(
          () ->
              "promoted this lite Hazelcast member to a data member ("
                  + HazelcastConfigKeys.PROMOTE_LITE_MEMBER
                  + "=true): waited "
                  + (t0 - promotionSince) / 1_000_000
                  + " ms for the deployment, promotion took "
                  + (System.nanoTime() - t0) / 1_000_000
                  + " ms");
    } catch (RuntimeException e) {
      // Still correct as a lite member (it sweeps cluster-wide), only without a share of the data.
      promotionDone.set(true);
      LOG.log(Level.WARNING, "could not promote this lite Hazelcast member to a data member", e);
    }
  }

  /**
   * At the application's end, makes sure this member holds none of the backend's data once the
   * application's classes are gone: other members' processors reaching it would fail. If the JVM is
   * stopping (the container undeploys, then shuts its member down), the member leaves the cluster
   * now, gracefully (its partitions move to the others first); on an undeploy from a running server
   * it is demoted to a lite member where Hazelcast can (5.4 and later).
   */
  private void giveUpData() {
    if (!manageRole || !dataMember()) {
      return;
    }
    try {
      if (jvmStopping()) {
        long t0 = System.nanoTime();
        LOG.info("the JVM is stopping: this Hazelcast member leaves the cluster now");
        hz.shutdown();
        LOG.info(
            () ->
                "this Hazelcast member left the cluster in "
                    + (System.nanoTime() - t0) / 1_000_000
                    + " ms");
        return;
      }
      Method demote = Cluster.class.getMethod("demoteLocalDataMember");
      demote.invoke(hz.getCluster());
      LOG.info("demoted this Hazelcast member to a lite member: the presence WAR is undeployed");
    } catch (NoSuchMethodException e) {
      LOG.warning(
          "the presence WAR is undeployed while this Hazelcast member still holds presence data;"
              + " this Hazelcast version cannot demote it: restart the server rather than"
              + " undeploying the WAR alone");
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.log(Level.WARNING, "could not hand this member's presence data to the others", e);
    }
  }

  private static void preload(Class<?> type) {
    try {
      Class.forName(type.getName(), true, type.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the JVM is running its shutdown hooks: registering one is refused then. */
  static boolean jvmStopping() {
    Thread probe = new Thread(() -> {}, "presence-shutdown-probe");
    try {
      Runtime.getRuntime().addShutdownHook(probe);
      Runtime.getRuntime().removeShutdownHook(probe);
      return false;
    } catch (IllegalStateException e) {
      return true;
    }
  }

  @Override
  public String nodeId() {
    if (member) {
      // A member that merges into another cluster after a split gets a new UUID (Hazelcast treats
      // it as a new member): follow it, so that the others release this node's sessions under the
      // id they know it by (see ClusterEvents).
      try {
        return hz.getLocalEndpoint().getUuid().toString();
      } catch (RuntimeException e) {
        return nodeId; // the instance is down
      }
    }
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

  /**
   * Failed for good when the Hazelcast instance is no longer running and this backend did not stop
   * it: Hazelcast's out-of-memory handler terminated the member, or something else shut it down.
   * Such an instance does not run again. (A client of this backend never gives up reconnecting by
   * itself: see {@link InstanceLocator}.)
   */
  @Override
  public boolean isFailed() {
    if (closed.get()) {
      return false;
    }
    try {
      return !hz.getLifecycleService().isRunning();
    } catch (RuntimeException e) {
      return true;
    }
  }

  @Override
  public Registration addClusterListener(ClusterListener listener) {
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
    } else {
      giveUpData();
    }
  }
}
