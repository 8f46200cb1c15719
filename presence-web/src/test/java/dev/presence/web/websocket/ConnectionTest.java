package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.PageRequest;
import dev.presence.TooLargeException;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.AuthorizationDecision;
import dev.presence.spi.Caller;
import dev.presence.spi.PresenceAuthorizer;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PresenceEngine;
import jakarta.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Connection: the WebSocket protocol over a real engine, without a container")
class ConnectionTest {

  private static final Duration T = Duration.ofSeconds(60);
  private static final Duration G = Duration.ofSeconds(5);
  private static final ChannelId ROOM = ChannelId.of("room");

  private final AtomicReference<Instant> now =
      new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  private final InstantSource clock = now::get;
  private final AtomicLong nanos = new AtomicLong(1);
  private final InMemoryPresenceBackend backend = new InMemoryPresenceBackend("node-a");
  private final PresenceEngine engine =
      new PresenceEngine(
          backend,
          EngineConfig.defaults().withTimeout(T).withGrace(G).withTickInterval(Duration.ofHours(1)),
          clock,
          List.of());
  private final List<PresenceAuthorizer> authorizers = new CopyOnWriteArrayList<>();
  private final EventTexts texts = new EventTexts();
  private final Executor direct = Runnable::run;

  {
    engine.start();
  }

  @AfterEach
  void close() {
    engine.close();
    backend.close();
  }

  private int snapshotPage = 1000;

  private Connection.Settings settings(int capacity) {
    return new Connection.Settings(
        capacity,
        65536,
        T,
        T.dividedBy(3),
        Duration.ofSeconds(30),
        3,
        Outbox.DEFAULT_WINDOW_CHARS,
        snapshotPage);
  }

  /** A client of one connection: sends frames, reads what the server sent. */
  private final class Client {
    final FakeTransport transport;
    final Connection connection;
    final AtomicInteger ends = new AtomicInteger();
    private int ids;

    Client(String user, boolean auto, int capacity, Set<String> roles) {
      transport = new FakeTransport(auto);
      connection =
          new Connection(
              new VerifiedToken(new Caller(UserId.of(user), roles), null),
              new TokenVerifier(PresenceConfig.of(Map.of("presence.auth.mode", "dev")), clock),
              engine,
              new AccessControl(authorizers),
              transport,
              direct,
              texts,
              settings(capacity),
              nanos::get,
              c -> ends.incrementAndGet());
      connection.open();
    }

    Client(String user) {
      this(user, true, 1024, Set.of());
    }

    List<JsonObject> messages() {
      return Frames.messages(transport.frames());
    }

    /** Sends a request with a fresh id and returns the reply with that id. */
    JsonObject request(String json) {
      String id = "r" + ++ids;
      connection.onText("{\"id\":\"" + id + "\"," + json.substring(1));
      return await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  messages().stream()
                      .filter(m -> id.equals(m.getString("id", null)))
                      .findFirst()
                      .orElse(null),
              m -> m != null);
    }

    JsonObject ok(String json) {
      JsonObject reply = request(json);
      assertThat(reply.getString("type")).as("%s -> %s", json, reply).isEqualTo("ok");
      return reply;
    }

    JsonObject error(String json, String code) {
      JsonObject reply = request(json);
      assertThat(reply.getString("type")).as("%s -> %s", json, reply).isEqualTo("error");
      assertThat(reply.getString("code")).as("%s -> %s", json, reply).isEqualTo(code);
      assertThat(reply.getString("message")).isNotBlank();
      return reply;
    }

    List<JsonObject> events() {
      List<JsonObject> out = new ArrayList<>();
      for (JsonObject m : messages()) {
        if ("event".equals(m.getString("type"))) {
          out.add(m);
        }
      }
      return out;
    }

    JsonObject awaitEvent(String kind, String user) {
      return await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  events().stream()
                      .filter(
                          e ->
                              kind.equals(e.getString("event"))
                                  && user.equals(e.getString("userId")))
                      .findFirst()
                      .orElse(null),
              e -> e != null);
    }
  }

  private void advance(Duration d) {
    now.updateAndGet(t -> t.plus(d));
    engine.tick();
  }

  @Nested
  @DisplayName("requests")
  class Requests {

    @Test
    @DisplayName("join makes the connection's user present; leave ends it")
    void joinLeave() {
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      assertThat(engine.userChannels(UserId.of("alice"))).containsExactly(ROOM);
      alice.ok("{\"type\":\"leave\",\"channel\":\"room\"}");
      assertThat(engine.userChannels(UserId.of("alice"))).isEmpty();
    }

    @Test
    @DisplayName(
        "setAttributes needs a join; getAttributes reads them; a user not present is NOT_PRESENT")
    void attributes() {
      Client alice = new Client("alice");
      alice.error(
          "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{\"mood\":\"happy\"}}",
          "NOT_JOINED");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      alice.ok(
          "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{\"mood\":\"happy\"}}");
      JsonObject reply =
          alice.ok("{\"type\":\"getAttributes\",\"channel\":\"room\",\"userId\":\"alice\"}");
      assertThat(reply.getJsonObject("result").getString("mood")).isEqualTo("happy");
      alice.error(
          "{\"type\":\"getAttributes\",\"channel\":\"room\",\"userId\":\"bob\"}", "NOT_PRESENT");
    }

    @Test
    @DisplayName(
        "channelUsers answers the REST page shape, with limit, cursor and attributes=false")
    void channelUsers() {
      engine.join(ROOM, UserId.of("u1"));
      engine.join(ROOM, UserId.of("u2"));
      engine.setAttributes(ROOM, UserId.of("u1"), Attributes.of(Map.of("k", "v")));
      Client alice = new Client("alice");
      JsonObject all =
          alice.ok("{\"type\":\"channelUsers\",\"channel\":\"room\"}").getJsonObject("result");
      assertThat(all.getString("channel")).isEqualTo("room");
      assertThat(all.getInt("occupancy")).isEqualTo(2);
      assertThat(all.getJsonNumber("seq").longValue()).isEqualTo(3);
      assertThat(
              all.getJsonArray("users").getJsonObject(0).getJsonObject("attributes").getString("k"))
          .isEqualTo("v");
      assertThat(all.isNull("next")).isTrue();
      JsonObject page =
          alice
              .ok(
                  "{\"type\":\"channelUsers\",\"channel\":\"room\",\"limit\":1,\"attributes\":false}")
              .getJsonObject("result");
      assertThat(page.getJsonArray("users")).hasSize(1);
      assertThat(page.getJsonArray("users").getJsonObject(0).containsKey("attributes")).isFalse();
      String next = page.getString("next");
      JsonObject second =
          alice
              .ok(
                  "{\"type\":\"channelUsers\",\"channel\":\"room\",\"limit\":1,\"cursor\":\""
                      + next
                      + "\"}")
              .getJsonObject("result");
      assertThat(second.getJsonArray("users").getJsonObject(0).getString("userId")).isEqualTo("u2");
    }

    @Test
    @DisplayName("userChannels answers {userId, channels}")
    void userChannels() {
      engine.join(ChannelId.of("b"), UserId.of("bob"));
      engine.join(ChannelId.of("a"), UserId.of("bob"));
      JsonObject result =
          new Client("alice")
              .ok("{\"type\":\"userChannels\",\"userId\":\"bob\"}")
              .getJsonObject("result");
      assertThat(result.getString("userId")).isEqualTo("bob");
      assertThat(result.getJsonArray("channels").getValuesAs(jakarta.json.JsonString::getString))
          .containsExactly("a", "b");
    }

    @Test
    @DisplayName("a heartbeat has no reply unless it carries an id")
    void heartbeat() {
      Client alice = new Client("alice");
      alice.connection.onText("{\"type\":\"heartbeat\"}");
      assertThat(alice.transport.frames()).isEmpty();
      alice.ok("{\"type\":\"heartbeat\"}");
    }

    @Test
    @DisplayName("numeric ids are echoed as numbers")
    void numericId() {
      Client alice = new Client("alice");
      alice.connection.onText("{\"id\":42,\"type\":\"heartbeat\"}");
      assertThat(alice.messages().get(0).getInt("id")).isEqualTo(42);
    }

    @Test
    @DisplayName("a rate-limited attribute set says when to retry")
    void rateLimited() {
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      JsonObject last = null;
      for (int i = 0; i < 40; i++) {
        last =
            alice.request(
                "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{\"n\":\""
                    + i
                    + "\"}}");
        if ("error".equals(last.getString("type"))) {
          break;
        }
      }
      assertThat(last.getString("code")).isEqualTo("RATE_LIMITED");
      assertThat(last.getInt("retryAfter")).isPositive();
    }
  }

  @Nested
  @DisplayName("bad frames get an error and the connection stays open")
  class BadFrames {

    @Test
    @DisplayName("not JSON, not an object, unknown type, missing or mistyped members")
    void badFrames() {
      Client alice = new Client("alice");
      List<String> frames =
          List.of(
              "not json",
              "[1,2]",
              "{\"type\":\"join\"}",
              "{\"type\":\"join\",\"channel\":7}",
              "{\"type\":\"join\",\"channel\":\"bad channel!\"}",
              "{\"type\":\"dance\"}",
              "{\"channel\":\"room\"}",
              "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{\"n\":1}}",
              "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":[]}",
              "{\"type\":\"getAttributes\",\"channel\":\"room\"}",
              "{\"type\":\"channelUsers\",\"channel\":\"room\",\"limit\":0}",
              "{\"type\":\"channelUsers\",\"channel\":\"room\",\"limit\":1.5}",
              "{\"type\":\"channelUsers\",\"channel\":\"room\",\"attributes\":\"no\"}",
              "{\"type\":\"join\",\"channel\":\"room\",\"channel\":\"other\"}",
              "{\"id\":{},\"type\":\"join\",\"channel\":\"room\"}",
              "{\"type\":\"unsubscribe\",\"channel\":\"" + "x".repeat(201) + "\"}",
              "{\"type\":\"userChannels\",\"userId\":\"" + "u".repeat(129) + "\"}");
      for (String f : frames) {
        alice.connection.onText(f);
      }
      List<JsonObject> replies = alice.messages();
      assertThat(replies).hasSize(frames.size());
      for (JsonObject r : replies) {
        assertThat(r.getString("type")).as(r.toString()).isEqualTo("error");
        assertThat(r.getString("code")).as(r.toString()).isEqualTo("INVALID_ARGUMENT");
        assertThat(r.getString("message")).doesNotContain("Exception").doesNotContain("jakarta");
        assertThat(r.containsKey("id")).isFalse();
      }
      assertThat(alice.transport.closeCode()).isZero();
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
    }

    @Test
    @DisplayName("the id is echoed when it is readable")
    void idEchoed() {
      Client alice = new Client("alice");
      alice.connection.onText("{\"id\":\"x1\",\"type\":\"dance\"}");
      JsonObject reply = alice.messages().get(0);
      assertThat(reply.getString("id")).isEqualTo("x1");
      assertThat(reply.getString("code")).isEqualTo("INVALID_ARGUMENT");
      assertThat(reply.getString("message")).contains("dance").contains("join");
    }

    @Test
    @DisplayName(
        "a frame that cannot be read as a whole (huge number, invalid Unicode, syntax, depth) is"
            + " answered with the id it starts with (issue #10)")
    void idOfUnreadableFrames() {
      Client alice = new Client("alice");
      String huge = "9".repeat(1200);
      List<String> frames =
          List.of(
              "{\"id\":\"a\",\"type\":\"channelUsers\",\"channel\":\"room\",\"limit\":"
                  + huge
                  + "}",
              "{\"type\":\"heartbeat\",\"x\":" + huge + ",\"id\":\"b\"}",
              "{\"id\":\"c\",\"type\":\"join\",\"channel\":\"\\ud800\"}",
              "{\"id\":\"d\",\"type\":\"join\",",
              "{\"id\":\"e\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}",
              "{\"id\":\"f\",\"type\":\"heartbeat\",\"x\":1e9999999999}",
              "{\"id\":\"g\",\"type\":\"join\",\"channel\":\".\"}",
              "{\"id\":\"h\",\"type\":\"subscribe\",\"channel\":\"..\"}");
      for (String f : frames) {
        alice.connection.onText(f);
      }
      List<JsonObject> replies = alice.messages();
      assertThat(replies).hasSize(frames.size());
      List<String> ids = new java.util.ArrayList<>();
      for (JsonObject r : replies) {
        assertThat(r.getString("code")).as(r.toString()).isEqualTo("INVALID_ARGUMENT");
        ids.add(r.getString("id"));
      }
      assertThat(ids).containsExactly("a", "b", "c", "d", "e", "f", "g", "h");
      assertThat(alice.transport.closeCode()).isZero();
    }

    @Test
    @DisplayName("a binary frame gets an error")
    void binary() {
      Client alice = new Client("alice");
      alice.connection.onBinary();
      assertThat(alice.messages().get(0).getString("code")).isEqualTo("INVALID_ARGUMENT");
    }

    @Test
    @DisplayName(
        "a frame over the limit closes the connection with 1009 and ends the session as lost")
    void tooLarge() {
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      Client bob = new Client("bob");
      bob.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      alice.connection.onText("{\"type\":\"heartbeat\",\"pad\":\"" + "x".repeat(70 * 1024) + "\"}");
      assertThat(alice.transport.closeCode()).isEqualTo(1009);
      assertThat(alice.transport.closeReason()).startsWith("TOO_LARGE");
      assertThat(alice.ends).hasValue(1);
      advance(G.plusSeconds(1));
      assertThat(bob.awaitEvent("timeout", "alice").getString("channel")).isEqualTo("room");
    }

    @Test
    @DisplayName("the limit counts UTF-8 bytes")
    void utf8() {
      Client alice = new Client("alice");
      String text = "{\"type\":\"heartbeat\",\"pad\":\"" + "é".repeat(33 * 1024) + "\"}";
      assertThat(text.length()).isLessThan(65536);
      alice.connection.onText(text);
      assertThat(alice.transport.closeCode()).isEqualTo(1009);
    }
  }

  @Nested
  @DisplayName("authorization")
  class Authorization {

    @Test
    @DisplayName("authorizers are asked for join (as the connection's user), set, read and observe")
    void authorizers() {
      List<String> asked = new CopyOnWriteArrayList<>();
      authorizers.add(
          r -> {
            asked.add(r.action() + ":" + r.channel() + ":" + r.target());
            return "secret".equals(String.valueOf(r.channel()))
                ? AuthorizationDecision.deny("the secret channel is closed")
                : AuthorizationDecision.allow();
          });
      Client alice = new Client("alice");
      JsonObject denied = alice.error("{\"type\":\"join\",\"channel\":\"secret\"}", "FORBIDDEN");
      assertThat(denied.getString("message")).isEqualTo("the secret channel is closed");
      alice.error("{\"type\":\"subscribe\",\"channel\":\"secret\"}", "FORBIDDEN");
      alice.error("{\"type\":\"channelUsers\",\"channel\":\"secret\"}", "FORBIDDEN");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      alice.ok("{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{}}");
      alice.ok("{\"type\":\"userChannels\",\"userId\":\"bob\"}");
      alice.ok("{\"type\":\"leave\",\"channel\":\"secret\"}"); // leave is never refused
      assertThat(asked)
          .containsExactly(
              Action.JOIN + ":secret:alice",
              Action.OBSERVE + ":secret:null",
              Action.READ + ":secret:null",
              Action.JOIN + ":room:alice",
              Action.SET_ATTRIBUTES + ":room:alice",
              Action.READ + ":null:bob");
    }
  }

  @Nested
  @DisplayName("subscriptions")
  class Subscriptions {

    @Test
    @DisplayName("subscribe replies with a snapshot; the events after it follow in seq order")
    void snapshotThenEvents() {
      engine.join(ROOM, UserId.of("u1"));
      engine.setAttributes(ROOM, UserId.of("u1"), Attributes.of(Map.of("mood", "calm")));
      Client observer = new Client("observer");
      JsonObject snapshot = observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      assertThat(snapshot.getString("type")).isEqualTo("snapshot");
      assertThat(snapshot.getString("channel")).isEqualTo("room");
      assertThat(snapshot.getInt("occupancy")).isEqualTo(1);
      long seq = snapshot.getJsonNumber("seq").longValue();
      assertThat(
              snapshot
                  .getJsonArray("users")
                  .getJsonObject(0)
                  .getJsonObject("attributes")
                  .getString("mood"))
          .isEqualTo("calm");

      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      alice.ok(
          "{\"type\":\"setAttributes\",\"channel\":\"room\",\"attributes\":{\"mood\":\"happy\"}}");
      alice.ok("{\"type\":\"leave\",\"channel\":\"room\"}");
      observer.awaitEvent("leave", "alice");
      List<JsonObject> events = observer.events();
      assertThat(events)
          .extracting(e -> e.getString("event"))
          .containsExactly("join", "attributesUpdate", "leave");
      for (int i = 0; i < events.size(); i++) {
        assertThat(events.get(i).getJsonNumber("seq").longValue()).isEqualTo(seq + 1 + i);
      }
      JsonObject update = events.get(1);
      assertThat(update.getString("channel")).isEqualTo("room");
      assertThat(update.getJsonObject("attributes").getString("mood")).isEqualTo("happy");
      assertThat(update.getInt("occupancy")).isEqualTo(2);
      assertThat(update.getString("timestamp")).isEqualTo("2026-01-01T00:00:00Z");
      int snapshotIndex = observer.messages().indexOf(snapshot);
      assertThat(observer.messages().indexOf(events.get(0))).isGreaterThan(snapshotIndex);
    }

    @Test
    @DisplayName("a snapshot over snapshot-page users comes in pages; events wait for the last")
    void pagedSnapshot() {
      snapshotPage = 2;
      for (int n = 1; n <= 5; n++) {
        engine.join(ROOM, UserId.of("u" + n));
      }
      Client observer = new Client("observer");
      observer.connection.onText("{\"id\":7,\"type\":\"subscribe\",\"channel\":\"room\"}");
      engine.join(ROOM, UserId.of("u6"));
      observer.awaitEvent("join", "u6");
      List<JsonObject> all = observer.messages();
      List<JsonObject> pages =
          all.stream().filter(m -> "snapshot".equals(m.getString("type"))).toList();
      assertThat(pages).hasSize(3);
      assertThat(pages).allSatisfy(p -> assertThat(p.getInt("id")).isEqualTo(7));
      assertThat(pages).allSatisfy(p -> assertThat(p.getInt("seq")).isEqualTo(5));
      assertThat(pages).allSatisfy(p -> assertThat(p.getInt("occupancy")).isEqualTo(5));
      assertThat(pages.get(0).getBoolean("more")).isTrue();
      assertThat(pages.get(1).getBoolean("more")).isTrue();
      assertThat(pages.get(2).containsKey("more")).isFalse();
      assertThat(pages)
          .flatExtracting(p -> p.getJsonArray("users").getValuesAs(JsonObject.class))
          .extracting(u -> u.getString("userId"))
          .containsExactly("u1", "u2", "u3", "u4", "u5");
      assertThat(all.indexOf(observer.events().get(0))).isGreaterThan(all.indexOf(pages.get(2)));
    }

    @Test
    @DisplayName("mode occupancy: a snapshot without users")
    void occupancySnapshot() {
      engine.join(ROOM, UserId.of("u1"));
      Client observer = new Client("observer");
      JsonObject snapshot =
          observer.request("{\"type\":\"subscribe\",\"channel\":\"room\",\"mode\":\"occupancy\"}");
      assertThat(snapshot.getString("type")).isEqualTo("snapshot");
      assertThat(snapshot.getInt("occupancy")).isEqualTo(1);
      assertThat(snapshot.getInt("seq")).isEqualTo(1);
      assertThat(snapshot.containsKey("users")).isFalse();
      assertThat(observer.connection.streamState(ROOM)).isNotNull();
      engine.join(ROOM, UserId.of("u2"));
      assertThat(observer.events()).isEmpty();
    }

    @Test
    @DisplayName("any other mode is INVALID_ARGUMENT and subscribes nothing")
    void badModes() {
      Client observer = new Client("observer");
      for (String mode :
          List.of(
              "\"Events\"",
              "\"\"",
              "\"intervals\"",
              "5",
              "true",
              "[\"events\"]",
              "{}",
              "\"\\ud800\"",
              "\"" + "e".repeat(10_000) + "\"")) {
        observer.error(
            "{\"type\":\"subscribe\",\"channel\":\"room\",\"mode\":" + mode + "}",
            "INVALID_ARGUMENT");
      }
      assertThat(observer.connection.streamState(ROOM)).isNull();
      JsonObject nullMode =
          observer.request("{\"type\":\"subscribe\",\"channel\":\"room\",\"mode\":null}");
      assertThat(nullMode.getString("type")).isEqualTo("snapshot");
      assertThat(nullMode.containsKey("users")).isTrue();
    }

    @Test
    @DisplayName("several subscriptions per connection; unsubscribe stops one")
    void unsubscribe() {
      Client observer = new Client("observer");
      observer.request("{\"type\":\"subscribe\",\"channel\":\"a\"}");
      observer.request("{\"type\":\"subscribe\",\"channel\":\"b\"}");
      engine.join(ChannelId.of("a"), UserId.of("u1"));
      engine.join(ChannelId.of("b"), UserId.of("u1"));
      await().atMost(Duration.ofSeconds(5)).until(() -> observer.events().size() == 2);
      observer.ok("{\"type\":\"unsubscribe\",\"channel\":\"a\"}");
      observer.ok("{\"type\":\"unsubscribe\",\"channel\":\"never\"}");
      engine.join(ChannelId.of("a"), UserId.of("u2"));
      engine.join(ChannelId.of("b"), UserId.of("u2"));
      observer.awaitEvent("join", "u2");
      engine.join(ChannelId.of("b"), UserId.of("u3"));
      observer.awaitEvent("join", "u3");
      List<JsonObject> events = observer.events();
      assertThat(events.stream().filter(e -> e.getString("channel").equals("a")))
          .extracting(e -> e.getString("userId"))
          .containsExactly("u1");
      assertThat(events.stream().filter(e -> e.getString("channel").equals("b")))
          .extracting(e -> e.getString("userId"))
          .containsExactly("u1", "u2", "u3");
    }

    @Test
    @DisplayName("subscribing again replaces the subscription with a fresh snapshot")
    void resubscribe() {
      Client observer = new Client("observer");
      observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      engine.join(ROOM, UserId.of("u1"));
      observer.awaitEvent("join", "u1");
      JsonObject again = observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      assertThat(again.getInt("occupancy")).isEqualTo(1);
      engine.join(ROOM, UserId.of("u2"));
      observer.awaitEvent("join", "u2");
      assertThat(observer.events()).hasSize(2); // no duplicate from the old subscription
    }

    @Test
    @DisplayName("a connection may observe a bounded number of channels")
    void subscriptionLimit() {
      Client observer = new Client("observer");
      for (String c : List.of("a", "b", "c")) {
        assertThat(
                observer
                    .request("{\"type\":\"subscribe\",\"channel\":\"" + c + "\"}")
                    .getString("type"))
            .isEqualTo("snapshot");
      }
      observer.error("{\"type\":\"subscribe\",\"channel\":\"d\"}", "TOO_LARGE");
      assertThat(observer.request("{\"type\":\"subscribe\",\"channel\":\"a\"}").getString("type"))
          .isEqualTo("snapshot");
    }

    @Test
    @DisplayName("an observer that does not read is sent resync instead of losing events silently")
    void slowObserver() {
      Client observer = new Client("observer", false, 16, Set.of());
      observer.connection.onText("{\"id\":\"s\",\"type\":\"subscribe\",\"channel\":\"room\"}");
      assertThat(observer.transport.inFlight()).isEqualTo(1); // the snapshot, never taken
      for (int i = 0; i < 40; i++) {
        engine.join(ROOM, UserId.of("u" + i));
      }
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> observer.connection.streamState(ROOM) == Outbox.StreamState.STALE);
      observer.transport.auto();
      List<JsonObject> msgs = observer.messages();
      JsonObject resync =
          msgs.stream().filter(m -> "resync".equals(m.getString("type"))).findFirst().orElseThrow();
      assertThat(resync.getString("channel")).isEqualTo("room");
      assertThat(observer.transport.closeCode()).isZero();
      // The client takes a new snapshot and is served again.
      JsonObject snapshot = observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      assertThat(snapshot.getInt("occupancy")).isEqualTo(40);
      engine.join(ROOM, UserId.of("late"));
      JsonObject late = observer.awaitEvent("join", "late");
      assertThat(late.getJsonNumber("seq").longValue())
          .isEqualTo(snapshot.getJsonNumber("seq").longValue() + 1);
    }
  }

  @Nested
  @DisplayName("liveness and end")
  class Liveness {

    @Test
    @DisplayName("a clean close (1000) ends with leave after the grace period")
    void cleanClose() {
      Client observer = new Client("observer");
      observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      alice.connection.onClosed(1000);
      advance(G.plusSeconds(1));
      observer.awaitEvent("leave", "alice");
    }

    @Test
    @DisplayName("a lost connection (1006) ends with timeout after the grace period")
    void lostConnection() {
      Client observer = new Client("observer");
      observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      alice.connection.onClosed(1006);
      alice.connection.onClosed(1000); // a second report changes nothing
      assertThat(alice.ends).hasValue(1);
      advance(G.plusSeconds(1));
      observer.awaitEvent("timeout", "alice");
      assertThat(observer.events())
          .extracting(e -> e.getString("event"))
          .containsExactly("join", "timeout");
    }

    @Test
    @DisplayName(
        "frames and pongs are heartbeats; silence for T ends the session and check() closes with 1001")
    void heartbeats() {
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      advance(T.minusSeconds(10));
      alice.connection.onPong(ByteBuffer.allocate(0));
      advance(T.minusSeconds(10));
      alice.connection.onText("{\"type\":\"heartbeat\"}");
      advance(T.minusSeconds(10));
      alice.connection.check(nanos.get());
      assertThat(alice.transport.closeCode()).isZero();
      assertThat(engine.userChannels(UserId.of("alice"))).containsExactly(ROOM);
      advance(T.plusSeconds(1));
      alice.connection.check(nanos.get());
      assertThat(alice.transport.closeCode()).isEqualTo(1001);
      assertThat(alice.transport.closeReason()).startsWith("TIMEOUT");
      assertThat(alice.ends).hasValue(1);
    }

    @Test
    @DisplayName("the server pings every third of T")
    void pings() {
      Client alice = new Client("alice");
      alice.connection.check(nanos.get());
      assertThat(alice.transport.pings()).isZero();
      nanos.addAndGet(T.dividedBy(3).toNanos());
      alice.connection.check(nanos.get());
      assertThat(alice.transport.pings()).isEqualTo(1);
      alice.connection.check(nanos.get());
      assertThat(alice.transport.pings()).isEqualTo(1);
    }

    @Test
    @DisplayName(
        "a ping the server sends late counts as a sign of life; on-time pings left unanswered"
            + " for T end the session")
    void latePing() {
      Client alice = new Client("alice");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      // The checker does not run for almost T (a busy server): no ping reached the client.
      Duration late = T.minusSeconds(1);
      advance(late);
      nanos.addAndGet(late.toNanos());
      alice.connection.check(nanos.get());
      assertThat(alice.transport.pings()).isEqualTo(1);
      assertThat(alice.connection.latePings()).isEqualTo(1);
      // T after the client's last frame, but only 2 s after the server first asked: still present.
      advance(Duration.ofSeconds(2));
      nanos.addAndGet(Duration.ofSeconds(2).toNanos());
      alice.connection.check(nanos.get());
      assertThat(alice.transport.closeCode()).isZero();
      assertThat(engine.userChannels(UserId.of("alice"))).containsExactly(ROOM);
      // From now on the pings go out on time and nothing answers them: T later the session ends.
      Duration step = T.dividedBy(3);
      for (int i = 0; i < 4 && alice.transport.closeCode() == 0; i++) {
        advance(step);
        nanos.addAndGet(step.toNanos());
        alice.connection.check(nanos.get());
      }
      assertThat(alice.connection.latePings()).isEqualTo(1);
      assertThat(alice.transport.closeCode()).isEqualTo(1001);
      assertThat(alice.transport.closeReason()).startsWith("TIMEOUT");
    }

    @Test
    @DisplayName("a send stuck for longer than the send timeout closes the connection with 1013")
    void stuckSend() {
      Client alice = new Client("alice", false, 1024, Set.of());
      alice.connection.onText("{\"id\":\"1\",\"type\":\"join\",\"channel\":\"room\"}");
      assertThat(alice.transport.inFlight()).isEqualTo(1);
      nanos.addAndGet(Duration.ofSeconds(31).toNanos());
      alice.connection.check(nanos.get());
      assertThat(alice.transport.closeCode()).isEqualTo(1013);
      assertThat(alice.ends).hasValue(1);
    }

    @Test
    @DisplayName("closing ends every subscription")
    void subscriptionsEnd() {
      Client observer = new Client("observer");
      observer.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      observer.connection.onClosed(1000);
      int before = observer.transport.frames().size();
      engine.join(ROOM, UserId.of("u1"));
      Client other = new Client("other");
      other.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      engine.join(ROOM, UserId.of("u2"));
      other.awaitEvent("join", "u2");
      assertThat(observer.transport.frames()).hasSize(before);
    }

    @Test
    @DisplayName("the sessions-per-user limit refuses to open a connection")
    void sessionLimit() {
      List<Client> clients = new ArrayList<>();
      for (int i = 0; i < engine.limits().sessionsPerUser(); i++) {
        clients.add(new Client("alice"));
      }
      assertThatThrownBy(() -> new Client("alice")).isInstanceOf(TooLargeException.class);
      assertThat(engine.channelUsers(ROOM, PageRequest.FIRST).users()).isEmpty();
    }
  }

  @Nested
  @DisplayName("administration (SPEC 13.4)")
  class Administration {

    @Test
    @DisplayName(
        "a kicked user is told with a kicked message, an observer sees the kicked leave, and the"
            + " connection may join again")
    void kicked() {
      Client alice = new Client("alice");
      Client watcher = new Client("watcher");
      watcher.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      watcher.awaitEvent("join", "alice");

      assertThat(engine.kick(ROOM, UserId.of("alice"))).isTrue();
      // what the WebSocket runtime does on this node for the engine's kicked notice
      alice.connection.kicked(ROOM);

      JsonObject leave = watcher.awaitEvent("leave", "alice");
      assertThat(leave.getString("reason")).isEqualTo("kicked");
      assertThat(alice.messages())
          .anyMatch(
              m -> "kicked".equals(m.getString("type")) && "room".equals(m.getString("channel")));
      await().atMost(Duration.ofSeconds(5)).until(() -> engine.occupancy(ROOM).occupancy() == 0);
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");
      assertThat(engine.occupancy(ROOM).occupancy()).isEqualTo(1);
      assertThat(alice.transport.closeCode()).isZero();
    }

    @Test
    @DisplayName("closed by an administrator: 4003, and the session ends as a clean close")
    void closedByAdministrator() {
      Client alice = new Client("alice");
      Client watcher = new Client("watcher");
      watcher.request("{\"type\":\"subscribe\",\"channel\":\"room\"}");
      alice.ok("{\"type\":\"join\",\"channel\":\"room\"}");

      alice.connection.closeByAdministrator();

      assertThat(alice.transport.closeCode()).isEqualTo(4003);
      assertThat(alice.transport.closeReason()).isEqualTo("closed by an administrator");
      assertThat(alice.ends).hasValue(1);
      assertThat(engine.occupancy(ROOM).occupancy()).isEqualTo(1); // held for the grace period
      advance(G.plusSeconds(1));
      JsonObject leave = watcher.awaitEvent("leave", "alice");
      assertThat(leave.containsKey("reason")).isFalse();
      assertThat(watcher.transport.closeCode()).isZero();
    }
  }
}
