package dev.presence.hazelcast;

/**
 * The configuration keys of the Hazelcast backend, read through {@link
 * dev.presence.spi.BackendContext#config(String)} (MicroProfile Config, system properties or
 * environment variables, as the server provides). Durations are written {@code 500ms}, {@code 10s},
 * {@code 2m}, {@code 1h} or ISO-8601 ({@code PT10S}).
 *
 * @since 0.1
 */
public final class HazelcastConfigKeys {

  /**
   * How the Hazelcast instance is found: {@code auto} (the default), {@code container}, {@code
   * embedded} or {@code client}.
   *
   * <ul>
   *   <li>{@code container}: the container's instance, as a managed bean of type {@code
   *       HazelcastInstance} or at JNDI {@code payara/Hazelcast} (Payara); fails if there is none;
   *   <li>{@code embedded}: starts a member of its own, configured by {@link #CLUSTER_NAME}, {@link
   *       #MEMBERS}, {@link #PORT} and {@link #INTERFACE};
   *   <li>{@code client}: connects a Hazelcast client to {@link #MEMBERS} of {@link #CLUSTER_NAME};
   *       the members need this backend's jar on their class path;
   *   <li>{@code auto}: the container's instance if there is one, otherwise an embedded member.
   * </ul>
   *
   * <p>The backend shuts down only an instance it started.
   */
  public static final String MODE = "presence.hazelcast.mode";

  /**
   * The cluster members to join or connect to: comma-separated {@code host:port}, no port ranges.
   * Default: none for an embedded member (it starts alone and others join it), {@code
   * 127.0.0.1:5701} for a client. Not used in container mode.
   */
  public static final String MEMBERS = "presence.hazelcast.members";

  /** The Hazelcast cluster name of an embedded member or a client. Default {@code presence}. */
  public static final String CLUSTER_NAME = "presence.hazelcast.cluster-name";

  /**
   * The port of an embedded member; the next free port is taken if it is in use. Default {@code
   * 5701}.
   */
  public static final String PORT = "presence.hazelcast.port";

  /**
   * The network interface (an IP address) an embedded member binds to and announces. Default {@code
   * 127.0.0.1}: set it to a reachable address for a cluster spanning several hosts.
   */
  public static final String INTERFACE = "presence.hazelcast.interface";

  /**
   * The prefix of the names of the backend's Hazelcast structures ({@code <prefix>.channels},
   * {@code <prefix>.user-channels}, {@code <prefix>.events}); applications sharing one cluster for
   * different presence domains use different prefixes. Default {@code presence}.
   */
  public static final String NAME_PREFIX = "presence.hazelcast.name-prefix";

  /**
   * How long an empty channel keeps its sequence number before it is removed; a channel filled
   * again within this time continues its sequence, a later one starts again at 1. Default {@code
   * 1h}.
   */
  public static final String EMPTY_CHANNEL_RETENTION = "presence.hazelcast.empty-channel-retention";

  /**
   * How long a client waits for the cluster when it starts; without a connection by then the
   * backend fails to start. Once started, a client that loses the cluster reconnects for as long as
   * it takes (the node is not ready meanwhile). Default {@code 30s}.
   */
  public static final String CONNECT_TIMEOUT = "presence.hazelcast.connect-timeout";

  /**
   * Client mode: how long a presence node stays listed in the node registry without refreshing its
   * entry (it refreshes three times as often). A client node silent for longer is reported lost to
   * the others, which release its sessions; lower values detect a crash sooner. Default {@code
   * 15s}.
   */
  public static final String NODE_TTL = "presence.hazelcast.node-ttl";

  /**
   * Whether the backend promotes the container's Hazelcast member from lite member to data member
   * once it has started, and at undeploy hands the member's data back to the others. Default {@code
   * true}.
   *
   * <p>Meant for Payara Micro started with {@code --lite}: its member then joins the cluster owning
   * no partition, so no partition moves to it while the WAR (whose classes the presence entry
   * processors are) is not deployed yet; the backend promotes it once the WAR is running. At
   * shutdown the backend leaves the cluster gracefully itself, or (an undeploy on a running server,
   * Hazelcast 5.4 or later) demotes the member back to lite. Without {@code --lite} this setting
   * changes nothing at start. Set {@code false} to keep the member's role as the container
   * configured it.
   */
  public static final String PROMOTE_LITE_MEMBER = "presence.hazelcast.promote-lite-member";

  private HazelcastConfigKeys() {}
}
