package dev.presence.web.json;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.InvalidArgumentException;
import dev.presence.Occupancy;
import dev.presence.PresenceException;
import dev.presence.PresentUser;
import dev.presence.UserId;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import dev.presence.web.engine.Interval;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.spi.JsonProvider;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParserFactory;
import jakarta.json.stream.JsonParsingException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON shapes of the specification (sections 2, 4 and 5), shared by REST, SSE and WebSocket,
 * and strict readers for what clients send.
 *
 * <p>Writers return JSON-P objects; {@code toString()} of a returned object is its compact JSON
 * text. Readers are strict where the JSON specification is loose: a duplicate member name, a
 * nesting deeper than {@link #MAX_DEPTH}, trailing content, or a string (member name or value) that
 * is not valid Unicode text (an escaped unpaired surrogate, SPEC 13.1; see {@link Texts}) is
 * rejected with {@link InvalidArgumentException}, whose message says what is wrong and where (never
 * a class name, and never the invalid text itself). Every string a reader returns can therefore be
 * encoded as UTF-8. Numbers longer than {@link #MAX_NUMBER_LENGTH} characters, or out of range, are
 * refused the same way. Over WebSocket such a frame is answered like malformed JSON, with the
 * request id that {@link #bestEffortString} could still read from it.
 *
 * <p>Thread-safe: the JSON-P factories are created once and shared.
 */
public final class PresenceJson {

  /** The deepest nesting of arrays and objects a reader accepts. */
  public static final int MAX_DEPTH = 16;

  /**
   * The longest JSON number a reader accepts, in characters (sign, digits, point and exponent). No
   * number the protocol uses comes near it (a request id may be a number of this length); without
   * it a number of 1,100 digits or more hit the JSON-P implementation's own limit, an exception
   * that was not a client error.
   */
  public static final int MAX_NUMBER_LENGTH = 256;

  /** The most top-level members {@link #bestEffortString} looks at. */
  static final int MAX_SCANNED_MEMBERS = 64;

  // One provider lookup: Json.createValue and friends look the provider up at every call.
  private static final JsonProvider PROVIDER = JsonProvider.provider();
  private static final JsonBuilderFactory BUILDERS = PROVIDER.createBuilderFactory(Map.of());
  private static final JsonParserFactory PARSERS = PROVIDER.createParserFactory(Map.of());

  private PresenceJson() {}

  /**
   * A new object builder from the shared factory. Prefer it to {@code Json.createObjectBuilder()},
   * which looks the JSON-P provider up at every call.
   *
   * @return an empty builder
   */
  public static JsonObjectBuilder objectBuilder() {
    return BUILDERS.createObjectBuilder();
  }

  /**
   * A new array builder from the shared factory (see {@link #objectBuilder()}).
   *
   * @return an empty builder
   */
  public static JsonArrayBuilder arrayBuilder() {
    return BUILDERS.createArrayBuilder();
  }

  /**
   * A JSON string from the shared provider (see {@link #objectBuilder()}).
   *
   * @param value the string, not null
   * @return the JSON string
   */
  public static JsonString string(String value) {
    return PROVIDER.createValue(value);
  }

  /**
   * An event: {@code {"event","channel","userId","attributes","occupancy","seq","timestamp"}}, the
   * timestamp in ISO-8601 UTC, and {@code "reason":"kicked"} on a {@code leave} that was a kick.
   *
   * @param e the event
   * @return the JSON object
   */
  public static JsonObject event(PresenceEvent e) {
    return eventBuilder(e).build();
  }

  /**
   * An event's members in a builder, for envelopes that add members (such as the WebSocket {@code
   * "type":"event"}).
   *
   * @param e the event
   * @return a new builder holding the event's members
   */
  public static JsonObjectBuilder eventBuilder(PresenceEvent e) {
    JsonObjectBuilder b =
        BUILDERS
            .createObjectBuilder()
            .add("event", e.kind().wireName())
            .add("channel", e.channel().value())
            .add("userId", e.userId().value())
            .add("attributes", attributes(e.attributes()))
            .add("occupancy", e.occupancy())
            .add("seq", e.seq())
            .add("timestamp", DateTimeFormatter.ISO_INSTANT.format(e.timestamp()));
    if (e instanceof Left left && left.kicked()) {
      b.add("reason", KICKED); // SPEC 13.4; other events carry no reason
    }
    return b;
  }

  /**
   * A page of the channel listing (SPEC 13.4): {@code {"channels":[{"channel","occupancy"}],
   * "next"}}; {@code next} is null on the last page.
   *
   * @param page the page
   * @return the JSON object
   */
  public static JsonObject channels(ChannelPage page) {
    JsonArrayBuilder list = BUILDERS.createArrayBuilder();
    for (ChannelOccupancy c : page.channels()) {
      list.add(
          BUILDERS
              .createObjectBuilder()
              .add("channel", c.channel().value())
              .add("occupancy", c.occupancy()));
    }
    JsonObjectBuilder b = BUILDERS.createObjectBuilder().add("channels", list);
    String next = page.next();
    if (next == null) {
      b.addNull("next");
    } else {
      b.add("next", next);
    }
    return b.build();
  }

  /** The {@code reason} of a {@code leave} an administrator caused (SPEC 13.4). */
  public static final String KICKED = "kicked";

  /**
   * A page of a channel's users: {@code {"channel","occupancy","seq","users":[{"userId",
   * "attributes"}],"next"}}; {@code next} is null on the last page. Without attributes, each user
   * is only {@code {"userId"}}.
   *
   * @param page the page
   * @param withAttributes whether to write each user's attributes
   * @return the JSON object
   */
  public static JsonObject channelUsers(ChannelUsers page, boolean withAttributes) {
    return channelUsersBuilder(page, withAttributes).build();
  }

  /**
   * The members of {@link #channelUsers} in a builder, for envelopes that add members (such as the
   * WebSocket snapshot).
   *
   * @param page the page
   * @param withAttributes whether to write each user's attributes
   * @return a new builder
   */
  public static JsonObjectBuilder channelUsersBuilder(ChannelUsers page, boolean withAttributes) {
    JsonArrayBuilder users = BUILDERS.createArrayBuilder();
    for (PresentUser user : page.users()) {
      JsonObjectBuilder u = BUILDERS.createObjectBuilder().add("userId", user.userId().value());
      if (withAttributes) {
        u.add("attributes", attributes(user.attributes()));
      }
      users.add(u);
    }
    JsonObjectBuilder b =
        BUILDERS
            .createObjectBuilder()
            .add("channel", page.channel().value())
            .add("occupancy", page.occupancy())
            .add("seq", page.seq())
            .add("users", users);
    String next = page.next();
    if (next == null) {
      b.addNull("next");
    } else {
      b.add("next", next);
    }
    return b;
  }

  /**
   * The message of an interval (SPEC 13.3): {@code
   * {"type":"interval","channel","fromSeq","toSeq","occupancy","join":[..],"leave":[..],"timeout":[..],"attributes":{"u":{..}}}};
   * every list and the map present, empty when nothing is in them.
   *
   * @param i the interval
   * @return the message
   */
  public static JsonObject interval(Interval i) {
    JsonObjectBuilder attrs = BUILDERS.createObjectBuilder();
    for (Map.Entry<UserId, Attributes> e : i.attributes().entrySet()) {
      attrs.add(e.getKey().value(), attributes(e.getValue()));
    }
    return BUILDERS
        .createObjectBuilder()
        .add("type", "interval")
        .add("channel", i.channel().value())
        .add("fromSeq", i.fromSeq())
        .add("toSeq", i.toSeq())
        .add("occupancy", i.occupancy())
        .add("join", users(i.join()))
        .add("leave", users(i.leave()))
        .add("timeout", users(i.timeout()))
        .add("attributes", attrs)
        .build();
  }

  /**
   * The message of an occupancy subscription (SPEC 13.3): {@code
   * {"type":"occupancy","channel","occupancy","seq"}}.
   *
   * @param channel the channel
   * @param occupancy the occupancy
   * @param seq the seq it is the occupancy after
   * @return the message
   */
  public static JsonObject occupancyMessage(ChannelId channel, int occupancy, long seq) {
    return BUILDERS
        .createObjectBuilder()
        .add("type", "occupancy")
        .add("channel", channel.value())
        .add("occupancy", occupancy)
        .add("seq", seq)
        .build();
  }

  /**
   * A snapshot cut into pages of at most {@code pageSize} users (SPEC 13.3), in the users' order;
   * at least one page, also for no users.
   *
   * @param users the users
   * @param pageSize the most users per page, positive
   * @return the pages
   */
  public static List<List<PresentUser>> pages(List<PresentUser> users, int pageSize) {
    if (users.size() <= pageSize) {
      return List.of(users);
    }
    List<List<PresentUser>> pages = new ArrayList<>();
    for (int from = 0; from < users.size(); from += pageSize) {
      pages.add(users.subList(from, Math.min(users.size(), from + pageSize)));
    }
    return pages;
  }

  /**
   * The users of a snapshot page: {@code [{"userId","attributes"}]}.
   *
   * @param users the users
   * @return the array builder
   */
  public static JsonArrayBuilder presentUsers(List<PresentUser> users) {
    JsonArrayBuilder array = BUILDERS.createArrayBuilder();
    for (PresentUser u : users) {
      array.add(
          BUILDERS
              .createObjectBuilder()
              .add("userId", u.userId().value())
              .add("attributes", attributes(u.attributes())));
    }
    return array;
  }

  private static JsonArrayBuilder users(List<UserId> users) {
    JsonArrayBuilder array = BUILDERS.createArrayBuilder();
    for (UserId u : users) {
      array.add(u.value());
    }
    return array;
  }

  /**
   * A user's channels: {@code {"userId","channels":[...]}}.
   *
   * @param user the user
   * @param channels the channels, in the order to write them
   * @return the JSON object
   */
  public static JsonObject userChannels(UserId user, List<ChannelId> channels) {
    JsonArrayBuilder names = BUILDERS.createArrayBuilder();
    for (ChannelId c : channels) {
      names.add(c.value());
    }
    return BUILDERS
        .createObjectBuilder()
        .add("userId", user.value())
        .add("channels", names)
        .build();
  }

  /**
   * Attributes as the plain map, {@code {"mood":"happy"}}.
   *
   * @param a the attributes
   * @return the JSON object
   */
  public static JsonObject attributes(Attributes a) {
    JsonObjectBuilder b = BUILDERS.createObjectBuilder();
    for (Map.Entry<String, String> e : a.values().entrySet()) {
      b.add(e.getKey(), e.getValue());
    }
    return b.build();
  }

  /**
   * A channel's occupancy: {@code {"channel","occupancy","seq"}}.
   *
   * @param o the occupancy
   * @return the JSON object
   */
  public static JsonObject occupancy(Occupancy o) {
    return BUILDERS
        .createObjectBuilder()
        .add("channel", o.channel().value())
        .add("occupancy", o.occupancy())
        .add("seq", o.seq())
        .build();
  }

  /**
   * A resync notice: {@code {"channel"}}.
   *
   * @param channel the channel whose observer must take a new snapshot
   * @return the JSON object
   */
  public static JsonObject resync(ChannelId channel) {
    return BUILDERS.createObjectBuilder().add("channel", channel.value()).build();
  }

  /**
   * The error body of the specification: {@code {"error":{"code","message"}}}.
   *
   * @param e the failure; its message is written as it is (presence messages are client-safe)
   * @return the JSON object
   */
  public static JsonObject error(PresenceException e) {
    String message = e.getMessage();
    return error(e.code().name(), message == null ? e.code().name() : message);
  }

  /**
   * An error body with an explicit code and message.
   *
   * @param code the error code, such as {@code INVALID_ARGUMENT}
   * @param message a sentence for the client; never server internals
   * @return the JSON object
   */
  public static JsonObject error(String code, String message) {
    return BUILDERS
        .createObjectBuilder()
        .add("error", BUILDERS.createObjectBuilder().add("code", code).add("message", message))
        .build();
  }

  /**
   * Reads attributes from a JSON value, which must be an object whose values are all strings.
   * Limits (sizes) are not checked here; see {@link dev.presence.PresenceLimits#check(Attributes)}.
   *
   * @param v the value
   * @return the attributes
   * @throws InvalidArgumentException if the value is not an object of strings, a name is empty, or
   *     a name or value is not valid Unicode text
   */
  public static Attributes parseAttributes(JsonValue v) {
    if (v.getValueType() != JsonValue.ValueType.OBJECT) {
      throw new InvalidArgumentException(
          "attributes must be a JSON object of string values, such as {\"mood\":\"happy\"}");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonValue> e : v.asJsonObject().entrySet()) {
      JsonValue value = e.getValue();
      if (value.getValueType() != JsonValue.ValueType.STRING) {
        throw new InvalidArgumentException(
            "attribute '" + Texts.abbreviate(e.getKey()) + "' must have a string value");
      }
      values.put(e.getKey(), ((JsonString) value).getString());
    }
    return Attributes.of(values);
  }

  /**
   * Reads attributes from JSON text: exactly one object whose values are all strings, without
   * duplicate names.
   *
   * @param json the text
   * @return the attributes
   * @throws InvalidArgumentException if the text is not such an object
   */
  public static Attributes readAttributes(String json) {
    return parseAttributes(readObject(json));
  }

  /**
   * Reads one JSON object from text, strictly: duplicate member names, nesting deeper than {@link
   * #MAX_DEPTH} and anything after the object are errors.
   *
   * @param json the text
   * @return the object
   * @throws InvalidArgumentException if the text is not one valid JSON object, or one of its
   *     strings is not valid Unicode text
   */
  public static JsonObject readObject(String json) {
    JsonValue value = readValue(json);
    if (value.getValueType() != JsonValue.ValueType.OBJECT) {
      throw new InvalidArgumentException("expected a JSON object");
    }
    return value.asJsonObject();
  }

  /**
   * Reads one JSON value from text, strictly (see {@link #readObject(String)}).
   *
   * @param json the text
   * @return the value
   * @throws InvalidArgumentException if the text is not one valid JSON value, or one of its strings
   *     is not valid Unicode text
   */
  public static JsonValue readValue(String json) {
    if (json.isBlank()) {
      throw new InvalidArgumentException("expected a JSON body, got nothing");
    }
    try (JsonParser parser = PARSERS.createParser(new StringReader(json))) {
      if (!parser.hasNext()) {
        throw new InvalidArgumentException("expected a JSON body, got nothing");
      }
      JsonValue value = readValue(parser, parser.next(), 1);
      if (parser.hasNext()) {
        throw malformed("unexpected content after the JSON value", parser.getLocation());
      }
      return value;
    } catch (JsonParsingException e) {
      throw malformed("malformed JSON", e.getLocation(), e);
    } catch (JsonException | NoSuchElementException | IllegalStateException e) {
      throw new InvalidArgumentException("malformed JSON", e);
    }
  }

  private static JsonValue readValue(JsonParser parser, JsonParser.Event event, int depth) {
    switch (event) {
      case START_OBJECT:
        return readObjectMembers(parser, depth);
      case START_ARRAY:
        return readArrayItems(parser, depth);
      case VALUE_STRING:
        return PROVIDER.createValue(wellFormed(parser.getString(), parser));
      case VALUE_NUMBER:
        return number(parser);
      case VALUE_TRUE:
        return JsonValue.TRUE;
      case VALUE_FALSE:
        return JsonValue.FALSE;
      case VALUE_NULL:
        return JsonValue.NULL;
      default:
        throw malformed("malformed JSON", parser.getLocation());
    }
  }

  /**
   * A number, read from its text: refused when longer than {@link #MAX_NUMBER_LENGTH}, or when its
   * exponent is out of {@link BigDecimal}'s range ({@code 1e9999999999}).
   */
  private static JsonValue number(JsonParser parser) {
    String text = parser.getString();
    if (text.length() > MAX_NUMBER_LENGTH) {
      throw malformed(
          "JSON numbers may have at most " + MAX_NUMBER_LENGTH + " characters; the number ending",
          parser.getLocation(),
          " has " + text.length());
    }
    try {
      return PROVIDER.createValue(new BigDecimal(text));
    } catch (NumberFormatException | ArithmeticException e) {
      throw malformed("the JSON number ending", parser.getLocation(), " is out of range");
    }
  }

  /**
   * Reads, as well as it can, one top-level string member of text that may not be valid JSON, for
   * error replies that should still carry a request's {@code id} (a frame refused as a whole, for
   * instance for a string that is not valid Unicode, a number too long, nesting too deep or a
   * syntax error after the member). It looks at the first {@value #MAX_SCANNED_MEMBERS} members of
   * a top-level object, in order, skipping nested values, and stops at the first error.
   *
   * @param text the text
   * @param name the member's name
   * @param maxLength the longest value accepted
   * @return the member's value if it was reached before any error and is a string of 1 to {@code
   *     maxLength} characters of valid Unicode text; otherwise null
   */
  public static @Nullable String bestEffortString(String text, String name, int maxLength) {
    try (JsonParser parser = PARSERS.createParser(new StringReader(text))) {
      if (!parser.hasNext() || parser.next() != JsonParser.Event.START_OBJECT) {
        return null;
      }
      for (int i = 0; i < MAX_SCANNED_MEMBERS; i++) {
        if (parser.next() != JsonParser.Event.KEY_NAME) {
          return null;
        }
        boolean wanted = name.equals(parser.getString());
        JsonParser.Event value = parser.next();
        if (wanted) {
          if (value != JsonParser.Event.VALUE_STRING) {
            return null;
          }
          String s = parser.getString();
          return !s.isEmpty() && s.length() <= maxLength && Texts.isWellFormed(s) ? s : null;
        }
        if (value == JsonParser.Event.START_OBJECT) {
          parser.skipObject();
        } else if (value == JsonParser.Event.START_ARRAY) {
          parser.skipArray();
        }
      }
      return null;
    } catch (RuntimeException e) {
      // Best effort: whatever the parser throws at malformed text means "not found".
      return null;
    }
  }

  private static JsonValue readObjectMembers(JsonParser parser, int depth) {
    checkDepth(depth, parser);
    JsonObjectBuilder b = BUILDERS.createObjectBuilder();
    Set<String> names = new HashSet<>();
    while (true) {
      JsonParser.Event event = parser.next();
      if (event == JsonParser.Event.END_OBJECT) {
        return b.build();
      }
      if (event != JsonParser.Event.KEY_NAME) {
        throw malformed("malformed JSON", parser.getLocation());
      }
      String name = wellFormed(parser.getString(), parser);
      if (!names.add(name)) {
        throw new InvalidArgumentException(
            "duplicate JSON member '" + Texts.abbreviate(name) + "'");
      }
      b.add(name, readValue(parser, parser.next(), depth + 1));
    }
  }

  private static JsonValue readArrayItems(JsonParser parser, int depth) {
    checkDepth(depth, parser);
    JsonArrayBuilder b = BUILDERS.createArrayBuilder();
    while (true) {
      JsonParser.Event event = parser.next();
      if (event == JsonParser.Event.END_ARRAY) {
        return b.build();
      }
      b.add(readValue(parser, event, depth + 1));
    }
  }

  private static void checkDepth(int depth, JsonParser parser) {
    if (depth > MAX_DEPTH) {
      throw malformed(
          "JSON nested deeper than " + MAX_DEPTH + " levels is not accepted", parser.getLocation());
    }
  }

  /** Returns the string, or refuses it (without quoting it) if it is not valid Unicode. */
  private static String wellFormed(String s, JsonParser parser) {
    if (!Texts.isWellFormed(s)) {
      throw new InvalidArgumentException(
          "JSON strings must be valid Unicode text: the string ending"
              + where(parser.getLocation())
              + " holds an unpaired surrogate (a \\ud800 to \\udfff escape without its"
              + " partner); send text as UTF-8, with every high surrogate followed by a low one");
    }
    return s;
  }

  private static InvalidArgumentException malformed(String what, JsonLocation at) {
    return new InvalidArgumentException(what + where(at));
  }

  private static InvalidArgumentException malformed(String what, JsonLocation at, String after) {
    return new InvalidArgumentException(what + where(at) + after);
  }

  private static InvalidArgumentException malformed(String what, JsonLocation at, Throwable cause) {
    return new InvalidArgumentException(what + where(at), cause);
  }

  private static String where(JsonLocation at) {
    if (at == null || at.getLineNumber() < 0) {
      return "";
    }
    return " at line " + at.getLineNumber() + ", column " + at.getColumnNumber();
  }
}
