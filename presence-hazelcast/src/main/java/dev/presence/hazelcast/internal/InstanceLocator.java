package dev.presence.hazelcast.internal;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.ListenerConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.core.LifecycleListener;
import dev.presence.hazelcast.HazelcastConfigKeys;
import dev.presence.spi.BackendContext;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;

/**
 * Finds or starts the Hazelcast instance for {@link Settings#mode()}: the container's (a managed
 * bean, then JNDI {@code payara/Hazelcast}), an embedded member, or a client.
 */
final class InstanceLocator {

  /** Where Payara binds its Hazelcast instance. */
  static final String PAYARA_JNDI_NAME = "payara/Hazelcast";

  private static final Logger LOG = Logger.getLogger(InstanceLocator.class.getName());

  private InstanceLocator() {}

  /**
   * A located instance.
   *
   * @param instance the instance
   * @param owned whether the backend started it (and so shuts it down)
   * @param source where it came from, for logs
   */
  record Located(HazelcastInstance instance, boolean owned, String source) {}

  static Located locate(Settings settings, BackendContext context) {
    return switch (settings.mode()) {
      case Settings.CONTAINER ->
          fromContainer(context)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          HazelcastConfigKeys.MODE
                              + "=container, but the container offers no Hazelcast instance"
                              + " (no managed bean of type HazelcastInstance, nothing at JNDI "
                              + PAYARA_JNDI_NAME
                              + "); run on Payara, or set "
                              + HazelcastConfigKeys.MODE
                              + " to embedded or client"));
      case Settings.EMBEDDED -> embedded(settings, context);
      case Settings.CLIENT -> client(settings, context);
      default -> fromContainer(context).orElseGet(() -> embedded(settings, context));
    };
  }

  static Optional<Located> fromContainer(BackendContext context) {
    Optional<HazelcastInstance> bean =
        context.lookup(HazelcastInstance.class).filter(InstanceLocator::running);
    if (bean.isPresent()) {
      return Optional.of(new Located(bean.get(), false, "the container's managed bean"));
    }
    return jndi().map(hz -> new Located(hz, false, "JNDI " + PAYARA_JNDI_NAME));
  }

  private static Optional<HazelcastInstance> jndi() {
    try {
      Object found = new InitialContext().lookup(PAYARA_JNDI_NAME);
      if (found instanceof HazelcastInstance hz && running(hz)) {
        return Optional.of(hz);
      }
    } catch (NamingException | RuntimeException e) {
      LOG.log(Level.FINE, "no Hazelcast instance at JNDI " + PAYARA_JNDI_NAME, e);
    }
    return Optional.empty();
  }

  private static boolean running(HazelcastInstance hz) {
    try {
      return hz.getLifecycleService().isRunning();
    } catch (RuntimeException e) {
      return false;
    }
  }

  static Located embedded(Settings settings, BackendContext context) {
    Config config = new Config();
    config.setInstanceName("presence-" + UUID.randomUUID());
    config.setClusterName(settings.clusterName());
    config.setClassLoader(context.classLoader());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.port()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(settings.networkInterface());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
    try {
      HazelcastInstance hz = Hazelcast.newHazelcastInstance(config);
      return new Located(hz, true, "an embedded member");
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "could not start an embedded Hazelcast member on "
              + settings.networkInterface()
              + ":"
              + settings.port()
              + " (check "
              + HazelcastConfigKeys.INTERFACE
              + ", "
              + HazelcastConfigKeys.PORT
              + " and "
              + HazelcastConfigKeys.MEMBERS
              + ")",
          e);
    }
  }

  static Located client(Settings settings, BackendContext context) {
    ClientConfig config = new ClientConfig();
    config.setInstanceName("presence-client-" + UUID.randomUUID());
    config.setClusterName(settings.clusterName());
    config.setClassLoader(context.classLoader());
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config
        .getNetworkConfig()
        .setAddresses(
            settings.members().isEmpty()
                ? java.util.List.of("127.0.0.1:5701")
                : settings.members());
    // The connect timeout bounds the wait at start only. Hazelcast applies its cluster-connect
    // timeout to every reconnection too and shuts the client down for good when it passes, so a
    // store outage longer than it ended the node (ClientOutageTest). The client retries forever
    // (-1) and starts without waiting (asyncStart); this method waits for the first connection.
    config.getConnectionStrategyConfig().setAsyncStart(true);
    config
        .getConnectionStrategyConfig()
        .getConnectionRetryConfig()
        .setClusterConnectTimeoutMillis(-1);
    CountDownLatch connected = new CountDownLatch(1);
    config.addListenerConfig(
        new ListenerConfig(
            (LifecycleListener)
                e -> {
                  if (e.getState() == LifecycleState.CLIENT_CONNECTED) {
                    connected.countDown();
                  }
                }));
    HazelcastInstance hz;
    try {
      hz = HazelcastClient.newHazelcastClient(config);
    } catch (RuntimeException e) {
      throw notConnected(settings, e);
    }
    boolean ok;
    try {
      ok = connected.await(settings.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ok = false;
    }
    if (!ok) {
      hz.shutdown();
      throw notConnected(
          settings,
          new IllegalStateException(
              "no connection within "
                  + HazelcastConfigKeys.CONNECT_TIMEOUT
                  + " = "
                  + settings.connectTimeout()));
    }
    return new Located(hz, true, "a client");
  }

  private static IllegalStateException notConnected(Settings settings, Exception cause) {
    return new IllegalStateException(
        "could not connect a Hazelcast client to cluster '"
            + settings.clusterName()
            + "' at "
            + settings.members()
            + " (check "
            + HazelcastConfigKeys.MEMBERS
            + " and "
            + HazelcastConfigKeys.CLUSTER_NAME
            + ")",
        cause);
  }
}
