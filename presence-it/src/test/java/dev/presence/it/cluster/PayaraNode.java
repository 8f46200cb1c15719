package dev.presence.it.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Payara Micro process running the presence WAR as a member of a TCP/IP cluster on loopback.
 *
 * <p>The node's JVM gets fast Hazelcast failure detection ({@code hazelcast.heartbeat.interval
 * .seconds=1}, {@code hazelcast.max.no.heartbeat.seconds=5}; Hazelcast's defaults are 5 s and 60 s)
 * and short presence timings. Its output goes to {@code <dir>/node.log}.
 */
final class PayaraNode implements ClusterNode {

  /** Hazelcast failure detection given to every node (seconds). */
  static final int HEARTBEAT_INTERVAL_S = 1;

  /** Hazelcast: a member silent this long is removed (seconds). */
  static final int MAX_NO_HEARTBEAT_S = 5;

  private final String name;
  private final String httpHost;
  private final int httpPort;
  private final Path log;
  private final Process process;

  private PayaraNode(String name, String httpHost, int httpPort, Path log, Process process) {
    this.name = name;
    this.httpHost = httpHost;
    this.httpPort = httpPort;
    this.log = log;
    this.process = process;
  }

  /** A free TCP port on loopback (free now; good enough for a test on one machine). */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * How to start a node beyond the basics: extra JVM and Payara Micro arguments, a command prefix
   * (for example {@code ip netns exec <ns>} to run the node inside a network namespace), the host
   * the test reaches its HTTP port on, and the WAR to deploy.
   *
   * @param jvmArgs extra JVM arguments ({@code -D...}), after the defaults
   * @param payaraArgs extra Payara Micro arguments (for example {@code --lite})
   * @param commandPrefix words put before {@code java} (empty for none)
   * @param httpHost where the test connects to the node's HTTP port
   * @param war the WAR to deploy, or null for the presence WAR
   * @param clustered false for {@code --nocluster} (no member list, no Hazelcast port)
   */
  record Options(
      List<String> jvmArgs,
      List<String> payaraArgs,
      List<String> commandPrefix,
      String httpHost,
      File war,
      boolean clustered) {

    /** Defaults: no extras, loopback, the presence WAR, clustered. */
    static Options defaults() {
      return new Options(List.of(), List.of(), List.of(), "127.0.0.1", null, true);
    }

    Options jvmArgs(List<String> args) {
      return new Options(List.copyOf(args), payaraArgs, commandPrefix, httpHost, war, clustered);
    }

    Options payaraArgs(String... args) {
      return new Options(jvmArgs, List.of(args), commandPrefix, httpHost, war, clustered);
    }

    Options commandPrefix(String... words) {
      return new Options(jvmArgs, payaraArgs, List.of(words), httpHost, war, clustered);
    }

    Options httpHost(String host) {
      return new Options(jvmArgs, payaraArgs, commandPrefix, host, war, clustered);
    }

    Options war(File file) {
      return new Options(jvmArgs, payaraArgs, commandPrefix, httpHost, file, clustered);
    }

    Options unclustered() {
      return new Options(jvmArgs, payaraArgs, commandPrefix, httpHost, war, false);
    }
  }

  /**
   * Starts a node with options and waits until {@code GET /health/ready} answers 200.
   *
   * @param name node name, used for its directory and log
   * @param dir the node's own directory (created; its {@code tmp} is Payara's java.io.tmpdir)
   * @param clusterName a cluster name unique to this run (ignored when not clustered)
   * @param hzPort this node's Hazelcast port (ignored when not clustered)
   * @param members all members' Hazelcast ports (ignored when not clustered)
   * @param options the rest
   */
  static PayaraNode start(
      String name,
      Path dir,
      String clusterName,
      int hzPort,
      List<Integer> members,
      Options options) {
    PayaraNode node = launch(name, dir, clusterName, hzPort, members, options);
    try {
      ClusterSupport.awaitReady(name, node.base(), node.process, node.log, Duration.ofSeconds(240));
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
    return node;
  }

  /**
   * Starts a node like {@link #start} without waiting for it: for a deployment expected to fail.
   * The caller closes it.
   */
  static PayaraNode launch(
      String name,
      Path dir,
      String clusterName,
      int hzPort,
      List<Integer> members,
      Options options) {
    int httpPort = freePort();
    Path tmp = dir.resolve("tmp");
    Path log = dir.resolve("node.log");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(options.commandPrefix());
    cmd.add(java);
    cmd.add("-Xmx512m");
    cmd.add("-Dhazelcast.phone.home.enabled=false");
    cmd.add("-Dhazelcast.heartbeat.interval.seconds=" + HEARTBEAT_INTERVAL_S);
    cmd.add("-Dhazelcast.max.no.heartbeat.seconds=" + MAX_NO_HEARTBEAT_S);
    cmd.add("-Djava.io.tmpdir=" + tmp.toAbsolutePath());
    cmd.addAll(options.jvmArgs());
    cmd.add("-jar");
    cmd.add(payaraJar().getAbsolutePath());
    cmd.add("--port");
    cmd.add(Integer.toString(httpPort));
    cmd.add("--contextroot");
    cmd.add("/");
    cmd.add("--deploy");
    cmd.add((options.war() != null ? options.war() : war()).getAbsolutePath());
    cmd.add("--name");
    cmd.add(name);
    if (options.clustered()) {
      cmd.add("--clustername");
      cmd.add(clusterName);
      cmd.add("--clustermode");
      cmd.add("tcpip:" + String.join(",", members.stream().map(p -> "127.0.0.1:" + p).toList()));
      cmd.add("--interfaces");
      cmd.add("127.0.0.1");
      cmd.add("--startport");
      cmd.add(Integer.toString(hzPort));
      cmd.add("--hzinitialjoinwait");
      cmd.add("1");
    } else {
      cmd.add("--nocluster");
    }
    cmd.add("--nohostaware");
    cmd.add("--disablephonehome");
    cmd.addAll(options.payaraArgs());
    Process process = ClusterSupport.launch(cmd, dir, log);
    return new PayaraNode(name, options.httpHost(), httpPort, log, process);
  }

  /** The application root, {@code http://<host>:<port>/}. */
  @Override
  public URI base() {
    return URI.create("http://" + httpHost + ":" + httpPort + "/");
  }

  /**
   * SIGTERM, then waits for the process to end (a graceful stop).
   *
   * @param timeout how long to wait
   * @return the exit code
   * @throws IllegalStateException if it still runs after the timeout (then it is killed)
   */
  int terminate(Duration timeout) {
    process.destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new IllegalStateException(name + " did not stop within " + timeout + " of SIGTERM");
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
      throw new IllegalStateException(e);
    }
  }

  /** The node's name. */
  @Override
  public String name() {
    return name;
  }

  /** The log file. */
  @Override
  public Path logFile() {
    return log;
  }

  /** Sends a signal ({@code STOP}, {@code CONT}) with {@code kill}, waiting for it to be sent. */
  void signal(String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Process process() {
    return process;
  }

  private static File payaraJar() {
    return existing("payara.microJar", null);
  }

  private static File war() {
    return existing("presence.war", "../presence-web/target/presence.war");
  }

  private static File existing(String property, String fallback) {
    String configured = System.getProperty(property);
    if (configured != null && new File(configured).isFile()) {
      return new File(configured);
    }
    if (fallback != null && new File(fallback).isFile()) {
      return new File(fallback);
    }
    throw new IllegalStateException(
        "file of system property " + property + " not found (" + configured + "): run by Failsafe");
  }
}
