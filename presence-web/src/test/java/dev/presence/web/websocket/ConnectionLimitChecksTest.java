package dev.presence.web.websocket;

import static dev.presence.web.engine.LimitChecks.Check.CHANNEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.UserId;
import dev.presence.spi.AuthorizationDecision;
import dev.presence.spi.Caller;
import dev.presence.spi.PresenceAuthorizer;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.LimitChecks;
import dev.presence.web.engine.PresenceEngine;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Connection: every WebSocket request pays each id and attribute check once")
class ConnectionLimitChecksTest {

  private final InMemoryPresenceBackend backend = new InMemoryPresenceBackend("node-a");
  private final PresenceEngine engine =
      new PresenceEngine(backend, EngineConfig.defaults(), InstantSource.system(), List.of());
  private volatile boolean denying;
  private final PresenceAuthorizer authorizer =
      r -> denying ? AuthorizationDecision.deny("no") : AuthorizationDecision.allow();
  private final List<LimitChecks.Check> seen = new CopyOnWriteArrayList<>();
  private final FakeTransport transport = new FakeTransport(true);
  private final Connection connection;
  private int ids;

  {
    engine.start();
    engine.checks().observe(seen::add);
    connection =
        new Connection(
            new VerifiedToken(new Caller(UserId.of("alice"), Set.of()), null),
            new TokenVerifier(
                PresenceConfig.of(Map.of("presence.auth.mode", "dev")), InstantSource.system()),
            engine,
            new AccessControl(List.of(authorizer)),
            transport,
            Runnable::run,
            new EventTexts(),
            new Connection.Settings(
                1024,
                65536,
                Duration.ofSeconds(60),
                Duration.ofSeconds(20),
                Duration.ofSeconds(30),
                3,
                Outbox.DEFAULT_WINDOW_CHARS,
                1000),
            new AtomicLong(1)::get,
            c -> {});
  }

  @AfterEach
  void close() {
    connection.onClosed(1000);
    engine.close();
    backend.close();
  }

  /** Sends a request; returns its reply and the checks it made. */
  private Result send(String json) {
    String id = "r" + ++ids;
    seen.clear();
    connection.onText("{\"id\":\"" + id + "\"," + json.substring(1));
    List<LimitChecks.Check> checks = List.copyOf(seen);
    JsonObject reply =
        Frames.messages(transport.frames()).stream()
            .filter(m -> id.equals(m.getString("id", null)))
            .findFirst()
            .orElseThrow();
    return new Result(reply, checks);
  }

  record Result(JsonObject reply, List<LimitChecks.Check> checks) {
    String type() {
      return reply.getString("type");
    }
  }

  @Test
  @DisplayName("opening the connection checks nothing again: the token's subject was checked")
  void open() {
    seen.clear();
    connection.open();
    assertThat(seen).isEmpty();
  }

  @Test
  @DisplayName("each request type: every id it names once, attributes once, nothing twice")
  void eachRequestOnce() {
    connection.open();
    String[][] cases = {
      {"{\"type\":\"join\",\"channel\":\"room\"}", "CHANNEL"},
      {
        "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{\"m\":\"x\"}}",
        "CHANNEL,ATTRIBUTES"
      },
      {"{\"type\":\"getAttributes\",\"channel\":\"room\",\"userId\":\"alice\"}", "CHANNEL,USER"},
      {"{\"type\":\"channelUsers\",\"channel\":\"room\"}", "CHANNEL"},
      {"{\"type\":\"userChannels\",\"userId\":\"alice\"}", "USER"},
      {"{\"type\":\"subscribe\",\"channel\":\"room\"}", "CHANNEL"},
      {"{\"type\":\"unsubscribe\",\"channel\":\"room\"}", "CHANNEL"},
      {"{\"type\":\"leave\",\"channel\":\"room\"}", "CHANNEL"},
      {"{\"type\":\"heartbeat\"}", ""},
    };
    for (String[] c : cases) {
      Result r = send(c[0]);
      assertThat(r.type()).as(c[0] + " -> " + r.reply()).isIn("ok", "snapshot");
      List<LimitChecks.Check> expected =
          c[1].isEmpty()
              ? List.of()
              : Arrays.stream(c[1].split(",")).map(LimitChecks.Check::valueOf).toList();
      assertThat(r.checks()).as(c[0]).containsExactlyElementsOf(expected);
    }
  }

  @Test
  @DisplayName("a bad id is INVALID_ARGUMENT before an authorizer's FORBIDDEN, checked once")
  void invalidBeforeForbidden() {
    connection.open();
    denying = true;
    Result tooLong = send("{\"type\":\"join\",\"channel\":\"" + "c".repeat(201) + "\"}");
    assertThat(tooLong.reply().getString("code")).isEqualTo("INVALID_ARGUMENT");
    assertThat(tooLong.checks()).containsExactly(CHANNEL);
    Result forbidden = send("{\"type\":\"join\",\"channel\":\"room\"}");
    assertThat(forbidden.reply().getString("code")).isEqualTo("FORBIDDEN");
    assertThat(forbidden.checks()).containsExactly(CHANNEL);
  }
}
