package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.it.cluster.ClusterSupport.LogMark;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Http;
import dev.presence.it.support.Tokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two standalone WildFly servers on loopback running {@code presence-portable.war} as one cluster
 * (SPEC 13.5): each WAR starts an embedded Hazelcast member ({@code presence.hazelcast.mode}
 * embedded, the portable WAR's default) with a TCP/IP member list of both and a cluster name unique
 * to the run. The same checks as {@link ClusterIT} on Payara ({@link ClusterScenarios}): cross-node
 * queries and events in one gap-free seq, and {@code kill -9} of a node; then an undeploy and
 * redeploy on the surviving server, which must leave no Hazelcast member behind.
 *
 * <p>Runs only in presence-it's profile {@code wildfly} (which unpacks WildFly and sets {@code
 * wildfly.home}). Ports: HTTP {@value #OFFSET_A} + 8080 and {@value #OFFSET_B} + 8080, management
 * 9990 + the same offsets, all on 127.0.0.1 (the single-server WildFly of arquillian.xml uses
 * offset 1700); Hazelcast on free ports. Presence runs with {@code T = 10 s}, {@code G = 1 s}.
 * Figures are printed and appended to {@code target/cluster-it/metrics.txt}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WildFlyClusterIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);
  static final int OFFSET_A = 1800;
  static final int OFFSET_B = 1900;

  /** A Hazelcast thread of the WAR's own member: {@code hz.presence-<uuid>.<thread>}. */
  private static final Pattern HZ_THREAD = Pattern.compile("\"hz\\.(presence-[0-9a-f-]+)\\.");

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Metrics METRICS =
      new Metrics(
          "WildFlyClusterIT", Path.of("target", "cluster-it", "metrics.txt").toAbsolutePath(), RUN);

  private static WildFlyNode nodeA;
  private static WildFlyNode nodeB;
  private static int hzA;

  @BeforeAll
  static void startCluster() {
    Path dir = Path.of("target", "cluster-it", "wildfly-" + RUN).toAbsolutePath();
    hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    String members = "127.0.0.1:" + hzA + ",127.0.0.1:" + hzB;
    String cluster = "presence-it-wildfly-" + RUN;
    long t0 = System.nanoTime();
    nodeA = WildFlyNode.start("wildfly-a", dir.resolve("a"), OFFSET_A, args(hzA, members, cluster));
    long t1 = System.nanoTime();
    nodeB = WildFlyNode.start("wildfly-b", dir.resolve("b"), OFFSET_B, args(hzB, members, cluster));
    long t2 = System.nanoTime();
    ClusterSupport.awaitMembers("both servers see a two-member cluster", 2, nodeA, nodeB);
    METRICS.print(
        "startup: WildFly A ready in %d ms, WildFly B ready in %d ms (one after the other)",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  /** The WAR's settings on one node: presence timings, then its embedded member's. */
  private static List<String> args(int hzPort, String members, String cluster) {
    List<String> args = new ArrayList<>(ClusterSupport.presenceArgs(T, G));
    args.add("-Dpresence.hazelcast.mode=embedded");
    args.add("-Dpresence.hazelcast.interface=127.0.0.1");
    args.add("-Dpresence.hazelcast.port=" + hzPort);
    args.add("-Dpresence.hazelcast.members=" + members);
    args.add("-Dpresence.hazelcast.cluster-name=" + cluster);
    return args;
  }

  @AfterAll
  static void stopCluster() {
    for (WildFlyNode node : new WildFlyNode[] {nodeB, nodeA}) {
      if (node != null) {
        node.close();
      }
    }
  }

  /** See {@link ClusterScenarios#crossNodeQueriesAndEvents}. */
  @Test
  @Order(1)
  void crossNodeQueriesAndEvents() throws Exception {
    LogMark a = LogMark.of(nodeA);
    LogMark b = LogMark.of(nodeB);
    ClusterScenarios.crossNodeQueriesAndEvents(pair());
    assertNoSerializationTrouble(a, b);
  }

  /** See {@link ClusterScenarios#nodeDeath}: {@code kill -9} of WildFly B. */
  @Test
  @Order(2)
  void nodeDeath() {
    LogMark a = LogMark.of(nodeA);
    ClusterScenarios.nodeDeath(pair());
    assertNoSerializationTrouble(a);
  }

  /**
   * Undeploying the WAR shuts its Hazelcast member down (no {@code hz.} thread left in the server,
   * its port free again), and a redeploy starts exactly one new member that serves presence.
   */
  @Test
  @Order(3)
  void redeployLeavesNoMember() {
    Set<String> before = hazelcastInstances(nodeA);
    assertThat(before).as("Hazelcast instances in WildFly A while deployed").hasSize(1);

    nodeA.undeploy();
    await("no Hazelcast thread left in WildFly A after undeploy")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> hazelcastInstances(nodeA).isEmpty());
    assertThat(portFree(hzA)).as("Hazelcast port %d free after undeploy", hzA).isTrue();

    LogMark mark = LogMark.of(nodeA);
    nodeA.deploy();
    ClusterSupport.awaitMembersSince(
        "the redeployed member is alone", Duration.ofSeconds(30), Duration.ofMillis(200), 1, mark);
    Set<String> after = hazelcastInstances(nodeA);
    assertThat(after)
        .as("Hazelcast instances after redeploy")
        .hasSize(1)
        .doesNotContainAnyElementsOf(before);

    String ch = "redeploy-" + RUN;
    Http http = ClusterSupport.http(nodeA);
    String erin = Tokens.dev("erin");
    http.put(Http.member(ch, "erin"), erin).ok();
    ClusterScenarios.awaitUsers(http, ch, Map.of("erin", Map.of()));
    http.delete(Http.member(ch, "erin"), erin).ok();
    assertNoSerializationTrouble(mark);
  }

  private static ClusterScenarios.Pair pair() {
    return new ClusterScenarios.Pair(nodeA, nodeB, T, G, RUN, METRICS);
  }

  private static void assertNoSerializationTrouble(LogMark... marks) {
    for (LogMark mark : marks) {
      ClusterSupport.assertNoSerializationTrouble(mark.node(), mark.since(), null, METRICS, false);
    }
  }

  /** The names of the Hazelcast instances with threads in the server (a thread dump by jcmd). */
  private static Set<String> hazelcastInstances(WildFlyNode node) {
    Path jcmd =
        Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent().resolve("jcmd");
    try {
      Process p =
          new ProcessBuilder(jcmd.toString(), Long.toString(node.pid()), "Thread.print")
              .redirectErrorStream(true)
              .start();
      String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("jcmd ended").isTrue();
      assertThat(p.exitValue()).as("jcmd Thread.print: %s", dump).isZero();
      Set<String> names = new TreeSet<>();
      Matcher m = HZ_THREAD.matcher(dump);
      while (m.find()) {
        names.add(m.group(1));
      }
      return names;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.isBound();
    } catch (IOException e) {
      return false;
    }
  }
}
