package dev.presence.redis;

import static org.awaitility.Awaitility.await;

import dev.presence.redis.internal.RedisPresenceBackend;
import dev.presence.spi.BackendContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@code redis-server} process of a test's own, on a free loopback port, without persistence
 * unless durable; its files and log are in {@code target/redis-<port>/}. Stopped by its process
 * handle (SIGKILL), never by name. {@link #kill()} and {@link #restart()} simulate a crash and a
 * restart on the same port.
 */
final class RedisServer implements AutoCloseable {

  private static final AtomicLong PREFIXES = new AtomicLong();

  private final int port;
  private final boolean durable;
  private final Path dir;
  private final Path log;
  private Process process;

  private RedisServer(int port, boolean durable) {
    this.port = port;
    this.durable = durable;
    this.dir = Path.of("target", "redis-" + port).toAbsolutePath();
    this.log = dir.resolve("redis.log");
    // A test JVM that ends without closing its servers still stops them.
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopQuietly, "redis-server-" + port));
  }

  private void stopQuietly() {
    if (process != null) {
      process.destroyForcibly();
    }
  }

  /** Starts a server without persistence on a free port and waits until it answers PING. */
  static RedisServer start() {
    RedisServer server = new RedisServer(freePort(), false);
    server.launch();
    return server;
  }

  /**
   * Starts a server that writes every change to its append-only file before answering ({@code
   * appendfsync always}), so that a {@link #restart()} after {@link #kill()} has the data.
   */
  static RedisServer startDurable() {
    RedisServer server = new RedisServer(freePort(), true);
    server.launch();
    return server;
  }

  int port() {
    return port;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Ends the process at once (SIGKILL), as a crash would; nothing is persisted. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * Sends a signal with {@code kill}: {@code STOP} freezes the server (connections are accepted by
   * the kernel, nothing is answered), {@code CONT} lets it go on.
   */
  void signal(String signal) {
    try {
      Process kill =
          new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
              .redirectErrorStream(true)
              .start();
      if (!kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Starts the server again on the same port: empty, or with its data if durable. */
  void restart() {
    launch();
  }

  @Override
  public void close() {
    kill();
  }

  /** Configuration for a backend on this server, with a key prefix of its own and fast ticks. */
  Context context() {
    return new Context(uri(), "tck" + PREFIXES.incrementAndGet() + ":");
  }

  /** A backend of this server (and a prefix shared with {@code context}). */
  RedisPresenceBackend backend(Context context) {
    return (RedisPresenceBackend) new RedisPresenceBackendProvider().create(context);
  }

  private void launch() {
    try {
      Files.createDirectories(dir);
      List<String> command =
          new ArrayList<>(
              List.of(
                  "redis-server",
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--save",
                  "",
                  "--dir",
                  dir.toString(),
                  "--appendonly",
                  durable ? "yes" : "no"));
      if (durable) {
        command.addAll(List.of("--appendfsync", "always"));
      }
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot start redis-server (install it: apt-get install redis-server)", e);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(this::answersPing);
  }

  private boolean answersPing() throws IOException {
    if (!process.isAlive()) {
      throw new IllegalStateException("redis-server exited; see " + log);
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int n = in.readNBytes(reply, 0, 7);
      return new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A {@link BackendContext} of plain values; heartbeat 100ms, node TTL 3s (a loaded test machine
   * may stall a heartbeat for a second; a node declared lost by mistake would fail the tests).
   */
  static final class Context implements BackendContext {
    private final Map<String, String> values = new HashMap<>();

    Context(String uri, String prefix) {
      values.put(RedisConfigKeys.URI, uri);
      values.put(RedisConfigKeys.PREFIX, prefix);
      values.put(RedisConfigKeys.HEARTBEAT, "100ms");
      values.put(RedisConfigKeys.NODE_TTL, "3s");
      values.put(RedisConfigKeys.TIMEOUT, "2s");
    }

    Context with(String key, String value) {
      values.put(key, value);
      return this;
    }

    @Override
    public Optional<String> config(String key) {
      return Optional.ofNullable(values.get(key));
    }

    @Override
    public <T> Optional<T> lookup(Class<T> type) {
      return Optional.empty();
    }

    @Override
    public ClassLoader classLoader() {
      return RedisServer.class.getClassLoader();
    }
  }
}
