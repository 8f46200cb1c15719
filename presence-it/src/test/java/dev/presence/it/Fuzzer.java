package dev.presence.it;

import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.channel;
import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.userChannels;
import static dev.presence.it.support.Http.users;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Http.Reply;
import dev.presence.it.support.Json;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Generates malformed and hostile REST requests and WebSocket frames from a seeded {@link Random},
 * each with the one error it must get, and checks the replies. Every case has a single fault, so
 * its expected status and code follow from SPEC 4.4 and 7 alone.
 *
 * <p>The target channel holds users kept present by WebSocket sessions; requests act as those users
 * (so attribute bodies reach a present user), against them (403), or with bad ids, bodies and
 * tokens.
 */
final class Fuzzer {

  /** A generated case. */
  interface Case {
    /** What kind of fault the case carries. */
    String label();
  }

  /** One REST case and the error it must get. */
  record RestCase(
      String label,
      String method,
      String path,
      @Nullable String token,
      byte @Nullable [] body,
      int status,
      String code)
      implements Case {}

  /** One WebSocket case, the connection it goes to, and the error code it must get. */
  record WsCase(String label, int sender, @Nullable String id, String frame, String code)
      implements Case {}

  private static final String ID_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:@";

  /**
   * Characters outside the id alphabet. Not '\\' or NUL: Payara's web container refuses their
   * encodings (%5C, %00) before the application sees the request; RestApiIT tests them apart.
   */
  private static final String BAD_ID_CHARS = " !$&'()*+,;=~\"<>[]{}|^`%#?é漢ß\t/";

  private static final Set<String> REQUEST_TYPES =
      Set.of(
          "join",
          "leave",
          "setAttributes",
          "getAttributes",
          "channelUsers",
          "userChannels",
          "subscribe",
          "unsubscribe",
          "heartbeat");

  private final Random random;
  private final String channel;
  private final List<String> holders;
  private final String admin;
  private long ids;

  Fuzzer(long seed, String channel, List<String> holders) {
    this.random = new Random(seed);
    this.channel = channel;
    this.holders = holders;
    this.admin = Tokens.dev("fuzz-admin", Tokens.ADMIN);
  }

  // ------------------------------------------------------------------------------------------ REST

  RestCase nextRest() {
    int actor = random.nextInt(holders.size());
    String self = holders.get(actor);
    String token = Tokens.dev(self);
    String attrs = attributes(channel, self);
    switch (random.nextInt(15)) {
      case 0:
        {
          String valid = Json.write(randomMap(1 + random.nextInt(4)));
          String cut = valid.substring(0, 1 + random.nextInt(valid.length() - 1));
          return put("truncated JSON", attrs, token, cut, 400, "INVALID_ARGUMENT");
        }
      case 1:
        return put("garbage text", attrs, token, garbageText(), 400, "INVALID_ARGUMENT");
      case 2:
        {
          byte[] bytes = new byte[1 + random.nextInt(200)];
          random.nextBytes(bytes);
          // Never '{' first, so never an object, whatever the rest decodes to.
          bytes[0] = random.nextBoolean() ? (byte) '[' : (byte) (0x80 + random.nextInt(0x60));
          return new RestCase("random bytes", "PUT", attrs, token, bytes, 400, "INVALID_ARGUMENT");
        }
      case 3:
        return put("non-object JSON", attrs, token, nonObjectJson(), 400, "INVALID_ARGUMENT");
      case 4:
        return put("non-string value", attrs, token, wrongValueType(), 400, "INVALID_ARGUMENT");
      case 5:
        return put("deep nesting", attrs, token, deepNesting(), 400, "INVALID_ARGUMENT");
      case 6:
        return put("too large", attrs, token, Json.write(tooLargeMap()), 413, "TOO_LARGE");
      case 7:
        {
          int n = 65_537 + random.nextInt(100_000);
          String body = "{\"k\":\"" + "x".repeat(n) + "\"}";
          return put("huge body", attrs, token, body, 413, "TOO_LARGE");
        }
      case 8:
        {
          String bad = badId(200);
          return switch (random.nextInt(6)) {
            case 0 ->
                rest(
                    "invalid channel",
                    "PUT",
                    member(bad, self),
                    token,
                    null,
                    400,
                    "INVALID_ARGUMENT");
            case 1 ->
                rest(
                    "invalid channel",
                    "DELETE",
                    member(bad, self),
                    token,
                    null,
                    400,
                    "INVALID_ARGUMENT");
            case 2 ->
                rest("invalid channel", "GET", users(bad), token, null, 400, "INVALID_ARGUMENT");
            case 3 ->
                rest("invalid channel", "GET", channel(bad), token, null, 400, "INVALID_ARGUMENT");
            case 4 ->
                rest(
                    "invalid channel",
                    "GET",
                    attributes(bad, self),
                    token,
                    null,
                    400,
                    "INVALID_ARGUMENT");
            default ->
                rest(
                    "invalid channel",
                    "PUT",
                    attributes(bad, self),
                    token,
                    "{\"a\":\"b\"}",
                    400,
                    "INVALID_ARGUMENT");
          };
        }
      case 9:
        {
          String bad = badId(128);
          int which = random.nextInt(5);
          return switch (which) {
            case 0 ->
                rest(
                    "invalid user", "GET", userChannels(bad), token, null, 400, "INVALID_ARGUMENT");
            case 1 ->
                rest(
                    "invalid user",
                    "GET",
                    attributes(channel, bad),
                    token,
                    null,
                    400,
                    "INVALID_ARGUMENT");
            case 2 ->
                rest(
                    "invalid user",
                    "PUT",
                    member(channel, bad),
                    admin,
                    null,
                    400,
                    "INVALID_ARGUMENT");
            case 3 ->
                rest(
                    "invalid user",
                    "DELETE",
                    member(channel, bad),
                    admin,
                    null,
                    400,
                    "INVALID_ARGUMENT");
            default ->
                rest(
                    "invalid user",
                    "PUT",
                    attributes(channel, bad),
                    admin,
                    "{\"a\":\"b\"}",
                    400,
                    "INVALID_ARGUMENT");
          };
        }
      case 10:
        {
          String other =
              holders.get((actor + 1 + random.nextInt(holders.size() - 1)) % holders.size());
          return switch (random.nextInt(3)) {
            case 0 ->
                rest("other user", "PUT", member(channel, other), token, null, 403, "FORBIDDEN");
            case 1 ->
                rest("other user", "DELETE", member(channel, other), token, null, 403, "FORBIDDEN");
            default ->
                rest(
                    "other user",
                    "PUT",
                    attributes(channel, other),
                    token,
                    Json.write(randomMap(2)),
                    403,
                    "FORBIDDEN");
          };
        }
      case 11:
        {
          String query =
              random.nextInt(4) == 0
                  ? "cursor=" + "c".repeat(1025 + random.nextInt(1000))
                  : "limit=" + pick("0", "-1", "1001", "99999999999", "abc", "1.5", "1e3", "0x10");
          return rest(
              "bad query",
              "GET",
              users(channel) + "?" + query,
              token,
              null,
              400,
              "INVALID_ARGUMENT");
        }
      case 12:
        {
          String path = pick(member(channel, self), attrs, users(channel), userChannels(self));
          String method = path.equals(member(channel, self)) ? pick("PUT", "DELETE") : "GET";
          return rest("no token", method, path, null, null, 401, "UNAUTHENTICATED");
        }
      case 13:
        {
          String garbageToken =
              pick(
                  garbageText().replaceAll("[^A-Za-z0-9._-]", "x"),
                  "a." + garbageText().replaceAll("[^A-Za-z0-9]", "b") + ".c",
                  Tokens.unsigned(Map.of("nosub", self)),
                  Tokens.unsigned(Map.of("sub", "")));
          String other = holders.get((actor + 1) % holders.size());
          String path = pick(member(channel, other), attrs, users(channel));
          String method = path.equals(member(channel, other)) ? pick("PUT", "DELETE") : "GET";
          return rest("bad token", method, path, garbageToken, null, 401, "UNAUTHENTICATED");
        }
      default:
        {
          String body = Json.write(Map.of("k".repeat(65 + random.nextInt(300)), "v"));
          return put("long key", attrs, token, body, 413, "TOO_LARGE");
        }
    }
  }

  /** Sends a case; returns a failure description, or null when it got the right error. */
  static @Nullable String check(Http http, RestCase c) {
    Reply reply;
    try {
      reply = http.sendBytes(c.method(), c.path(), c.token(), c.body());
    } catch (RuntimeException e) {
      return c.label() + ": " + c.method() + " " + c.path() + " failed: " + e;
    }
    try {
      reply.error(c.status(), c.code());
      return null;
    } catch (AssertionError e) {
      return c.label()
          + " [token "
          + c.token()
          + ", "
          + describe(c.body())
          + "]: "
          + e.getMessage();
    }
  }

  private static String describe(byte @Nullable [] body) {
    return body == null ? "no body" : Json.abbreviate(new String(body, StandardCharsets.UTF_8));
  }

  // ------------------------------------------------------------------------------------- WebSocket

  WsCase nextWs() {
    int sender = random.nextInt(holders.size());
    String id = "f" + (++ids);
    switch (random.nextInt(13)) {
      case 0:
        return new WsCase("garbage frame", sender, null, garbageText(), "INVALID_ARGUMENT");
      case 1:
        return new WsCase("non-object frame", sender, null, nonObjectJson(), "INVALID_ARGUMENT");
      case 2:
        {
          ObjectNode frame = Json.object("id", id, "channel", channel);
          return new WsCase("no type", sender, id, Json.write(frame), "INVALID_ARGUMENT");
        }
      case 3:
        {
          String type;
          do {
            type =
                pick("Join", "JOIN", "joinn", "", " ", "batch", "event", "ok", "snapshot")
                    + (random.nextBoolean() ? "" : Integer.toString(random.nextInt(100)));
          } while (REQUEST_TYPES.contains(type));
          ObjectNode frame = Json.object("id", id, "type", type, "channel", channel);
          return new WsCase("unknown type", sender, id, Json.write(frame), "INVALID_ARGUMENT");
        }
      case 4:
        {
          String type =
              pick(
                  "join",
                  "leave",
                  "subscribe",
                  "unsubscribe",
                  "setAttributes",
                  "channelUsers",
                  "getAttributes");
          ObjectNode frame = Json.object("id", id, "type", type);
          if (type.equals("getAttributes")) {
            frame.put("userId", holders.get(sender));
          }
          if (type.equals("setAttributes")) {
            frame.set("attributes", Json.MAPPER.valueToTree(Map.of("a", "b")));
          }
          return new WsCase("missing channel", sender, id, Json.write(frame), "INVALID_ARGUMENT");
        }
      case 5:
        {
          String type = pick("join", "leave", "subscribe", "unsubscribe", "channelUsers");
          String frame =
              "{\"id\":\"" + id + "\",\"type\":\"" + type + "\",\"channel\":" + nonString() + "}";
          return new WsCase("channel not a string", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 6:
        {
          String type = pick("join", "leave", "subscribe", "unsubscribe", "channelUsers");
          ObjectNode frame = Json.object("id", id, "type", type, "channel", badId(200));
          return new WsCase("invalid channel", sender, id, Json.write(frame), "INVALID_ARGUMENT");
        }
      case 7:
        {
          String attributes = random.nextBoolean() ? nonObjectJson() : wrongValueType();
          String frame =
              "{\"id\":\""
                  + id
                  + "\",\"type\":\"setAttributes\",\"channel\":"
                  + Json.write(channel)
                  + ",\"attributes\":"
                  + attributes
                  + "}";
          return new WsCase("bad attributes", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 8:
        {
          ObjectNode frame = Json.object("id", id, "type", "setAttributes", "channel", channel);
          frame.set("attributes", Json.MAPPER.valueToTree(tooLargeMap()));
          return new WsCase("too large", sender, id, Json.write(frame), "TOO_LARGE");
        }
      case 9:
        {
          String frame =
              "{\"id\":\""
                  + id
                  + "\",\"type\":\"setAttributes\",\"channel\":"
                  + Json.write(channel)
                  + ",\"attributes\":{\"a\":"
                  + deepArrays(50 + random.nextInt(15_000))
                  + "}}";
          return new WsCase("deep nesting", sender, id, frame, "INVALID_ARGUMENT");
        }
      case 10:
        {
          boolean channels = random.nextBoolean();
          ObjectNode frame =
              channels
                  ? Json.object("id", id, "type", "userChannels", "userId", badId(128))
                  : Json.object(
                      "id", id, "type", "getAttributes", "channel", channel, "userId", badId(128));
          return new WsCase("invalid user", sender, id, Json.write(frame), "INVALID_ARGUMENT");
        }
      case 11:
        {
          String frame =
              "{\"id\":\""
                  + id
                  + "\",\"type\":"
                  + nonString()
                  + ",\"channel\":"
                  + Json.write(channel)
                  + "}";
          return new WsCase("type not a string", sender, id, frame, "INVALID_ARGUMENT");
        }
      default:
        {
          ObjectNode frame =
              Json.object(
                  "id", id, "type", "getAttributes", "channel", channel, "userId", "ghost-" + id);
          return new WsCase("not present", sender, id, Json.write(frame), "NOT_PRESENT");
        }
    }
  }

  /** Sends a case; returns a failure description, or null when it got the right error. */
  static @Nullable String check(List<WsClient> senders, WsCase c) {
    try {
      JsonNode reply = senders.get(c.sender()).exchangeError(c.id(), c.frame());
      WsClient.assertError(reply, c.code(), c.label());
      if (c.id() != null && reply.has("id")) {
        if (!c.id().equals(reply.path("id").asText())) {
          return c.label() + ": reply id " + reply.get("id") + " for request id " + c.id();
        }
      }
      return null;
    } catch (AssertionError | RuntimeException e) {
      return c.label() + " [" + Json.abbreviate(c.frame()) + "]: " + e.getMessage();
    }
  }

  // ------------------------------------------------------------------------------------ generators

  private RestCase put(
      String label, String path, String token, String body, int status, String code) {
    return rest(label, "PUT", path, token, body, status, code);
  }

  private static RestCase rest(
      String label,
      String method,
      String path,
      @Nullable String token,
      @Nullable String body,
      int status,
      String code) {
    return new RestCase(
        label,
        method,
        path,
        token,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8),
        status,
        code);
  }

  @SafeVarargs
  private <T> T pick(T... options) {
    return options[random.nextInt(options.length)];
  }

  private String validId(int maxLength) {
    StringBuilder id = new StringBuilder().append((char) ('a' + random.nextInt(26)));
    int length = random.nextInt(Math.min(maxLength, 30));
    for (int i = 0; i < length; i++) {
      id.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
    }
    return id.toString();
  }

  /** An id over the length limit, or with a character outside the id alphabet. */
  private String badId(int maxLength) {
    if (random.nextInt(5) == 0) {
      StringBuilder id = new StringBuilder();
      int length = maxLength + 1 + random.nextInt(200);
      for (int i = 0; i < length; i++) {
        id.append(ID_CHARS.charAt(random.nextInt(ID_CHARS.length())));
      }
      return id.toString();
    }
    StringBuilder id = new StringBuilder(validId(20));
    int bad = 1 + random.nextInt(3);
    for (int i = 0; i < bad; i++) {
      id.insert(
          random.nextInt(id.length() + 1),
          BAD_ID_CHARS.charAt(random.nextInt(BAD_ID_CHARS.length())));
    }
    return id.toString();
  }

  private Map<String, String> randomMap(int size) {
    Map<String, String> map = new TreeMap<>();
    while (map.size() < size) {
      map.put(validId(10), validId(20));
    }
    return map;
  }

  /** Text that is not a JSON object: it never contains '{'. */
  private String garbageText() {
    String chars = "abcxyz0123456789 ,:[]}\"'\\-+.eEtrunlf\u00e9\u6f22";
    StringBuilder text = new StringBuilder();
    int length = 1 + random.nextInt(120);
    for (int i = 0; i < length; i++) {
      text.append(chars.charAt(random.nextInt(chars.length())));
    }
    if (text.toString().isBlank()) {
      text.append('x');
    }
    return text.toString();
  }

  private String nonObjectJson() {
    return pick(
        Json.write(List.of(validId(10), validId(10))),
        Integer.toString(random.nextInt()),
        Json.write(validId(30)),
        "true",
        "false",
        "null",
        "[]",
        "[{\"a\":\"b\"}]",
        Double.toString(random.nextDouble()));
  }

  private String nonString() {
    return pick(
        Integer.toString(random.nextInt()),
        "true",
        "null",
        "{}",
        "[]",
        "[\"" + channel + "\"]",
        "{\"name\":\"" + channel + "\"}",
        "1.5e300");
  }

  /** A map of string values with one value of another JSON type. */
  private String wrongValueType() {
    Map<String, String> good = randomMap(random.nextInt(4));
    StringBuilder json = new StringBuilder("{");
    for (Map.Entry<String, String> e : good.entrySet()) {
      json.append(Json.write(e.getKey())).append(':').append(Json.write(e.getValue())).append(',');
    }
    json.append("\"bad-").append(random.nextInt(1000)).append("\":").append(nonString());
    return json.append('}').toString();
  }

  /** Nesting thousands of levels deep, within the 64 KiB body limit. */
  private String deepNesting() {
    return switch (random.nextInt(3)) {
      case 0 -> deepArrays(50 + random.nextInt(25_000));
      case 1 -> "{\"a\":" + deepArrays(50 + random.nextInt(25_000)) + "}";
      default -> {
        int depth = 50 + random.nextInt(10_000);
        yield "{\"a\":".repeat(depth) + "\"x\"" + "}".repeat(depth);
      }
    };
  }

  private static String deepArrays(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  /** A map over exactly one attribute limit (keys, key length, value length, total size). */
  private Map<String, String> tooLargeMap() {
    Map<String, String> map = new LinkedHashMap<>();
    switch (random.nextInt(4)) {
      case 0 -> {
        int keys = 33 + random.nextInt(200);
        for (int i = 0; i < keys; i++) {
          map.put("k" + i, "v");
        }
      }
      case 1 -> map.put("k", "v".repeat(1025 + random.nextInt(5000)));
      case 2 -> map.put("k".repeat(65 + random.nextInt(500)), "v");
      default -> {
        int keys = 9 + random.nextInt(24);
        for (int i = 0; i < keys; i++) {
          map.put("k" + i, "v".repeat(950 + random.nextInt(74)));
        }
      }
    }
    return map;
  }

  /**
   * Runs {@code n} cases of a supplier through a checker, collecting at most 20 failures, and
   * prints the time spent per kind of case.
   */
  static <C extends Case> List<String> run(
      String what, int n, Supplier<C> cases, Function<C, @Nullable String> checker) {
    List<String> failures = new ArrayList<>();
    Map<String, long[]> timeByKind = new TreeMap<>();
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      C c = cases.get();
      long t0 = System.nanoTime();
      String failure = checker.apply(c);
      long[] kind = timeByKind.computeIfAbsent(c.label() + kindOf(c), k -> new long[2]);
      kind[0]++;
      kind[1] += System.nanoTime() - t0;
      if (failure != null && failures.size() < 20) {
        failures.add("#" + i + " " + failure);
      }
    }
    StringBuilder summary =
        new StringBuilder(
            String.format(
                "fuzz: %d %s cases in %d ms;", n, what, (System.nanoTime() - start) / 1_000_000));
    timeByKind.forEach(
        (kind, t) -> summary.append(String.format(" %s x%d %d ms;", kind, t[0], t[1] / 1_000_000)));
    System.out.println(summary);
    return failures;
  }

  private static String kindOf(Case c) {
    return c instanceof RestCase r ? " (" + r.method() + ")" : "";
  }
}
