package dev.presence.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.presence.spi.BackendContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/** Fast, isolated Hazelcast members and backend contexts for tests. */
final class TestCluster {

  /** Kept so that the level set on it is not garbage collected. */
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

  static {
    // Apply to every member of the test JVM, including those the backend starts itself.
    System.setProperty("hazelcast.phone.home.enabled", "false");
    System.setProperty("hazelcast.logging.type", "jdk");
    System.setProperty("hazelcast.partition.count", "71");
    System.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    System.setProperty("hazelcast.max.no.heartbeat.seconds", "6");
    System.setProperty("hazelcast.wait.seconds.before.join", "0");
    System.setProperty("hazelcast.graceful.shutdown.max.wait", "10");
    HAZELCAST_LOG.setLevel(Level.WARNING);
  }

  private TestCluster() {}

  /** A cluster name no other test run uses. */
  static String uniqueName(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A port that is free now. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The configuration of a loopback member with TCP join to the given members. */
  static Config memberConfig(String clusterName, int port, List<String> members) {
    Config config = new Config();
    config.setClusterName(clusterName);
    config.setProperty("hazelcast.socket.bind.any", "false");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(port).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(members);
    return config;
  }

  static HazelcastInstance member(String clusterName, int port, List<String> members) {
    return Hazelcast.newHazelcastInstance(memberConfig(clusterName, port, members));
  }

  /** A backend context of configuration values and, optionally, a container instance. */
  static final class Context implements BackendContext {
    private final Map<String, String> config = new HashMap<>();
    private final @Nullable HazelcastInstance container;

    Context(@Nullable HazelcastInstance container) {
      this.container = container;
    }

    Context with(String key, String value) {
      config.put(key, value);
      return this;
    }

    @Override
    public Optional<String> config(String key) {
      return Optional.ofNullable(config.get(key));
    }

    @Override
    public <T> Optional<T> lookup(Class<T> type) {
      return container != null && type.isInstance(container)
          ? Optional.of(type.cast(container))
          : Optional.empty();
    }

    @Override
    public ClassLoader classLoader() {
      return TestCluster.class.getClassLoader();
    }
  }

  /** A context for an embedded member alone in a cluster of its own. */
  /** A client-mode context for the cluster {@code clusterName} with one member on {@code port}. */
  static Context client(String clusterName, int port) {
    return new Context(null)
        .with(HazelcastConfigKeys.MODE, "client")
        .with(HazelcastConfigKeys.CLUSTER_NAME, clusterName)
        .with(HazelcastConfigKeys.MEMBERS, "127.0.0.1:" + port);
  }

  static Context embedded() {
    return new Context(null)
        .with(HazelcastConfigKeys.MODE, "embedded")
        .with(HazelcastConfigKeys.CLUSTER_NAME, uniqueName("presence-test"))
        .with(HazelcastConfigKeys.PORT, Integer.toString(freePort()));
  }
}
