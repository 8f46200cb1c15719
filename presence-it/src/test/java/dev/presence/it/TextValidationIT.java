package dev.presence.it;

import static dev.presence.it.support.Events.assertEvent;
import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.RawWebSocket;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.io.ByteArrayOutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
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
 * SPEC 13.1 "Text and names" (issue #9), against the real WAR on Payara Micro (container {@code
 * payara-micro-rest}: T = 10 s): every string a client sends must be valid Unicode. An unpaired
 * surrogate (a JSON escape of U+D800 to U+DFFF without its partner) or bytes that are not UTF-8 are
 * refused with {@code INVALID_ARGUMENT} on REST and WebSocket, nothing is stored, observers see no
 * event, and the channel keeps flowing: the fault of issue #9 was that such an attribute value was
 * stored and then every WebSocket that had to send it stalled.
 *
 * <p>The JSON texts below are written with the escape as six ASCII characters (backslash, u, and
 * four hex digits), which is how a client sends an unpaired surrogate in valid UTF-8 bytes.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TextValidationIT {

  private static final Duration EVENT_WAIT = Duration.ofSeconds(10);

  /** The escape of a lone high surrogate, as a client writes it in JSON. */
  private static final String HIGH = "\\" + "ud800";

  /** The escape of a lone low surrogate. */
  private static final String LOW = "\\" + "udc00";

  /** A valid pair (U+1F600) as JSON escapes. */
  private static final String PAIR = "\\" + "ud83d" + "\\" + "ude00";

  /** U+1F600 itself, for comparing what the server sends back. */
  private static final String GRIN = new String(Character.toChars(0x1F600));

  /** JSON string contents (between the quotes) that are not valid Unicode. */
  private static final List<String> NOT_UNICODE =
      List.of(
          HIGH,
          LOW,
          "a" + HIGH + "b",
          "ab" + HIGH,
          LOW + "ab",
          "\\" + "ude00" + "\\" + "ud83d", // a pair in the wrong order
          HIGH + HIGH + LOW); // one pair and one lone high surrogate

  /** UTF-8 byte sequences that are not valid UTF-8. */
  private static final List<byte[]> NOT_UTF8 =
      List.of(
          new byte[] {(byte) 0xff},
          new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // U+D800 encoded as if a character
          new byte[] {(byte) 0xc0, (byte) 0xaf}, // an overlong '/'
          new byte[] {(byte) 0xf0, (byte) 0x9f, (byte) 0x98}, // a cut 4-byte sequence
          new byte[] {'a', (byte) 0xc3}); // a cut 2-byte sequence at the end

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

  /**
   * A channel with alice present (attributes {@code mood=calm}) on a WebSocket that also observes
   * the channel, and a second observer on another connection. Bad requests are sent on these same
   * connections; {@link #assertNothingStoredAndFlowing} then proves that nothing changed and that
   * both connections still receive the channel's events.
   */
  private final class Scene implements AutoCloseable {
    final String ch = Names.unique("text");
    final String alice = Names.unique("alice");
    final String token = Tokens.dev(alice);
    final WsClient a = WsClient.connect(http, token);
    final WsClient observer = WsClient.connect(http, Tokens.dev(Names.unique("observer")));
    Map<String, String> stored = Map.of("mood", "calm");
    long seq;
    int changes;

    Scene() {
      a.join(ch);
      assertThat(a.setAttributes(ch, stored).path("type").asText()).isEqualTo("ok");
      seq = observer.subscribe(ch).path("seq").asLong();
      assertThat(a.subscribe(ch).path("seq").asLong()).isEqualTo(seq);
    }

    /** Sends a frame that must be refused with INVALID_ARGUMENT on {@code client}. */
    JsonNode refusedOverWebSocket(WsClient client, String id, String frame) {
      JsonNode reply = client.exchangeError(id, frame);
      assertRefused(reply, frame);
      if (reply.has("id")) {
        assertThat(reply.path("id").asText()).as("id of %s", reply).isEqualTo(id);
      }
      return reply;
    }

    /**
     * Nothing was stored, no event went out, and the channel still flows: the attributes are
     * unchanged over REST and WebSocket; a valid change then arrives at both observing connections
     * as the very next event; channelUsers and a new subscriber's snapshot work.
     */
    void assertNothingStoredAndFlowing(String after) {
      assertThat(Json.stringMap(http.get(attributes(ch, alice), token).okJson()))
          .as("attributes over REST after %s", after)
          .isEqualTo(stored);
      JsonNode read =
          observer.ok(Json.object("type", "getAttributes", "channel", ch, "userId", alice));
      assertThat(Json.stringMap(read.get("result")))
          .as("attributes over WebSocket after %s", after)
          .isEqualTo(stored);

      changes++;
      stored = Map.of("mood", "change-" + changes);
      assertThat(a.setAttributes(ch, stored).path("type").asText()).isEqualTo("ok");
      seq++;
      for (WsClient c : List.of(observer, a)) {
        JsonNode event = c.awaitSeq(ch, seq, EVENT_WAIT);
        assertEvent(event, "attributesUpdate", ch, alice, stored, 1);
        assertThat(c.events(ch))
            .as("events of the channel after %s: only the valid changes", after)
            .hasSize(changes);
      }
      JsonNode page = observer.ok(Json.object("type", "channelUsers", "channel", ch)).get("result");
      assertThat(Json.stringMap(page.path("users").get(0).get("attributes"))).isEqualTo(stored);
    }

    /** A new connection subscribes and gets the current attributes in its snapshot. */
    void assertNewSubscriberGetsSnapshot() {
      try (WsClient late = WsClient.connect(http, Tokens.dev(Names.unique("late")))) {
        JsonNode snapshot = late.subscribe(ch);
        assertThat(snapshot.path("seq").asLong()).isEqualTo(seq);
        assertThat(Json.stringMap(snapshot.path("users").get(0).get("attributes")))
            .isEqualTo(stored);
      }
    }

    @Override
    public void close() {
      a.close();
      observer.close();
    }
  }

  @Test
  @DisplayName(
      "WebSocket setAttributes with an unpaired surrogate in a value or a key is refused with"
          + " INVALID_ARGUMENT; nothing is stored and both connections keep receiving events")
  void webSocketAttributes() {
    try (Scene s = new Scene()) {
      int n = 0;
      for (String bad : NOT_UNICODE) {
        for (String attributes :
            List.of("{\"mood\":\"" + bad + "\"}", "{\"" + bad + "\":\"x\",\"mood\":\"calm\"}")) {
          String id = "bad" + ++n;
          String frame =
              "{\"id\":\""
                  + id
                  + "\",\"type\":\"setAttributes\",\"channel\":\""
                  + s.ch
                  + "\",\"attributes\":"
                  + attributes
                  + "}";
          s.refusedOverWebSocket(s.a, id, frame);
          s.assertNothingStoredAndFlowing(frame);
        }
      }
      s.assertNewSubscriberGetsSnapshot();
    }
  }

  @Test
  @DisplayName("a valid surrogate pair (an emoji) is accepted and sent back as the same character")
  void validPairAccepted() {
    try (Scene s = new Scene()) {
      String frame =
          "{\"id\":\"pair\",\"type\":\"setAttributes\",\"channel\":\""
              + s.ch
              + "\",\"attributes\":{\""
              + PAIR
              + "\":\"a"
              + PAIR
              + "b\"}}";
      JsonNode reply = s.a.requestRaw("pair", frame);
      assertThat(reply.path("type").asText()).as("reply to %s: %s", frame, reply).isEqualTo("ok");
      Map<String, String> expected = Map.of(GRIN, "a" + GRIN + "b");
      JsonNode event = s.observer.awaitSeq(s.ch, s.seq + 1, EVENT_WAIT);
      assertEvent(event, "attributesUpdate", s.ch, s.alice, expected, 1);
      assertThat(Json.stringMap(http.get(attributes(s.ch, s.alice), s.token).okJson()))
          .isEqualTo(expected);
      http.put(attributes(s.ch, s.alice), s.token, "{\"mood\":\"" + GRIN + "\"}").ok();
      JsonNode rest = s.observer.awaitSeq(s.ch, s.seq + 2, EVENT_WAIT);
      assertEvent(rest, "attributesUpdate", s.ch, s.alice, Map.of("mood", GRIN), 1);
    }
  }

  @Test
  @DisplayName(
      "REST PUT attributes with an unpaired surrogate escape or with bytes that are not UTF-8 is"
          + " refused with 400 INVALID_ARGUMENT; nothing is stored and observers see no event")
  void restAttributes() {
    try (Scene s = new Scene()) {
      for (String bad : NOT_UNICODE) {
        for (String body : List.of("{\"mood\":\"" + bad + "\"}", "{\"" + bad + "\":\"x\"}")) {
          Http.Reply reply =
              http.sendBytes(
                      "PUT",
                      attributes(s.ch, s.alice),
                      s.token,
                      body.getBytes(StandardCharsets.US_ASCII))
                  .error(400, "INVALID_ARGUMENT");
          assertMessageNamesUnicode(reply.json().path("error").path("message").asText(), body);
          s.assertNothingStoredAndFlowing(body);
        }
      }
      for (byte[] bad : NOT_UTF8) {
        byte[] body = concat("{\"mood\":\"".getBytes(StandardCharsets.US_ASCII), bad, "\"}");
        Http.Reply reply =
            http.sendBytes("PUT", attributes(s.ch, s.alice), s.token, body)
                .error(400, "INVALID_ARGUMENT");
        assertThat(reply.json().path("error").path("message").asText())
            .as("message for %s", hex(bad))
            .contains("UTF-8");
        s.assertNothingStoredAndFlowing("a body with " + hex(bad));
      }
    }
  }

  @Test
  @DisplayName(
      "cursors that are not valid Unicode, or whose bytes are not UTF-8, are refused with"
          + " INVALID_ARGUMENT over REST and WebSocket; the channel keeps flowing")
  void cursors() {
    try (Scene s = new Scene()) {
      byte[] surrogate = {(byte) 0xed, (byte) 0xa0, (byte) 0x80};
      Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
      List<String> forged =
          List.of(
              b64.encodeToString(surrogate),
              b64.encodeToString(concat("u1:".getBytes(StandardCharsets.US_ASCII), surrogate, "")),
              "u1." + b64.encodeToString(surrogate),
              "u1."
                  + b64.encodeToString(
                      concat("a".getBytes(StandardCharsets.US_ASCII), NOT_UTF8.get(0), "")));
      for (String cursor : forged) {
        http.get(users(s.ch) + "?limit=1&cursor=" + cursor, s.token).error(400, "INVALID_ARGUMENT");
        String id = "c-" + cursor;
        s.refusedOverWebSocket(
            s.observer,
            id,
            "{\"id\":\""
                + id
                + "\",\"type\":\"channelUsers\",\"channel\":\""
                + s.ch
                + "\",\"cursor\":\""
                + cursor
                + "\"}");
      }
      // Percent-encoded bytes that are not UTF-8 in the query, and an escaped lone surrogate.
      http.get(users(s.ch) + "?cursor=%ED%A0%80", s.token).error(400, "INVALID_ARGUMENT");
      http.get(users(s.ch) + "?cursor=%FF", s.token).error(400, "INVALID_ARGUMENT");
      for (String bad : NOT_UNICODE) {
        s.refusedOverWebSocket(
            s.observer,
            "cu",
            "{\"id\":\"cu\",\"type\":\"channelUsers\",\"channel\":\""
                + s.ch
                + "\",\"cursor\":\""
                + bad
                + "\"}");
      }
      s.assertNothingStoredAndFlowing("bad cursors");
    }
  }

  @Test
  @DisplayName(
      "channel and user ids, request ids and types with an unpaired surrogate are refused over"
          + " WebSocket with INVALID_ARGUMENT; the same connection keeps receiving events")
  void webSocketIdsAndOtherStrings() {
    try (Scene s = new Scene()) {
      for (String bad : NOT_UNICODE) {
        Map<String, String> frames =
            Map.of(
                "j", "{\"type\":\"join\",\"channel\":\"" + bad + "\"}",
                "l", "{\"type\":\"leave\",\"channel\":\"" + s.ch + bad + "\"}",
                "s", "{\"type\":\"subscribe\",\"channel\":\"" + bad + "\"}",
                "u", "{\"type\":\"unsubscribe\",\"channel\":\"" + s.ch + bad + "\"}",
                "sa",
                    "{\"type\":\"setAttributes\",\"channel\":\""
                        + s.ch
                        + bad
                        + "\",\"attributes\":{\"mood\":\"x\"}}",
                "g",
                    "{\"type\":\"getAttributes\",\"channel\":\""
                        + s.ch
                        + "\",\"userId\":\""
                        + s.alice
                        + bad
                        + "\"}",
                "uc", "{\"type\":\"userChannels\",\"userId\":\"" + bad + "\"}",
                "t", "{\"type\":\"" + bad + "\",\"channel\":\"" + s.ch + "\"}",
                "x", "{\"type\":\"heartbeat\",\"extra\":\"" + bad + "\"}");
        for (Map.Entry<String, String> f : frames.entrySet()) {
          String id = f.getKey();
          String frame = "{\"id\":\"" + id + "\"," + f.getValue().substring(1);
          s.refusedOverWebSocket(s.a, id, frame);
          s.refusedOverWebSocket(s.observer, id, frame);
        }
        // A request id that is not valid Unicode: refused, and not echoed.
        JsonNode reply =
            s.observer.exchangeError(null, "{\"id\":\"" + bad + "\",\"type\":\"heartbeat\"}");
        assertRefused(reply, "a bad request id");
        assertThat(reply.has("id")).as("reply %s", reply).isFalse();
      }
      s.assertNothingStoredAndFlowing("bad ids");
      assertThat(
              s.a
                  .ok(Json.object("type", "userChannels", "userId", s.alice))
                  .path("result")
                  .path("channels"))
          .as("alice's channels")
          .hasSize(1);
    }
  }

  @Test
  @DisplayName(
      "error messages that quote a long name never cut a surrogate pair in half (the reply stays"
          + " valid text); the connection keeps working")
  void quotedNamesStayValid() {
    try (Scene s = new Scene()) {
      // 63 characters and then an emoji: a cut at 64 characters would split the pair.
      String name = "n".repeat(63) + PAIR + "tail";
      String quoted = "n".repeat(63) + GRIN;
      JsonNode unknownType =
          s.refusedOverWebSocket(
              s.a,
              "type",
              "{\"id\":\"type\",\"type\":\"" + name + "\",\"channel\":\"" + s.ch + "\"}");
      assertThat(unknownType.path("message").asText()).contains(quoted);
      JsonNode duplicate =
          s.refusedOverWebSocket(
              s.a,
              "dup",
              "{\"id\":\"dup\",\"type\":\"setAttributes\",\"channel\":\""
                  + s.ch
                  + "\",\"attributes\":{\""
                  + name
                  + "\":\"1\",\""
                  + name
                  + "\":\"2\"}}");
      assertThat(duplicate.path("message").asText()).contains(quoted);
      Http.Reply rest =
          http.put(
                  attributes(s.ch, s.alice),
                  s.token,
                  "{\"" + name + "\":\"1\",\"" + name + "\":\"2\"}")
              .error(400, "INVALID_ARGUMENT");
      assertThat(rest.json().path("error").path("message").asText()).contains(quoted);
      s.assertNothingStoredAndFlowing("long names");
    }
  }

  @Test
  @DisplayName(
      "a WebSocket text frame whose bytes are not UTF-8 closes that connection with 1007 (RFC"
          + " 6455); nothing is stored and other connections keep receiving events")
  void webSocketFrameNotUtf8() {
    try (Scene s = new Scene()) {
      for (byte[] bad : NOT_UTF8) {
        try (RawWebSocket raw = RawWebSocket.open(http, s.token, 0)) {
          byte[] frame =
              concat(
                  ("{\"type\":\"setAttributes\",\"channel\":\""
                          + s.ch
                          + "\",\"attributes\":{\"mood\":\"")
                      .getBytes(StandardCharsets.US_ASCII),
                  bad,
                  "\"}}");
          raw.sendTextBytes(frame);
          assertThat(raw.awaitCloseCode(EVENT_WAIT))
              .as("close code for %s", hex(bad))
              .isEqualTo(1007);
        }
        s.assertNothingStoredAndFlowing("a frame with " + hex(bad));
      }
    }
  }

  /** An INVALID_ARGUMENT error reply whose text is valid Unicode and holds no internals. */
  private static void assertRefused(JsonNode reply, String what) {
    WsClient.assertError(reply, "INVALID_ARGUMENT", what);
    String message = reply.path("message").asText();
    assertThat(wellFormed(message)).as("valid text in %s", reply).isTrue();
  }

  /** Whether every surrogate in the text is part of a pair. */
  private static boolean wellFormed(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return false;
      }
    }
    return true;
  }

  private static void assertMessageNamesUnicode(String message, String what) {
    assertThat(message).as("message for %s", what).containsIgnoringCase("unicode");
    assertThat(wellFormed(message)).as("valid text in the message for %s", what).isTrue();
  }

  private static byte[] concat(byte[] head, byte[] middle, String tail) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(head);
    out.writeBytes(middle);
    out.writeBytes(tail.getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  private static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(String.format("%02X ", b & 0xff));
    }
    return sb.toString().trim();
  }
}
