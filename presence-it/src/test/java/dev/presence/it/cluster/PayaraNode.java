package dev.presence.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
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
final class PayaraNode implements AutoCloseable {

  /** Hazelcast failure detection given to every node (seconds). */
  static final int HEARTBEAT_INTERVAL_S = 1;

  /** Hazelcast: a member silent this long is removed (seconds). */
  static final int MAX_NO_HEARTBEAT_S = 5;

  private final String name;
  private final int httpPort;
  private final Path log;
  private final Process process;

  private PayaraNode(String name, int httpPort, Path log, Process process) {
    this.name = name;
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
   * Starts a node and waits until {@code GET /health/ready} answers 200.
   *
   * @param name node name, used for its directory and log
   * @param dir the node's own directory (created; its {@code tmp} is Payara's java.io.tmpdir)
   * @param clusterName a cluster name unique to this run, so nothing else joins
   * @param hzPort this node's Hazelcast port
   * @param members all members' Hazelcast ports (the TCP/IP member list)
   * @param presenceProperties extra {@code -D} settings for the application
   */
  static PayaraNode start(
      String name,
      Path dir,
      String clusterName,
      int hzPort,
      List<Integer> members,
      List<String> presenceProperties) {
    int httpPort = freePort();
    Path tmp = dir.resolve("tmp");
    Path log = dir.resolve("node.log");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.add("-Xmx512m");
    cmd.add("-Dhazelcast.phone.home.enabled=false");
    cmd.add("-Dhazelcast.heartbeat.interval.seconds=" + HEARTBEAT_INTERVAL_S);
    cmd.add("-Dhazelcast.max.no.heartbeat.seconds=" + MAX_NO_HEARTBEAT_S);
    cmd.add("-Djava.io.tmpdir=" + tmp.toAbsolutePath());
    cmd.addAll(presenceProperties);
    cmd.add("-jar");
    cmd.add(payaraJar().getAbsolutePath());
    cmd.add("--port");
    cmd.add(Integer.toString(httpPort));
    cmd.add("--contextroot");
    cmd.add("/");
    cmd.add("--deploy");
    cmd.add(war().getAbsolutePath());
    cmd.add("--name");
    cmd.add(name);
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
    cmd.add("--nohostaware");
    cmd.add("--disablephonehome");
    Process process;
    try {
      Files.writeString(log, String.join(" ", cmd) + System.lineSeparator());
      process =
          new ProcessBuilder(cmd)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    PayaraNode node = new PayaraNode(name, httpPort, log, process);
    try {
      node.awaitReady(Duration.ofSeconds(240));
    } catch (RuntimeException | Error e) {
      node.close();
      throw e;
    }
    return node;
  }

  private void awaitReady(Duration timeout) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
    HttpRequest ready =
        HttpRequest.newBuilder(base().resolve("health/ready"))
            .timeout(Duration.ofSeconds(5))
            .build();
    await(name + " ready (log " + log + ")")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new IllegalStateException(
                    name + " exited with " + process.exitValue() + "; see " + log);
              }
              return client.send(ready, BodyHandlers.discarding()).statusCode() == 200;
            });
  }

  /** The application root, {@code http://127.0.0.1:<port>/}. */
  URI base() {
    return URI.create("http://127.0.0.1:" + httpPort + "/");
  }

  /** The node's name. */
  String name() {
    return name;
  }

  /** The node's log so far. */
  String log() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The log file. */
  Path logFile() {
    return log;
  }

  /** Whether the process runs. */
  boolean alive() {
    return process.isAlive();
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

  /** SIGKILL ({@link Process#destroyForcibly()}), waiting until the process is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGTERM, then SIGKILL if the process is still there after 30 s. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
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
