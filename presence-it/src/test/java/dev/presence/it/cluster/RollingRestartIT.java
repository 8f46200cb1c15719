package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A rolling restart of a two-node cluster with WebSocket clients that reconnect (SPEC section 3,
 * issue #4 point 3): node A is stopped with SIGTERM; its clients see their connection closed with
 * 1001, reconnect to node B and join again within the grace period, and an observer on B sees no
 * {@code leave}, {@code join} or {@code timeout} for them; a client that does not come back times
 * out once, after the grace period. A starts again (a new process, the same Hazelcast port, {@code
 * --lite}) and rejoins the cluster without any event. Then the same with B stopped and its clients
 * moving to A. No node logs a class or serialization error at any point, other than a member's
 * failed read of an operation Hazelcast retried while partitions moved (see {@link
 * ClusterSupport#RETRIED_READ}).
 *
 * <p>Presence runs with {@code T = 10 s}, {@code G = 5 s}. Node A starts the cluster as a data
 * member; every node started while another runs gets {@code --lite} (see the root README, "Running
 * several nodes"). Measured figures are printed and appended to {@code
 * target/cluster-it/metrics.txt}.
 */
class RollingRestartIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(5);

  /** How long a SIGTERMed node may take to stop. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Metrics METRICS =
      new Metrics(
          "RollingRestartIT",
          Path.of("target", "cluster-it", "metrics.txt").toAbsolutePath(),
          "rolling-" + RUN);

  private static Path dir;
  private static String cluster;
  private static int hzA;
  private static int hzB;
  private static List<Integer> members;
  private static List<String> presence;
  private static final List<PayaraNode> everyNode = new ArrayList<>();

  @BeforeAll
  static void setUp() {
    dir = Path.of("target", "cluster-it", "rolling-" + RUN).toAbsolutePath();
    hzA = PayaraNode.freePort();
    hzB = PayaraNode.freePort();
    members = List.of(hzA, hzB);
    presence = ClusterSupport.presenceArgs(T, G);
    cluster = "presence-rolling-" + RUN;
  }

  @AfterAll
  static void tearDown() {
    for (PayaraNode node : everyNode) {
      node.kill();
    }
  }

  private static PayaraNode start(String name, int hzPort, boolean lite) {
    PayaraNode.Options options = PayaraNode.Options.defaults().jvmArgs(presence);
    if (lite) {
      options = options.payaraArgs("--lite");
    }
    PayaraNode node = PayaraNode.start(name, dir.resolve(name), cluster, hzPort, members, options);
    everyNode.add(node);
    return node;
  }

  @Test
  void rollingRestartHandsSessionsOver() throws Exception {
    PayaraNode a = start("node-a", hzA, false);
    PayaraNode b = start("node-b", hzB, true);
    awaitMembers(a, 2);
    awaitMembers(b, 2);
    String ch = "rolling-" + RUN;
    List<String> movers = List.of("m1", "m2", "m3");

    // Round 1: clients on A, A stopped, they move to B.
    Observer obsB = new Observer(b.base(), Tokens.dev("watcher-b"), ch);
    Observer obsA = new Observer(a.base(), Tokens.dev("watcher-a"), ch);
    Map<String, WsClient> onA = connectAndJoin(a, ch, movers);
    WsClient goneA = WsClient.connect(http(a), Tokens.dev("gone-a"));
    goneA.join(ch);
    awaitEvents(obsB, 4);
    assertThat(Events.kindsAndUsers(obsB.events()))
        .containsExactlyInAnyOrder("join:m1", "join:m2", "join:m3", "join:gone-a");
    int base = obsB.events().size();

    Map<String, WsClient> onB = new ConcurrentHashMap<>();
    Handover first = stopAndMove("A", a, b, ch, onA, goneA, onB, obsB, base);
    assertOnlyTimeoutSince(obsB, base, "B", "A", "gone-a");
    obsA.close();
    first.print();

    // A starts again (same Hazelcast port, --lite: B runs) and rejoins without any event.
    int beforeRestart = obsB.events().size();
    long r0 = System.nanoTime();
    PayaraNode a2 = start("node-a2", hzA, true);
    long r1 = System.nanoTime();
    awaitMembers(a2, 2);
    awaitMembers(b, 2);
    long r2 = System.nanoTime();
    Observer obsA2 = new Observer(a2.base(), Tokens.dev("watcher-a2"), ch);
    long lastSeq = obsB.events().get(obsB.events().size() - 1).path("seq").asLong();
    assertThat(obsA2.snapshotSeq()).as("the snapshot on the restarted node").isEqualTo(lastSeq);
    // Quiet for a grace period and more after the restart: nothing for anyone.
    await("no event on B while A rejoins")
        .during(G.plusSeconds(2))
        .atMost(G.plusSeconds(10))
        .until(() -> obsB.events().size() == beforeRestart && obsA2.events().isEmpty());
    metric(
        "restart: node A ready again in %d ms, two-member cluster %d ms after the start; no"
            + " event on either observer",
        (r1 - r0) / 1_000_000, (r2 - r0) / 1_000_000);

    // Round 2: B stopped, its clients move to A.
    WsClient goneB = WsClient.connect(http(b), Tokens.dev("gone-b"));
    goneB.join(ch);
    awaitEvents(obsA2, 1);
    assertThat(Events.kindsAndUsers(obsA2.events())).containsExactly("join:gone-b");
    int base2 = obsA2.events().size();
    Map<String, WsClient> onA2 = new ConcurrentHashMap<>();
    Handover second = stopAndMove("B", b, a2, ch, onB, goneB, onA2, obsA2, base2);
    assertOnlyTimeoutSince(obsA2, base2, "A", "B", "gone-b");
    obsB.close();
    second.print();

    // The movers are present through A only, and leave cleanly.
    JsonNode users = http(a2).get(Http.users(ch), Tokens.dev("reader")).okJson();
    assertThat(users.path("users").findValuesAsText("userId"))
        .containsExactlyInAnyOrderElementsOf(movers);
    for (WsClient c : onA2.values()) {
      c.close();
    }
    obsA2.close();
    assertNoSerializationTrouble();
  }

  /**
   * Asserts that the only event on the observer (on node {@code on}) since {@code base}, after the
   * SIGTERM of node {@code stopped}, is the timeout of {@code gone}, and that it saw no gap.
   */
  private static void assertOnlyTimeoutSince(
      Observer obs, int base, String on, String stopped, String gone) {
    assertThat(Events.kindsAndUsers(obs.events().subList(base, obs.events().size())))
        .as("events on %s after %s's SIGTERM: %s", on, stopped, Observer.describe(obs.events()))
        .containsExactly("timeout:" + gone);
    obs.assertGapFree();
  }

  /** Measured figures of one SIGTERM. */
  private record Handover(
      String node,
      long terminatedMs,
      long firstClosedMs,
      long lastClosedMs,
      long lastRejoinedMs,
      long timeoutMs,
      List<Integer> closeCodes) {
    void print() {
      metric(
          "SIGTERM of node %s: process gone after %d ms; clients closed (codes %s) after %d-%d ms;"
              + " all re-joined on the other node after %d ms; the client that stayed away timed"
              + " out after %d ms (G = %d s)",
          node,
          terminatedMs,
          closeCodes,
          firstClosedMs,
          lastClosedMs,
          lastRejoinedMs,
          timeoutMs,
          G.toSeconds());
    }
  }

  /**
   * SIGTERMs {@code from}; each mover reconnects to {@code to} and joins again as soon as its
   * connection closes; {@code gone} does not come back. Returns when {@code gone}'s timeout has
   * reached the observer on {@code to} and a further quiet period has passed.
   */
  private static Handover stopAndMove(
      String name,
      PayaraNode from,
      PayaraNode to,
      String ch,
      Map<String, WsClient> movers,
      WsClient gone,
      Map<String, WsClient> moved,
      Observer obs,
      int base)
      throws Exception {
    Map<String, Long> closedAt = new ConcurrentHashMap<>();
    Map<String, Long> rejoinedAt = new ConcurrentHashMap<>();
    List<Integer> codes = java.util.Collections.synchronizedList(new ArrayList<>());
    List<CompletableFuture<?>> rejoins = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Map.Entry<String, WsClient> e : movers.entrySet()) {
      String user = e.getKey();
      rejoins.add(
          e.getValue()
              .closed()
              .thenAcceptAsync(
                  code -> {
                    closedAt.put(user, System.nanoTime());
                    codes.add(code);
                    WsClient c = WsClient.connect(http(to), Tokens.dev(user));
                    c.join(ch);
                    moved.put(user, c);
                    rejoinedAt.put(user, System.nanoTime());
                  }));
    }
    CompletableFuture<Integer> goneClosed = gone.closed();
    int exit = from.terminate(STOP_TIMEOUT);
    long t1 = System.nanoTime();
    assertThat(from.alive()).isFalse();
    CompletableFuture.allOf(rejoins.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    assertThat(goneClosed.get(5, TimeUnit.SECONDS)).as("close code of gone").isEqualTo(1001);
    assertThat(codes).as("close codes seen by the movers").containsOnly(1001);
    assertThat(moved).containsOnlyKeys(movers.keySet());
    long timedOut =
        obs.awaitEvent(
                "timeout of the client that stayed away",
                G.plus(T).plusSeconds(10),
                base,
                e -> e.path("event").asText().equals("timeout"))
            .nanos();
    // Nothing else for a grace period and more.
    int seen = obs.events().size();
    await("nothing more on the observer")
        .during(G.plusSeconds(2))
        .atMost(G.plusSeconds(10))
        .until(() -> obs.events().size() == seen);
    metric("node %s exited with %d after SIGTERM", name, exit);
    return new Handover(
        name,
        (t1 - t0) / 1_000_000,
        (closedAt.values().stream().min(Long::compare).orElseThrow() - t0) / 1_000_000,
        (closedAt.values().stream().max(Long::compare).orElseThrow() - t0) / 1_000_000,
        (rejoinedAt.values().stream().max(Long::compare).orElseThrow() - t0) / 1_000_000,
        (timedOut - t0) / 1_000_000,
        List.copyOf(codes));
  }

  private static Map<String, WsClient> connectAndJoin(
      PayaraNode node, String ch, List<String> users) {
    Map<String, WsClient> clients = new ConcurrentHashMap<>();
    for (String user : users) {
      WsClient c = WsClient.connect(http(node), Tokens.dev(user));
      c.join(ch);
      clients.put(user, c);
    }
    return clients;
  }

  private static void awaitEvents(Observer obs, int n) {
    await(n + " events")
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> obs.events().size() >= n);
  }

  private static void awaitMembers(PayaraNode node, int n) {
    ClusterSupport.awaitMembers(
        node.name() + " sees " + n + " members (log " + node.logFile() + ")", n, node);
  }

  private static Http http(PayaraNode node) {
    return ClusterSupport.http(node);
  }

  /**
   * Asserts that no node logged a class or serialization error, except the records of operations
   * Hazelcast retried during a partition migration (see {@link ClusterSupport#RETRIED_READ}: the
   * caller sends them again; the observers' exact event lists above prove nothing was lost), which
   * are counted.
   */
  private static void assertNoSerializationTrouble() {
    for (PayaraNode node : everyNode) {
      ClusterSupport.assertNoSerializationTrouble(
          node, node.log(), ClusterSupport.RETRIED_READ, METRICS, true);
    }
  }

  private static void metric(String format, Object... args) {
    METRICS.print(format, args);
  }
}
