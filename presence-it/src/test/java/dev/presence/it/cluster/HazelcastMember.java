package dev.presence.it.cluster;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.Hazelcast;
import dev.presence.hazelcast.HazelcastPresenceBackendProvider;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A standalone Hazelcast member in its own JVM, started the way an operator runs one for presence
 * nodes in client mode: {@code java -cp hazelcast.jar:presence-hazelcast.jar
 * com.hazelcast.core.server.HazelcastMemberStarter} with a YAML configuration ({@code
 * -Dhazelcast.config}). The presence-hazelcast jar is there because the member runs the backend's
 * entry processors; nothing else of Presence is needed.
 *
 * <p>The Hazelcast jar is the one on the test class path, so the member's version follows the
 * Payara line (5.3.8 with Payara 6 on JDK 17, 5.7.0 with Payara 7 on JDK 21+), matching the client
 * embedded in Payara. Output goes to {@code <dir>/member.log}.
 */
final class HazelcastMember implements AutoCloseable {

  private final String name;
  private final Path log;
  private final Process process;

  private HazelcastMember(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  /**
   * Starts a member on {@code 127.0.0.1:port} (TCP/IP join with {@code members}, multicast off,
   * fast failure detection as in {@link PayaraNode}) and waits until it has started.
   *
   * @param name the member's name, for messages
   * @param dir its directory (created), for the configuration and the log
   * @param clusterName the cluster name
   * @param port its port
   * @param members the ports of all members
   */
  static HazelcastMember start(
      String name, Path dir, String clusterName, int port, List<Integer> members) {
    Path config = dir.resolve("hazelcast.yaml");
    Path log = dir.resolve("member.log");
    StringBuilder yaml = new StringBuilder();
    yaml.append("hazelcast:\n")
        .append("  cluster-name: ")
        .append(clusterName)
        .append('\n')
        .append("  properties:\n")
        .append("    hazelcast.phone.home.enabled: false\n")
        .append("    hazelcast.socket.bind.any: false\n")
        .append("    hazelcast.heartbeat.interval.seconds: ")
        .append(PayaraNode.HEARTBEAT_INTERVAL_S)
        .append('\n')
        .append("    hazelcast.max.no.heartbeat.seconds: ")
        .append(PayaraNode.MAX_NO_HEARTBEAT_S)
        .append('\n')
        .append("  network:\n")
        .append("    port:\n")
        .append("      auto-increment: false\n")
        .append("      port: ")
        .append(port)
        .append('\n')
        .append("    interfaces:\n")
        .append("      enabled: true\n")
        .append("      interfaces:\n")
        .append("        - 127.0.0.1\n")
        .append("    join:\n")
        .append("      multicast:\n")
        .append("        enabled: false\n")
        .append("      auto-detection:\n")
        .append("        enabled: false\n")
        .append("      tcp-ip:\n")
        .append("        enabled: true\n")
        .append("        member-list:\n");
    for (int member : members) {
      yaml.append("          - 127.0.0.1:").append(member).append('\n');
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        List.of(
            java,
            "-Xmx256m",
            "-Dhazelcast.config=" + config.toAbsolutePath(),
            "-cp",
            jarOf(Hazelcast.class)
                + File.pathSeparator
                + jarOf(HazelcastPresenceBackendProvider.class),
            "com.hazelcast.core.server.HazelcastMemberStarter");
    try {
      Files.createDirectories(dir);
      Files.writeString(config, yaml, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process process = ClusterSupport.launch(cmd, dir, log);
    HazelcastMember member = new HazelcastMember(name, log, process);
    try {
      await(name + " started (log " + log + ")")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                ClusterSupport.checkAlive(name, process, log);
                return member.log().contains("is STARTED");
              });
    } catch (RuntimeException | Error e) {
      member.close();
      throw e;
    }
    return member;
  }

  /** The jar (or class directory) a class was loaded from. */
  static String jarOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The member's log so far. */
  String log() {
    return ClusterSupport.read(log);
  }

  /** The log file. */
  Path logFile() {
    return log;
  }

  /** The member's name. */
  String name() {
    return name;
  }

  /** SIGTERM, then SIGKILL if it is still there after 30 s. */
  @Override
  public void close() {
    ClusterSupport.stop(process);
  }
}
