package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Http;
import dev.presence.it.support.SseClient;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The administration API (SPEC 13.4, issue #14 item 3) on two real Payara Micro nodes in one
 * cluster (Hazelcast), in development mode: the admin role is the {@code presence-admin} group of
 * the token. Channel listing across nodes with paging, a kick seen by observers on both nodes and
 * by the kicked user's clients, a user's connections closed on both nodes (4003, SSE ended), the
 * cluster-wide gauges, a normal user refused with FORBIDDEN and bad input refused with
 * INVALID_ARGUMENT, both changing nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AdminIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);
  private static final Duration WAIT = Duration.ofSeconds(20);

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Metrics METRICS = new Metrics("AdminIT", null, RUN);
  private static final String ADMIN = Tokens.dev("ops", Tokens.ADMIN);
  private static final String NORMAL = Tokens.dev("mallory");

  private static PayaraNode nodeA;
  private static PayaraNode nodeB;
  private static Http httpA;
  private static Http httpB;
  private static final List<AutoCloseable> open = new ArrayList<>();

  @BeforeAll
  static void startCluster() throws MalformedURLException {
    Path dir = Path.of("target", "admin-it", RUN).toAbsolutePath();
    int hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    List<Integer> members = List.of(hzA, hzB);
    String cluster = "presence-admin-it-" + RUN;
    PayaraNode.Options options =
        PayaraNode.Options.defaults().jvmArgs(ClusterSupport.presenceArgs(T, G));
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

  private static <T extends AutoCloseable> T keep(T closeable) {
    open.add(closeable);
    return closeable;
  }

  private static String channels(String query) {
    return "api/v1/channels" + query;
  }

  private static String kick(String channel, String user) {
    return Http.member(channel, user) + "/kick";
  }

  private static String connections(String user) {
    return "api/v1/users/" + Http.seg(user) + "/connections";
  }

  private static int occupancy(Http http, String channel) {
    return http.get(Http.channel(channel), ADMIN).okJson().path("occupancy").asInt();
  }

  /** The gauges start at zero on a fresh cluster and count distinct users and occupied channels. */
  @Test
  @Order(1)
  void gaugesAreClusterWide() {
    String g1 = "gauge-" + RUN + ".1";
    String g2 = "gauge-" + RUN + ".2";
    awaitGauges(0, 0);
    httpA.put(Http.member(g1, "ann"), Tokens.dev("ann")).ok();
    httpB.put(Http.member(g2, "ann"), Tokens.dev("ann")).ok();
    WsClient bob = keep(WsClient.connect(httpB, Tokens.dev("bob")));
    bob.join(g1);
    long t0 = System.nanoTime();
    awaitGauges(2, 2);
    METRICS.print(
        "gauges: both nodes show 2 users / 2 channels %d ms after the last join (cache <= 5 s)",
        (System.nanoTime() - t0) / 1_000_000);
    httpA.delete(Http.member(g1, "ann"), Tokens.dev("ann")).ok();
    httpA.delete(Http.member(g2, "ann"), Tokens.dev("ann")).ok();
    bob.leave(g1);
    awaitGauges(0, 0);
  }

  private static void awaitGauges(long users, long channels) {
    await("gauges " + users + " users / " + channels + " channels on both nodes")
        .atMost(WAIT)
        .pollInterval(Duration.ofMillis(250))
        .untilAsserted(
            () -> {
              for (Http http : List.of(httpA, httpB)) {
                assertThat(http.metric("presence_present_users")).isEqualTo(users);
                assertThat(http.metric("presence_channels")).isEqualTo(channels);
              }
            });
  }

  /** Channels joined on both nodes are listed from either, by name, in pages with a cursor. */
  @Test
  @Order(2)
  void listingAcrossNodesWithPaging() {
    String p = "list-" + RUN + ".";
    for (String user : List.of("u1", "u2", "u3")) {
      httpA.put(Http.member(p + "a", user), Tokens.dev(user)).ok();
    }
    httpB.put(Http.member(p + "b", "u4"), Tokens.dev("u4")).ok();
    WsClient u5 = keep(WsClient.connect(httpB, Tokens.dev("u5")));
    u5.join(p + "c");
    httpA.put(Http.member("other-" + RUN, "u6"), Tokens.dev("u6")).ok();

    JsonNode first = httpA.get(channels("?prefix=" + p + "&limit=2"), ADMIN).okJson();
    assertThat(first.path("channels").toString())
        .isEqualTo(
            "[{\"channel\":\""
                + p
                + "a\",\"occupancy\":3},{\"channel\":\""
                + p
                + "b\",\"occupancy\":1}]");
    String next = first.path("next").asText();
    assertThat(next).isNotEmpty();
    JsonNode second =
        httpB.get(channels("?prefix=" + p + "&limit=2&cursor=" + Http.seg(next)), ADMIN).okJson();
    assertThat(second.path("channels").toString())
        .isEqualTo("[{\"channel\":\"" + p + "c\",\"occupancy\":1}]");
    assertThat(second.path("next").isNull()).isTrue();

    JsonNode all = httpB.get(channels(""), ADMIN).okJson();
    List<String> names = new ArrayList<>();
    all.path("channels").forEach(c -> names.add(c.path("channel").asText()));
    assertThat(names).contains(p + "a", p + "b", p + "c", "other-" + RUN).isSorted();
    assertThat(all.path("next").isNull()).isTrue();
  }

  /** A user without the admin role gets 403 FORBIDDEN everywhere, and nothing changes. */
  @Test
  @Order(3)
  void normalUserIsForbidden() {
    String ch = "forbidden-" + RUN;
    WsClient victim = keep(WsClient.connect(httpA, Tokens.dev("victim-f")));
    victim.join(ch);
    for (Http http : List.of(httpA, httpB)) {
      http.get(channels(""), NORMAL).error(403, "FORBIDDEN");
      http.send("POST", kick(ch, "victim-f"), NORMAL, null).error(403, "FORBIDDEN");
      http.delete(connections("victim-f"), NORMAL).error(403, "FORBIDDEN");
      // the user's own connections and presence are no exception
      http.delete(connections("victim-f"), Tokens.dev("victim-f")).error(403, "FORBIDDEN");
    }
    assertThat(occupancy(httpB, ch)).isEqualTo(1);
    assertThat(victim.closed()).isNotDone();
    assertThat(victim.messages()).noneMatch(m -> "kicked".equals(m.path("type").asText()));
    victim.join(ch); // still usable
  }

  /** Bad cursors, limits and prefixes get 400 INVALID_ARGUMENT and change nothing. */
  @Test
  @Order(4)
  void badInputIsRefused() {
    String p = "bad-" + RUN + ".";
    httpA.put(Http.member(p + "a", "b1"), Tokens.dev("b1")).ok();
    httpA.put(Http.member(p + "b", "b2"), Tokens.dev("b2")).ok();
    String good =
        httpA.get(channels("?prefix=" + p + "&limit=1"), ADMIN).okJson().path("next").asText();
    String usersCursor =
        httpA.get(Http.users(p + "a") + "?limit=1", ADMIN).okJson().path("next").asText("u1.YQ");
    List<String> bad =
        List.of(
            "?cursor=garbage",
            "?cursor=c1.%24%24%24",
            "?cursor=" + Http.seg(usersCursor),
            "?cursor=u1.YWJj",
            // a good cursor for another prefix
            "?prefix=" + p + "a&cursor=" + Http.seg(good),
            "?cursor=" + Http.seg(good),
            "?cursor=c1." + "A".repeat(2000),
            "?cursor=%ED%A0%80",
            "?limit=0",
            "?limit=1001",
            "?limit=-1",
            "?limit=1e3",
            "?limit=%201",
            "?limit=" + "9".repeat(1000),
            "?limit=abc",
            "?prefix=a%20b",
            "?prefix=a/b",
            "?prefix=%ED%A0%80",
            "?prefix=%F0%9F%98%80",
            "?prefix=" + "x".repeat(201));
    for (String query : bad) {
      for (Http http : List.of(httpA, httpB)) {
        http.get(channels(query), ADMIN).error(400, "INVALID_ARGUMENT");
      }
    }
    httpA.send("POST", kick("bad channel", "b1"), ADMIN, null).error(400, "INVALID_ARGUMENT");
    httpA.send("POST", kick(p + "a", "b 1"), ADMIN, null).error(400, "INVALID_ARGUMENT");
    httpA.delete(connections("x".repeat(129)), ADMIN).error(400, "INVALID_ARGUMENT");
    // and nothing changed
    assertThat(occupancy(httpB, p + "a")).isEqualTo(1);
    assertThat(httpB.get(channels("?prefix=" + p), ADMIN).okJson().path("channels").size())
        .isEqualTo(2);
    // the good cursor still works
    assertThat(
            httpB
                .get(channels("?prefix=" + p + "&cursor=" + Http.seg(good)), ADMIN)
                .okJson()
                .path("channels")
                .get(0)
                .path("channel")
                .asText())
        .isEqualTo(p + "b");
  }

  /**
   * A kick through node B removes a user connected to both nodes: observers on both nodes get one
   * {@code leave} with {@code "reason":"kicked"}, both of the user's clients get {@code kicked},
   * and the user may join again.
   */
  @Test
  @Order(5)
  void kickIsSeenEverywhere() {
    String ch = "kick-" + RUN;
    WsClient onA = keep(WsClient.connect(httpA, Tokens.dev("kicked-user")));
    WsClient onB = keep(WsClient.connect(httpB, Tokens.dev("kicked-user")));
    onA.join(ch);
    onB.join(ch);
    httpA.put(Http.member(ch, "stays"), Tokens.dev("stays")).ok();
    Observer obsA = keep(new Observer(nodeA.base(), Tokens.dev("watcher-a"), ch));
    Observer obsB = keep(new Observer(nodeB.base(), Tokens.dev("watcher-b"), ch));

    long t0 = System.nanoTime();
    httpB.send("POST", kick(ch, "kicked-user"), ADMIN, null).ok();
    for (Observer obs : List.of(obsA, obsB)) {
      JsonNode leave =
          obs.awaitEvent(
                  "a kicked leave",
                  WAIT,
                  0,
                  e ->
                      "leave".equals(e.path("event").asText())
                          && "kicked-user".equals(e.path("userId").asText()))
              .message();
      assertThat(leave.path("reason").asText()).isEqualTo("kicked");
      assertThat(leave.path("occupancy").asInt()).isEqualTo(1);
    }
    for (WsClient client : List.of(onA, onB)) {
      await("the kicked client is told")
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(client.messages())
                      .anyMatch(
                          m ->
                              "kicked".equals(m.path("type").asText())
                                  && ch.equals(m.path("channel").asText())));
    }
    METRICS.print(
        "kick: both observers and both clients told within %d ms",
        (System.nanoTime() - t0) / 1_000_000);
    assertThat(occupancy(httpA, ch)).isEqualTo(1);
    obsA.assertGapFree();
    obsB.assertGapFree();
    assertThat(onA.closed()).isNotDone();

    // a kick is not a ban: the client on A joins again, and observers see it
    onA.join(ch);
    obsB.awaitEvent(
        "the kicked user joins again",
        WAIT,
        0,
        e ->
            "join".equals(e.path("event").asText())
                && "kicked-user".equals(e.path("userId").asText()));
    assertThat(occupancy(httpB, ch)).isEqualTo(2);
    // kicking someone absent is fine and changes nothing
    httpA.send("POST", kick(ch, "nobody"), ADMIN, null).ok();
    assertThat(occupancy(httpB, ch)).isEqualTo(2);
  }

  /**
   * Closing a user's connections through node A closes the user's WebSockets on both nodes with
   * 4003 and ends the user's event stream on node B; other users' connections stay open.
   */
  @Test
  @Order(6)
  void connectionsClosedOnBothNodes() throws Exception {
    String ch = "close-" + RUN;
    WsClient onA = keep(WsClient.connect(httpA, Tokens.dev("closed-user")));
    WsClient onB = keep(WsClient.connect(httpB, Tokens.dev("closed-user")));
    WsClient other = keep(WsClient.connect(httpB, Tokens.dev("other-user")));
    onA.join(ch);
    onB.join(ch);
    SseClient stream = keep(SseClient.open(httpB, ch, Tokens.dev("closed-user")));
    SseClient otherStream = keep(SseClient.open(httpB, ch, Tokens.dev("other-user")));

    long t0 = System.nanoTime();
    httpA.delete(connections("closed-user"), ADMIN).ok();
    assertThat(onA.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4003);
    assertThat(onB.closed().get(WAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(4003);
    await("the user's event stream ends").atMost(WAIT).until(stream::ended);
    METRICS.print(
        "close: both WebSockets closed with 4003 and the SSE stream ended within %d ms",
        (System.nanoTime() - t0) / 1_000_000);
    assertThat(other.closed()).isNotDone();
    assertThat(otherStream.ended()).isFalse();
    other.join(ch);
    // the closed sessions end as a clean close: leave after the grace period
    await("the closed user leaves after the grace period")
        .atMost(WAIT)
        .until(() -> occupancy(httpA, ch) == 1);
  }
}
