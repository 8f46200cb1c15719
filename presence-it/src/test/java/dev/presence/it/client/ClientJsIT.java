package dev.presence.it.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.it.support.PresenceWar;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The browser client {@code /presence.js} and the demo page (SPEC section 11), tested in JavaScript
 * against the real WAR on Payara Micro (arquillian.xml, container {@code payara-micro}: development
 * mode, T = 3 s, G = 500 ms, 50 users per channel, CORS for every origin: {@code
 * presence.http.cors.allowed-origins=*}, since the cross-origin browser test serves its page from a
 * random loopback port).
 *
 * <p>The tests live in {@code src/test/js} (see its README.md): Node's test runner over {@code
 * client/} (every function of presence.js, each event kind, errors, reconnect through a TCP proxy
 * that cuts connections, the protocol cases of a scripted server, and the type declarations), and a
 * headless Chromium driven by playwright-core over {@code browser/} (two pages of the demo see each
 * other; screenshots in {@code target/screenshots}; a page on a second origin imports presence.js
 * from the server, joins, sees itself and calls the REST API). Each test here runs one of them with
 * the server's base URL in {@code PRESENCE_BASE_URL}, streams its output, and passes when it exits
 * with 0.
 *
 * <p>Needs Node.js 20+ and npm (the dev dependencies are installed with {@code npm ci} when
 * missing), and Debian's Chromium for the browser test: without them the tests fail when {@code
 * CI=true} and are skipped otherwise.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ClientJsIT {

  /** arquillian.xml's {@code presence.limits.users-per-channel}, for the CHANNEL_FULL test. */
  private static final int USERS_PER_CHANNEL = 50;

  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(6);

  @ArquillianResource private URL base;

  @Deployment(testable = false)
  static WebArchive war() {
    return PresenceWar.create();
  }

  @Test
  @DisplayName("presence.js passes its Node.js tests against this server (node --test client/)")
  void nodeClientTests() {
    Path node = NodeTools.node();
    NodeTools.installDependencies();
    NodeTools.Outcome outcome =
        NodeTools.run(
            List.of(node.toString(), "--test", "--test-concurrency=1", "client/"),
            Map.of(
                "PRESENCE_BASE_URL",
                base.toString(),
                "PRESENCE_TEST_USERS_PER_CHANNEL",
                Integer.toString(USERS_PER_CHANNEL)),
            NODE_TIMEOUT,
            "node client");
    assertThat(outcome.exitCode()).as(outcome.describe("node --test client/")).isZero();
  }

  @Test
  @DisplayName(
      "headless Chromium: two demo pages see join, mood, leave, timeout; presence.js works from a"
          + " second origin")
  void browserDemoTest() {
    Path node = NodeTools.node();
    Path chromium = NodeTools.chromium();
    NodeTools.installDependencies();
    Path screenshots = Path.of("target/screenshots").toAbsolutePath();
    NodeTools.Outcome outcome =
        NodeTools.run(
            List.of(node.toString(), "--test", "--test-concurrency=1", "browser/"),
            Map.of(
                "PRESENCE_BASE_URL", base.toString(),
                "PRESENCE_CHROMIUM", chromium.toString(),
                "PRESENCE_SCREENSHOTS", screenshots.toString()),
            NODE_TIMEOUT,
            "node browser");
    assertThat(outcome.exitCode()).as(outcome.describe("node --test browser/")).isZero();
    assertThat(screenshots.resolve("demo-1-alice-sees-bob-happy.png")).isRegularFile();
  }
}
