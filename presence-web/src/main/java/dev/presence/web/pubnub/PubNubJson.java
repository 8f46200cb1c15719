package dev.presence.web.pubnub;

import dev.presence.Attributes;
import dev.presence.InvalidArgumentException;
import dev.presence.event.PresenceEvent;
import dev.presence.web.json.PresenceJson;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The JSON PubNub clients read (PUBNUB.md 1.2, 1.3) and the state they send. */
final class PubNubJson {

  private PubNubJson() {}

  /** {@code {"status":200,"message":"OK","service":"Presence"}} plus more. */
  static JsonObjectBuilder ok() {
    return PresenceJson.objectBuilder()
        .add("status", 200)
        .add("message", "OK")
        .add("service", "Presence");
  }

  /** The error body of PUBNUB.md 1.1. */
  static String error(PubNubException e) {
    JsonArrayBuilder channels = PresenceJson.arrayBuilder();
    e.channels().forEach(channels::add);
    String message = e.getMessage() == null ? "Error" : e.getMessage();
    return PresenceJson.objectBuilder()
        .add("status", e.status())
        .add("error", true)
        .add("message", message)
        .add("service", e.service())
        .add("payload", PresenceJson.objectBuilder().add("channels", channels))
        .build()
        .toString();
  }

  /** A state object: every value a string. */
  static JsonObject state(Attributes a) {
    JsonObjectBuilder b = PresenceJson.objectBuilder();
    a.values().forEach(b::add);
    return b.build();
  }

  /**
   * A presence envelope (PUBNUB.md 1.3): no {@code e}, {@code c} and {@code b} both the {@code
   * -pnpres} channel, {@code d} the payload with the state under {@code data}.
   */
  static String envelope(PresenceEvent e, long timetoken, String subscribeKey) {
    String action =
        switch (e.kind()) {
          case JOIN -> "join";
          case LEAVE -> "leave";
          case TIMEOUT -> "timeout";
          case ATTRIBUTES_UPDATE -> "state-change";
        };
    JsonObjectBuilder d =
        PresenceJson.objectBuilder()
            .add("action", action)
            .add("uuid", e.userId().value())
            .add("timestamp", e.timestamp().getEpochSecond())
            .add("occupancy", e.occupancy());
    if (e.kind() == dev.presence.event.EventKind.ATTRIBUTES_UPDATE || !e.attributes().isEmpty()) {
      d.add("data", state(e.attributes()));
    }
    return wrap(e.channel().value(), timetoken, subscribeKey, d);
  }

  /** The envelope around a payload: no {@code e}; {@code c} and {@code b} the -pnpres channel. */
  private static String wrap(
      String channel, long timetoken, String subscribeKey, JsonObjectBuilder d) {
    String c = channel + PubNubChannels.PRESENCE_SUFFIX;
    return PresenceJson.objectBuilder()
        .add("a", "1")
        .add("f", 0)
        .add("p", PresenceJson.objectBuilder().add("t", Long.toString(timetoken)).add("r", 1))
        .add("k", subscribeKey)
        .add("c", c)
        .add("b", c)
        .add("d", d)
        .build()
        .toString();
  }

  /**
   * An {@code interval} envelope (PUBNUB.md 1.3, SPEC 13.3): the occupancy and the users who
   * joined, left and timed out during the interval, each list left out when empty. Always the
   * arrays: LiveLike turns them into one event per user, and ignores {@code here_now_refresh}.
   */
  static String interval(
      String channel,
      long timetoken,
      long timestampSeconds,
      int occupancy,
      List<String> join,
      List<String> leave,
      List<String> timeout,
      String subscribeKey) {
    JsonObjectBuilder d =
        PresenceJson.objectBuilder()
            .add("action", "interval")
            .add("timestamp", timestampSeconds)
            .add("occupancy", occupancy);
    addList(d, "join", join);
    addList(d, "leave", leave);
    addList(d, "timeout", timeout);
    return wrap(channel, timetoken, subscribeKey, d);
  }

  private static void addList(JsonObjectBuilder d, String name, List<String> users) {
    if (!users.isEmpty()) {
      JsonArrayBuilder a = PresenceJson.arrayBuilder();
      users.forEach(a::add);
      d.add(name, a);
    }
  }

  /** The subscribe answer {@code {"t":{"t":"..","r":1},"m":[..]}}; envelopes are JSON texts. */
  static String subscribe(long timetoken, List<String> envelopes) {
    StringBuilder sb = new StringBuilder(64 + envelopes.size() * 256);
    sb.append("{\"t\":{\"t\":\"").append(timetoken).append("\",\"r\":1},\"m\":[");
    for (int i = 0; i < envelopes.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(envelopes.get(i));
    }
    return sb.append("]}").toString();
  }

  /**
   * Reads a state object whose values are all strings (our attributes).
   *
   * @param json the text
   * @return the attributes
   * @throws PubNubException 400 if it is not such an object, or the attributes are not valid
   */
  static Attributes readState(JsonValue value) {
    if (value.getValueType() != JsonValue.ValueType.OBJECT) {
      throw PubNubException.badRequest("state must be a JSON object");
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (Map.Entry<String, JsonValue> entry : value.asJsonObject().entrySet()) {
      if (!(entry.getValue() instanceof JsonString s)) {
        throw PubNubException.badRequest(
            "state values must be strings (state is the user's presence attributes)");
      }
      values.put(entry.getKey(), s.getString());
    }
    try {
      return Attributes.of(values);
    } catch (InvalidArgumentException e) {
      throw PubNubException.badRequest(e.getMessage());
    }
  }

  /**
   * Parses a JSON text strictly (our parser: depth, number and text checks).
   *
   * @throws PubNubException 400 if it is not JSON
   */
  static JsonValue parse(String text, String name) {
    try {
      return PresenceJson.readValue(text);
    } catch (InvalidArgumentException e) {
      throw PubNubException.badRequest(name + " is not valid JSON: " + e.getMessage());
    }
  }
}
