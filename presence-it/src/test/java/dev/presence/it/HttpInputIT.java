package dev.presence.it;

import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.userChannels;
import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.Http.Reply;
import dev.presence.it.support.Json;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #10 items 4 and 6: the HTTP surface against hostile and sloppy input, on the real WAR on
 * Payara Micro (container {@code payara-micro-rest}: development mode, T = 10 s). Bad input of
 * every class (control characters, huge numbers, matrix parameters, dot segments, wrong content
 * types, deep nesting, oversized values) gets its exact 4xx and code, never a 500; a WebSocket
 * frame that cannot be read as a whole is still answered with its {@code id}; and nothing changes.
 * The seeded fuzz of {@link InputFuzzer} runs over 2,000 such inputs.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HttpInputIT {

  private static final Duration EVENT_WAIT = Duration.ofSeconds(10);

  /** A JSON number of 1,200 digits: over Parsson's 1,100-digit BigDecimal limit. */
  static final String HUGE = "9".repeat(1200);

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-rest")
  static WebArchive war() {
    return PresenceWar.create();
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
    Warmup.once(http);
  }

  /** A request to {@code path} taken literally (no URI normalisation of dot segments). */
  static HttpRequest.Builder raw(Http http, String path, @Nullable String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(http.base() + path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** A PUT of {@code body} with this Content-Type (none when null). */
  static Reply putTyped(Http http, String path, String token, @Nullable String type, String body) {
    HttpRequest.Builder b =
        raw(http, path, token).PUT(BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    if (type != null) {
      b.header("Content-Type", type);
    }
    return http.send(b.build());
  }

  @Test
  @DisplayName(
      "item 4: query parameters that are empty after trimming control characters (%00, %01), or"
          + " huge or fractional numbers, are 400 INVALID_ARGUMENT, never 500")
  void queryParameters() {
    String ch = Names.unique("query");
    String alice = Names.unique("alice");
    String token = Tokens.dev(alice);
    http.put(member(ch, alice), token).ok();
    List<String> limits =
        List.of(
            "%00",
            "%01",
            "%1F",
            "%7F",
            "%01%02",
            "%00%00%00%00",
            "1%00",
            "%001",
            "%201%01",
            "1e400",
            "-0",
            "1.5",
            "0x10",
            "+5",
            "%EF%BC%95",
            "1".repeat(1000),
            "%D9%A3");
    for (String limit : limits) {
      http.get(users(ch) + "?limit=" + limit, token).error(400, "INVALID_ARGUMENT");
    }
    for (String flag : List.of("%00", "%01", "%00true", "true%00", "yes", "1")) {
      http.get(users(ch) + "?attributes=" + flag, token).error(400, "INVALID_ARGUMENT");
    }
    for (String cursor : List.of("%00", "%01", "%20%01", "c".repeat(1000), "%7F")) {
      http.get(users(ch) + "?cursor=" + cursor, token).error(400, "INVALID_ARGUMENT");
    }
    // Blank means absent, as before.
    assertThat(RestApiIT.userIds(http.get(users(ch) + "?limit=&cursor=", token).okJson()))
        .containsExactly(alice);
    http.delete(member(ch, alice), token).ok();
  }

  @Test
  @DisplayName(
      "item 4: a JSON number of 1,200 digits or out of BigDecimal's range, anywhere in a body, is"
          + " 400 INVALID_ARGUMENT; nothing is stored")
  void hugeNumbersOverRest() {
    String ch = Names.unique("num");
    String alice = Names.unique("alice");
    String token = Tokens.dev(alice);
    http.put(member(ch, alice), token).ok();
    http.put(attributes(ch, alice), token, "{\"mood\":\"calm\"}").ok();
    List<String> bodies =
        List.of(
            "{\"a\":" + HUGE + "}",
            "{\"a\":-" + HUGE + "}",
            "{\"a\":0." + HUGE + "}",
            "{\"a\":1e9999999999}",
            "{\"a\":1e-9999999999}",
            "{\"a\":1e400}",
            "{\"a\":-0}",
            "[" + HUGE + "]",
            HUGE,
            "{\"a\":\"b\",\"c\":[[[" + HUGE + "]]]}");
    for (String body : bodies) {
      http.put(attributes(ch, alice), token, body).error(400, "INVALID_ARGUMENT");
    }
    assertThat(Json.stringMap(http.get(attributes(ch, alice), token).okJson()))
        .isEqualTo(Map.of("mood", "calm"));
    http.delete(member(ch, alice), token).ok();
  }

  @Test
  @DisplayName(
      "item 4: a WebSocket frame that cannot be read as a whole (huge number, invalid Unicode,"
          + " malformed, too deep, duplicate names) is answered INVALID_ARGUMENT with its id; the"
          + " connection stays and the channel is unchanged")
  void webSocketFramesKeepTheirId() {
    String ch = Names.unique("wsnum");
    String alice = Names.unique("alice");
    try (WsClient a = WsClient.connect(http, Tokens.dev(alice));
        WsClient observer = WsClient.connect(http, Tokens.dev(Names.unique("obs")))) {
      a.join(ch);
      a.setAttributes(ch, Map.of("mood", "calm"));
      long seq = observer.subscribe(ch).path("seq").asLong();
      String c = Json.write(ch);
      Map<String, String> frames =
          Map.ofEntries(
              Map.entry(
                  "n1",
                  "{\"id\":\"n1\",\"type\":\"channelUsers\",\"channel\":"
                      + c
                      + ",\"limit\":"
                      + HUGE
                      + "}"),
              Map.entry(
                  "n2",
                  "{\"id\":\"n2\",\"type\":\"setAttributes\",\"channel\":"
                      + c
                      + ",\"attributes\":{\"mood\":"
                      + HUGE
                      + "}}"),
              Map.entry("n3", "{\"id\":\"n3\",\"type\":\"heartbeat\",\"x\":1e9999999999}"),
              Map.entry("n4", "{\"type\":\"heartbeat\",\"x\":" + HUGE + ",\"id\":\"n4\"}"),
              Map.entry(
                  "n5",
                  "{\"id\":\"n5\",\"type\":\"channelUsers\",\"channel\":"
                      + c
                      + ",\"limit\":1e400}"),
              Map.entry(
                  "n6",
                  "{\"id\":\"n6\",\"type\":\"channelUsers\",\"channel\":" + c + ",\"limit\":-0}"),
              Map.entry(
                  "n7",
                  "{\"id\":\"n7\",\"type\":\"channelUsers\",\"channel\":" + c + ",\"limit\":1.5}"),
              Map.entry("u1", "{\"id\":\"u1\",\"type\":\"join\",\"channel\":\"\\ud800\"}"),
              Map.entry(
                  "u2",
                  "{\"id\":\"u2\",\"type\":\"setAttributes\",\"channel\":"
                      + c
                      + ",\"attributes\":{\"mood\":\"\\udc00\"}}"),
              Map.entry("m1", "{\"id\":\"m1\",\"type\":\"join\",\"channel\":"),
              Map.entry("m2", "{\"id\":\"m2\",\"type\":\"join\" \"channel\":" + c + "}"),
              Map.entry("m3", "{\"id\":\"m3\",\"type\":\"join\",\"channel\":" + c + "} trailing"),
              Map.entry(
                  "d1",
                  "{\"id\":\"d1\",\"type\":\"heartbeat\",\"x\":"
                      + "[".repeat(5000)
                      + "]".repeat(5000)
                      + "}"),
              Map.entry(
                  "k1",
                  "{\"id\":\"k1\",\"type\":\"join\",\"channel\":" + c + ",\"channel\":\"x\"}"),
              Map.entry("dot1", "{\"id\":\"dot1\",\"type\":\"join\",\"channel\":\".\"}"),
              Map.entry("dot2", "{\"id\":\"dot2\",\"type\":\"subscribe\",\"channel\":\"..\"}"),
              Map.entry("dot3", "{\"id\":\"dot3\",\"type\":\"channelUsers\",\"channel\":\".\"}"));
      for (Map.Entry<String, String> f : frames.entrySet()) {
        JsonNode reply = a.exchangeError(f.getKey(), f.getValue());
        WsClient.assertError(reply, "INVALID_ARGUMENT", Json.abbreviate(f.getValue()));
        assertThat(reply.path("id").asText())
            .as("id of the reply to %s: %s", Json.abbreviate(f.getValue()), reply)
            .isEqualTo(f.getKey());
      }
      assertThat(a.closed().isDone()).as("connection closed").isFalse();
      JsonNode read =
          observer.ok(Json.object("type", "getAttributes", "channel", ch, "userId", alice));
      assertThat(Json.stringMap(read.get("result"))).isEqualTo(Map.of("mood", "calm"));
      a.setAttributes(ch, Map.of("mood", "next"));
      JsonNode event = observer.awaitSeq(ch, seq + 1, EVENT_WAIT);
      Events.assertEvent(event, "attributesUpdate", ch, alice, Map.of("mood", "next"), 1);
      assertThat(observer.events(ch)).as("events: only the valid change").hasSize(1);
    }
  }

  @Test
  @DisplayName(
      "item 6: an attributes PUT whose Content-Type is not application/json (or none) is 415"
          + " INVALID_ARGUMENT and stores nothing; application/json with charset UTF-8 works")
  void contentTypes() {
    String ch = Names.unique("ctype");
    String alice = Names.unique("alice");
    String token = Tokens.dev(alice);
    http.put(member(ch, alice), token).ok();
    http.put(attributes(ch, alice), token, "{\"mood\":\"calm\"}").ok();
    List<@Nullable String> refused =
        new ArrayList<>(
            List.of(
                "text/plain",
                "application/xml",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/jsonx",
                "application/json-patch+json",
                "application/merge-patch+json",
                "text/json",
                "application/octet-stream",
                "application/json; charset=ISO-8859-1",
                "application/json; charset=utf-16",
                "*/*",
                "application/*"));
    refused.add(null);
    for (String type : refused) {
      putTyped(http, attributes(ch, alice), token, type, "{\"mood\":\"changed\"}")
          .error(415, "INVALID_ARGUMENT");
    }
    assertThat(Json.stringMap(http.get(attributes(ch, alice), token).okJson()))
        .isEqualTo(Map.of("mood", "calm"));
    for (String type :
        List.of(
            "application/json; charset=UTF-8",
            "Application/JSON",
            "application/json;charset=utf-8")) {
      putTyped(http, attributes(ch, alice), token, type, "{\"mood\":\"" + type.length() + "\"}")
          .ok();
    }
    http.delete(member(ch, alice), token).ok();
  }

  @Test
  @DisplayName(
      "item 6: matrix parameters anywhere in an /api/v1 path are 400 INVALID_ARGUMENT, never"
          + " ignored: PUT /channels/semi;x=1/users/u joins nothing")
  void matrixParameters() {
    String ch = Names.unique("semi");
    String alice = Names.unique("alice");
    String token = Tokens.dev(alice);
    List<String> puts =
        List.of(
            "api/v1/channels/" + ch + ";x=1/users/" + alice,
            "api/v1/channels/" + ch + "/users/" + alice + ";x=1",
            "api/v1/channels/" + ch + "/users;x=1/" + alice,
            "api/v1/channels;x=1/" + ch + "/users/" + alice,
            "api/v1/channels/" + ch + ";/users/" + alice,
            "api/v1/channels/" + ch + ";x/users/" + alice,
            "api/v1/channels/" + ch + ";jsessionid=abc/users/" + alice,
            "api/v1/channels/" + ch + "/users/" + alice + ";jsessionid=abc");
    for (String path : puts) {
      http.send(raw(http, path, token).PUT(BodyPublishers.noBody()).build())
          .error(400, "INVALID_ARGUMENT");
    }
    for (String path :
        List.of(
            "api/v1/channels/" + ch + ";x=1",
            "api/v1/channels/" + ch + ";x=1/users",
            "api/v1/channels/" + ch + ";x=1/events",
            "api/v1/users/" + alice + ";x=1/channels")) {
      http.send(raw(http, path, token).GET().build()).error(400, "INVALID_ARGUMENT");
    }
    http.send(
            raw(http, "api/v1/channels/" + ch + ";x=1/users/" + alice + "/attributes", token)
                .header("Content-Type", "application/json")
                .PUT(BodyPublishers.ofString("{\"a\":\"b\"}"))
                .build())
        .error(400, "INVALID_ARGUMENT");
    assertThat(http.get(userChannels(alice), token).okJson().path("channels"))
        .as("alice's channels after matrix requests")
        .isEmpty();
    // An encoded semicolon is part of the value, which the id rule refuses.
    http.put(member(ch + "%3Bx=1", alice), token).error(400, "INVALID_ARGUMENT");
  }

  @Test
  @DisplayName(
      "item 6: channel names '.' and '..' (literal or percent-encoded in a path, or over WebSocket)"
          + " are refused with 400 INVALID_ARGUMENT")
  void dotChannels() {
    String alice = Names.unique("alice");
    String token = Tokens.dev(alice);
    for (String dot : List.of("%2E", "%2E%2E", "%2e", ".%2E", "%2E.")) {
      String c = "api/v1/channels/" + dot;
      http.send(raw(http, c + "/users/" + alice, token).PUT(BodyPublishers.noBody()).build())
          .error(400, "INVALID_ARGUMENT");
      http.send(raw(http, c + "/users/" + alice, token).DELETE().build())
          .error(400, "INVALID_ARGUMENT");
      http.send(raw(http, c, token).GET().build()).error(400, "INVALID_ARGUMENT");
      http.send(raw(http, c + "/users", token).GET().build()).error(400, "INVALID_ARGUMENT");
      http.send(
              raw(http, c + "/events", token)
                  .setHeader("Accept", "text/event-stream")
                  .GET()
                  .build())
          .error(400, "INVALID_ARGUMENT");
      http.send(raw(http, c + "/users/" + alice + "/attributes", token).GET().build())
          .error(400, "INVALID_ARGUMENT");
      putTyped(http, c + "/users/" + alice + "/attributes", token, "application/json", "{}")
          .error(400, "INVALID_ARGUMENT");
    }
    // Literal dot segments reach the application as they are (Payara does not normalise them).
    for (String dot : List.of(".", "..")) {
      http.send(
              raw(http, "api/v1/channels/" + dot + "/users/" + alice, token)
                  .PUT(BodyPublishers.noBody())
                  .build())
          .error(400, "INVALID_ARGUMENT");
      http.send(raw(http, "api/v1/channels/" + dot + "/users", token).GET().build())
          .error(400, "INVALID_ARGUMENT");
    }
    assertThat(http.get(userChannels(alice), token).okJson().path("channels"))
        .as("channels after dot segments")
        .isEmpty();
    // Names that merely contain dots stay valid.
    for (String ok : List.of("...", ".a", "a.", "a..b")) {
      http.put(member(ok + Names.unique(""), alice), token).ok();
    }
    assertThat(http.get(userChannels(alice), token).okJson().path("channels")).hasSize(4);
    try (WsClient a = WsClient.connect(http, token)) {
      for (String type : List.of("join", "leave", "subscribe", "unsubscribe", "channelUsers")) {
        for (String dot : List.of(".", "..")) {
          a.error(Json.object("type", type, "channel", dot), "INVALID_ARGUMENT");
        }
      }
    }
  }

  @Test
  @DisplayName(
      "fuzz: 2,400 seeded hostile inputs (bad Unicode, control characters, huge numbers, matrix"
          + " parameters, dot segments, wrong content types, deep nesting, oversized values) get"
          + " their exact status and code; the server stays healthy and the channel unchanged")
  void fuzz() {
    FuzzedChannel.fuzz(
        http,
        "ifuzz",
        20,
        EVENT_WAIT,
        (ch, holders, sessions) -> {
          InputFuzzer fuzzer = new InputFuzzer(20261203L, ch, holders);
          return Map.of(
              "REST",
              Fuzzer.run("REST input", 1400, fuzzer::nextRest, c -> InputFuzzer.check(http, c)),
              "WebSocket",
              Fuzzer.run(
                  "WebSocket input", 1000, fuzzer::nextWs, c -> InputFuzzer.check(sessions, c)));
        });
  }
}
