package dev.presence.web.webhook;

import dev.presence.Attributes;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.web.json.PresenceJson;
import jakarta.json.Json;
import jakarta.json.JsonBuilderFactory;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One event of a webhook batch, as the receiver sees it.
 *
 * <p>A presence event becomes one or two webhook events: {@code join} is {@code member_added},
 * preceded by {@code channel_occupied} when it made the channel's occupancy 1; {@code leave} and
 * {@code timeout} are {@code member_removed} (with {@code reason}), followed by {@code
 * channel_vacated} when the channel became empty; {@code attributesUpdate} is {@code
 * attributes_updated}. Both events made from one presence event carry its {@code seq}: {@code
 * channel} + {@code seq} identify the presence change, and {@code name} tells the two apart.
 *
 * @param name {@code member_added}, {@code member_removed}, {@code attributes_updated}, {@code
 *     channel_occupied} or {@code channel_vacated}
 * @param channel the channel
 * @param userId the user, or null for the channel events
 * @param seq the presence event's sequence number in the channel
 * @param attributes the user's attributes (the last ones for member_removed), or null for the
 *     channel events
 * @param reason {@code leave}, {@code timeout} or {@code kicked} for member_removed, else null
 * @param occupancy users present in the channel after the event
 * @param timeMs when the store applied the event, in milliseconds since the epoch
 */
public record WebhookEvent(
    String name,
    String channel,
    @Nullable String userId,
    long seq,
    @Nullable Attributes attributes,
    @Nullable String reason,
    int occupancy,
    long timeMs) {

  private static final JsonBuilderFactory BUILDERS = Json.createBuilderFactory(Map.of());

  /** The name of a user's join. */
  public static final String MEMBER_ADDED = "member_added";

  /** The name of a user's leave, timeout or kick. */
  public static final String MEMBER_REMOVED = "member_removed";

  /** The name of an attributes change. */
  public static final String ATTRIBUTES_UPDATED = "attributes_updated";

  /** The name of a channel's first user. */
  public static final String CHANNEL_OCCUPIED = "channel_occupied";

  /** The name of a channel's last user gone. */
  public static final String CHANNEL_VACATED = "channel_vacated";

  /**
   * The webhook events of one presence event, in the order the receiver gets them.
   *
   * @param e the presence event
   * @return one or two events
   */
  public static List<WebhookEvent> of(PresenceEvent e) {
    String channel = e.channel().value();
    String user = e.userId().value();
    long time = e.timestamp().toEpochMilli();
    return switch (e.kind()) {
      case JOIN -> {
        WebhookEvent added =
            new WebhookEvent(
                MEMBER_ADDED, channel, user, e.seq(), e.attributes(), null, e.occupancy(), time);
        yield e.occupancy() == 1
            ? List.of(channelEvent(CHANNEL_OCCUPIED, e, time), added)
            : List.of(added);
      }
      case LEAVE, TIMEOUT -> {
        WebhookEvent removed =
            new WebhookEvent(
                MEMBER_REMOVED,
                channel,
                user,
                e.seq(),
                e.attributes(),
                reason(e),
                e.occupancy(),
                time);
        yield e.occupancy() == 0
            ? List.of(removed, channelEvent(CHANNEL_VACATED, e, time))
            : List.of(removed);
      }
      case ATTRIBUTES_UPDATE ->
          List.of(
              new WebhookEvent(
                  ATTRIBUTES_UPDATED,
                  channel,
                  user,
                  e.seq(),
                  e.attributes(),
                  null,
                  e.occupancy(),
                  time));
    };
  }

  /**
   * Why a member was removed: {@code leave} (an explicit leave, or a clean close after the grace
   * period), {@code timeout} (the session was lost or its node died) or {@code kicked} (the admin
   * API's kick, SPEC 13.4).
   *
   * @param e a leave or timeout event
   * @return the reason
   */
  static String reason(PresenceEvent e) {
    if (e instanceof Left left && left.kicked()) {
      return "kicked";
    }
    return switch (e.kind()) {
      case TIMEOUT -> "timeout";
      default -> "leave";
    };
  }

  private static WebhookEvent channelEvent(String name, PresenceEvent e, long time) {
    return new WebhookEvent(
        name, e.channel().value(), null, e.seq(), null, null, e.occupancy(), time);
  }

  /**
   * The event as JSON: {@code {"name","channel","userId","seq","attributes","reason","occupancy",
   * "timeMs"}}, members that are null left out.
   *
   * @return the JSON object
   */
  public JsonObject toJson() {
    JsonObjectBuilder b = BUILDERS.createObjectBuilder().add("name", name).add("channel", channel);
    if (userId != null) {
      b.add("userId", userId);
    }
    b.add("seq", seq);
    if (attributes != null) {
      b.add("attributes", PresenceJson.attributes(attributes));
    }
    if (reason != null) {
      b.add("reason", reason);
    }
    return b.add("occupancy", occupancy).add("timeMs", timeMs).build();
  }
}
