package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.it.client.NodeTools;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * PubNub's presence protocol (SPEC 13.6) driven by the unmodified SDKs from npm ({@code pubnub}
 * 7.6.3 and 12.0.3, pinned in {@code src/test/js/package-lock.json}) against two real Payara Micro
 * nodes of one Hazelcast cluster (development mode, T = 3 s, G = 1 s, long-polls held 5 s so hold
 * ends are exercised). The tests are {@code src/test/js/pubnub/*.test.js} (Node's test runner):
 * every operation and event, catch-up with an older timetoken, errors in PubNub's shape, a
 * presence.js WebSocket client in the same channel, and the cross-node case (subscribe on node B,
 * heartbeat on node A). Each test here runs one file with the nodes' URLs in {@code
 * PRESENCE_BASE_URL} and {@code PRESENCE_BASE_URL_B} and passes when it exits with 0.
 *
 * <p>Needs Node.js 20+ and npm ({@code npm ci} in src/test/js when node_modules is missing).
 */
class PubNubIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Duration T = Duration.ofSeconds(3);
  private static final Duration G = Duration.ofSeconds(1);
  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(5);

  private static PayaraNode nodeA;
  private static PayaraNode nodeB;

  @BeforeAll
  static void startCluster() {
    NodeTools.node();
    NodeTools.installDependencies();
    Path dir = Path.of("target", "pubnub-it", RUN).toAbsolutePath();
    int hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    List<Integer> members = List.of(hzA, hzB);
    String cluster = "presence-pubnub-it-" + RUN;
    PayaraNode.Options options =
        PayaraNode.Options.defaults()
            .jvmArgs(
                ClusterSupport.presenceArgs(
                    T,
                    G,
                    "-Dpresence.pubnub.long-poll=5s",
                    "-Dpresence.query.cache-ttl=0",
                    "-Dpresence.http.cors.allowed-origins=*"));
    nodeA = PayaraNode.start("node-a", dir.resolve("a"), cluster, hzA, members, options);
    nodeB = PayaraNode.start("node-b", dir.resolve("b"), cluster, hzB, members, options);
    ClusterSupport.awaitMembers("both nodes see a two-member cluster", 2, nodeA, nodeB);
  }

  @AfterAll
  static void stopCluster() {
    if (nodeB != null) {
      nodeB.close();
    }
    if (nodeA != null) {
      nodeA.close();
    }
  }

  @Test
  @DisplayName(
      "pubnub 7 and 12: every presence operation and event, errors, catch-up, mixed clients")
  void protocol() {
    run("pubnub/protocol.test.js");
  }

  @Test
  @DisplayName(
      "two nodes: subscribe on B with heartbeats on A is one presence; state crosses nodes")
  void cluster() {
    run("pubnub/cluster.test.js");
  }

  private static void run(String file) {
    int exit =
        NodeTools.run(
            List.of(NodeTools.node().toString(), "--test", "--test-concurrency=1", file),
            Map.of(
                "PRESENCE_BASE_URL", nodeA.base().toString(),
                "PRESENCE_BASE_URL_B", nodeB.base().toString()),
            NODE_TIMEOUT,
            "node " + file);
    assertThat(exit).as("exit code of node --test " + file + " (its output is above)").isZero();
  }
}
