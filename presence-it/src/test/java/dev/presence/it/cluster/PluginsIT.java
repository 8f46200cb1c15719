package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.examples.audit.AuditLogHook;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.hook.HookLine;
import dev.presence.it.plugin.ExplodingHook;
import dev.presence.it.plugin.PluginJar;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.Tokens;
import dev.presence.spi.PresenceEventHook;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Plugins without rebuilding the WAR (SPEC 13.4, issue #14 point 1): the unchanged presence WAR on
 * two real Payara Micro nodes with {@code presence.plugins.dir} naming a folder that holds the
 * example plugin {@code examples/audit-log-hook} as the reactor built it (copied to {@code
 * target/plugin-jars} by the build, system property {@value #AUDIT_JAR}).
 *
 * <ul>
 *   <li>The audit hook is loaded on both nodes and every event of the cluster is in exactly one of
 *       the two nodes' audit files, in seq order, as the channel's observer saw it.
 *   <li>A second presence app on node B (context root {@value #BAD_ROOT}) whose plugins folder also
 *       holds a jar the test builds with {@link ExplodingHook} (its constructor throws) is not
 *       deployed; the node's log names that jar.
 * </ul>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PluginsIT {

  /** The system property with the example plugin's jar (set by presence-it's pom). */
  static final String AUDIT_JAR = "presence.it.auditHookJar";

  /** The context root of the app whose plugin cannot load. */
  private static final String BAD_ROOT = "bad";

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Metrics METRICS = new Metrics("PluginsIT", null, RUN);

  private static Path dir;
  private static Path plugins;
  private static Path badJar;
  private static PayaraNode nodeA;
  private static PayaraNode nodeB;
  private static Http httpA;
  private static Http httpB;

  @BeforeAll
  static void startCluster() throws IOException {
    dir = Path.of("target", "plugins-it", RUN).toAbsolutePath();
    plugins = Files.createDirectories(dir.resolve("plugins"));
    Files.copy(
        auditJar(), plugins.resolve("audit-log-hook.jar"), StandardCopyOption.COPY_ATTRIBUTES);
    // Not a jar: skipped (and logged).
    Files.writeString(plugins.resolve("README.txt"), "the plugins of PluginsIT");
    File badWar = badWar();
    int hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    List<Integer> members = List.of(hzA, hzB);
    String cluster = "presence-plugins-it-" + RUN;
    long t0 = System.nanoTime();
    nodeA = start("a", cluster, hzA, members);
    long t1 = System.nanoTime();
    // Node B also deploys a second presence app at /bad whose plugins folder holds a jar that
    // cannot load: its deployment fails, Presence at / runs (no third Payara to boot).
    nodeB =
        start("b", cluster, hzB, members, "--deploy", badWar.getAbsolutePath() + ":/" + BAD_ROOT);
    long t2 = System.nanoTime();
    httpA = ClusterSupport.http(nodeA);
    httpB = ClusterSupport.http(nodeB);
    ClusterSupport.awaitMembers("both nodes see a two-member cluster", 2, nodeA, nodeB);
    METRICS.print(
        "startup: node A ready in %d ms, node B in %d ms",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
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

  private static Path auditJar() {
    String configured = System.getProperty(AUDIT_JAR);
    if (configured == null || !Files.isRegularFile(Path.of(configured))) {
      throw new IllegalStateException(
          "the example plugin's jar (system property "
              + AUDIT_JAR
              + " = "
              + configured
              + ") is missing: run by Failsafe after the reactor built examples/audit-log-hook");
    }
    return Path.of(configured);
  }

  /**
   * The presence WAR whose own configuration ({@code microprofile-config.properties} with {@code
   * config_ordinal} 1000, above the node's system properties) names a plugins folder with the audit
   * plugin and {@code exploding-hook.jar}, which the test builds with {@link ExplodingHook}.
   */
  private static File badWar() throws IOException {
    Path badPlugins = Files.createDirectories(dir.resolve("bad-plugins"));
    Files.copy(auditJar(), badPlugins.resolve("audit-log-hook.jar"));
    badJar =
        PluginJar.write(
            badPlugins.resolve("exploding-hook.jar"),
            PresenceEventHook.class,
            List.of(ExplodingHook.class));
    Map<String, String> config = new LinkedHashMap<>();
    config.put("config_ordinal", "1000");
    config.put("presence.plugins.dir", badPlugins.toString());
    WebArchive war = PresenceWar.withConfig(PresenceWar.create(), "PluginsIT bad plugins", config);
    File file = dir.resolve("presence-bad-plugins.war").toFile();
    war.as(ZipExporter.class).exportTo(file, true);
    return file;
  }

  private static PayaraNode start(
      String node, String cluster, int hzPort, List<Integer> members, String... payaraArgs) {
    return PayaraNode.start(
        "node-" + node,
        dir.resolve(node),
        cluster,
        hzPort,
        members,
        PayaraNode.Options.defaults()
            .jvmArgs(
                ClusterSupport.presenceArgs(
                    T,
                    G,
                    "-Dpresence.plugins.dir=" + plugins,
                    "-D" + AuditLogHook.FILE_PROPERTY + "=" + auditFile(node)))
            .payaraArgs(payaraArgs));
  }

  private static Path auditFile(String node) {
    return dir.resolve("audit-" + node + ".jsonl");
  }

  /**
   * Events made through both nodes on 16 channels: each one is in exactly one audit file, the files
   * together hold seqs 1 to 6 of every channel as its observer saw them, and both nodes loaded the
   * plugin (their logs name it) and ran it.
   */
  @Test
  @Order(1)
  void theExamplePluginSeesEveryEventOnceAcrossTheCluster() throws Exception {
    for (PayaraNode node : List.of(nodeA, nodeB)) {
      assertThat(node.log())
          .as("plugin loading in %s", node.logFile())
          .contains(
              "Presence plugins from "
                  + plugins
                  + ": 1 jar(s), 1 PresenceEventHook ["
                  + AuditLogHook.class.getName()
                  + " (audit-log-hook.jar)], 0 PresenceAuthorizer, 0 PresenceBackendProvider")
          .contains("skipping " + plugins.resolve("README.txt") + " (not a .jar file)")
          .contains("1 event hook(s)");
    }
    int channelCount = 16;
    int perChannel = ChannelTraffic.EVENTS_PER_CHANNEL;
    String prefix = "plugins-" + RUN + "-";
    List<String> channels = new ArrayList<>();
    List<Observer> observers = new ArrayList<>();
    try {
      for (int i = 0; i < channelCount; i++) {
        String ch = prefix + i;
        channels.add(ch);
        observers.add(new Observer((i % 2 == 0 ? nodeA : nodeB).base(), Tokens.dev("watcher"), ch));
      }
      long started = System.nanoTime();
      ChannelTraffic.joinUpdateLeave(channels, httpA, httpB);
      long written = System.nanoTime();
      int total = channelCount * perChannel;
      await("all " + total + " events in the audit files")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> audited(prefix).size() >= total);
      long audited = System.nanoTime();
      await("no further audit line")
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> audited(prefix).size() == total);

      Map<String, List<JsonNode>> byNode = new LinkedHashMap<>();
      byNode.put("a", read(auditFile("a"), prefix));
      byNode.put("b", read(auditFile("b"), prefix));
      for (int i = 0; i < channelCount; i++) {
        String ch = channels.get(i);
        Observer obs = observers.get(i);
        await("observer of " + ch)
            .atMost(Duration.ofSeconds(20))
            .until(() -> obs.events().size() >= perChannel);
        obs.assertGapFree();
        List<String> seen = new ArrayList<>();
        for (Map.Entry<String, List<JsonNode>> e : byNode.entrySet()) {
          List<Long> seqs =
              e.getValue().stream()
                  .filter(l -> l.path("channel").asText().equals(ch))
                  .map(l -> l.path("seq").asLong())
                  .toList();
          assertThat(seqs).as("seqs of %s in node %s's audit file", ch, e.getKey()).isSorted();
          e.getValue().stream()
              .filter(l -> l.path("channel").asText().equals(ch))
              .forEach(
                  l ->
                      seen.add(
                          l.path("seq").asLong()
                              + ":"
                              + l.path("event").asText()
                              + ":"
                              + l.path("userId").asText()));
        }
        seen.sort((x, y) -> Long.compare(HookLine.seqOf(x), HookLine.seqOf(y)));
        assertThat(seen)
            .as("audited events of %s across both nodes vs its observer", ch)
            .isEqualTo(HookLine.describe(obs.events()));
        assertThat(seen.stream().map(HookLine::seqOf).toList())
            .as("seqs of %s", ch)
            .containsExactly(1L, 2L, 3L, 4L, 5L, 6L);
      }
      long onA = byNode.get("a").stream().map(l -> l.path("channel").asText()).distinct().count();
      long onB = byNode.get("b").stream().map(l -> l.path("channel").asText()).distinct().count();
      assertThat(onA).as("channels whose events node A's plugin wrote").isPositive();
      assertThat(onB).as("channels whose events node B's plugin wrote").isPositive();
      METRICS.print(
          "%d events on %d channels through both nodes in %d ms; all in the audit files %d ms"
              + " after the last write; node A's plugin wrote %d channels' events, node B's %d",
          total,
          channelCount,
          (written - started) / 1_000_000,
          (audited - written) / 1_000_000,
          onA,
          onB);
    } finally {
      observers.forEach(Observer::close);
    }
  }

  /**
   * The second app on node B, whose plugins folder holds, beside the audit plugin, a jar with a
   * hook whose constructor throws: it is not deployed (no {@code /bad/health/ready}), and node B's
   * log names the jar, the class and the cause, both in Presence's own line and in the container's
   * deployment error; Presence at {@code /} on the same node runs (the test above).
   */
  @Test
  @Order(2)
  void aPluginThatThrowsAtLoadFailsTheDeploymentNamingItsJar() throws Exception {
    String named =
        "plugin jar "
            + badJar
            + ": PresenceEventHook provider "
            + ExplodingHook.class.getName()
            + " cannot be created: its constructor threw java.lang.IllegalStateException: "
            + ExplodingHook.MESSAGE;
    String log = nodeB.log();
    assertThat(log)
        .as("Presence's own record in %s", nodeB.logFile())
        .contains("Presence cannot start: " + named);
    assertThat(containerReported(log, badJar))
        .as("Payara's deployment error in %s names %s", nodeB.logFile(), badJar)
        .isTrue();
    int status = readyStatus(nodeB.base().resolve(BAD_ROOT + "/"));
    assertThat(status).as("/%s/health/ready: that app is not deployed", BAD_ROOT).isNotEqualTo(200);
    assertThat(readyStatus(nodeB.base()))
        .as("/health/ready of the good app on node B")
        .isEqualTo(200);
    METRICS.print(
        "the app whose plugin throws at load is not deployed (/%s/health/ready %d)",
        BAD_ROOT, status);
  }

  /**
   * Whether the container's deployment error (Payara's {@code WebApplication start} failure, not
   * Presence's own record) names the jar.
   */
  private static boolean containerReported(String log, Path jar) {
    return Pattern.compile(
            "ContainerBase\\.addChild: start: .*" + Pattern.quote("plugin jar " + jar))
        .matcher(log)
        .find();
  }

  private static int readyStatus(URI base) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpRequest ready =
        HttpRequest.newBuilder(base.resolve("health/ready"))
            .timeout(Duration.ofSeconds(10))
            .build();
    return client.send(ready, BodyHandlers.discarding()).statusCode();
  }

  /** The audit lines of both nodes for channels with this prefix. */
  private static List<JsonNode> audited(String prefix) {
    List<JsonNode> all = new ArrayList<>(read(auditFile("a"), prefix));
    all.addAll(read(auditFile("b"), prefix));
    return all;
  }

  /** The complete lines of an audit file for channels with this prefix; none if absent. */
  private static List<JsonNode> read(Path file, String prefix) {
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      // A line being written has no newline yet: only complete lines count.
      String complete = text.substring(0, text.lastIndexOf('\n') + 1);
      return complete
          .lines()
          .map(Json::parse)
          .filter(l -> l.path("channel").asText().startsWith(prefix))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
