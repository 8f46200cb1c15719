package dev.presence.it.bench;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The baseline, measured in the same run so that the box's load at the time shows: one operation is
 * a plain put of a short string under the next of 1,000 keys, on the driven member's own map
 * ({@code IMap.set} with Hazelcast's default map configuration: BINARY format, one synchronous
 * backup), a Redis {@code SET} through the {@code redis} backend's own Lettuce connection (the same
 * client, URI, timeouts and codec as its scripts), or on a {@link ConcurrentHashMap} for the {@code
 * memory} backend. No presence code runs.
 */
@State(Scope.Benchmark)
public class RawMapBenchmark extends StoreBenchmark {

  private static final int KEYS = 1_000;

  private final String[] keys = new String[KEYS];
  private Map<String, String> map;
  private IMap<String, String> imap;
  private RedisCommands<String, String> redis;
  private long next;

  /** Chooses the map. */
  @Setup
  public void open(BackendState backend) {
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "key-" + i;
    }
    switch (backend.backend) {
      case "memory" -> map = new ConcurrentHashMap<>();
      case "redis" -> redis = redisConnection(backend).sync();
      default -> imap = backend.unwrap(HazelcastInstance.class).getMap("bench-raw");
    }
  }

  @SuppressWarnings("unchecked") // the backend's command connection uses the String codec
  private static StatefulRedisConnection<String, String> redisConnection(BackendState backend) {
    return backend.unwrap(StatefulRedisConnection.class);
  }

  /** Puts a value under the next key. */
  @Benchmark
  @Threads(1)
  public void put() {
    String key = keys[(int) (next++ % KEYS)];
    if (imap != null) {
      imap.set(key, "value");
    } else if (redis != null) {
      redis.set(key, "value");
    } else {
      map.put(key, "value");
    }
  }
}
