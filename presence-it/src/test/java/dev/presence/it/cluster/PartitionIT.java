package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.cluster.ClusterSupport.LogMark;
import dev.presence.it.cluster.ClusterSupport.Metrics;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.io.IOException;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A network partition between two real Payara Micro nodes, made and healed on this machine.
 *
 * <p>Both nodes run inside a network namespace the test creates ({@code ip netns}), reached from
 * the test over a veth pair; their Hazelcast members talk over the namespace's own loopback. The
 * partition is two policy-routing rules inside the namespace that make every TCP packet to or from
 * the two Hazelcast ports unreachable (the namespace's {@code local} table is looked up after them,
 * so loopback traffic is cut too); removing the rules heals it. The nodes run with fast failure
 * detection and a split-brain merge check every {@value #MERGE_DELAY_S} s.
 *
 * <p>Before the split users join through both nodes; during it, on each side, one user leaves, one
 * joins, one changes attributes and one drops its connection, and a REST user left on one side.
 * After the heal both nodes must answer the same member list, equal to the expected one, and
 * observers on both nodes (which apply events and answer {@code resync} with a new subscribe) must
 * end with that list and the same {@code seq}; nothing changes after {@code T + G} more (no ghost).
 *
 * <p>Needs root (it runs {@code ip netns}); it fails with a clear message otherwise.
 */
class PartitionIT {

  private static final Duration T = Duration.ofSeconds(10);
  private static final Duration G = Duration.ofSeconds(1);

  /** hazelcast.merge.first.run.delay.seconds and next.run.delay.seconds of the test nodes. */
  static final int MERGE_DELAY_S = 5;

  private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
  private static final String NS = "pit" + RUN;
  private static final String VETH_HOST = "pvh" + RUN;
  private static final String VETH_NS = "pvn" + RUN;
  private static final Metrics METRICS =
      new Metrics(
          "PartitionIT", Path.of("target", "partition-it", "metrics.txt").toAbsolutePath(), RUN);

  private static Path dir;
  private static String subnet;
  private static int hzA;
  private static int hzB;
  private static PayaraNode nodeA;
  private static PayaraNode nodeB;
  private static Http httpA;
  private static Http httpB;
  private static boolean namespaceCreated;
  private static final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeAll
  static void startNodesInNamespace() {
    dir = Path.of("target", "partition-it", RUN).toAbsolutePath();
    int x = ThreadLocalRandom.current().nextInt(200, 250);
    int y = ThreadLocalRandom.current().nextInt(1, 250);
    subnet = "10." + x + "." + y;
    createNamespace();
    // Two adjacent ports below the ephemeral range, so no HTTP client port falls in the rules.
    hzA = ThreadLocalRandom.current().nextInt(20_000, 30_000);
    hzB = hzA + 1;
    List<Integer> members = List.of(hzA, hzB);
    List<String> jvm =
        ClusterSupport.presenceArgs(
            T,
            G,
            "-Dhazelcast.merge.first.run.delay.seconds=" + MERGE_DELAY_S,
            "-Dhazelcast.merge.next.run.delay.seconds=" + MERGE_DELAY_S);
    PayaraNode.Options options =
        PayaraNode.Options.defaults()
            .jvmArgs(jvm)
            .commandPrefix("ip", "netns", "exec", NS)
            .httpHost(subnet + ".2");
    String cluster = "presence-pit-" + RUN;
    long t0 = System.nanoTime();
    nodeA = PayaraNode.start("node-a", dir.resolve("a"), cluster, hzA, members, options);
    long t1 = System.nanoTime();
    nodeB = PayaraNode.start("node-b", dir.resolve("b"), cluster, hzB, members, options);
    long t2 = System.nanoTime();
    httpA = Http.keepingHost(nodeA.base());
    httpB = Http.keepingHost(nodeB.base());
    ClusterSupport.awaitMembers("both nodes see a two-member cluster", 2, nodeA, nodeB);
    metric(
        "startup in namespace %s: node A ready in %d ms, node B in %d ms",
        NS, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
  }

  @AfterAll
  static void cleanUp() {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        // best effort
      }
    }
    for (PayaraNode node : new PayaraNode[] {nodeB, nodeA}) {
      if (node != null) {
        node.kill();
      }
    }
    if (namespaceCreated) {
      ip(false, "netns", "del", NS);
    }
    ip(false, "link", "del", VETH_HOST); // gone with the namespace; just in case
  }

  @Test
  void partitionHealsWithoutGhosts() throws Exception {
    String ch = "split-" + RUN;
    Mirror obsA = closing(new Mirror(nodeA.base(), Tokens.dev("watcher-a"), ch));
    Mirror obsB = closing(new Mirror(nodeB.base(), Tokens.dev("watcher-b"), ch));
    Map<String, WsClient> ws = new TreeMap<>();
    for (String user : List.of("a1", "a2", "a3")) {
      ws.put(user, closing(WsClient.connect(httpA, Tokens.dev(user))));
    }
    for (String user : List.of("b1", "b2", "b3")) {
      ws.put(user, closing(WsClient.connect(httpB, Tokens.dev(user))));
    }
    for (WsClient c : ws.values()) {
      c.join(ch);
    }
    assertThat(ws.get("a2").setAttributes(ch, Map.of("phase", "before")).path("type").asText())
        .isEqualTo("ok");
    assertThat(ws.get("b2").setAttributes(ch, Map.of("phase", "before")).path("type").asText())
        .isEqualTo("ok");
    // A REST user that B's side will remove during the split (its lease is renewed until then).
    httpB.put(Http.member(ch, "rb"), Tokens.dev("rb")).ok();
    Map<String, Map<String, String>> before = new TreeMap<>();
    for (String u : List.of("a1", "a3", "b1", "b3", "rb")) {
      before.put(u, Map.of());
    }
    before.put("a2", Map.of("phase", "before"));
    before.put("b2", Map.of("phase", "before"));
    awaitUsers(httpA, ch, before, Duration.ofSeconds(10));
    awaitUsers(httpB, ch, before, Duration.ofSeconds(10));
    await("observers see the users before the split")
        .atMost(Duration.ofSeconds(10))
        .until(() -> obsA.users().equals(before) && obsB.users().equals(before));

    // ---- split ----
    LogMark splitA = LogMark.of(nodeA);
    LogMark splitB = LogMark.of(nodeB);
    long split = System.nanoTime();
    partition(true);
    ClusterSupport.awaitMembersSince(
        "each node sees itself alone",
        Duration.ofSeconds(60),
        Duration.ofMillis(100),
        1,
        splitA,
        splitB);
    long detected = System.nanoTime();
    metric("split detected by both nodes %d ms after the rules", (detected - split) / 1_000_000);

    // During the split, on each side: a leave, a new join, an attribute change, a dropped
    // connection; and on B a REST leave.
    ws.get("a1").leave(ch);
    ws.get("b1").leave(ch);
    ws.put("a4", closing(WsClient.connect(httpA, Tokens.dev("a4"))));
    ws.put("b4", closing(WsClient.connect(httpB, Tokens.dev("b4"))));
    ws.get("a4").join(ch);
    ws.get("b4").join(ch);
    assertThat(ws.get("a2").setAttributes(ch, Map.of("phase", "split-a")).path("type").asText())
        .isEqualTo("ok");
    assertThat(ws.get("b2").setAttributes(ch, Map.of("phase", "split-b")).path("type").asText())
        .isEqualTo("ok");
    ws.remove("a3").abort();
    ws.remove("b3").abort();
    httpB.delete(Http.member(ch, "rb"), Tokens.dev("rb")).ok();
    // Each side now holds only its own users (the other side's timed out after G).
    awaitUsers(
        httpA,
        ch,
        Map.of("a2", Map.of("phase", "split-a"), "a4", Map.of()),
        T.plus(G).plusSeconds(10));
    awaitUsers(
        httpB,
        ch,
        Map.of("b2", Map.of("phase", "split-b"), "b4", Map.of()),
        T.plus(G).plusSeconds(10));
    long diverged = System.nanoTime();
    metric("both sides diverged %d ms after detection", (diverged - detected) / 1_000_000);

    // ---- heal ----
    LogMark fromA = LogMark.of(nodeA);
    LogMark fromB = LogMark.of(nodeB);
    long healed = System.nanoTime();
    partition(false);
    ClusterSupport.awaitMembersSince(
        "the two sides merge (log " + nodeA.logFile() + ", " + nodeB.logFile() + ")",
        Duration.ofSeconds(120),
        Duration.ofMillis(100),
        2,
        fromA,
        fromB);
    long listed = System.nanoTime();
    // The backend logs this on the member Hazelcast merged (its MERGED lifecycle event).
    String mergedHere = "merged into another cluster after a split";
    await("a node reports the merge")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> fromA.since().contains(mergedHere) || fromB.since().contains(mergedHere));
    long merged = System.nanoTime();
    String mergedSide = fromA.since().contains(mergedHere) ? "A" : "B";

    Map<String, Map<String, String>> expected = new TreeMap<>();
    expected.put("a2", Map.of("phase", "split-a"));
    expected.put("a4", Map.of());
    expected.put("b2", Map.of("phase", "split-b"));
    expected.put("b4", Map.of());
    Duration budget = T.plus(G).plusSeconds(30);
    awaitUsers(httpA, ch, expected, budget);
    awaitUsers(httpB, ch, expected, budget);
    await("observers converge on the expected list and one seq")
        .atMost(budget)
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              long seq = occupancySeq(httpA, ch);
              assertThat(obsA.users()).as("observer on A (%s)", obsA).isEqualTo(expected);
              assertThat(obsB.users()).as("observer on B (%s)", obsB).isEqualTo(expected);
              assertThat(obsA.seq()).as("observer on A").isEqualTo(seq);
              assertThat(obsB.seq()).as("observer on B").isEqualTo(seq);
              assertThat(occupancySeq(httpB, ch)).isEqualTo(seq);
            });
    long converged = System.nanoTime();
    metric(
        "heal -> both nodes list 2 members %d ms, -> merge reported %d ms (node %s merged into the"
            + " other); heal -> all queries and observers converged %d ms; observer resyncs: A %d,"
            + " B %d",
        (listed - healed) / 1_000_000,
        (merged - healed) / 1_000_000,
        mergedSide,
        (converged - healed) / 1_000_000,
        obsA.resyncs(),
        obsB.resyncs());

    // ---- no ghost: after T + G nothing has changed ----
    long seq = occupancySeq(httpA, ch);
    await()
        .pollDelay(T.plus(G).plusSeconds(2))
        .atMost(T.plus(G).plusSeconds(10))
        .untilAsserted(
            () -> {
              for (Http http : List.of(httpA, httpB)) {
                assertThat(users(http, ch)).as("users on %s", http.base()).isEqualTo(expected);
                assertThat(occupancySeq(http, ch)).as("seq on %s", http.base()).isEqualTo(seq);
              }
              assertThat(obsA.users()).isEqualTo(expected);
              assertThat(obsB.users()).isEqualTo(expected);
            });
    for (Http http : List.of(httpA, httpB)) {
      for (String user : List.of("a1", "a3", "b1", "b3", "rb")) {
        assertThat(channelsOf(http, user)).as("channels of %s on %s", user, http.base()).isEmpty();
      }
      for (String user : expected.keySet()) {
        assertThat(channelsOf(http, user))
            .as("channels of %s on %s", user, http.base())
            .containsExactly(ch);
      }
    }
    assertThat(obsA.gaps()).as("gaps seen by the observer on A without a resync").isZero();
    assertThat(obsB.gaps()).as("gaps seen by the observer on B without a resync").isZero();
  }

  // ---- the partition ----

  private static void createNamespace() {
    String failure = ip(true, "netns", "add", NS);
    if (failure != null) {
      throw new IllegalStateException(
          "PartitionIT needs to create a network namespace (root and iproute2): 'ip netns add "
              + NS
              + "' failed: "
              + failure);
    }
    namespaceCreated = true;
    run("ip", "link", "add", VETH_HOST, "type", "veth", "peer", "name", VETH_NS);
    run("ip", "link", "set", VETH_NS, "netns", NS);
    run("ip", "addr", "add", subnet + ".1/30", "dev", VETH_HOST);
    run("ip", "link", "set", VETH_HOST, "up");
    inNamespace("ip", "addr", "add", subnet + ".2/30", "dev", VETH_NS);
    inNamespace("ip", "link", "set", VETH_NS, "up");
    inNamespace("ip", "link", "set", "lo", "up");
    // Look the local table up after the partition rules, so that they cut loopback traffic too.
    inNamespace("ip", "rule", "add", "pref", "100", "lookup", "local");
    inNamespace("ip", "rule", "del", "pref", "0");
  }

  /** Cuts (or restores) all TCP traffic to and from both Hazelcast ports inside the namespace. */
  private static void partition(boolean on) {
    String range = hzA + "-" + hzB;
    if (on) {
      inNamespace(
          "ip", "rule", "add", "pref", "10", "ipproto", "tcp", "dport", range, "unreachable");
      inNamespace(
          "ip", "rule", "add", "pref", "11", "ipproto", "tcp", "sport", range, "unreachable");
    } else {
      inNamespace("ip", "rule", "del", "pref", "10");
      inNamespace("ip", "rule", "del", "pref", "11");
    }
  }

  private static void inNamespace(String... command) {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", NS));
    cmd.addAll(List.of(command));
    run(cmd.toArray(new String[0]));
  }

  private static void run(String... command) {
    String failure = exec(List.of(command));
    if (failure != null) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + failure);
    }
  }

  /** Runs {@code ip args}; returns null on success, else the output. */
  private static @Nullable String ip(boolean report, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("ip");
    cmd.addAll(List.of(args));
    String failure = exec(cmd);
    return report ? failure : null;
  }

  private static @Nullable String exec(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "timed out";
      }
      return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
    } catch (IOException e) {
      return String.valueOf(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  // ---- queries ----

  private static Map<String, Map<String, String>> users(Http http, String ch) {
    JsonNode body = http.get(Http.users(ch), Tokens.dev("reader")).okJson();
    Map<String, Map<String, String>> seen = new TreeMap<>();
    for (JsonNode u : body.path("users")) {
      seen.put(u.path("userId").asText(), Json.stringMap(u.path("attributes")));
    }
    assertThat(body.path("occupancy").asInt()).as("%s", body).isEqualTo(seen.size());
    return seen;
  }

  private static long occupancySeq(Http http, String ch) {
    return http.get(Http.channel(ch), Tokens.dev("reader")).okJson().path("seq").asLong();
  }

  private static List<String> channelsOf(Http http, String user) {
    List<String> out = new ArrayList<>();
    for (JsonNode c :
        http.get(Http.userChannels(user), Tokens.dev("reader")).okJson().path("channels")) {
      out.add(c.asText());
    }
    return out;
  }

  private static void awaitUsers(
      Http http, String ch, Map<String, Map<String, String>> expected, Duration atMost) {
    await("users of " + ch + " on " + http.base() + " = " + expected)
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .untilAsserted(() -> assertThat(users(http, ch)).isEqualTo(expected));
  }

  private static <T extends AutoCloseable> T closing(T closeable) {
    closeables.add(0, closeable);
    return closeable;
  }

  private static void metric(String format, Object... args) {
    METRICS.print(format, args);
  }

  /**
   * A WebSocket observer that keeps the channel's member list as a client would: it starts from the
   * subscribe snapshot, applies each event whose {@code seq} is the next one, ignores those it has
   * (covered by its snapshot), counts a jump as a gap, and answers {@code resync} by subscribing
   * again.
   */
  static final class Mirror implements AutoCloseable {
    private final String channel;
    private final WebSocket socket;
    private final ScheduledExecutorService heartbeats;
    private final ScheduledExecutorService retries =
        Executors.newSingleThreadScheduledExecutor(Observer.daemon("mirror-retry"));
    private final StringBuilder partial = new StringBuilder();
    private final CompletableFuture<JsonNode> first = new CompletableFuture<>();
    private final Map<String, Map<String, String>> users = new TreeMap<>();
    private long seq = -1;
    private int resyncs;
    private int gaps;
    private int subscriptions;
    private final List<String> log = new ArrayList<>();
    private final ExecutorService ordered =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "mirror-" + UUID.randomUUID().toString().substring(0, 4));
              t.setDaemon(true);
              return t;
            });

    Mirror(URI base, String token, String channel) {
      this.channel = channel;
      URI uri = Observer.socketUri(base, token);
      socket = Observer.connect(uri, channel, new Listener());
      subscribe();
      Observer.awaitSnapshot(first, uri, channel);
      // When the heartbeats fail, the connection is gone; the test sees a stale list.
      heartbeats =
          Observer.heartbeats("mirror-heartbeat-" + channel, () -> send(Observer.HEARTBEAT));
    }

    private void subscribe() {
      String id;
      synchronized (this) {
        id = "sub" + ++subscriptions;
      }
      send(Json.write(Json.object("id", id, "type", "subscribe", "channel", channel)));
    }

    private void send(String text) {
      synchronized (socket) {
        Observer.sendText(socket, text);
      }
    }

    synchronized Map<String, Map<String, String>> users() {
      return new TreeMap<>(users);
    }

    synchronized long seq() {
      return seq;
    }

    synchronized int resyncs() {
      return resyncs;
    }

    synchronized int gaps() {
      return gaps;
    }

    @Override
    public synchronized String toString() {
      return "seq " + seq + " users " + users + " resyncs " + resyncs + " log " + log;
    }

    private void dispatch(JsonNode m) {
      String type = m.path("type").asText();
      boolean resubscribe = false;
      synchronized (this) {
        if (m.path("id").asText().startsWith("sub")) {
          boolean current = m.path("id").asText().equals("sub" + subscriptions);
          if ("error".equals(type) && current && first.isDone()) {
            // As a client would: try again a little later (the cluster may still be settling).
            note("subscribe failed: " + m.path("code").asText());
            retries.schedule(this::subscribe, 500, TimeUnit.MILLISECONDS);
          }
          if ("snapshot".equals(type) && current) {
            users.clear();
            for (JsonNode u : m.path("users")) {
              users.put(u.path("userId").asText(), Json.stringMap(u.path("attributes")));
            }
            seq = m.path("seq").asLong();
            note("snapshot@" + seq);
          }
          first.complete(m);
          return;
        }
        if (!channel.equals(m.path("channel").asText())) {
          return;
        }
        if ("resync".equals(type)) {
          resyncs++;
          note("resync");
          resubscribe = true;
        } else if ("event".equals(type)) {
          long s = m.path("seq").asLong();
          if (s <= seq) {
            return; // covered by the snapshot
          }
          if (s != seq + 1) {
            gaps++;
            note("gap " + seq + "->" + s);
          }
          seq = s;
          String user = m.path("userId").asText();
          switch (m.path("event").asText()) {
            case "join", "attributesUpdate" ->
                users.put(user, Json.stringMap(m.path("attributes")));
            default -> users.remove(user);
          }
          note(s + ":" + m.path("event").asText() + ":" + user);
        }
      }
      if (resubscribe) {
        subscribe();
      }
    }

    private void note(String what) {
      log.add(what);
      if (log.size() > 60) {
        log.remove(0);
      }
    }

    @Override
    public void close() {
      heartbeats.shutdownNow();
      retries.shutdownNow();
      ordered.shutdownNow();
      Observer.closeSocket(socket);
    }

    private final class Listener implements WebSocket.Listener {
      @Override
      public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        String text = Observer.whole(partial, data, last);
        if (text != null) {
          // Off the WebSocket thread: dispatch may send a subscribe and wait for it.
          CompletableFuture.runAsync(
              () -> Observer.forEachMessage(text, Mirror.this::dispatch), ordered);
        }
        ws.request(1);
        return null;
      }

      @Override
      public void onError(WebSocket ws, Throwable error) {
        first.completeExceptionally(error);
      }
    }
  }
}
