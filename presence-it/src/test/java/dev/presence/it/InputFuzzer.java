package dev.presence.it;

import static dev.presence.it.support.Http.seg;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Http.Reply;
import dev.presence.it.support.Json;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The seeded fuzz of issue #10: malformed input of the classes the HTTP surface must hold against
 * (text that is not Unicode, control characters, huge numbers, matrix parameters, dot segments,
 * wrong content types, deep nesting, oversized values, duplicate names), each case with one fault
 * and the exact status and code it must get. Every WebSocket frame carries a readable top-level
 * string {@code id} unless the id itself is the fault, and the reply must carry it back.
 *
 * <p>Requests act as users present in the target channel (so a body that was wrongly accepted would
 * change their attributes, which the test then sees).
 */
final class InputFuzzer {

  /** One REST case and the error it must get. */
  record RestCase(
      String label,
      String method,
      String path,
      @Nullable String contentType,
      byte @Nullable [] body,
      int status,
      String code,
      String token)
      implements Fuzzer.Case {}

  /** One WebSocket frame, the connection it goes to, and the error it must get. */
  record WsCase(String label, int sender, @Nullable String id, String frame, String code)
      implements Fuzzer.Case {}

  /** JSON string contents that are not valid Unicode (escapes of lone surrogates). */
  private static final List<String> NOT_UNICODE =
      List.of("\\ud800", "\\udfff", "a\\ud800b", "\\ude00\\ud83d", "\\udbff\\udbff\\udc00");

  /** JSON numbers a whole-number field must refuse, and that are no 500 anywhere. */
  private static final List<String> BAD_NUMBERS =
      List.of("1e400", "-0", "1.5", "1e9999999999", "1e-9999999999", "-1", "0", "1001", "1E3");

  private final Random random;
  private final String channel;
  private final List<String> holders;
  private long ids;

  InputFuzzer(long seed, String channel, List<String> holders) {
    this.random = new Random(seed);
    this.channel = channel;
    this.holders = holders;
  }

  // ------------------------------------------------------------------------------------------ REST

  RestCase nextRest() {
    String self = holders.get(random.nextInt(holders.size()));
    String token = Tokens.dev(self);
    String attrs = "api/v1/channels/" + seg(channel) + "/users/" + seg(self) + "/attributes";
    String usersPath = "api/v1/channels/" + seg(channel) + "/users";
    String json = "application/json";
    switch (random.nextInt(12)) {
      case 0:
        {
          String bad = pick(NOT_UNICODE);
          String body =
              random.nextBoolean() ? "{\"k\":\"" + bad + "\"}" : "{\"" + bad + "\":\"v\"}";
          return body("bad unicode", attrs, json, body, 400, "INVALID_ARGUMENT", token);
        }
      case 1:
        {
          String param = pick("limit", "attributes", "cursor");
          String value = controlChars();
          if (param.equals("limit") && random.nextBoolean()) {
            value = random.nextBoolean() ? "1" + value : value + "5";
          }
          return get(
              "control chars in ?" + param,
              usersPath + "?" + param + "=" + value,
              400,
              "INVALID_ARGUMENT",
              token);
        }
      case 2:
        {
          // A control character in an id of the path (not %00: Payara refuses it before the WAR).
          String id = "x" + controlChars().replace("%00", "%01") + "y";
          return random.nextBoolean()
              ? rest(
                  "control chars in channel",
                  "PUT",
                  "api/v1/channels/" + id + "/users/" + seg(self),
                  null,
                  null,
                  400,
                  "INVALID_ARGUMENT",
                  token)
              : get(
                  "control chars in user",
                  "api/v1/users/" + id + "/channels",
                  400,
                  "INVALID_ARGUMENT",
                  token);
        }
      case 3:
        {
          String number = hugeNumber();
          String body =
              switch (random.nextInt(3)) {
                case 0 -> "{\"k\":" + number + "}";
                case 1 -> "{\"k\":\"v\",\"n\":[" + number + "]}";
                default -> number;
              };
          return body("huge number", attrs, json, body, 400, "INVALID_ARGUMENT", token);
        }
      case 4:
        {
          String limit =
              random.nextBoolean() ? pick(BAD_NUMBERS) : "9".repeat(5 + random.nextInt(1500));
          return get("bad ?limit", usersPath + "?limit=" + limit, 400, "INVALID_ARGUMENT", token);
        }
      case 5:
        {
          String matrix = ";" + pick("x=1", "x", "", "jsessionid=abc", "a=b;c=d");
          String c = seg(channel);
          String u = seg(self);
          String path =
              switch (random.nextInt(6)) {
                case 0 -> "api/v1/channels/" + c + matrix + "/users/" + u;
                case 1 -> "api/v1/channels/" + c + "/users/" + u + matrix;
                case 2 -> "api/v1/channels" + matrix + "/" + c + "/users/" + u;
                case 3 -> "api/v1/channels/" + c + "/users" + matrix + "/" + u;
                case 4 -> "api/v1/channels/" + c + matrix;
                default -> "api/v1/users/" + u + matrix + "/channels";
              };
          String method = path.endsWith(u) ? pick("PUT", "DELETE") : "GET";
          return rest("matrix", method, path, null, null, 400, "INVALID_ARGUMENT", token);
        }
      case 6:
        {
          // Literal dot segments reach the application too: Payara does not normalise them.
          String dot = pick("%2E", "%2E%2E", "%2e", "%2e%2e", ".", "..");
          String c = "api/v1/channels/" + dot;
          int which = random.nextInt(5);
          if (which == 2 && !dot.startsWith("%")) {
            // A path ending in a literal "/." makes Grizzly's URI normaliser throw before the WAR
            // (an empty 200 and a stack trace in the server log): out of the application's reach.
            c = "api/v1/channels/" + dot.replace(".", "%2E");
          }
          return switch (which) {
            case 0 ->
                rest(
                    "dot channel",
                    "PUT",
                    c + "/users/" + seg(self),
                    null,
                    null,
                    400,
                    "INVALID_ARGUMENT",
                    token);
            case 1 -> get("dot channel", c + "/users", 400, "INVALID_ARGUMENT", token);
            case 2 -> get("dot channel", c, 400, "INVALID_ARGUMENT", token);
            case 3 ->
                get(
                    "dot channel",
                    c + "/users/" + seg(self) + "/attributes",
                    400,
                    "INVALID_ARGUMENT",
                    token);
            default ->
                body(
                    "dot channel",
                    c + "/users/" + seg(self) + "/attributes",
                    json,
                    "{\"k\":\"v\"}",
                    400,
                    "INVALID_ARGUMENT",
                    token);
          };
        }
      case 7:
        {
          String type =
              pick(
                  "text/plain",
                  "application/xml",
                  "application/x-www-form-urlencoded",
                  "application/jsonx",
                  "text/json",
                  "application/octet-stream",
                  "application/json; charset=ISO-8859-1",
                  "*/*",
                  "application/merge-patch+json",
                  null);
          return body(
              "wrong content type",
              attrs,
              type,
              "{\"holder\":\"changed-" + random.nextInt(1000) + "\"}",
              415,
              "INVALID_ARGUMENT",
              token);
        }
      case 8:
        {
          int depth = 17 + random.nextInt(20_000);
          String body =
              random.nextBoolean()
                  ? "{\"k\":" + "[".repeat(depth) + "]".repeat(depth) + "}"
                  : "{\"k\":".repeat(Math.min(depth, 9000))
                      + "\"v\""
                      + "}".repeat(Math.min(depth, 9000));
          return body("deep nesting", attrs, json, body, 400, "INVALID_ARGUMENT", token);
        }
      case 9:
        {
          return switch (random.nextInt(4)) {
            case 0 ->
                body(
                    "oversized value",
                    attrs,
                    json,
                    "{\"k\":\"" + "v".repeat(1025 + random.nextInt(20_000)) + "\"}",
                    413,
                    "TOO_LARGE",
                    token);
            case 1 ->
                body(
                    "oversized body",
                    attrs,
                    json,
                    "{\"k\":\"" + "v".repeat(65_537 + random.nextInt(10_000)) + "\"}",
                    413,
                    "TOO_LARGE",
                    token);
            case 2 ->
                rest(
                    "1000-char channel",
                    "PUT",
                    "api/v1/channels/"
                        + "c".repeat(201 + random.nextInt(900))
                        + "/users/"
                        + seg(self),
                    null,
                    null,
                    400,
                    "INVALID_ARGUMENT",
                    token);
            default ->
                get(
                    "1000-char cursor",
                    usersPath + "?cursor=" + "c".repeat(1000 + random.nextInt(100)),
                    400,
                    "INVALID_ARGUMENT",
                    token);
          };
        }
      case 10:
        {
          String body =
              random.nextBoolean()
                  ? "{\"k\":\"a\",\"k\":\"b\"}"
                  : "{\"holder\":\"x\",\"j\":\"1\",\"holder\":\"y\"}";
          return body("duplicate names", attrs, json, body, 400, "INVALID_ARGUMENT", token);
        }
      default:
        {
          String blank = pick("", " ", "\t", "\n", "   ");
          return body("blank body", attrs, json, blank, 400, "INVALID_ARGUMENT", token);
        }
    }
  }

  /** Sends a case; returns a failure description, or null when it got the right error. */
  static @Nullable String check(Http http, RestCase c) {
    Reply reply;
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(http.base() + c.path()))
              .timeout(Duration.ofSeconds(30))
              .header("Accept", "application/json")
              .header("Authorization", "Bearer " + c.token())
              .method(
                  c.method(),
                  c.body() == null
                      ? BodyPublishers.noBody()
                      : BodyPublishers.ofByteArray(c.body()));
      if (c.contentType() != null) {
        b.header("Content-Type", c.contentType());
      }
      reply = http.send(b.build());
    } catch (RuntimeException e) {
      return c.label() + ": " + c.method() + " " + Json.abbreviate(c.path()) + " failed: " + e;
    }
    try {
      reply.error(c.status(), c.code());
      return null;
    } catch (AssertionError e) {
      return c.label() + " [" + c.contentType() + "]: " + e.getMessage();
    }
  }

  // ------------------------------------------------------------------------------------- WebSocket

  WsCase nextWs() {
    int sender = random.nextInt(holders.size());
    String id = "i" + (++ids);
    String qid = "\"id\":\"" + id + "\"";
    String c = Json.write(channel);
    switch (random.nextInt(10)) {
      case 0:
        {
          String bad = pick(NOT_UNICODE);
          String frame =
              switch (random.nextInt(4)) {
                case 0 -> "{" + qid + ",\"type\":\"join\",\"channel\":\"a" + bad + "\"}";
                case 1 ->
                    "{"
                        + qid
                        + ",\"type\":\"setAttributes\",\"channel\":"
                        + c
                        + ",\"attributes\":{\"holder\":\""
                        + bad
                        + "\"}}";
                case 2 -> "{\"type\":\"" + bad + "\"," + qid + "}";
                default -> "{" + qid + ",\"type\":\"heartbeat\",\"x\":{\"" + bad + "\":1}}";
              };
          return new WsCase("bad unicode", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 1:
        {
          // A control character (escaped, as JSON requires) in an id.
          String ctl = String.format(Locale.ROOT, "\\u%04x", random.nextInt(0x20));
          String frame =
              random.nextBoolean()
                  ? "{" + qid + ",\"type\":\"join\",\"channel\":\"a" + ctl + "\"}"
                  : "{" + qid + ",\"type\":\"userChannels\",\"userId\":\"" + ctl + "\"}";
          return new WsCase("control chars", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 2:
        {
          // A raw control character inside a string: not JSON.
          char ctl = (char) random.nextInt(0x20);
          String frame = "{" + qid + ",\"type\":\"join\",\"channel\":\"a" + ctl + "b\"}";
          return new WsCase("raw control char", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 3:
        {
          String number = hugeNumber();
          String frame =
              switch (random.nextInt(3)) {
                case 0 ->
                    "{"
                        + qid
                        + ",\"type\":\"channelUsers\",\"channel\":"
                        + c
                        + ",\"limit\":"
                        + number
                        + "}";
                case 1 ->
                    "{\"type\":\"setAttributes\",\"channel\":"
                        + c
                        + ",\"attributes\":{\"holder\":"
                        + number
                        + "},"
                        + qid
                        + "}";
                default -> "{" + qid + ",\"type\":\"heartbeat\",\"n\":[" + number + "]}";
              };
          return new WsCase("huge number", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 4:
        {
          String frame =
              "{"
                  + qid
                  + ",\"type\":\"channelUsers\",\"channel\":"
                  + c
                  + ",\"limit\":"
                  + pick(BAD_NUMBERS)
                  + "}";
          return new WsCase("bad limit", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 5:
        {
          String type = pick("join", "leave", "subscribe", "unsubscribe", "channelUsers");
          String frame =
              "{" + qid + ",\"type\":\"" + type + "\",\"channel\":\"" + pick(".", "..") + "\"}";
          return new WsCase("dot channel", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 6:
        {
          int depth = 17 + random.nextInt(15_000);
          String frame =
              "{"
                  + qid
                  + ",\"type\":\"setAttributes\",\"channel\":"
                  + c
                  + ",\"attributes\":{\"holder\":"
                  + "[".repeat(depth)
                  + "]".repeat(depth)
                  + "}}";
          return new WsCase("deep nesting", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 7:
        {
          String frame =
              switch (random.nextInt(3)) {
                case 0 ->
                    "{"
                        + qid
                        + ",\"type\":\"setAttributes\",\"channel\":"
                        + c
                        + ",\"attributes\":{\"holder\":\""
                        + "v".repeat(1025 + random.nextInt(10_000))
                        + "\"}}";
                case 1 ->
                    "{"
                        + qid
                        + ",\"type\":\"join\",\"channel\":\""
                        + "c".repeat(201 + random.nextInt(1000))
                        + "\"}";
                default ->
                    "{"
                        + qid
                        + ",\"type\":\"channelUsers\",\"channel\":"
                        + c
                        + ",\"cursor\":\""
                        + "c".repeat(1025 + random.nextInt(1000))
                        + "\"}";
              };
          String code = frame.contains("\"holder\":\"vvv") ? "TOO_LARGE" : "INVALID_ARGUMENT";
          return new WsCase("oversized value", sender, id, frame, code);
        }
      case 8:
        {
          String frame =
              random.nextBoolean()
                  ? "{" + qid + ",\"type\":\"join\",\"channel\":" + c + ",\"channel\":\"x\"}"
                  : "{"
                      + qid
                      + ",\"type\":\"setAttributes\",\"channel\":"
                      + c
                      + ",\"attributes\":{\"holder\":\"a\",\"holder\":\"b\"}}";
          return new WsCase("duplicate names", sender, id, frame, "INVALID_ARGUMENT");
        }
      default:
        {
          String full =
              "{" + qid + ",\"type\":\"setAttributes\",\"channel\":" + c + ",\"attributes\":{";
          String frame =
              full.substring(
                  0, qid.length() + 2 + random.nextInt(full.length() - qid.length() - 1));
          return new WsCase("truncated", sender, id, frame, "INVALID_ARGUMENT");
        }
    }
  }

  /** Sends a case; returns a failure description, or null when it got the right error. */
  static @Nullable String check(List<WsClient> senders, WsCase c) {
    try {
      JsonNode reply = senders.get(c.sender()).exchangeError(c.id(), c.frame());
      WsClient.assertError(reply, c.code(), c.label());
      if (c.id() != null && !c.id().equals(reply.path("id").asText(null))) {
        return c.label()
            + " ["
            + Json.abbreviate(c.frame())
            + "]: reply "
            + Json.abbreviate(reply.toString())
            + " does not carry id "
            + c.id();
      }
      return null;
    } catch (AssertionError | RuntimeException e) {
      return c.label() + " [" + Json.abbreviate(c.frame()) + "]: " + e.getMessage();
    }
  }

  // ------------------------------------------------------------------------------------ generators

  private RestCase body(
      String label,
      String path,
      @Nullable String type,
      String body,
      int status,
      String code,
      String token) {
    return rest(
        label, "PUT", path, type, body.getBytes(StandardCharsets.UTF_8), status, code, token);
  }

  private RestCase get(String label, String path, int status, String code, String token) {
    return rest(label, "GET", path, null, null, status, code, token);
  }

  private static RestCase rest(
      String label,
      String method,
      String path,
      @Nullable String type,
      byte @Nullable [] body,
      int status,
      String code,
      String token) {
    return new RestCase(label, method, path, type, body, status, code, token);
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private <T> T pick(List<T> options) {
    return options.get(random.nextInt(options.size()));
  }

  /** 1 to 4 percent-encoded control characters (C0 or DEL). */
  private String controlChars() {
    StringBuilder s = new StringBuilder();
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      int ch = random.nextInt(10) == 0 ? 0x7f : random.nextInt(0x20);
      s.append(String.format(Locale.ROOT, "%%%02X", ch));
    }
    return s.toString();
  }

  /** A JSON number past what a reader should take: over 1,100 digits, or out of range. */
  private String hugeNumber() {
    return switch (random.nextInt(4)) {
      case 0 -> "9".repeat(1101 + random.nextInt(3000));
      case 1 -> "-" + "1".repeat(1101 + random.nextInt(3000));
      case 2 -> "0." + "5".repeat(1101 + random.nextInt(3000));
      default -> "1e" + (random.nextBoolean() ? "" : "-") + "9".repeat(10 + random.nextInt(20));
    };
  }
}
