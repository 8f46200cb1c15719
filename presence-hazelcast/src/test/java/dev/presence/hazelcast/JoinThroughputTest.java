package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * A quick measurement of join throughput on one embedded member, not a timed test: it runs only
 * with {@code -Dpresence.perf=true} and prints what it measured.
 *
 * <pre>mvn -pl presence-hazelcast verify -Dtest=JoinThroughputTest -Dpresence.perf=true</pre>
 */
@EnabledIfSystemProperty(named = "presence.perf", matches = "true")
class JoinThroughputTest {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final int THREADS = 8;

  @Test
  @DisplayName(
      "joins per second: new users in 1000 channels, then in one big channel, then renewals")
  void measure() throws Exception {
    try (PresenceBackend backend =
        new HazelcastPresenceBackendProvider().create(TestCluster.embedded())) {
      PresenceStore store = backend.store();
      String node = backend.nodeId();
      run("warm-up", store, node, 20_000, i -> "warm-" + (i % 100), "w");
      run("new users, 1000 channels", store, node, 100_000, i -> "c-" + (i % 1000), "a");
      run("new users, one channel", store, node, 50_000, i -> "big", "b");
      run("renewals, 1000 channels", store, node, 100_000, i -> "c-" + (i % 1000), "a");
      assertThat(store.occupancy(ChannelId.of("big")).occupancy()).isEqualTo(50_000);
    }
  }

  private interface ChannelOf {
    String of(int i);
  }

  private static void run(
      String label, PresenceStore store, String node, int joins, ChannelOf channel, String prefix)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    long start = System.nanoTime();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      int first = t;
      futures.add(
          pool.submit(
              () -> {
                for (int i = first; i < joins; i += THREADS) {
                  store.join(
                      ChannelId.of(channel.of(i)),
                      UserId.of(prefix + "-user-" + i),
                      SessionLease.nodeBound(SessionId.of(prefix + "-s-" + i), node),
                      1_000_000,
                      NOW);
                }
              }));
    }
    for (Future<?> f : futures) {
      f.get(10, TimeUnit.MINUTES);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    pool.shutdown();
    System.out.printf(
        "JOIN THROUGHPUT %-28s %,8d joins in %6.2f s = %,9.0f joins/s%n",
        label, joins, seconds, joins / seconds);
  }
}
