package dev.presence.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.RawWebSocket;
import dev.presence.it.support.ServerUnderTest;
import dev.presence.it.support.Tokens;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
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
 * The WebSocket connection layer against hostile and numerous clients (issue #9, SPEC 5 and 13.2),
 * on the container {@code payara-micro-limits} of arquillian.xml: development mode, {@code
 * presence.ws.max-frame-bytes} {@value #MAX_FRAME}, {@code presence.ws.max-connections} {@value
 * #MAX_CONNECTIONS}, {@code presence.ws.max-connections-per-user} {@value #PER_USER}.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ConnectionLayerIT {

  private static final Logger LOG = Logger.getLogger(ConnectionLayerIT.class.getName());

  /** These must match the container's options in arquillian.xml. */
  static final int MAX_FRAME = 4096;

  static final int MAX_CONNECTIONS = 100;
  static final int PER_USER = 3;

  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-limits")
  static WebArchive war() {
    return PresenceWar.create();
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
    Warmup.once(http);
    // Connections of an earlier test end asynchronously: start from none.
    await().atMost(Duration.ofSeconds(30)).until(() -> openConnections() == 0);
  }

  @Test
  @DisplayName("a frame one byte over the limit closes the connection with 1009")
  void frameOverLimit() {
    try (RawWebSocket ws = open(Names.unique("big"))) {
      String text = "{\"type\":\"heartbeat\",\"pad\":\"" + "x".repeat(MAX_FRAME) + "\"}";
      ws.sendText(text);
      assertThat(ws.awaitCloseCode(CLOSE_WAIT)).as(ws.closeReason()).isEqualTo(1009);
      assertThat(ws.closeReason()).startsWith("TOO_LARGE");
    }
  }

  @Test
  @DisplayName(
      "a frame declared as 10 MB is refused with 1009 once the limit is passed, before the rest"
          + " is sent")
  void hugeFrameRefusedEarly() {
    try (RawWebSocket ws = open(Names.unique("huge"))) {
      // Send a little more than the limit of a 10 MB frame and then nothing: the server must
      // close without waiting for (and buffering) the rest.
      ws.sendFramePart(1, true, 10_000_000L, 4 * MAX_FRAME);
      assertThat(ws.awaitCloseCode(CLOSE_WAIT)).as(ws.closeReason()).isEqualTo(1009);
    }
  }

  @Test
  @DisplayName(
      "a whole 10 MB frame is refused with 1009, not 1011 (Payara, GlassFish: before it is all"
          + " read; WildFly reads the rest without keeping it)")
  void wholeHugeFrame() {
    try (RawWebSocket ws = open(Names.unique("whole"))) {
      long written = ws.sendFramePart(1, true, 10_000_000L, 10_000_000L);
      assertThat(ws.awaitCloseCode(CLOSE_WAIT))
          .as("%s after %d bytes", ws.closeReason(), written)
          .isEqualTo(1009);
      assertThat(ws.closeReason()).startsWith("TOO_LARGE");
      if (ServerUnderTest.current() != ServerUnderTest.WILDFLY) {
        // Undertow goes on reading after it sent its close, until the client's close frame comes,
        // and discards what it reads; hugeFrameRefusedEarly shows that it closes early there too.
        assertThat(written).as("bytes the server read before closing").isLessThan(10_000_000L);
      }
    }
  }

  @Test
  @DisplayName("a message fragmented into frames each under the limit but over it in all: 1009")
  void fragmentsOverLimit() {
    try (RawWebSocket ws = open(Names.unique("frag"))) {
      ws.sendFramePart(1, false, MAX_FRAME - 100, MAX_FRAME - 100);
      ws.sendFramePart(0, true, MAX_FRAME - 100, MAX_FRAME - 100);
      assertThat(ws.awaitCloseCode(CLOSE_WAIT)).as(ws.closeReason()).isEqualTo(1009);
    }
  }

  @Test
  @DisplayName("a frame at the limit is served")
  void frameAtLimit() {
    try (RawWebSocket ws = open(Names.unique("fits"))) {
      String head = "{\"id\":\"fit\",\"type\":\"heartbeat\",\"pad\":\"";
      String text = head + "x".repeat(MAX_FRAME - head.length() - 2) + "\"}";
      assertThat(text.length()).isEqualTo(MAX_FRAME);
      ws.sendText(text);
      JsonNode reply = ws.readUntil(m -> "fit".equals(m.path("id").asText()), CLOSE_WAIT);
      assertThat(reply.path("type").asText()).isEqualTo("ok");
    }
  }

  @Test
  @DisplayName(
      "one connection over the per-user limit is closed with 1013; a freed place is reused")
  void perUserLimit() {
    String user = Names.unique("many");
    List<RawWebSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < PER_USER; i++) {
        held.add(open(user));
      }
      try (RawWebSocket extra = RawWebSocket.open(http, Tokens.dev(user), 0)) {
        assertThat(extra.awaitCloseCode(CLOSE_WAIT)).isEqualTo(1013);
        assertThat(extra.closeReason()).startsWith("UNAVAILABLE").contains("user");
      }
      // Another user is not affected.
      open(Names.unique("other")).close();
      RawWebSocket first = held.remove(0);
      first.sendClose(1000);
      first.awaitCloseCode(CLOSE_WAIT);
      first.close();
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () -> {
                RawWebSocket again = open(user);
                held.add(again);
              });
    } finally {
      held.forEach(RawWebSocket::close);
    }
  }

  @Test
  @DisplayName(
      "one connection over the node's limit is refused: WebSocket 1013, SSE 503 UNAVAILABLE")
  void nodeLimit() throws Exception {
    List<RawWebSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_CONNECTIONS; i++) {
        held.add(open(Names.unique("crowd")));
      }
      assertThat(openConnections()).isEqualTo(MAX_CONNECTIONS);
      try (RawWebSocket extra = RawWebSocket.open(http, Tokens.dev(Names.unique("late")), 0)) {
        assertThat(extra.awaitCloseCode(CLOSE_WAIT)).isEqualTo(1013);
        assertThat(extra.closeReason()).startsWith("UNAVAILABLE");
      }
      HttpRequest sse =
          HttpRequest.newBuilder(http.uri(Http.channel(Names.unique("full")) + "/events"))
              .header("Accept", "text/event-stream")
              .header("Authorization", "Bearer " + Tokens.dev(Names.unique("sse")))
              .timeout(CLOSE_WAIT)
              .GET()
              .build();
      HttpResponse<String> refused = http.client().send(sse, BodyHandlers.ofString());
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
      assertThat(refused.body()).contains("\"UNAVAILABLE\"");
    } finally {
      held.forEach(RawWebSocket::close);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> openConnections() == 0);
    open(Names.unique("after")).close();
  }

  @Test
  @DisplayName(
      "20,000 connects, 16 at a time: the container closes none of them (idle-timeout race)")
  void connectStorm() throws Exception {
    int total = 20_000;
    int workers = 16;
    AtomicInteger next = new AtomicInteger();
    AtomicInteger served = new AtomicInteger();
    Map<String, AtomicInteger> closedByServer = new ConcurrentHashMap<>();
    AtomicLong started = new AtomicLong(System.nanoTime());
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < total; i = next.getAndIncrement()) {
                    String user = "storm-" + i;
                    try (RawWebSocket ws = RawWebSocket.open(http, Tokens.dev(user), 0)) {
                      ws.sendText("{\"id\":\"s\",\"type\":\"heartbeat\"}");
                      try {
                        ws.readUntil(m -> "s".equals(m.path("id").asText()), CLOSE_WAIT);
                        served.incrementAndGet();
                        ws.sendClose(1000);
                        ws.awaitCloseCode(CLOSE_WAIT);
                      } catch (UncheckedIOException e) {
                        closedByServer
                            .computeIfAbsent(
                                ws.closeCode() + " " + ws.closeReason(), k -> new AtomicInteger())
                            .incrementAndGet();
                      }
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        f.get(10, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    double seconds = (System.nanoTime() - started.get()) / 1e9;
    LOG.info(
        String.format(
            "connect storm: %d connects in %.1f s (%.0f/s), closed by the server: %s",
            total, seconds, total / seconds, closedByServer));
    assertThat(closedByServer).as("connections the server closed").isEmpty();
    assertThat(served.get()).isEqualTo(total);
  }

  /** Opens a connection and waits for a reply, so the server has counted it. */
  private RawWebSocket open(String user) {
    RawWebSocket ws = RawWebSocket.open(http, Tokens.dev(user), 0);
    String id = Names.unique("hb");
    ws.sendText("{\"id\":\"" + id + "\",\"type\":\"heartbeat\"}");
    try {
      ws.readUntil(m -> id.equals(m.path("id").asText()), CLOSE_WAIT);
    } catch (UncheckedIOException e) {
      ws.close();
      throw new AssertionError(
          "the connection of " + user + " was closed: " + ws.closeCode() + " " + ws.closeReason(),
          e);
    }
    return ws;
  }

  private int openConnections() {
    String metrics = http.get("metrics", null).ok().body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("presence_connections_open ")) {
        return (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("no presence_connections_open in /metrics");
  }
}
