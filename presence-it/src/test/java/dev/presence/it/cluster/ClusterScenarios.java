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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The two-node checks every cluster IT runs on its own kind of server ({@link ClusterIT} on Payara
 * Micro, {@link WildFlyClusterIT} on WildFly): cross-node queries and events in one gap-free seq,
 * and the death ({@code kill -9}) of a node while an observer on the other watches. Each takes the
 * two running nodes of one cluster as a {@link Pair}; node death kills {@code b}.
 */
final class ClusterScenarios {

  private ClusterScenarios() {}

  /**
   * Two running nodes of one cluster and what the checks need to know about them.
   *
   * @param a the first node (it survives {@link #nodeDeath})
   * @param b the second node ({@link #nodeDeath} kills it)
   * @param t the presence timeout the nodes run with
   * @param g the grace period the nodes run with
   * @param run what makes channel names unique to the run
   * @param metrics where measured figures go
   */
  record Pair(ClusterNode a, ClusterNode b, Duration t, Duration g, String run, Metrics metrics) {

    Http httpA() {
      return ClusterSupport.http(a);
    }

    Http httpB() {
      return ClusterSupport.http(b);
    }
  }

  /**
   * Joins, attribute sets and leaves through REST and WebSocket on either node are visible to
   * queries on the other node and reach observers on both nodes exactly once, in one gap-free seq;
   * writes on both nodes to the same channel at the same time are ordered the same for both.
   */
  static void crossNodeQueriesAndEvents(Pair pair) throws Exception {
    String ch = "cross-" + pair.run();
    try (Observer obsA = new Observer(pair.a().base(), Tokens.dev("watcher-a"), ch);
        Observer obsB = new Observer(pair.b().base(), Tokens.dev("watcher-b"), ch);
        WsClient alice = WsClient.connect(pair.httpA(), Tokens.dev("alice"));
        WsClient carol = WsClient.connect(pair.httpB(), Tokens.dev("carol"))) {
      assertThat(obsA.snapshotSeq()).isEqualTo(obsB.snapshotSeq());
      long seq0 = obsA.snapshotSeq();
      List<String> expected = new ArrayList<>();

      // WebSocket on A -> queries on B.
      alice.join(ch);
      expected.add("join:alice");
      awaitUsers(pair.httpB(), ch, Map.of("alice", Map.of()));
      assertThat(alice.setAttributes(ch, Map.of("mood", "happy")).path("type").asText())
          .isEqualTo("ok");
      expected.add("attributesUpdate:alice");
      await("alice's attributes on B")
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          Json.stringMap(
                              pair.httpB()
                                  .get(Http.attributes(ch, "alice"), Tokens.dev("x"))
                                  .okJson()))
                      .isEqualTo(Map.of("mood", "happy")));
      assertThat(
              pair.httpB()
                  .get(Http.userChannels("alice"), Tokens.dev("alice"))
                  .okJson()
                  .path("channels"))
          .extracting(JsonNode::asText)
          .contains(ch);

      // REST on B -> queries on A (done quickly: the REST session lives T).
      String bob = Tokens.dev("bob");
      pair.httpB().put(Http.member(ch, "bob"), bob).ok();
      expected.add("join:bob");
      pair.httpB().put(Http.attributes(ch, "bob"), bob, "{\"mood\":\"busy\"}").ok();
      expected.add("attributesUpdate:bob");
      awaitUsers(
          pair.httpA(),
          ch,
          Map.of("alice", Map.of("mood", "happy"), "bob", Map.of("mood", "busy")));
      pair.httpB().delete(Http.member(ch, "bob"), bob).ok();
      expected.add("leave:bob");
      awaitUsers(pair.httpA(), ch, Map.of("alice", Map.of("mood", "happy")));

      // WebSocket on B, REST on A.
      carol.join(ch);
      expected.add("join:carol");
      String dave = Tokens.dev("dave");
      pair.httpA().put(Http.member(ch, "dave"), dave).ok();
      expected.add("join:dave");
      pair.httpA().delete(Http.member(ch, "dave"), dave).ok();
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
      for (Http http : List.of(pair.httpA(), pair.httpB())) {
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
  }

  /**
   * {@code kill -9} of node B: a user joined only through B times out (seen by an observer on A
   * within T + G + 5 s after the failure is detected); a user joined through both A and B stays,
   * with no event.
   */
  static void nodeDeath(Pair pair) {
    nodeDeath(
        pair,
        mark ->
            awaitAlone(
                "node A removes node B from the cluster (log " + pair.a().logFile() + ")", mark));
  }

  /**
   * {@link #nodeDeath(Pair)} with the failure detection the store has: {@code awaitDetection} gets
   * a mark of A's log taken just before the kill and returns once A has seen B go (a backend that
   * logs nothing then returns at once, and the budget counts from the kill).
   */
  static void nodeDeath(Pair pair, Consumer<LogMark> awaitDetection) {
    String ch = "death-" + pair.run();
    Observer obs = new Observer(pair.a().base(), Tokens.dev("watcher-a"), ch);
    WsClient solo = WsClient.connect(pair.httpB(), Tokens.dev("solo"));
    WsClient dualA = WsClient.connect(pair.httpA(), Tokens.dev("dual"));
    WsClient dualB = WsClient.connect(pair.httpB(), Tokens.dev("dual"));
    try {
      solo.join(ch);
      assertThat(solo.setAttributes(ch, Map.of("where", "b")).path("type").asText())
          .isEqualTo("ok");
      dualB.join(ch);
      dualA.join(ch);
      await("joins seen on A").atMost(Duration.ofSeconds(10)).until(() -> obs.events().size() >= 3);
      assertThat(Events.kindsAndUsers(obs.events()))
          .containsExactly("join:solo", "attributesUpdate:solo", "join:dual");
      awaitUsers(pair.httpA(), ch, Map.of("solo", Map.of("where", "b"), "dual", Map.of()));

      LogMark logMark = LogMark.of(pair.a());
      long killed = System.nanoTime();
      pair.b().kill();
      long gone = System.nanoTime();
      assertThat(pair.b().alive()).isFalse();

      awaitDetection.accept(logMark);
      long detected = System.nanoTime();
      Duration budget = pair.t().plus(pair.g()).plusSeconds(5);
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
      assertThat(Duration.ofNanos(timedOut - killed))
          .as("kill -9 -> timeout seen on the survivor (SPEC 3: within T + G + 5 s of the death)")
          .isLessThanOrEqualTo(budget);
      pair.metrics()
          .print(
              "node death: kill -9 took %d ms; failure detected %d ms after kill; timeout seen %d ms"
                  + " after kill (%d ms after detection; T=%ds G=%ds, budget %ds after detection)",
              (gone - killed) / 1_000_000,
              (detected - killed) / 1_000_000,
              (timedOut - killed) / 1_000_000,
              (timedOut - detected) / 1_000_000,
              pair.t().toSeconds(),
              pair.g().toSeconds(),
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
      awaitUsers(pair.httpA(), ch, Map.of("dual", Map.of()));
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
  }

  /** Waits until the node logged a one-member list after the mark. */
  static void awaitAlone(String alias, LogMark mark) {
    ClusterSupport.awaitMembersSince(alias, Duration.ofSeconds(90), Duration.ofMillis(50), 1, mark);
  }

  /** Waits until the channel's users on this node are exactly these (with attributes). */
  static void awaitUsers(Http http, String ch, Map<String, Map<String, String>> users) {
    ClusterSupport.awaitUsers(http, ch, users, true);
  }
}
