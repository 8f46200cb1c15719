package dev.presence.it.bench;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.presence.hazelcast.HazelcastConfigKeys;
import dev.presence.hazelcast.HazelcastPresenceBackendProvider;
import dev.presence.redis.RedisConfigKeys;
import dev.presence.redis.RedisPresenceBackendProvider;
import dev.presence.spi.BackendContext;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.memory.InMemoryPresenceBackendProvider;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The backend under test, started once per trial (that is, once per forked JVM) through its
 * provider, as the server starts it, and closed at the end of the trial.
 *
 * <ul>
 *   <li>{@code memory}: {@link InMemoryPresenceBackendProvider};
 *   <li>{@code hazelcast-1}: {@link HazelcastPresenceBackendProvider} in embedded mode, one member
 *       alone in a cluster of its own (the maps keep one synchronous backup, which a single member
 *       has nowhere to put);
 *   <li>{@code hazelcast-2}: two embedded members in this JVM, joined over 127.0.0.1 TCP (multicast
 *       and phone-home off, as the backend always configures them), each running the backend; the
 *       benchmark drives the first, so about half of the channels live on the other member and
 *       every change is also written to a backup on the other member.
 *   <li>{@code redis}: a {@code redis-server} of its own (found on the {@code PATH}) on a free
 *       loopback port without persistence ({@code --save "" --appendonly no}), and one {@link
 *       RedisPresenceBackendProvider} backend on it with the default settings (the server's
 *       defaults: timeout 2 s, heartbeat 1 s); the process is stopped by its handle (its PID),
 *       never by name.
 * </ul>
 */
@State(Scope.Benchmark)
public class BackendState {

  /** Kept so that the level set on it is not garbage collected. */
  private static final Logger HAZELCAST_LOG = Logger.getLogger("com.hazelcast");

  /** The backend: {@code memory}, {@code hazelcast-1}, {@code hazelcast-2} or {@code redis}. */
  @Param({"memory", "hazelcast-1", "hazelcast-2", "redis"})
  public String backend;

  private final List<PresenceBackend> started = new ArrayList<>();
  private Process redisServer;
  private Path redisDir;
  private PresenceBackend driven;
  private PresenceStore store;
  private String nodeId;

  /** The store of the driven node. */
  PresenceStore store() {
    return store;
  }

  /** The id of the driven node, to which every session of the benchmark is bound. */
  String nodeId() {
    return nodeId;
  }

  /** The vendor object of the driven node's backend. */
  <T> T unwrap(Class<T> type) {
    return driven.unwrap(type);
  }

  /** Starts the backend (and, for {@code hazelcast-2}, waits until the partitions are settled). */
  @Setup
  public void start() {
    driven =
        switch (backend) {
          case "memory" -> new InMemoryPresenceBackendProvider().create(new Context(Map.of()));
          case "hazelcast-1" -> startHazelcast(1);
          case "hazelcast-2" -> startHazelcast(2);
          case "redis" -> startRedis();
          default -> throw new IllegalArgumentException("unknown backend " + backend);
        };
    store = driven.store();
    nodeId = driven.nodeId();
  }

  /**
   * Closes every backend started, which shuts down the members they started, then stops the
   * benchmark's {@code redis-server}.
   */
  @TearDown
  public void stop() {
    try {
      if (redisServer != null && driven != null) {
        reportRedisCommandStats();
      }
      for (int i = started.size() - 1; i >= 0; i--) {
        started.get(i).close();
      }
      started.clear();
    } finally {
      stopRedis();
    }
  }

  private PresenceBackend startRedis() {
    int port = freePort();
    Path dir = Path.of("target", "bench-redis-" + port).toAbsolutePath();
    redisDir = dir;
    try {
      Files.createDirectories(dir);
      redisServer =
          new ProcessBuilder(
                  "redis-server",
                  "--port",
                  Integer.toString(port),
                  "--bind",
                  "127.0.0.1",
                  "--save",
                  "",
                  "--appendonly",
                  "no",
                  "--dir",
                  dir.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start redis-server (is it on the PATH?)", e);
    }
    Process process = redisServer;
    // A fork that dies without its tear-down still stops its server.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(process::destroyForcibly, "bench-redis-" + port));
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(() -> answersPing(process, port));
    PresenceBackend redis =
        new RedisPresenceBackendProvider()
            .create(
                new Context(
                    Map.of(
                        RedisConfigKeys.URI,
                        "redis://127.0.0.1:" + port,
                        RedisConfigKeys.PREFIX,
                        "bench:")));
    started.add(redis);
    return redis;
  }

  /**
   * Writes Redis's own time per command ({@code INFO commandstats}: calls, usec, usec_per_call) of
   * the whole trial to the fork's output and to {@code commandstats.txt} beside the server's log,
   * so that the time inside Redis can be told apart from the round trip.
   */
  private void reportRedisCommandStats() {
    @SuppressWarnings("unchecked") // the backend's command connection uses the String codec
    StatefulRedisConnection<String, String> connection =
        driven.unwrap(StatefulRedisConnection.class);
    String stats = connection.sync().info("commandstats");
    System.out.println("redis-server INFO commandstats:");
    System.out.println(stats);
    try {
      Files.writeString(redisDir.resolve("commandstats.txt"), stats);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void stopRedis() {
    if (redisServer != null) {
      redisServer.destroy();
      try {
        if (!redisServer.waitFor(10, TimeUnit.SECONDS)) {
          redisServer.destroyForcibly().waitFor();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        redisServer.destroyForcibly();
      }
      redisServer = null;
    }
  }

  private static boolean answersPing(Process process, int port) throws IOException {
    if (!process.isAlive()) {
      throw new IllegalStateException("redis-server exited; see target/bench-redis-" + port);
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

  private PresenceBackend startHazelcast(int members) {
    HAZELCAST_LOG.setLevel(Level.WARNING);
    // The first member of a TCP-IP cluster otherwise waits 5 s for others before it starts alone.
    System.setProperty("hazelcast.wait.seconds.before.join", "0");
    String clusterName = "presence-bench-" + UUID.randomUUID().toString().substring(0, 8);
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      int port = freePort();
      addresses.add("127.0.0.1:" + port);
      PresenceBackend member =
          new HazelcastPresenceBackendProvider()
              .create(
                  new Context(
                      Map.of(
                          HazelcastConfigKeys.MODE,
                          "embedded",
                          HazelcastConfigKeys.CLUSTER_NAME,
                          clusterName,
                          HazelcastConfigKeys.PORT,
                          Integer.toString(port),
                          HazelcastConfigKeys.MEMBERS,
                          String.join(",", addresses))));
      started.add(member);
    }
    HazelcastInstance first = started.get(0).unwrap(HazelcastInstance.class);
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                first.getCluster().getMembers().size() == members
                    && first.getPartitionService().isClusterSafe());
    return started.get(0);
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Configuration values only; no container objects. */
  private record Context(Map<String, String> values) implements BackendContext {

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
      return BackendState.class.getClassLoader();
    }
  }
}
