package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.SseClient;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.MalformedURLException;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Large channels (SPEC 13.3, issue #15) on two real Payara Micro nodes in one cluster, with {@code
 * presence.channels.announce-max=5}, {@code presence.channels.interval=1s} and {@code
 * presence.ws.snapshot-page=3}: paged snapshots with events held until the last page (WebSocket and
 * SSE), occupancy subscriptions, bad modes refused, observers on both nodes getting identical
 * interval messages for the same seq range, gap-free, and, last, {@code kill -9} of node B while in
 * interval mode: the survivor's observer gets B's users' timeouts in intervals, gap-free. One
 * deployment for the class (the single-node checks run against node A of the pair).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LargeChannelsIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final ClusterSupport.Metrics METRICS =
      new ClusterSupport.Metrics("LargeChannelsIT", null, RUN);

  private static PayaraNode nodeA;
  private static PayaraNode nodeB;
  private static Http httpA;
  private static Http httpB;
  private static final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws MalformedURLException {
    Path dir = Path.of("target", "large-channels-it", RUN).toAbsolutePath();
    int hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    List<Integer> members = List.of(hzA, hzB);
    String cluster = "presence-large-it-" + RUN;
    PayaraNode.Options options =
        PayaraNode.Options.defaults()
            .jvmArgs(
                ClusterSupport.presenceArgs(
                    T,
                    G,
                    "-Dpresence.channels.announce-max=5",
                    "-Dpresence.channels.interval=1s",
                    "-Dpresence.ws.snapshot-page=3"));
    long t0 = System.nanoTime();
    nodeA = PayaraNode.start("node-a", dir.resolve("a"), cluster, hzA, members, options);
    nodeB = PayaraNode.start("node-b", dir.resolve("b"), cluster, hzB, members, options);
    httpA = new Http(nodeA.base().toURL());
    httpB = new Http(nodeB.base().toURL());
    ClusterSupport.awaitMembers("both nodes see a two-member cluster", 2, nodeA, nodeB);
    METRICS.print("startup: both nodes ready in %d ms", (System.nanoTime() - t0) / 1_000_000);
  }

  @AfterAll
  static void stopCluster() {
    for (AutoCloseable c : open) {
      try {
        c.close();
      } catch (Exception e) {
        // closing what is left
      }
    }
    if (nodeB != null) {
      nodeB.close();
    }
    if (nodeA != null) {
      nodeA.close();
    }
  }

  private static <C extends AutoCloseable> C keep(C closeable) {
    open.add(closeable);
    return closeable;
  }

  /** Users joined through one node, one WebSocket connection each. */
  private static List<WsClient> join(Http http, String ch, String prefix, int n) {
    List<WsClient> clients = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      WsClient c = keep(WsClient.connect(http, Tokens.dev(prefix + i)));
      c.join(ch);
      clients.add(c);
    }
    return clients;
  }

  /** The messages of a channel's subscription that carry seqs: events and intervals. */
  private static List<JsonNode> sequenced(List<JsonNode> messages, String ch) {
    return messages.stream()
        .filter(m -> ch.equals(m.path("channel").asText()))
        .filter(m -> m.has("seq") && "event".equals(m.path("type").asText()) || m.has("fromSeq"))
        .toList();
  }

  /** The last seq covered, or {@code after} when nothing came. */
  private static long lastSeq(List<JsonNode> sequenced, long after) {
    if (sequenced.isEmpty()) {
      return after;
    }
    JsonNode last = sequenced.get(sequenced.size() - 1);
    return last.has("toSeq") ? last.path("toSeq").asLong() : last.path("seq").asLong();
  }

  /** Every seq after the snapshot's exactly once, in order. */
  private static void assertGapFree(List<JsonNode> sequenced, long snapshotSeq) {
    long next = snapshotSeq + 1;
    for (JsonNode m : sequenced) {
      if (m.has("fromSeq")) {
        assertThat(m.path("fromSeq").asLong()).as("gap-free: %s", m).isEqualTo(next);
        next = m.path("toSeq").asLong() + 1;
      } else {
        assertThat(m.path("seq").asLong()).as("gap-free: %s", m).isEqualTo(next);
        next++;
      }
    }
  }

  @Test
  @Order(1)
  void pagedSnapshotHoldsEventsOnWebSocketAndSse() {
    long t0 = System.nanoTime();
    String ch = "paged-" + RUN;
    List<WsClient> users = join(httpA, ch, "p", 5);
    WsClient observer = keep(WsClient.connect(httpA, Tokens.dev("pager")));
    observer.send(Json.write(Json.object("id", "page-1", "type", "subscribe", "channel", ch)));
    // (the pages go to messages(): a second reply with one id would be lost by request())
    await("two pages")
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(observer.messages())
                    .anySatisfy(
                        m -> {
                          assertThat(m.path("id").asText()).isEqualTo("page-1");
                          assertThat(m.has("more")).isFalse();
                        }));
    users.get(4).leave(ch); // occupancy 4: an ordinary event, after the last page
    await("the leave").atMost(WAIT).untilAsserted(() -> assertThat(observer.events(ch)).hasSize(1));
    List<JsonNode> all = observer.messages();
    List<JsonNode> pages =
        all.stream().filter(m -> "snapshot".equals(m.path("type").asText())).toList();
    assertThat(pages).hasSize(2);
    assertThat(pages).allSatisfy(p -> assertThat(p.path("id").asText()).isEqualTo("page-1"));
    assertThat(pages.get(0).path("more").asBoolean()).isTrue();
    assertThat(pages.get(1).has("more")).isFalse();
    assertThat(pages.get(0).path("seq")).isEqualTo(pages.get(1).path("seq"));
    assertThat(pages.get(0).path("users").size()).isEqualTo(3);
    assertThat(pages.get(1).path("users").size()).isEqualTo(2);
    JsonNode leave = observer.events(ch).get(0);
    assertThat(all.indexOf(leave)).isGreaterThan(all.indexOf(pages.get(1)));
    assertThat(leave.path("seq").asLong()).isEqualTo(pages.get(0).path("seq").asLong() + 1);

    SseClient sse = keep(SseClient.open(httpB, ch, Tokens.dev("sse-pager")));
    await("SSE: two snapshot events (4 users: 3 + 1)")
        .atMost(WAIT)
        .until(() -> sse.data().size() >= 2);
    assertThat(sse.eventNames()).containsExactly("snapshot", "snapshot");
    assertThat(sse.data().get(0).path("users").size()).isEqualTo(3);
    assertThat(sse.data().get(0).path("more").asBoolean()).isTrue();
    assertThat(sse.data().get(1).path("users").size()).isEqualTo(1);
    assertThat(sse.data().get(1).has("more")).isFalse();
    users.get(3).leave(ch);
    await("SSE: the leave after the pages").atMost(WAIT).until(() -> sse.events().size() == 1);
    assertThat(sse.eventNames()).containsExactly("snapshot", "snapshot", "leave");
    METRICS.print("paged snapshot: %d ms", (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  @Order(2)
  void badModesAreRefused() {
    String ch = "modes-" + RUN;
    WsClient c = keep(WsClient.connect(httpA, Tokens.dev("moder")));
    int n = 0;
    for (String mode :
        List.of(
            "\"Events\"",
            "\"\"",
            "\"interval\"",
            "7",
            "true",
            "[]",
            "{}",
            "\"\\ud800\"",
            "\"" + "o".repeat(5000) + "\"")) {
      String id = "m-" + ++n;
      JsonNode reply =
          c.requestRaw(
              id,
              "{\"id\":\""
                  + id
                  + "\",\"type\":\"subscribe\",\"channel\":\""
                  + ch
                  + "\",\"mode\":"
                  + mode
                  + "}");
      WsClient.assertError(reply, "INVALID_ARGUMENT", "mode " + mode);
    }
    for (String query : List.of("?mode=bogus", "?mode=", "?mode=OCCUPANCY", "?mode=%00")) {
      HttpRequest request =
          HttpRequest.newBuilder(httpA.uri(Http.channel(ch) + "/events" + query))
              .header("Accept", "text/event-stream")
              .header("Authorization", "Bearer " + Tokens.dev("moder"))
              .GET()
              .build();
      httpA.send(request).error(400, "INVALID_ARGUMENT");
    }
  }

  @Test
  @Order(3)
  void bothNodesGetTheSameIntervalsAndOccupancy() {
    long t0 = System.nanoTime();
    String ch = "big-" + RUN;
    WsClient obsA = keep(WsClient.connect(httpA, Tokens.dev("watch-a")));
    WsClient obsB = keep(WsClient.connect(httpB, Tokens.dev("watch-b")));
    long seqA = obsA.subscribe(ch).path("seq").asLong();
    long seqB = obsB.subscribe(ch).path("seq").asLong();
    WsClient counter = keep(WsClient.connect(httpB, Tokens.dev("counter")));
    JsonNode occSnapshot =
        counter.request(Json.object("type", "subscribe", "channel", ch, "mode", "occupancy"));
    assertThat(occSnapshot.path("type").asText()).isEqualTo("snapshot");
    assertThat(occSnapshot.has("users")).isFalse();
    SseClient sseA = keep(SseClient.open(httpA, ch, Tokens.dev("sse-a")));
    SseClient sseOcc = keep(SseClient.open(httpB, ch, Tokens.dev("sse-occ"), "?mode=occupancy"));

    join(httpA, ch, "a", 4);
    List<WsClient> viaB = join(httpB, ch, "b", 4); // occupancy 8: interval mode from the 6th
    viaB.get(0).setAttributes(ch, java.util.Map.of("mood", "x"));
    viaB.get(1).leave(ch);
    long last = 10; // 8 joins, 1 attribute change, 1 leave
    await("A's observer reaches seq " + last)
        .atMost(WAIT)
        .until(() -> lastSeq(sequenced(obsA.messages(), ch), seqA) >= last);
    await("B's observer reaches seq " + last)
        .atMost(WAIT)
        .until(() -> lastSeq(sequenced(obsB.messages(), ch), seqB) >= last);
    List<JsonNode> onA = sequenced(obsA.messages(), ch);
    List<JsonNode> onB = sequenced(obsB.messages(), ch);
    assertGapFree(onA, seqA);
    assertGapFree(onB, seqB);
    assertThat(seqA).isEqualTo(seqB);
    assertThat(onB).as("the same messages on both nodes").isEqualTo(onA);
    List<JsonNode> intervals = onA.stream().filter(m -> m.has("fromSeq")).toList();
    assertThat(intervals).isNotEmpty();
    assertThat(intervals.get(0).path("fromSeq").asLong())
        .as("the event that took the channel over 5 opens the first interval")
        .isEqualTo(6);
    assertThat(onA.subList(0, 5))
        .allSatisfy(m -> assertThat(m.path("type").asText()).isEqualTo("event"));
    Set<String> joined = new HashSet<>();
    intervals.forEach(i -> i.path("join").forEach(u -> joined.add(u.asText())));
    assertThat(joined).contains("b3", "b4");
    assertThat(intervals.get(intervals.size() - 1).path("occupancy").asInt()).isEqualTo(7);

    await("SSE gets the same intervals")
        .atMost(WAIT)
        .until(
            () -> sseA.data().stream().filter(d -> d.has("fromSeq")).count() == intervals.size());
    assertThat(sseA.data().stream().filter(d -> d.has("fromSeq")).toList()).isEqualTo(intervals);

    await("occupancy subscribers get 7")
        .atMost(WAIT)
        .until(
            () ->
                counter.messages().stream()
                    .anyMatch(
                        m ->
                            "occupancy".equals(m.path("type").asText())
                                && m.path("occupancy").asInt() == 7
                                && m.path("seq").asLong() == last));
    assertThat(counter.events(ch)).isEmpty();
    await("SSE occupancy gets 7")
        .atMost(WAIT)
        .until(() -> sseOcc.data().stream().anyMatch(d -> d.path("occupancy").asInt() == 7));
    assertThat(sseOcc.data().get(0).has("users")).isFalse();
    assertThat(sseOcc.eventNames()).doesNotContain("join", "leave", "interval");
    METRICS.print(
        "intervals on two nodes: %d intervals, %d ms",
        intervals.size(), (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  @Order(4)
  void nodeDeathInIntervalModeGivesTimeoutsInIntervals() {
    long t0 = System.nanoTime();
    String ch = "death-" + RUN;
    WsClient obs = keep(WsClient.connect(httpA, Tokens.dev("watch-death")));
    long snapshotSeq = obs.subscribe(ch).path("seq").asLong();
    join(httpA, ch, "stay", 1);
    join(httpB, ch, "gone", 7); // occupancy 8
    await("8 joins seen")
        .atMost(WAIT)
        .until(() -> lastSeq(sequenced(obs.messages(), ch), snapshotSeq) >= snapshotSeq + 8);
    long killed = System.nanoTime();
    nodeB.kill();
    long finalSeq = snapshotSeq + 8 + 7;
    await("7 timeouts seen on A")
        .atMost(Duration.ofSeconds(90))
        .until(() -> lastSeq(sequenced(obs.messages(), ch), snapshotSeq) >= finalSeq);
    List<JsonNode> got = sequenced(obs.messages(), ch);
    assertGapFree(got, snapshotSeq);
    Set<String> timedOut = new HashSet<>();
    int inIntervals = 0;
    for (JsonNode m : got) {
      if (m.has("fromSeq")) {
        for (JsonNode u : m.path("timeout")) {
          timedOut.add(u.asText());
          inIntervals++;
        }
        assertThat(m.path("leave").size()).as("no leaves: %s", m).isZero();
      } else if ("timeout".equals(m.path("event").asText())) {
        timedOut.add(m.path("userId").asText());
      }
    }
    assertThat(timedOut)
        .containsExactlyInAnyOrder("gone1", "gone2", "gone3", "gone4", "gone5", "gone6", "gone7");
    assertThat(inIntervals).as("timeouts while over 5 come in intervals").isGreaterThanOrEqualTo(1);
    METRICS.print(
        "node death: %d timeouts in intervals, all seen %d ms after kill; test %d ms",
        inIntervals,
        (System.nanoTime() - killed) / 1_000_000,
        (System.nanoTime() - t0) / 1_000_000);
  }
}
