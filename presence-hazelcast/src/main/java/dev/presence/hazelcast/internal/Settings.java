package dev.presence.hazelcast.internal;

import dev.presence.hazelcast.HazelcastConfigKeys;
import dev.presence.spi.BackendContext;
import dev.presence.spi.support.ConfigDurations;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The backend's configuration, read once from the {@link BackendContext}.
 *
 * @param mode the mode: auto, container, embedded or client
 * @param members the members to join or connect to
 * @param clusterName the cluster name
 * @param port the port of an embedded member
 * @param networkInterface the interface of an embedded member
 * @param prefix the prefix of structure names
 * @param retention how long an empty channel keeps its seq
 * @param connectTimeout how long a client waits for the cluster
 * @param nodeTtl how long a client node stays listed without refreshing its entry
 * @param promoteLiteMember whether a container's lite member is promoted to a data member once the
 *     backend has started (and, at undeploy, no longer holds data)
 */
record Settings(
    String mode,
    List<String> members,
    String clusterName,
    int port,
    String networkInterface,
    String prefix,
    Duration retention,
    Duration connectTimeout,
    Duration nodeTtl,
    boolean promoteLiteMember) {

  static final String AUTO = "auto";
  static final String CONTAINER = "container";
  static final String EMBEDDED = "embedded";
  static final String CLIENT = "client";

  static Settings read(BackendContext context) {
    String mode = text(context, HazelcastConfigKeys.MODE, AUTO).toLowerCase(Locale.ROOT);
    if (!List.of(AUTO, CONTAINER, EMBEDDED, CLIENT).contains(mode)) {
      throw new IllegalStateException(
          HazelcastConfigKeys.MODE
              + " must be auto, container, embedded or client, not '"
              + mode
              + "'");
    }
    List<String> members =
        Arrays.stream(text(context, HazelcastConfigKeys.MEMBERS, "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    String portText = text(context, HazelcastConfigKeys.PORT, "5701");
    int port;
    try {
      port = Integer.parseInt(portText);
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535) {
      throw new IllegalStateException(
          HazelcastConfigKeys.PORT + " must be a port number, not '" + portText + "'");
    }
    String prefix = text(context, HazelcastConfigKeys.NAME_PREFIX, "presence");
    return new Settings(
        mode,
        members,
        text(context, HazelcastConfigKeys.CLUSTER_NAME, "presence"),
        port,
        text(context, HazelcastConfigKeys.INTERFACE, "127.0.0.1"),
        prefix,
        duration(context, HazelcastConfigKeys.EMPTY_CHANNEL_RETENTION, Duration.ofHours(1)),
        duration(context, HazelcastConfigKeys.CONNECT_TIMEOUT, Duration.ofSeconds(30)),
        duration(context, HazelcastConfigKeys.NODE_TTL, Duration.ofSeconds(15)),
        bool(context, HazelcastConfigKeys.PROMOTE_LITE_MEMBER, true));
  }

  String channelsMap() {
    return prefix + ".channels";
  }

  String userChannelsMap() {
    return prefix + ".user-channels";
  }

  String eventsTopic() {
    return prefix + ".events";
  }

  String nodesMap() {
    return prefix + ".nodes";
  }

  private static String text(BackendContext context, String key, String fallback) {
    return context.config(key).map(String::trim).filter(s -> !s.isEmpty()).orElse(fallback);
  }

  private static boolean bool(BackendContext context, String key, boolean fallback) {
    String value = text(context, key, Boolean.toString(fallback)).toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalStateException(key + " must be true or false, not '" + value + "'");
    };
  }

  private static Duration duration(BackendContext context, String key, Duration fallback) {
    return ConfigDurations.config(key, text(context, key, ""), fallback);
  }
}
