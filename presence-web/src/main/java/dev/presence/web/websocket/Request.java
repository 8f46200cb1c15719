package dev.presence.web.websocket;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.PageRequest;
import dev.presence.UserId;
import dev.presence.web.engine.ObserveMode;
import dev.presence.web.json.PresenceJson;
import dev.presence.web.json.Texts;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * One client request of SPEC section 5, read and fully checked before anything is done, so a bad
 * frame changes nothing. Unknown members are ignored; every member a type needs must be present
 * with the right JSON type.
 *
 * @param id the request id to echo (a JSON string or number), or null
 * @param type the request type
 * @param channel the channel, for the types that take one
 * @param user the {@code userId}, for {@code getAttributes} and {@code userChannels}
 * @param attributes the attributes, for {@code setAttributes}
 * @param page the page, for {@code channelUsers}
 * @param token the new JWT, for {@code reauthenticate} (not verified here; left out of {@link
 *     #toString()})
 * @param mode what a {@code subscribe} wants ({@code "mode"}: {@code events}, the default when
 *     absent or null, or {@code occupancy}); {@code events} for other types
 */
record Request(
    @Nullable JsonValue id,
    Request.Type type,
    @Nullable ChannelId channel,
    @Nullable UserId user,
    @Nullable Attributes attributes,
    @Nullable PageRequest page,
    @Nullable String token,
    ObserveMode mode) {

  /** The longest request id accepted, in characters. */
  static final int MAX_ID_LENGTH = 256;

  /** The request types, by their wire names. */
  enum Type {
    JOIN("join"),
    LEAVE("leave"),
    SET_ATTRIBUTES("setAttributes"),
    GET_ATTRIBUTES("getAttributes"),
    CHANNEL_USERS("channelUsers"),
    USER_CHANNELS("userChannels"),
    SUBSCRIBE("subscribe"),
    UNSUBSCRIBE("unsubscribe"),
    HEARTBEAT("heartbeat"),
    REAUTHENTICATE("reauthenticate");

    private final String wireName;

    Type(String wireName) {
      this.wireName = wireName;
    }

    String wireName() {
      return wireName;
    }

    static @Nullable Type ofWireName(String name) {
      for (Type t : values()) {
        if (t.wireName.equals(name)) {
          return t;
        }
      }
      return null;
    }
  }

  private static final String TYPES =
      Arrays.stream(Type.values()).map(Type::wireName).collect(Collectors.joining(", "));

  /**
   * The request id of a frame: a string of 1 to {@value #MAX_ID_LENGTH} characters or a number.
   *
   * @param frame the frame's object
   * @return the id, or null if the frame has none (absent or JSON null)
   * @throws InvalidArgumentException if the id has another type or length
   */
  static @Nullable JsonValue id(JsonObject frame) {
    JsonValue id = frame.get("id");
    if (id == null || id.getValueType() == JsonValue.ValueType.NULL) {
      return null;
    }
    if (id instanceof JsonString s) {
      int length = s.getString().length();
      if (length >= 1 && length <= MAX_ID_LENGTH) {
        return id;
      }
    } else if (id instanceof JsonNumber n && n.toString().length() <= MAX_ID_LENGTH) {
      return id;
    }
    throw new InvalidArgumentException(
        "\"id\" must be a string of 1 to " + MAX_ID_LENGTH + " characters, or a number");
  }

  /**
   * Reads a request.
   *
   * @param id the frame's id, from {@link #id(JsonObject)}
   * @param frame the frame's object
   * @return the request
   * @throws InvalidArgumentException if the type is missing or unknown, or a member is missing, of
   *     the wrong JSON type or invalid
   */
  static Request of(@Nullable JsonValue id, JsonObject frame) {
    String typeName = string(frame, "type");
    if (typeName == null) {
      throw new InvalidArgumentException("a request needs a \"type\": one of " + TYPES);
    }
    Type type = Type.ofWireName(typeName);
    if (type == null) {
      throw new InvalidArgumentException(
          "unknown request type '" + abbreviate(typeName) + "'; expected one of " + TYPES);
    }
    return switch (type) {
      case JOIN, LEAVE, UNSUBSCRIBE ->
          new Request(id, type, channel(frame), null, null, null, null, ObserveMode.EVENTS);
      case SUBSCRIBE ->
          new Request(
              id,
              type,
              channel(frame),
              null,
              null,
              null,
              null,
              ObserveMode.parse(string(frame, "mode")));
      case SET_ATTRIBUTES -> {
        ChannelId channel = channel(frame);
        JsonValue value = frame.get("attributes");
        if (value == null) {
          throw missing("attributes", "an object of string values");
        }
        yield new Request(
            id,
            type,
            channel,
            null,
            PresenceJson.parseAttributes(value),
            null,
            null,
            ObserveMode.EVENTS);
      }
      case GET_ATTRIBUTES ->
          new Request(id, type, channel(frame), user(frame), null, null, null, ObserveMode.EVENTS);
      case CHANNEL_USERS ->
          new Request(id, type, channel(frame), null, null, page(frame), null, ObserveMode.EVENTS);
      case USER_CHANNELS ->
          new Request(id, type, null, user(frame), null, null, null, ObserveMode.EVENTS);
      case HEARTBEAT -> new Request(id, type, null, null, null, null, null, ObserveMode.EVENTS);
      case REAUTHENTICATE -> {
        String token = string(frame, "token");
        if (token == null) {
          throw missing("token", "the new JWT, a string");
        }
        yield new Request(id, type, null, null, null, null, token, ObserveMode.EVENTS);
      }
    };
  }

  /** The new token; only for {@code reauthenticate}. */
  String requireToken() {
    return require(token, "token");
  }

  /** Like the record's, without the token: requests may be logged, credentials must not be. */
  @Override
  public String toString() {
    return "Request[id="
        + id
        + ", type="
        + type
        + ", channel="
        + channel
        + ", user="
        + user
        + ", attributes="
        + attributes
        + ", page="
        + page
        + (token == null ? "" : ", token=(hidden)")
        + ", mode="
        + mode
        + "]";
  }

  /** The channel; only for the types that take one. */
  ChannelId requireChannel() {
    return require(channel, "channel");
  }

  /** The user; only for the types that take one. */
  UserId requireUser() {
    return require(user, "user");
  }

  /** The attributes; only for {@code setAttributes}. */
  Attributes requireAttributes() {
    return require(attributes, "attributes");
  }

  /** The page; only for {@code channelUsers}. */
  PageRequest requirePage() {
    return require(page, "page");
  }

  private <T> T require(@Nullable T value, String what) {
    if (value == null) {
      throw new IllegalStateException(type + " has no " + what);
    }
    return value;
  }

  private static ChannelId channel(JsonObject frame) {
    String value = string(frame, "channel");
    if (value == null) {
      throw missing("channel", "a string");
    }
    return ChannelId.of(value);
  }

  private static UserId user(JsonObject frame) {
    String value = string(frame, "userId");
    if (value == null) {
      throw missing("userId", "a string");
    }
    return UserId.of(value);
  }

  /** {@code limit} (1 to 1000, default 1000), {@code cursor}, {@code attributes} (default true). */
  private static PageRequest page(JsonObject frame) {
    int limit = PageRequest.MAX_LIMIT;
    JsonValue limitValue = frame.get("limit");
    if (limitValue != null && limitValue.getValueType() != JsonValue.ValueType.NULL) {
      if (!(limitValue instanceof JsonNumber n) || !n.isIntegral()) {
        throw new InvalidArgumentException(
            "\"limit\" must be a whole number from 1 to " + PageRequest.MAX_LIMIT);
      }
      BigDecimal exact = n.bigDecimalValue();
      if (exact.compareTo(BigDecimal.ONE) < 0
          || exact.compareTo(BigDecimal.valueOf(PageRequest.MAX_LIMIT)) > 0) {
        throw new InvalidArgumentException(
            "\"limit\" must be a whole number from 1 to " + PageRequest.MAX_LIMIT);
      }
      limit = exact.intValueExact();
    }
    String cursor = string(frame, "cursor");
    boolean withAttributes = true;
    JsonValue attributes = frame.get("attributes");
    if (attributes != null && attributes.getValueType() != JsonValue.ValueType.NULL) {
      if (attributes.getValueType() == JsonValue.ValueType.FALSE) {
        withAttributes = false;
      } else if (attributes.getValueType() != JsonValue.ValueType.TRUE) {
        throw new InvalidArgumentException("\"attributes\" must be true or false");
      }
    }
    return new PageRequest(limit, cursor, withAttributes);
  }

  /** A string member; null if absent or JSON null; an error if of another type. */
  private static @Nullable String string(JsonObject frame, String name) {
    JsonValue value = frame.get(name);
    if (value == null || value.getValueType() == JsonValue.ValueType.NULL) {
      return null;
    }
    if (value instanceof JsonString s) {
      return s.getString();
    }
    throw new InvalidArgumentException("\"" + name + "\" must be a string");
  }

  private static InvalidArgumentException missing(String name, String what) {
    return new InvalidArgumentException("this request needs \"" + name + "\": " + what);
  }

  private static String abbreviate(String s) {
    return Texts.abbreviate(s); // never splits a surrogate pair
  }
}
