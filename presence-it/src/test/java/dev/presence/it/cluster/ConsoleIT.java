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
 * The operator console ({@code /console/}, SPEC 13.4) in headless Chromium against two real Payara
 * Micro nodes of one Hazelcast cluster (development mode, T = 60 s so the test's REST sessions last
 * through it, G = 1 s).
 *
 * <p>The test itself is {@code src/test/js/console/console.test.js} (Node's test runner driving
 * Debian's Chromium through playwright-core, like {@code client.ClientJsIT}): users join through
 * both nodes; the console, served by node A and signed in with a name, lists the channels by
 * occupancy, shows a channel's users and attributes, sees a join made through node B appear live,
 * kicks a user (then gone on node B too), shows node A's event rate, and renders hostile attribute
 * keys and values as text under the console's Content-Security-Policy. Screenshots go to {@code
 * target/console-screenshots}.
 *
 * <p>Needs Node.js 20+, npm and Chromium like {@code ClientJsIT}: without them the test fails when
 * {@code CI=true} and is skipped otherwise.
 */
class ConsoleIT {

  private static final Duration T = Duration.ofSeconds(60);
  private static final Duration G = Duration.ofSeconds(1);
  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(3);
  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  private static PayaraNode nodeA;
  private static PayaraNode nodeB;

  @BeforeAll
  static void startCluster() {
    Path dir = Path.of("target", "console-it", RUN).toAbsolutePath();
    int hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    List<Integer> members = List.of(hzA, hzB);
    String cluster = "presence-console-it-" + RUN;
    PayaraNode.Options options =
        PayaraNode.Options.defaults().jvmArgs(ClusterSupport.presenceArgs(T, G));
    long t0 = System.nanoTime();
    nodeA = PayaraNode.start("node-a", dir.resolve("a"), cluster, hzA, members, options);
    nodeB = PayaraNode.start("node-b", dir.resolve("b"), cluster, hzB, members, options);
    ClusterSupport.awaitMembers("both nodes see a two-member cluster", 2, nodeA, nodeB);
    System.out.printf(
        "[ConsoleIT] two nodes ready in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
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
      "headless Chromium: sign in, channels by occupancy across two nodes, users and attributes,"
          + " a live join, kick, event rate, hostile text")
  void consoleInChromium() {
    Path node = NodeTools.node();
    Path chromium = NodeTools.chromium();
    NodeTools.installDependencies();
    Path screenshots = Path.of("target/console-screenshots").toAbsolutePath();
    long t0 = System.nanoTime();
    NodeTools.Outcome outcome =
        NodeTools.run(
            List.of(node.toString(), "--test", "--test-concurrency=1", "console/"),
            Map.of(
                "PRESENCE_BASE_URL", nodeA.base().toString(),
                "PRESENCE_BASE_URL_B", nodeB.base().toString(),
                "PRESENCE_CHROMIUM", chromium.toString(),
                "PRESENCE_SCREENSHOTS", screenshots.toString()),
            NODE_TIMEOUT,
            "node console");
    System.out.printf(
        "[ConsoleIT] browser test ran in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertThat(outcome.exitCode()).as(outcome.describe("node --test console/")).isZero();
    assertThat(screenshots.resolve("console-3-channel-users-live-join.png")).isRegularFile();
    assertThat(screenshots.resolve("console-5-hostile-attributes-as-text.png")).isRegularFile();
  }
}
