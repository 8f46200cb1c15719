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
 * heartbeat on node A), and {@code @livelike/javascript} 1.3.0 running the seed's snippets over TLS
 * (node A also has an HTTPS port, {@code --sslport}, with a certificate made by keytool; Node
 * trusts it through {@code NODE_EXTRA_CA_CERTS}). Each test here runs one file with the nodes' URLs
 * in {@code PRESENCE_BASE_URL} and {@code PRESENCE_BASE_URL_B}, node A's TLS {@code host:port} in
 * {@code PRESENCE_PUBNUB_ORIGIN}, and passes when it exits with 0.
 *
 * <p>Needs Node.js 20+ and npm ({@code npm ci} in src/test/js when node_modules is missing), and
 * the JDK's keytool.
 */
class PubNubIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);
  private static final Duration T = Duration.ofSeconds(3);
  private static final Duration G = Duration.ofSeconds(1);
  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(5);

  private static PayaraNode nodeA;
  private static PayaraNode nodeB;
  private static int sslPortA;
  private static Path caPem;

  @BeforeAll
  static void startCluster() {
    NodeTools.node();
    NodeTools.installDependencies();
    Path dir = Path.of("target", "pubnub-it", RUN).toAbsolutePath();
    int hzA = PayaraNode.freePort();
    int hzB = PayaraNode.freePort();
    List<Integer> members = List.of(hzA, hzB);
    String cluster = "presence-pubnub-it-" + RUN;
    List<String> presence =
        ClusterSupport.presenceArgs(
            T,
            G,
            "-Dpresence.pubnub.long-poll=5s",
            // large channels (SPEC 13.3): more than 4 users make a channel's presence events
            // PubNub intervals, one a second (protocol.test.js "interval")
            "-Dpresence.channels.announce-max=4",
            "-Dpresence.channels.interval=1s",
            "-Dpresence.query.cache-ttl=0",
            "-Dpresence.http.cors.allowed-origins=*");
    // Node A also listens with TLS (LiveLike forces ssl): a certificate made here with keytool,
    // under Payara's default alias s1as, trusted by Node through NODE_EXTRA_CA_CERTS.
    Path keystore = dir.resolve("tls.p12");
    caPem = dir.resolve("ca.pem");
    makeCertificate(keystore, caPem);
    sslPortA = PayaraNode.freePort();
    List<String> tlsArgs = new java.util.ArrayList<>(presence);
    tlsArgs.add("-Djavax.net.ssl.keyStore=" + keystore);
    tlsArgs.add("-Djavax.net.ssl.keyStorePassword=" + STORE_PASSWORD);
    tlsArgs.add("-Djavax.net.ssl.keyStoreType=PKCS12");
    PayaraNode.Options optionsA =
        PayaraNode.Options.defaults()
            .jvmArgs(tlsArgs)
            .payaraArgs("--sslport", Integer.toString(sslPortA));
    PayaraNode.Options optionsB = PayaraNode.Options.defaults().jvmArgs(presence);
    nodeA = PayaraNode.start("node-a", dir.resolve("a"), cluster, hzA, members, optionsA);
    nodeB = PayaraNode.start("node-b", dir.resolve("b"), cluster, hzB, members, optionsB);
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

  @Test
  @DisplayName("@livelike/javascript 1.3.0 runs the seed's snippets against node A over TLS")
  void liveLike() {
    run("pubnub/livelike.test.js");
  }

  private static final String STORE_PASSWORD = "changeit";

  /** A self-signed certificate for 127.0.0.1 in a PKCS12 keystore, and its PEM for Node. */
  private static void makeCertificate(Path keystore, Path pem) {
    try {
      java.nio.file.Files.createDirectories(keystore.getParent());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    keytool(
        keytool,
        "-genkeypair",
        "-alias",
        "s1as",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=127.0.0.1",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        STORE_PASSWORD,
        "-keypass",
        STORE_PASSWORD);
    keytool(
        keytool,
        "-exportcert",
        "-rfc",
        "-alias",
        "s1as",
        "-keystore",
        keystore.toString(),
        "-storepass",
        STORE_PASSWORD,
        "-file",
        pem.toString());
  }

  private static void keytool(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out =
          new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool failed: " + out);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void run(String file) {
    NodeTools.Outcome outcome =
        NodeTools.run(
            List.of(NodeTools.node().toString(), "--test", "--test-concurrency=1", file),
            Map.of(
                "PRESENCE_BASE_URL", nodeA.base().toString(),
                "PRESENCE_BASE_URL_B", nodeB.base().toString(),
                "PRESENCE_PUBNUB_ORIGIN", "127.0.0.1:" + sslPortA,
                "NODE_EXTRA_CA_CERTS", caPem.toString()),
            NODE_TIMEOUT,
            "node " + file);
    assertThat(outcome.exitCode()).as(outcome.describe("node --test " + file)).isZero();
  }
}
