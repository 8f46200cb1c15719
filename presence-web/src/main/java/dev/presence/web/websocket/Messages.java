package dev.presence.web.websocket;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PresenceException;
import dev.presence.PresentUser;
import dev.presence.RateLimitedException;
import dev.presence.event.PresenceEvent;
import dev.presence.web.engine.Interval;
import dev.presence.web.json.PresenceJson;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The server-to-client messages of SPEC section 5, as JSON text. A request's {@code id} is echoed
 * as the client sent it (a string or a number); replies to requests without an id carry none.
 */
final class Messages {

  /** The code of a failure that is a server bug, as the REST API uses it. */
  static final String INTERNAL = "INTERNAL";

  /** The message of {@link #INTERNAL}; never anything about the cause. */
  static final String INTERNAL_MESSAGE = "the server failed to process the request";

  private static final JsonBuilderFactory JSON = Json.createBuilderFactory(Map.of());

  private Messages() {}

  /** {@code {"id","type":"ok"}}. */
  static String ok(@Nullable JsonValue id) {
    return start(id, "ok").build().toString();
  }

  /** {@code {"id","type":"ok","result":...}}. */
  static String result(@Nullable JsonValue id, JsonValue result) {
    return start(id, "ok").add("result", result).build().toString();
  }

  /**
   * {@code {"id","type":"error","code","message"}}, plus {@code "retryAfter"} (seconds) for {@code
   * RATE_LIMITED}.
   */
  static String error(@Nullable JsonValue id, PresenceException e) {
    String message = e.getMessage();
    JsonObjectBuilder b =
        start(id, "error")
            .add("code", e.code().name())
            .add("message", message == null || message.isBlank() ? e.code().name() : message);
    if (e instanceof RateLimitedException limited) {
      long seconds = Math.max(1, (limited.retryAfter().toMillis() + 999) / 1000);
      b.add("retryAfter", seconds);
    }
    return b.build().toString();
  }

  /** {@code {"id","type":"error","code","message"}}. */
  static String error(@Nullable JsonValue id, String code, String message) {
    return start(id, "error").add("code", code).add("message", message).build().toString();
  }

  /**
   * {@code {"id","type":"snapshot","channel","seq","occupancy","users":[{"userId","attributes"}]}}:
   * every user present, with attributes.
   */
  static String snapshot(@Nullable JsonValue id, ChannelUsers snapshot) {
    JsonArrayBuilder users = JSON.createArrayBuilder();
    for (PresentUser u : snapshot.users()) {
      users.add(
          JSON.createObjectBuilder()
              .add("userId", u.userId().value())
              .add("attributes", PresenceJson.attributes(u.attributes())));
    }
    return start(id, "snapshot")
        .add("channel", snapshot.channel().value())
        .add("seq", snapshot.seq())
        .add("occupancy", snapshot.occupancy())
        .add("users", users)
        .build()
        .toString();
  }

  /**
   * The snapshot of a subscription in pages (SPEC 13.3): each page {@code
   * {"id","type":"snapshot","channel","seq","occupancy","users":[..]}} with at most {@code
   * pageSize} users and {@code "more":true} on all but the last; one page (exactly {@link
   * #snapshot}) when the users fit. Without users ({@code withUsers} false, occupancy
   * subscriptions): one page without a {@code users} member.
   */
  static List<String> snapshotPages(
      @Nullable JsonValue id, ChannelUsers snapshot, int pageSize, boolean withUsers) {
    if (!withUsers) {
      return List.of(
          start(id, "snapshot")
              .add("channel", snapshot.channel().value())
              .add("seq", snapshot.seq())
              .add("occupancy", snapshot.occupancy())
              .build()
              .toString());
    }
    List<List<PresentUser>> pages = PresenceJson.pages(snapshot.users(), pageSize);
    List<String> texts = new ArrayList<>(pages.size());
    for (int n = 0; n < pages.size(); n++) {
      JsonObjectBuilder b =
          start(id, "snapshot")
              .add("channel", snapshot.channel().value())
              .add("seq", snapshot.seq())
              .add("occupancy", snapshot.occupancy())
              .add("users", PresenceJson.presentUsers(pages.get(n)));
      if (n < pages.size() - 1) {
        b.add("more", true);
      }
      texts.add(b.build().toString());
    }
    return texts;
  }

  /** The interval message (SPEC 13.3), see {@link PresenceJson#interval}. */
  static String interval(Interval interval) {
    return PresenceJson.interval(interval).toString();
  }

  /** {@code {"type":"occupancy","channel","occupancy","seq"}} (SPEC 13.3). */
  static String occupancy(ChannelId channel, int occupancy, long seq) {
    return PresenceJson.occupancyMessage(channel, occupancy, seq).toString();
  }

  /** {@code {"type":"kicked","channel"}}: an administrator removed the user (SPEC 13.4). */
  static String kicked(ChannelId channel) {
    return start(null, "kicked").add("channel", channel.value()).build().toString();
  }

  /** {@code {"type":"resync","channel"}}. */
  static String resync(ChannelId channel) {
    return start(null, "resync").add("channel", channel.value()).build().toString();
  }

  /**
   * {@code {"type":"event","event","channel","userId","attributes","occupancy","seq","timestamp"}}.
   */
  static String event(PresenceEvent e) {
    JsonObjectBuilder b = start(null, "event");
    for (Map.Entry<String, JsonValue> member : PresenceJson.event(e).entrySet()) {
      b.add(member.getKey(), member.getValue());
    }
    return b.build().toString();
  }

  private static JsonObjectBuilder start(@Nullable JsonValue id, String type) {
    JsonObjectBuilder b = JSON.createObjectBuilder();
    if (id != null) {
      b.add("id", id);
    }
    return b.add("type", type);
  }
}
