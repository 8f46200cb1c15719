package dev.presence.it;

import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.hook.HookLine;
import dev.presence.it.hook.HookWar;
import dev.presence.it.hook.RecordingHook;
import dev.presence.it.hook.ThrowingHook;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.ServerUnderTest;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Event hooks deployed in the WAR (SPEC 8) on a single server, so that they run on every server the
 * black-box classes run on (Payara Micro; WildFly and GlassFish through {@code
 * OtherServerExtension}). HookIT checks hooks on a Payara cluster; this class checks that the
 * portable WAR finds and runs them on the others.
 *
 * <p>The WAR carries {@link RecordingHook} as a CDI bean <em>and</em> a ServiceLoader entry (the
 * engine must run it once) and {@link ThrowingHook} as a CDI bean (it throws for every event). The
 * recording hook's file and node name are set in the WAR's {@code microprofile-config.properties},
 * which every server reads, so no server option is needed. Container {@code payara-micro-rest} (T =
 * 10 s: REST presences outlive the test's steps).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class DeployedHooksIT {

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  /** The recording hook's file: absolute, as the server's working directory is its own. */
  private static final Path HOOK_FILE =
      Path.of("target", "deployed-hooks", RUN + ".tsv").toAbsolutePath();

  private static final Duration EVENT_WAIT = Duration.ofSeconds(15);

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-rest")
  static WebArchive war() {
    try {
      Files.createDirectories(HOOK_FILE.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put(RecordingHook.FILE, HOOK_FILE.toString());
    settings.put(RecordingHook.NODE, node());
    return PresenceWar.withConfig(
        HookWar.withHooks(
            PresenceWar.create(),
            List.of(RecordingHook.class, ThrowingHook.class),
            List.of(RecordingHook.class)),
        "DeployedHooksIT's recording hook",
        settings);
  }

  private static String node() {
    return ServerUnderTest.current().name().toLowerCase(Locale.ROOT);
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
    Warmup.once(http);
  }

  /**
   * Six channels, each with a REST user and a WebSocket user who join, change attributes and leave,
   * the channels' steps interleaved: the recording hook sees each event exactly once, in seq order
   * per channel, as the channel's observer saw it; the throwing hook fails once for every event the
   * WAR made (warm-up included: failures equal the file's lines) and presence answers as without
   * hooks.
   */
  @Test
  @DisplayName(
      "hooks in the WAR (CDI and ServiceLoader) see each event once, in seq order; a throwing hook"
          + " disturbs nothing")
  void hooksSeeEachEventOnceInOrder() {
    String prefix = "hooks-" + RUN + "-";
    int channelCount = 6;
    List<String> channels = new ArrayList<>();
    for (int i = 0; i < channelCount; i++) {
      channels.add(prefix + i);
    }
    String wsUser = "ws-" + RUN;
    long drops0 = http.metric("presence_hook_drops_total");
    try (WsClient watcher = WsClient.connect(http, Tokens.dev("watcher-" + RUN));
        WsClient ws = WsClient.connect(http, Tokens.dev(wsUser))) {
      Map<String, Long> snapshotSeq = new LinkedHashMap<>();
      for (String ch : channels) {
        snapshotSeq.put(ch, watcher.subscribe(ch).path("seq").asLong());
      }
      for (String ch : channels) {
        http.put(member(ch, rest(ch)), Tokens.dev(rest(ch))).ok();
      }
      for (String ch : channels) {
        ws.join(ch);
      }
      for (String ch : channels) {
        http.put(attributes(ch, rest(ch)), Tokens.dev(rest(ch)), "{\"n\":\"1\"}").ok();
      }
      for (String ch : channels) {
        JsonNode page = http.get(users(ch), Tokens.dev(rest(ch))).okJson();
        assertThat(page.path("occupancy").asInt()).as("occupancy of %s: %s", ch, page).isEqualTo(2);
      }
      for (String ch : channels) {
        ws.leave(ch);
      }
      for (String ch : channels) {
        http.delete(member(ch, rest(ch)), Tokens.dev(rest(ch))).ok();
      }
      int perChannel = 5;
      Map<String, List<String>> observed = new LinkedHashMap<>();
      for (String ch : channels) {
        long first = snapshotSeq.get(ch) + 1;
        watcher.awaitSeq(ch, first + perChannel - 1, EVENT_WAIT);
        List<JsonNode> events = watcher.events(ch);
        Events.assertConsecutive(events, first);
        String r = rest(ch);
        assertThat(Events.kindsAndUsers(events))
            .as("events of %s", ch)
            .containsExactly(
                "join:" + r,
                "join:" + wsUser,
                "attributesUpdate:" + r,
                "leave:" + wsUser,
                "leave:" + r);
        observed.put(ch, HookLine.describe(events));
        JsonNode page = http.get(users(ch), Tokens.dev(rest(ch))).okJson();
        assertThat(page.path("occupancy").asInt()).as("occupancy of %s: %s", ch, page).isZero();
      }
      int total = channelCount * perChannel;

      // Both hooks ran for every event of the deployment, and nothing more comes: the recording
      // hook wrote each event of the test's channels once, the throwing hook failed once per event
      // (its failures equal the file's lines, warm-up channels included).
      await("the hooks' lines and failures settle")
          .during(Duration.ofSeconds(1))
          .atMost(EVENT_WAIT)
          .pollInterval(Duration.ofMillis(100))
          .untilAsserted(
              () -> {
                assertThat(HookLine.read(HOOK_FILE, prefix))
                    .as("the recording hook's lines of the test's channels")
                    .hasSize(total);
                assertThat(http.metric("presence_hook_failures_total"))
                    .as("presence_hook_failures_total vs all lines of %s", HOOK_FILE)
                    .isEqualTo(HookLine.read(HOOK_FILE, "").size());
              });
      List<HookLine> lines = HookLine.read(HOOK_FILE, prefix);
      assertThat(lines).as("lines of %s", HOOK_FILE).allMatch(l -> l.node().equals(node()));
      for (String ch : channels) {
        List<String> hooked =
            lines.stream().filter(l -> l.channel().equals(ch)).map(HookLine::event).toList();
        assertThat(hooked).as("hook events of %s vs its observer", ch).isEqualTo(observed.get(ch));
      }
      assertThat(http.metric("presence_hook_drops_total") - drops0)
          .as("presence_hook_drops_total")
          .isZero();
      assertThat(http.metric("presence_hook_failures_total"))
          .as("presence_hook_failures_total")
          .isGreaterThanOrEqualTo(total);
    }
  }

  /** The REST user of a channel. */
  private static String rest(String channel) {
    return "r-" + channel;
  }
}
