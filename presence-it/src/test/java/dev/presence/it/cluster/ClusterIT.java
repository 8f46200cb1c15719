package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.cluster.ClusterSupport.LogMark;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
   * queries on the other node and reach observers on both nodes exactly once, in one gap-free seq;
   * writes on both nodes to the same channel at the same time are ordered the same for both.
   */
  @Test
  @Order(1)
  void crossNodeQueriesAndEvents() throws Exception {
    String ch = "cross-" + RUN;
    try (Observer obsA = new Observer(nodeA.base(), Tokens.dev("watcher-a"), ch);
        Observer obsB = new Observer(nodeB.base(), Tokens.dev("watcher-b"), ch);
        WsClient alice = WsClient.connect(httpA, Tokens.dev("alice"));
        WsClient carol = WsClient.connect(httpB, Tokens.dev("carol"))) {
      assertThat(obsA.snapshotSeq()).isEqualTo(obsB.snapshotSeq());
      long seq0 = obsA.snapshotSeq();
      List<String> expected = new ArrayList<>();

      // WebSocket on A -> queries on B.
      alice.join(ch);
      expected.add("join:alice");
      awaitUsers(httpB, ch, Map.of("alice", Map.of()));
      assertThat(alice.setAttributes(ch, Map.of("mood", "happy")).path("type").asText())
          .isEqualTo("ok");
      expected.add("attributesUpdate:alice");
      await("alice's attributes on B")
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          Json.stringMap(
                              httpB.get(Http.attributes(ch, "alice"), Tokens.dev("x")).okJson()))
                      .isEqualTo(Map.of("mood", "happy")));
      assertThat(
              httpB.get(Http.userChannels("alice"), Tokens.dev("alice")).okJson().path("channels"))
          .extracting(JsonNode::asText)
          .contains(ch);

      // REST on B -> queries on A (done quickly: the REST session lives T).
      String bob = Tokens.dev("bob");
      httpB.put(Http.member(ch, "bob"), bob).ok();
      expected.add("join:bob");
      httpB.put(Http.attributes(ch, "bob"), bob, "{\"mood\":\"busy\"}").ok();
      expected.add("attributesUpdate:bob");
      awaitUsers(
          httpA, ch, Map.of("alice", Map.of("mood", "happy"), "bob", Map.of("mood", "busy")));
      httpB.delete(Http.member(ch, "bob"), bob).ok();
      expected.add("leave:bob");
      awaitUsers(httpA, ch, Map.of("alice", Map.of("mood", "happy")));

      // WebSocket on B, REST on A.
      carol.join(ch);
      expected.add("join:carol");
      String dave = Tokens.dev("dave");
      httpA.put(Http.member(ch, "dave"), dave).ok();
      expected.add("join:dave");
      httpA.delete(Http.member(ch, "dave"), dave).ok();
      expected.add("leave:dave");
      // The WebSocket query on B sees A's REST leave (a WebSocket read is not cached).
      JsonNode viaWs = carol.ok(Json.object("type", "channelUsers", "channel", ch)).path("result");
      assertThat(viaWs.path("users").findValuesAsText("userId"))
          .as("%s", viaWs)
          .containsExactlyInAnyOrder("alice", "carol");
      assertThat(viaWs.path("seq").asLong()).as("%s", viaWs).isEqualTo(seq0 + expected.size());

      // Writes on both nodes to the same channel at the same time.
      int perUser = 20;
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> writers = new ArrayList<>();
        for (WsClient writer : List.of(alice, carol)) {
          writers.add(
              pool.submit(
                  () -> {
                    for (int i = 1; i <= perUser; i++) {
                      JsonNode r = writer.setAttributes(ch, Map.of("n", Integer.toString(i)));
                      assertThat(r.path("type").asText()).as("%s", r).isEqualTo("ok");
                    }
                  }));
        }
        for (Future<?> w : writers) {
          w.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      for (int i = 0; i < perUser; i++) {
        expected.add("attributesUpdate:alice");
        expected.add("attributesUpdate:carol");
      }

      alice.leave(ch);
      expected.add("leave:alice");
      carol.leave(ch);
      expected.add("leave:carol");

      int n = expected.size();
      await("all " + n + " events on both observers")
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> obsA.events().size() >= n && obsB.events().size() >= n);
      // Nothing more arrives (no duplicate delivered late).
      await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(3))
          .until(() -> obsA.events().size() == n && obsB.events().size() == n);

      List<JsonNode> a = obsA.events();
      List<JsonNode> b = obsB.events();
      obsA.assertGapFree();
      obsB.assertGapFree();
      assertThat(Observer.describe(a)).as("observer on A vs B").isEqualTo(Observer.describe(b));
      assertThat(Events.kindsAndUsers(a)).containsExactlyInAnyOrderElementsOf(expected);
      // Each writer's own operations keep their order.
      for (String user : List.of("alice", "carol")) {
        List<String> ns =
            a.stream()
                .filter(e -> e.path("userId").asText().equals(user))
                .filter(e -> e.path("event").asText().equals("attributesUpdate"))
                .map(e -> e.path("attributes").path("n").asText())
                .filter(s -> !s.isEmpty())
                .toList();
        List<String> want = new ArrayList<>();
        for (int i = 1; i <= perUser; i++) {
          want.add(Integer.toString(i));
        }
        assertThat(ns).as("attribute updates of %s in order", user).isEqualTo(want);
      }
      for (JsonNode e : a) {
        Events.assertTimestamp(e);
      }
      long last = seq0 + n;
      assertThat(a.get(n - 1).path("seq").asLong()).isEqualTo(last);
      // Queries on both nodes say the channel is empty at the last seq.
      for (Http http : List.of(httpA, httpB)) {
        await("empty channel at seq " + last + " on " + http.base())
            .atMost(Duration.ofSeconds(10))
            .untilAsserted(
                () -> {
                  JsonNode c = http.get(Http.channel(ch), Tokens.dev("x")).okJson();
                  assertThat(c.path("occupancy").asInt()).as("%s", c).isZero();
                  assertThat(c.path("seq").asLong()).as("%s", c).isEqualTo(last);
                });
      }
    }
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
   * {@code kill -9} of node B: a user joined only through B times out (seen by an observer on A
   * within T + G + 5 s after the failure is detected); a user joined through both A and B stays,
   * with no event.
   */
  @Test
  @Order(3)
  void nodeDeath() {
    String ch = "death-" + RUN;
    Observer obs = new Observer(nodeA.base(), Tokens.dev("watcher-a"), ch);
    WsClient solo = WsClient.connect(httpB, Tokens.dev("solo"));
    WsClient dualA = WsClient.connect(httpA, Tokens.dev("dual"));
    WsClient dualB = WsClient.connect(httpB, Tokens.dev("dual"));
    try {
      solo.join(ch);
      assertThat(solo.setAttributes(ch, Map.of("where", "b")).path("type").asText())
          .isEqualTo("ok");
      dualB.join(ch);
      dualA.join(ch);
      await("joins seen on A").atMost(Duration.ofSeconds(10)).until(() -> obs.events().size() >= 3);
      assertThat(Events.kindsAndUsers(obs.events()))
          .containsExactly("join:solo", "attributesUpdate:solo", "join:dual");
      awaitUsers(httpA, ch, Map.of("solo", Map.of("where", "b"), "dual", Map.of()));

      LogMark logMark = LogMark.of(nodeA);
      long killed = System.nanoTime();
      nodeB.kill();
      long gone = System.nanoTime();
      assertThat(nodeB.alive()).isFalse();

      awaitAlone("node A removes node B from the cluster (log " + nodeA.logFile() + ")", logMark);
      long detected = System.nanoTime();
      Duration budget = T.plus(G).plusSeconds(5);
      Observer.Arrival timeout =
          obs.awaitEvent(
              "timeout of solo within T + G + 5 s of detection",
              budget,
              0,
              e ->
                  e.path("userId").asText().equals("solo")
                      && e.path("event").asText().equals("timeout"));
      long timedOut = timeout.nanos();
      Events.assertEvent(timeout.message(), "timeout", ch, "solo", Map.of("where", "b"), 1);
      metric(
          "node death: kill -9 took %d ms; failure detected %d ms after kill; timeout seen %d ms"
              + " after kill (%d ms after detection; T=%ds G=%ds, budget %ds after detection)",
          (gone - killed) / 1_000_000,
          (detected - killed) / 1_000_000,
          (timedOut - killed) / 1_000_000,
          (timedOut - detected) / 1_000_000,
          T.toSeconds(),
          G.toSeconds(),
          budget.toSeconds());

      // Nothing for dual until the whole budget after detection has passed.
      long deadline = detected + budget.toNanos() + 1_000_000_000L;
      Duration rest = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      if (!rest.isZero()) {
        await("no event for dual")
            .during(rest)
            .atMost(rest.plusSeconds(5))
            .until(() -> obs.events().size() == 4);
      }
      assertThat(Events.kindsAndUsers(obs.events()))
          .containsExactly("join:solo", "attributesUpdate:solo", "join:dual", "timeout:solo");
      obs.assertGapFree();
      awaitUsers(httpA, ch, Map.of("dual", Map.of()));
      assertThat(dualA.closed()).as("dual's session on A").isNotDone();
      dualA.leave(ch);
      await("leave:dual").atMost(Duration.ofSeconds(10)).until(() -> obs.events().size() == 5);
      assertThat(Events.kindsAndUsers(obs.events()).get(4)).isEqualTo("leave:dual");
      obs.assertGapFree();
    } finally {
      solo.abort();
      dualB.abort();
      dualA.close();
      obs.close();
    }
    assertNoSerializationTrouble();
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
      awaitAlone("node A removes the frozen node C (log " + nodeA.logFile() + ")", logMark);
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
      awaitUsers(httpA, ch, Map.of("stays", Map.of()));
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

  /** Waits until the node logged a one-member list after the mark. */
  private static void awaitAlone(String alias, LogMark mark) {
    ClusterSupport.awaitMembersSince(alias, Duration.ofSeconds(90), Duration.ofMillis(50), 1, mark);
  }

  /** Waits until the channel's users on this node are exactly these (with attributes). */
  private static void awaitUsers(Http http, String ch, Map<String, Map<String, String>> users) {
    ClusterSupport.awaitUsers(http, ch, users, true);
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
