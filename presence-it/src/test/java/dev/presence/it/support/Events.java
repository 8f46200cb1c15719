package dev.presence.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Assertions on the event JSON of SPEC section 2. */
public final class Events {

  private Events() {}

  /**
   * Asserts every field of an event: kind, channel, user, attributes, occupancy, a positive seq and
   * an ISO-8601 UTC timestamp.
   */
  public static void assertEvent(
      JsonNode event,
      String kind,
      String channel,
      String user,
      Map<String, String> attributes,
      int occupancy) {
    String what = event.toString();
    assertThat(event.path("event").asText()).as(what).isEqualTo(kind);
    assertThat(event.path("channel").asText()).as(what).isEqualTo(channel);
    assertThat(event.path("userId").asText()).as(what).isEqualTo(user);
    assertThat(Json.stringMap(event.get("attributes"))).as(what).isEqualTo(attributes);
    assertThat(event.path("occupancy").isIntegralNumber()).as(what).isTrue();
    assertThat(event.path("occupancy").asInt()).as(what).isEqualTo(occupancy);
    assertThat(event.path("seq").isIntegralNumber()).as(what).isTrue();
    assertThat(event.path("seq").asLong()).as(what).isPositive();
    assertTimestamp(event);
  }

  /** Asserts an ISO-8601 timestamp with offset zero (UTC). */
  public static void assertTimestamp(JsonNode event) {
    String timestamp = event.path("timestamp").asText();
    assertThat(timestamp).as("timestamp of %s", event).isNotBlank();
    OffsetDateTime parsed = OffsetDateTime.parse(timestamp);
    assertThat(parsed.getOffset()).as("timestamp of %s", event).isEqualTo(ZoneOffset.UTC);
  }

  /** Asserts that the events have consecutive seq numbers starting at {@code first}. */
  public static void assertConsecutive(List<JsonNode> events, long first) {
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).path("seq").asLong())
          .as("seq of event %d of %s", i, events)
          .isEqualTo(first + i);
    }
  }

  /** The kinds of the events, in order. */
  public static List<String> kinds(List<JsonNode> events) {
    return events.stream().map(e -> e.path("event").asText()).toList();
  }

  /** The kind and user of each event, as {@code kind:user}, in order. */
  public static List<String> kindsAndUsers(List<JsonNode> events) {
    return events.stream()
        .map(e -> e.path("event").asText() + ":" + e.path("userId").asText())
        .toList();
  }
}
