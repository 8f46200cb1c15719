package dev.presence.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.wildfly.core.launcher.StandaloneCommandBuilder;

/**
 * One standalone WildFly process (the unpacked distribution of system property {@code
 * wildfly.home}, set by presence-it's profile {@code wildfly}) running {@code
 * presence-portable.war} as {@code ROOT.war} (context root {@code /}), whose embedded Hazelcast
 * member is one of a TCP/IP member list on loopback.
 *
 * <p>Each node has its own server base directory, a copy of the distribution's {@code standalone/}
 * ({@code -Djboss.server.base.dir}), and its own socket binding port offset: HTTP is {@code 8080 +
 * offset}, management {@code 9990 + offset}, all bound to 127.0.0.1. The WAR is deployed by the
 * deployment scanner from {@code <base>/deployments}; {@link #undeploy} and {@link #deploy} use its
 * marker files. The JVM is started directly (wildfly-launcher builds the same command as {@code
 * standalone.sh}), so {@link #kill} is a {@code kill -9} of the server itself. Its output goes to
 * {@code <dir>/node.log}.
 */
final class WildFlyNode implements ClusterNode {

  /** The deployment's name in {@code deployments/}: context root {@code /}. */
  static final String DEPLOYMENT = "ROOT.war";

  /**
   * JVM options of every node: the Hazelcast 5 options for JDK 17+ of PORTABILITY.md (they spare
   * warnings and slower paths), and fast Hazelcast failure detection as in {@link PayaraNode}.
   */
  private static final List<String> JVM_OPTIONS =
      List.of(
          "-Xmx512m",
          "-Djava.net.preferIPv4Stack=true",
          "--add-modules=java.se",
          "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
          "--add-opens=java.base/java.lang=ALL-UNNAMED",
          "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
          "--add-opens=java.management/sun.management=ALL-UNNAMED",
          "--add-opens=jdk.management/com.sun.management.internal=ALL-UNNAMED",
          "-Dhazelcast.phone.home.enabled=false",
          "-Dhazelcast.heartbeat.interval.seconds=" + PayaraNode.HEARTBEAT_INTERVAL_S,
          "-Dhazelcast.max.no.heartbeat.seconds=" + PayaraNode.MAX_NO_HEARTBEAT_S);

  private final String name;
  private final Path base;
  private final int httpPort;
  private final Path log;
  private final File war;
  private final Process process;

  private WildFlyNode(String name, Path base, int httpPort, Path log, File war, Process process) {
    this.name = name;
    this.base = base;
    this.httpPort = httpPort;
    this.log = log;
    this.war = war;
    this.process = process;
  }

  /**
   * Starts a node with the WAR deployed and waits until {@code GET /health/ready} answers 200.
   *
   * @param name node name, for messages
   * @param dir the node's own directory (created; holds its server base directory and log)
   * @param portOffset the socket binding port offset (HTTP {@code 8080 + portOffset})
   * @param properties the node's {@code -D} options for the WAR ({@code presence.*})
   */
  static WildFlyNode start(String name, Path dir, int portOffset, List<String> properties) {
    Path home = Path.of(required("wildfly.home"));
    File war = new File(required("presence.war"));
    Path base = dir.resolve("standalone");
    Path log = dir.resolve("node.log");
    copyTree(home.resolve("standalone"), base);
    copy(war, base.resolve("deployments").resolve(DEPLOYMENT));
    List<String> options = new ArrayList<>(JVM_OPTIONS);
    options.add("-Djboss.socket.binding.port-offset=" + portOffset);
    options.addAll(properties);
    StandaloneCommandBuilder command =
        StandaloneCommandBuilder.of(home)
            .setJavaHome(ProcessHandle.current().info().command().map(WildFlyNode::javaHome).get())
            .setBaseDirectory(base)
            .setServerConfiguration("standalone.xml")
            .addJavaOptions(options);
    command.setBindAddressHint("127.0.0.1");
    command.setBindAddressHint("management", "127.0.0.1");
    Process process = ClusterSupport.launch(command.build(), dir, log);
    WildFlyNode node = new WildFlyNode(name, base, 8080 + portOffset, log, war, process);
    try {
      node.awaitReady();
    } catch (RuntimeException | Error e) {
      node.kill();
      throw e;
    }
    return node;
  }

  /** The Java home of a {@code .../bin/java} command. */
  private static Path javaHome(String javaCommand) {
    return Path.of(javaCommand).getParent().getParent();
  }

  private void awaitReady() {
    ClusterSupport.awaitReady(name, base(), process, log, Duration.ofSeconds(240));
  }

  /**
   * Undeploys the WAR (removes it from {@code deployments/}) and waits until the scanner reports it
   * undeployed.
   */
  void undeploy() {
    try {
      Files.delete(deployments().resolve(DEPLOYMENT));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    awaitMarker(".undeployed");
  }

  /** Deploys the WAR again and waits until it is deployed and ready. */
  void deploy() {
    for (String marker : List.of(".undeployed", ".deployed", ".failed")) {
      try {
        Files.deleteIfExists(deployments().resolve(DEPLOYMENT + marker));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    copy(war, deployments().resolve(DEPLOYMENT));
    awaitMarker(".deployed");
    awaitReady();
  }

  private void awaitMarker(String marker) {
    Path file = deployments().resolve(DEPLOYMENT + marker);
    Path failed = deployments().resolve(DEPLOYMENT + ".failed");
    await(name + ": " + file + " (log " + log + ")")
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!marker.equals(".failed") && Files.exists(failed)) {
                throw new AssertionError(
                    name + ": " + Files.readString(failed) + "\n" + ClusterSupport.tail(log, 80));
              }
              return Files.exists(file);
            });
  }

  private Path deployments() {
    return base.resolve("deployments");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public URI base() {
    return URI.create("http://127.0.0.1:" + httpPort + "/");
  }

  @Override
  public Path logFile() {
    return log;
  }

  @Override
  public Process process() {
    return process;
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || !new File(value).exists()) {
      throw new IllegalStateException(
          "system property "
              + property
              + " ("
              + value
              + ") names nothing: run by Failsafe with"
              + " profile wildfly");
    }
    return value;
  }

  /** Copies a directory tree, leaving out what a server writes at run time. */
  private static void copyTree(Path from, Path to) {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path source : (Iterable<Path>) files::iterator) {
        Path relative = from.relativize(source);
        if (relative.getNameCount() > 0
            && List.of("tmp", "data", "log").contains(relative.getName(0).toString())) {
          continue;
        }
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else {
          Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Copies a file by way of a temporary name beside the target, so that the deployment scanner
   * never sees a half-written WAR.
   */
  private static void copy(File file, Path target) {
    Path part = target.resolveSibling(target.getFileName() + ".part");
    try {
      Files.copy(file.toPath(), part, StandardCopyOption.REPLACE_EXISTING);
      Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
