package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.MalformedURLException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The WAR's own Hazelcast instead of Payara's (SPEC 10, "elsewhere"; issue #4 point 1): two Payara
 * Micro nodes started with {@code --nocluster}, so the container's member stays alone, form one
 * presence service through {@code presence.hazelcast.*}:
 *
 * <ul>
 *   <li>{@code mode=embedded}: each node starts an own Hazelcast member; the two join over loopback
 *       TCP ({@code members}, {@code cluster-name}, {@code port});
 *   <li>{@code mode=client}: both nodes are clients of a standalone Hazelcast member that the test
 *       starts ({@link HazelcastMember}: the Hazelcast jar of the Payara line plus the
 *       presence-hazelcast jar).
 * </ul>
 *
 * <p>In both, a join through one node is seen by queries and observers on the other, and after
 * {@code kill -9} of a node its user times out on the other. Presence runs with {@code T = 10 s},
 * {@code G = 1 s}; client nodes with {@code node-ttl = 6 s}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HazelcastModesIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);
  private static final Duration NODE_TTL = Duration.ofSeconds(6);

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Path DIR = Path.of("target", "hazelcast-modes-it", RUN).toAbsolutePath();
  private static final Metrics METRICS = new Metrics("HazelcastModesIT", null, RUN);

  /**
   * {@code presence.hazelcast.mode=embedded}: the two nodes' own members form the cluster; {@code
   * kill -9} of one is detected by Hazelcast's member failure detection (heartbeat 1 s, 5 s
   * without).
   */
  @Test
  @Order(1)
  void embeddedMembers() throws Exception {
    int portA = PayaraNode.freePort();
    int portB = PayaraNode.freePort();
    String cluster = "presence-embedded-" + RUN;
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    PayaraNode a = null;
    PayaraNode b = null;
    try {
      a = node("embedded-a", embedded(cluster, members, portA));
      b = node("embedded-b", embedded(cluster, members, portB));
      for (PayaraNode node : List.of(a, b)) {
        assertThat(node.log())
            .as("backend of %s", node.logFile())
            .contains("presence backend uses Hazelcast: an embedded member");
      }
      Duration detection = Duration.ofSeconds(PayaraNode.MAX_NO_HEARTBEAT_S + 10);
      oneServiceThenNodeDeath("embedded", a, b, detection);
    } finally {
      close(b, a);
    }
  }

  /**
   * {@code presence.hazelcast.mode=client}: both nodes are clients of one standalone member; {@code
   * kill -9} of one is noticed by the other through the client node registry ({@code node-ttl}).
   */
  @Test
  @Order(2)
  void clientsOfAStandaloneMember() throws Exception {
    int port = PayaraNode.freePort();
    String cluster = "presence-client-" + RUN;
    HazelcastMember member = null;
    PayaraNode a = null;
    PayaraNode b = null;
    try {
      member = HazelcastMember.start("member", DIR.resolve("member"), cluster, port, List.of(port));
      a = node("client-a", client(cluster, port));
      b = node("client-b", client(cluster, port));
      for (PayaraNode node : List.of(a, b)) {
        assertThat(node.log())
            .as("backend of %s", node.logFile())
            .contains("presence backend uses Hazelcast: a client");
      }
      // The registry refreshes every node-ttl / 3 and drops an entry node-ttl after its last one.
      Duration detection = NODE_TTL.plus(NODE_TTL.dividedBy(3)).plusSeconds(5);
      oneServiceThenNodeDeath("client", a, b, detection);
    } finally {
      close(b, a);
      if (member != null) {
        member.close();
      }
    }
  }

  /**
   * Alice joins through A (WebSocket) and sets attributes, Bob through B (WebSocket), Carol joins
   * and leaves through B (REST): queries on either node see the others' changes, observers on both
   * nodes see one gap-free sequence. Then A is killed: Alice times out on B within the detection
   * budget plus T + G + 5 s; Bob stays until he leaves.
   */
  private static void oneServiceThenNodeDeath(
      String label, PayaraNode a, PayaraNode b, Duration detection) throws MalformedURLException {
    Http httpA = new Http(a.base().toURL());
    Http httpB = new Http(b.base().toURL());
    String ch = label + "-" + RUN;
    Observer obsA = new Observer(a.base(), Tokens.dev("watcher-a"), ch);
    Observer obsB = new Observer(b.base(), Tokens.dev("watcher-b"), ch);
    WsClient alice = WsClient.connect(httpA, Tokens.dev("alice"));
    WsClient bob = WsClient.connect(httpB, Tokens.dev("bob"));
    try {
      assertThat(obsA.snapshotSeq()).isEqualTo(obsB.snapshotSeq());
      alice.join(ch);
      assertThat(alice.setAttributes(ch, Map.of("where", "a")).path("type").asText())
          .isEqualTo("ok");
      awaitUsers(httpB, ch, Map.of("alice", Map.of("where", "a")));
      assertThat(
              httpB.get(Http.userChannels("alice"), Tokens.dev("alice")).okJson().path("channels"))
          .extracting(JsonNode::asText)
          .containsExactly(ch);
      bob.join(ch);
      String carol = Tokens.dev("carol");
      httpB.put(Http.member(ch, "carol"), carol).ok();
      awaitUsers(
          httpA, ch, Map.of("alice", Map.of("where", "a"), "bob", Map.of(), "carol", Map.of()));
      httpB.delete(Http.member(ch, "carol"), carol).ok();
      awaitUsers(httpA, ch, Map.of("alice", Map.of("where", "a"), "bob", Map.of()));
      List<String> expected =
          List.of("join:alice", "attributesUpdate:alice", "join:bob", "join:carol", "leave:carol");
      await("events on both observers")
          .atMost(Duration.ofSeconds(10))
          .until(() -> obsA.events().size() >= 5 && obsB.events().size() >= 5);
      assertThat(Events.kindsAndUsers(obsA.events())).isEqualTo(expected);
      assertThat(Observer.describe(obsB.events())).isEqualTo(Observer.describe(obsA.events()));
      obsA.assertGapFree();
      obsB.assertGapFree();

      long killed = System.nanoTime();
      a.kill();
      alice.abort();
      Duration budget = detection.plus(T).plus(G).plusSeconds(5);
      await("timeout of alice on B within " + budget + " of the kill")
          .atMost(budget)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> obsB.events().size() >= 6);
      long timedOut = obsB.arrivals().get(5).nanos();
      Events.assertEvent(obsB.events().get(5), "timeout", ch, "alice", Map.of("where", "a"), 1);
      metric(
          "%s: kill -9 of a node -> timeout of its user on the other node after %d ms (T=%ds,"
              + " G=%ds, budget %ds)",
          label, (timedOut - killed) / 1_000_000, T.toSeconds(), G.toSeconds(), budget.toSeconds());
      awaitUsers(httpB, ch, Map.of("bob", Map.of()));
      bob.leave(ch);
      await("leave:bob").atMost(Duration.ofSeconds(10)).until(() -> obsB.events().size() >= 7);
      List<String> all = new ArrayList<>(expected);
      all.add("timeout:alice");
      all.add("leave:bob");
      assertThat(Events.kindsAndUsers(obsB.events())).isEqualTo(all);
      obsB.assertGapFree();
    } finally {
      alice.abort();
      bob.close();
      obsA.close();
      obsB.close();
    }
  }

  private static PayaraNode node(String name, List<String> properties) {
    List<String> jvm = ClusterSupport.presenceArgs(T, G, properties.toArray(String[]::new));
    // --nocluster: Payara's own member stays alone; the WAR's Hazelcast forms the cluster.
    return PayaraNode.start(
        name,
        DIR.resolve(name),
        "unused",
        0,
        List.of(),
        PayaraNode.Options.defaults().jvmArgs(jvm).unclustered());
  }

  private static List<String> embedded(String cluster, String members, int port) {
    return List.of(
        "-Dpresence.hazelcast.mode=embedded",
        "-Dpresence.hazelcast.cluster-name=" + cluster,
        "-Dpresence.hazelcast.members=" + members,
        "-Dpresence.hazelcast.port=" + port,
        "-Dpresence.hazelcast.interface=127.0.0.1");
  }

  private static List<String> client(String cluster, int port) {
    return List.of(
        "-Dpresence.hazelcast.mode=client",
        "-Dpresence.hazelcast.cluster-name=" + cluster,
        "-Dpresence.hazelcast.members=127.0.0.1:" + port,
        "-Dpresence.hazelcast.node-ttl=" + NODE_TTL.toSeconds() + "s");
  }

  private static void close(PayaraNode... nodes) {
    for (PayaraNode node : nodes) {
      if (node != null) {
        node.close();
      }
    }
  }

  /** Waits until the channel's users on this node are exactly these (with attributes). */
  private static void awaitUsers(Http http, String ch, Map<String, Map<String, String>> users) {
    ClusterSupport.awaitUsers(http, ch, users, false);
  }

  private static void metric(String format, Object... args) {
    METRICS.print(format, args);
  }
}
