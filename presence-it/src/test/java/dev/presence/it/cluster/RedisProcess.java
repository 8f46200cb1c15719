package dev.presence.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code redis-server} process of a test's own on a loopback port, without persistence ({@code
 * --save ""}, {@code --appendonly no}): a primary, a replica of one ({@code --replicaof}), or a
 * Sentinel ({@code redis-server <conf> --sentinel}; Debian's {@code redis-server} package has no
 * {@code redis-sentinel} command, the server binary runs Sentinel itself). Its files and log are in
 * its own directory. Stopped by its process handle (SIGKILL), never by name; {@link #kill()} and
 * {@link #restart()} are a crash and a restart on the same port. {@link #command} talks RESP over a
 * plain socket (no client library in the test).
 */
final class RedisProcess implements AutoCloseable {

  private final String name;
  private final int port;
  private final Path dir;
  private final Path log;
  private final List<String> args;
  private Process process;

  private RedisProcess(String name, int port, Path dir, List<String> args) {
    this.name = name;
    this.port = port;
    // A directory of its own: a replica writes the primary's snapshot to dump.rdb in it.
    this.dir = dir.resolve(name);
    this.log = this.dir.resolve(name + ".log");
    this.args = List.copyOf(args);
    launch();
  }

  /** Starts a primary on a free port and waits until it answers PING. */
  static RedisProcess primary(String name, Path dir) {
    int port = PayaraNode.freePort();
    return new RedisProcess(name, port, dir, serverArgs(port));
  }

  /** Starts a replica of {@code primary} on a free port and waits until its link is up. */
  static RedisProcess replica(String name, Path dir, RedisProcess primary) {
    int port = PayaraNode.freePort();
    List<String> args = serverArgs(port);
    args.addAll(List.of("--replicaof", "127.0.0.1", Integer.toString(primary.port())));
    RedisProcess replica = new RedisProcess(name, port, dir, args);
    await(name + " in sync with " + primary.name)
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> replica.command("INFO", "replication").contains("master_link_status:up"));
    return replica;
  }

  /**
   * Starts a Sentinel on a free port that monitors {@code primary} as master {@code master} with
   * quorum 1.
   *
   * @param downAfter how long the primary must be unreachable before Sentinel fails over
   */
  static RedisProcess sentinel(
      String name, Path dir, RedisProcess primary, String master, Duration downAfter) {
    int port = PayaraNode.freePort();
    Path conf = dir.resolve(name).resolve(name + ".conf");
    try {
      Files.createDirectories(conf.getParent());
      // Sentinel rewrites its configuration file: it must be writable and its own.
      Files.writeString(
          conf,
          String.join(
              "\n",
              "port " + port,
              "bind 127.0.0.1",
              "dir " + conf.getParent(),
              "sentinel monitor " + master + " 127.0.0.1 " + primary.port() + " 1",
              "sentinel down-after-milliseconds " + master + " " + downAfter.toMillis(),
              "sentinel failover-timeout " + master + " 10000",
              ""));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new RedisProcess(
        name, port, dir, new ArrayList<>(List.of("redis-server", conf.toString(), "--sentinel")));
  }

  private static List<String> serverArgs(int port) {
    return new ArrayList<>(
        List.of(
            "redis-server",
            "--port",
            Integer.toString(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no"));
  }

  int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:<port>}. */
  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** SIGKILL, as a crash would; nothing is persisted. Waits until the process is gone. */
  void kill() {
    ClusterSupport.kill(process);
  }

  /** Starts the process again on the same port (empty) and waits until it answers PING. */
  void restart() {
    launch();
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      kill();
    }
  }

  /**
   * Sends one command and returns the reply as text (bulk and simple strings as they are, arrays
   * one element a line, errors as {@code -ERR ...}).
   */
  String command(String... words) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      socket.setSoTimeout(5000);
      StringBuilder out = new StringBuilder("*").append(words.length).append("\r\n");
      for (String w : words) {
        byte[] b = w.getBytes(StandardCharsets.UTF_8);
        out.append('$').append(b.length).append("\r\n").append(w).append("\r\n");
      }
      OutputStream os = socket.getOutputStream();
      os.write(out.toString().getBytes(StandardCharsets.UTF_8));
      os.flush();
      StringBuilder reply = new StringBuilder();
      read(socket.getInputStream(), reply);
      return reply.toString();
    } catch (IOException e) {
      throw new UncheckedIOException(name + " on port " + port + ": " + e.getMessage(), e);
    }
  }

  private static void read(InputStream in, StringBuilder reply) throws IOException {
    String line = line(in);
    char kind = line.charAt(0);
    String rest = line.substring(1);
    switch (kind) {
      case '+', ':' -> reply.append(rest);
      case '-' -> reply.append(line);
      case '$' -> {
        int n = Integer.parseInt(rest);
        if (n >= 0) {
          reply.append(new String(in.readNBytes(n), StandardCharsets.UTF_8));
          in.readNBytes(2);
        }
      }
      case '*' -> {
        int n = Integer.parseInt(rest);
        for (int i = 0; i < n; i++) {
          if (i > 0) {
            reply.append('\n');
          }
          read(in, reply);
        }
      }
      default -> throw new IOException("unexpected reply " + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read();
        return b.toString();
      }
      b.append((char) c);
    }
    throw new IOException("connection closed");
  }

  private void launch() {
    try {
      Files.createDirectories(dir);
      process =
          new ProcessBuilder(args)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start redis-server (install it: apt-get install redis-server)", e);
    }
    Process started = process;
    await(name + " answers PING (log " + log + ")")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(
            () -> {
              if (!started.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + log);
              }
              return "PONG".equals(command("PING"));
            });
  }
}
