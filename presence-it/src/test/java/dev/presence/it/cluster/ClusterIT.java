package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.cluster.ClusterSupport.LogMark;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two real Payara Micro nodes on loopback running the WAR as one cluster (TCP/IP discovery, a
 * cluster name unique to the run): cross-node queries and events, cross-node event latency, and the
 * death ({@code kill -9}) of a node while an observer on the other watches.
 *
 * <p>Presence runs with {@code T = 10 s}, {@code G = 1 s}. Measured figures are printed and
 * appended to {@code target/cluster-it/metrics.txt}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);

  private static PayaraNode nodeA;
  private static PayaraNode nodeB;
  private static PayaraNode nodeC;
  private static String cluster;
  private static int hzB;
  private static List<Integer> members;
  private static List<String> presence;
  private static Http httpA;
  private static Http httpB;
  private static Path dir;
  private static final Map<String, Integer> logMarks = new HashMap<>();
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Metrics METRICS =
      new Metrics(
          "ClusterIT", Path.of("target", "cluster-it", "metrics.txt").toAbsolutePath(), RUN);

  @BeforeAll
  static void startCluster() throws MalformedURLException {
    dir = Path.of("target", "cluster-it", RUN).toAbsolutePath();
    int hzA = PayaraNode.freePort();
    hzB = PayaraNode.freePort();
    members = List.of(hzA, hzB);
    presence = ClusterSupport.presenceArgs(T, G);
    cluster = "presence-it-" + RUN;
    long t0 = System.nanoTime();
    nodeA =
        PayaraNode.start(
            "node-a",
            dir.resolve("a"),
            cluster,
            hzA,
            members,
            PayaraNode.Options.defaults().jvmArgs(presence));
    long t1 = System.nanoTime();
    // A node joining a running cluster starts as a lite member (README, "Running several nodes").
    nodeB = start("node-b", "b", hzB);
    long t2 = System.nanoTime();
    httpA = new Http(nodeA.base().toURL());
    httpB = new Http(nodeB.base().toURL());
    ClusterSupport.awaitMembers("both nodes see a two-member cluster", 2, nodeA, nodeB);
    metric(
        "startup: node A ready in %d ms, node B ready in %d ms (one after the other)",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  @AfterAll
  static void stopCluster() {
    if (nodeC != null) {
      nodeC.kill();
    }
    if (nodeB != null) {
      nodeB.close();
    }
    if (nodeA != null) {
      nodeA.close();
    }
  }

  /**
   * Joins, attribute sets and leaves through REST and WebSocket on either node are visible to
   * queries on the other node and reach observers on both nodes exactly once, in one gap-free seq
   * ({@link ClusterScenarios#crossNodeQueriesAndEvents}).
   */
  @Test
  @Order(1)
  void crossNodeQueriesAndEvents() throws Exception {
    ClusterScenarios.crossNodeQueriesAndEvents(pair());
    assertNoSerializationTrouble();
  }

  /**
   * Cross-node event latency: two writers (one WebSocket per node) each set attributes 10 times a
   * second for 10 s; observers on both nodes time each event against its send time.
   */
  @Test
  @Order(2)
  void crossNodeLatency() throws Exception {
    String ch = "latency-" + RUN;
    int perWriterPerSecond = 10;
    int seconds = 10;
    int perWriter = perWriterPerSecond * seconds;
    try (Observer obsA = new Observer(nodeA.base(), Tokens.dev("watcher-a"), ch);
        Observer obsB = new Observer(nodeB.base(), Tokens.dev("watcher-b"), ch);
        WsClient wa = WsClient.connect(httpA, Tokens.dev("writer-a"));
        WsClient wb = WsClient.connect(httpB, Tokens.dev("writer-b"))) {
      wa.join(ch);
      wb.join(ch);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> obsA.events().size() >= 2 && obsB.events().size() >= 2);
      Map<String, Long> sent = new java.util.concurrent.ConcurrentHashMap<>();
      CountDownLatch done = new CountDownLatch(2 * perWriter);
      AtomicInteger failures = new AtomicInteger();
      ScheduledExecutorService pacer = Executors.newScheduledThreadPool(2);
      try {
        long periodMicros = 1_000_000L / perWriterPerSecond;
        for (String node : List.of("a", "b")) {
          WsClient w = node.equals("a") ? wa : wb;
          AtomicInteger i = new AtomicInteger();
          pacer.scheduleAtFixedRate(
              () -> {
                int k = i.incrementAndGet();
                if (k > perWriter) {
                  return;
                }
                String value = node + k;
                sent.put(value, System.nanoTime());
                try {
                  JsonNode r = w.setAttributes(ch, Map.of("n", value));
                  if (!"ok".equals(r.path("type").asText())) {
                    failures.incrementAndGet();
                  }
                } catch (RuntimeException | AssertionError e) {
                  failures.incrementAndGet();
                }
                done.countDown();
              },
              node.equals("a") ? 0 : periodMicros / 2,
              periodMicros,
              TimeUnit.MICROSECONDS);
        }
        assertThat(done.await(seconds + 30L, TimeUnit.SECONDS)).as("writes done").isTrue();
      } finally {
        pacer.shutdownNow();
      }
      assertThat(failures.get()).as("failed writes").isZero();
      int n = 2 + 2 * perWriter;
      await("all events on both observers")
          .atMost(Duration.ofSeconds(20))
          .until(() -> obsA.events().size() >= n && obsB.events().size() >= n);
      obsA.assertGapFree();
      obsB.assertGapFree();
      assertThat(Observer.describe(obsA.events())).isEqualTo(Observer.describe(obsB.events()));

      List<Long> cross = new ArrayList<>();
      List<Long> local = new ArrayList<>();
      for (Observer obs : List.of(obsA, obsB)) {
        String here = obs == obsA ? "a" : "b";
        for (Observer.Arrival arrival : obs.arrivals()) {
          String value = arrival.message().path("attributes").path("n").asText();
          Long at = sent.get(value);
          if (at == null) {
            continue;
          }
          long micros = (arrival.nanos() - at) / 1000;
          (value.startsWith(here) ? local : cross).add(micros);
        }
      }
      assertThat(cross).hasSize(2 * perWriter);
      assertThat(local).hasSize(2 * perWriter);
      metric(
          "latency at %d events/s (%d writers x %d/s, %d s), send -> observer: cross-node p50 %.1f"
              + " ms p99 %.1f ms max %.1f ms; same-node p50 %.1f ms p99 %.1f ms",
          2 * perWriterPerSecond,
          2,
          perWriterPerSecond,
          seconds,
          percentile(cross, 50),
          percentile(cross, 99),
          percentile(cross, 100),
          percentile(local, 50),
          percentile(local, 99));
      assertThat(percentile(cross, 99)).as("cross-node p99 ms").isLessThan(2000.0);
      wa.leave(ch);
      wb.leave(ch);
    }
    assertNoSerializationTrouble();
  }

  /**
   * {@code kill -9} of node B: a user joined only through B times out on A, a user joined through
   * both stays ({@link ClusterScenarios#nodeDeath}).
   */
  @Test
  @Order(3)
  void nodeDeath() {
    ClusterScenarios.nodeDeath(pair());
    assertNoSerializationTrouble();
  }

  private static ClusterScenarios.Pair pair() {
    return new ClusterScenarios.Pair(nodeA, nodeB, T, G, RUN, METRICS);
  }

  /**
   * A node joining the running cluster disturbs nothing: while node C starts (with {@code --lite}:
   * it joins the data grid several seconds before its WAR is deployed, and is promoted to a data
   * member by the backend once the WAR runs), REST joins and leaves on node A, on 64 channels so
   * that their keys spread over the partitions that move to C, keep succeeding; and no node logs a
   * class or serialization error.
   */
  @Test
  @Order(4)
  void nodeJoiningDisturbsNothing() throws Exception {
    String token = Tokens.dev("loader");
    List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger ops = new AtomicInteger();
    ScheduledExecutorService loader = Executors.newSingleThreadScheduledExecutor();
    try {
      loader.scheduleWithFixedDelay(
          () -> {
            String ch = "startup-" + RUN + "-" + (ops.incrementAndGet() % 64);
            for (String method : List.of("PUT", "DELETE")) {
              try {
                Http.Reply r = httpA.send(method, Http.member(ch, "loader"), token, null);
                if (r.status() / 100 != 2) {
                  failures.add(r.toString());
                }
              } catch (RuntimeException e) {
                failures.add(method + " " + ch + ": " + e);
              }
            }
          },
          0,
          50,
          TimeUnit.MILLISECONDS);
      startNodeC();
    } finally {
      loader.shutdown();
      assertThat(loader.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
    metric(
        "node C joined while node A served %d REST join+leave pairs: %d failed",
        ops.get(), failures.size());
    // Whatever failed, the loader ends up in no channel (a REST session lives T at most), on
    // both nodes: no ghost membership or index entry is left behind.
    for (Http http : List.of(httpA, ClusterSupport.http(nodeC))) {
      await("loader in no channel on " + http.base())
          .atMost(T.plus(G).plusSeconds(5))
          .pollInterval(Duration.ofMillis(250))
          .untilAsserted(
              () ->
                  assertThat(http.get(Http.userChannels("loader"), token).okJson().path("channels"))
                      .isEmpty());
    }
    assertThat(failures)
        .as("REST calls on node A that failed while node C started (%d pairs)", ops.get())
        .isEmpty();
    assertNoSerializationTrouble();
  }

  /**
   * A frozen node ({@code SIGSTOP}): a third node joins in B's place and is frozen with a user
   * joined only through it. Its TCP connections stay open, so only Hazelcast's heartbeat timeout
   * ({@value PayaraNode#MAX_NO_HEARTBEAT_S} s here, 60 s by default) can detect it: this checks
   * that the settings take effect in Payara's Hazelcast, and that the user times out within T + G +
   * 5 s after detection.
   */
  @Test
  @Order(5)
  void frozenNode() {
    if (nodeC == null) { // nodeJoiningDisturbsNothing did not run
      startNodeC();
    }
    Http httpC = ClusterSupport.http(nodeC);
    String ch = "frozen-" + RUN;
    Observer obs = new Observer(nodeA.base(), Tokens.dev("watcher-a"), ch);
    WsClient frozen = WsClient.connect(httpC, Tokens.dev("frozen"));
    WsClient stays = WsClient.connect(httpA, Tokens.dev("stays"));
    try {
      frozen.join(ch);
      stays.join(ch);
      await("joins seen on A").atMost(Duration.ofSeconds(10)).until(() -> obs.events().size() >= 2);
      assertThat(Events.kindsAndUsers(obs.events())).containsExactly("join:frozen", "join:stays");

      LogMark logMark = LogMark.of(nodeA);
      long stopped = System.nanoTime();
      nodeC.signal("STOP");
      frozen.stopHeartbeats();
      ClusterScenarios.awaitAlone(
          "node A removes the frozen node C (log " + nodeA.logFile() + ")", logMark);
      long detected = System.nanoTime();
      Duration budget = T.plus(G).plusSeconds(5);
      await("timeout of frozen within T + G + 5 s of detection")
          .atMost(budget)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> obs.events().size() >= 3);
      long timedOut = obs.arrivals().get(2).nanos();
      Events.assertEvent(obs.events().get(2), "timeout", ch, "frozen", Map.of(), 1);
      metric(
          "frozen node (SIGSTOP): failure detected %d ms after the stop (max.no.heartbeat %d s);"
              + " timeout seen %d ms after the stop (%d ms after detection)",
          (detected - stopped) / 1_000_000,
          PayaraNode.MAX_NO_HEARTBEAT_S,
          (timedOut - stopped) / 1_000_000,
          (timedOut - detected) / 1_000_000);
      assertThat((detected - stopped) / 1_000_000_000.0)
          .as("detection (s) with max.no.heartbeat %d s", PayaraNode.MAX_NO_HEARTBEAT_S)
          .isLessThan(PayaraNode.MAX_NO_HEARTBEAT_S + 10.0);
      obs.assertGapFree();
      ClusterScenarios.awaitUsers(httpA, ch, Map.of("stays", Map.of()));
    } finally {
      frozen.abort();
      stays.close();
      obs.close();
      nodeC.kill();
    }
  }

  /** Starts a node that joins the running cluster: with {@code --lite}. */
  private static PayaraNode start(String name, String subdir, int hzPort) {
    return PayaraNode.start(
        name,
        dir.resolve(subdir),
        cluster,
        hzPort,
        members,
        PayaraNode.Options.defaults().jvmArgs(presence).payaraArgs("--lite"));
  }

  /** Starts node C and waits until node A sees it. */
  private static void startNodeC() {
    nodeC = start("node-c", "c", hzB);
    ClusterSupport.awaitMembers("node A sees node C", 2, nodeA);
  }

  /** Remembers where each node's log stood when the test began. */
  @BeforeEach
  void markLogs() {
    logMarks.clear();
    for (PayaraNode node : nodes()) {
      logMarks.put(node.name(), node.log().length());
    }
  }

  private static List<PayaraNode> nodes() {
    List<PayaraNode> nodes = new ArrayList<>();
    for (PayaraNode node : new PayaraNode[] {nodeA, nodeB, nodeC}) {
      if (node != null) {
        nodes.add(node);
      }
    }
    return nodes;
  }

  /**
   * Asserts that no node logged a class or serialization error since the test began (a node started
   * during the test: since its start), except the counted reads of operations Hazelcast retried
   * while partitions moved to a node promoted from lite member ({@link
   * ClusterSupport#RETRIED_READ}: the store sends them again; node B is promoted about a second
   * after it is ready, which may fall into the first test).
   */
  private static void assertNoSerializationTrouble() {
    for (PayaraNode node : nodes()) {
      String log = node.log().substring(logMarks.getOrDefault(node.name(), 0));
      ClusterSupport.assertNoSerializationTrouble(
          node, log, ClusterSupport.RETRIED_READ, METRICS, false);
    }
  }

  private static double percentile(List<Long> micros, int p) {
    List<Long> sorted = new ArrayList<>(micros);
    sorted.sort(null);
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index))) / 1000.0;
  }

  private static void metric(String format, Object... args) {
    METRICS.print(format, args);
  }
}
