package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.it.cluster.ClusterSupport.Metrics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two real Payara Micro nodes with {@code presence.store=redis} on a Redis primary with one replica
 * and one Sentinel (all the test's own, on free loopback ports, without persistence). The nodes
 * know only the Sentinel ({@code presence.redis.uri=redis-sentinel://127.0.0.1:<port>#presence}).
 * The primary is killed ({@code kill -9}); Sentinel promotes the replica (it sends it {@code
 * REPLICAOF NO ONE}) and the nodes' connections find the new primary through Sentinel when they
 * reconnect. The nodes survive it as they survive a restart ({@link
 * RedisClusterIT.RedisOutage#survive}).
 *
 * <p>Sentinel waits {@value #DOWN_AFTER_MS} ms before it fails over, so that the test sees the
 * outage (503) on both nodes first. The node TTL (10 s) is longer than the outage, so neither node
 * declares the other lost when the store comes back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisFailoverIT {

  /** Sentinel's {@code down-after-milliseconds}. */
  static final long DOWN_AFTER_MS = 6000;

  private static final String MASTER = "presence";
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Metrics METRICS =
      new Metrics(
          "RedisFailoverIT", Path.of("target", "cluster-it", "metrics.txt").toAbsolutePath(), RUN);

  private static RedisProcess primary;
  private static RedisProcess replica;
  private static RedisProcess sentinel;
  private static PayaraNode nodeA;
  private static PayaraNode nodeB;

  @BeforeAll
  static void start() {
    Path dir = Path.of("target", "cluster-it", "redis-failover-" + RUN).toAbsolutePath();
    primary = RedisProcess.primary("primary", dir);
    replica = RedisProcess.replica("replica", dir, primary);
    sentinel =
        RedisProcess.sentinel("sentinel", dir, primary, MASTER, Duration.ofMillis(DOWN_AFTER_MS));
    await("Sentinel knows the replica")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                sentinel
                    .command("SENTINEL", "REPLICAS", MASTER)
                    .contains(Integer.toString(replica.port())));
    List<String> jvm =
        RedisClusterIT.nodeArgs(
            "redis-sentinel://127.0.0.1:" + sentinel.port() + "#" + MASTER,
            "it-" + RUN + ":",
            "10s");
    long t0 = System.nanoTime();
    nodeA = RedisClusterIT.startNode("node-a", dir.resolve("a"), jvm);
    nodeB = RedisClusterIT.startNode("node-b", dir.resolve("b"), jvm);
    METRICS.print("startup: both nodes ready %d ms after the first started", RedisClusterIT.ms(t0));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {nodeB, nodeA, sentinel, replica, primary}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("[RedisFailoverIT] close: " + e);
        }
      }
    }
  }

  /**
   * The primary dies; Sentinel promotes the replica; both nodes answer 503 {@code UNAVAILABLE}
   * meanwhile and recover by themselves on the new primary, with neither ghosts nor lost leaves.
   */
  @Test
  @Order(1)
  void replicaPromotedBySentinel() {
    assertThat(nodeA.log()).contains("Presence engine started: backend 'redis'");
    RedisClusterIT.RedisOutage.survive(
        new ClusterScenarios.Pair(nodeA, nodeB, RedisClusterIT.T, RedisClusterIT.G, RUN, METRICS),
        METRICS,
        "primary kill -9, replica promoted by Sentinel",
        () -> primary.kill(),
        () -> {
          await("Sentinel names the replica as the primary")
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(100))
              .until(
                  () ->
                      sentinel
                          .command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER)
                          .endsWith("\n" + replica.port()));
          assertThat(replica.command("ROLE")).startsWith("master");
        },
        true);
  }
}
