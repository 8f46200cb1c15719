package dev.presence.web.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.InvalidArgumentException;
import dev.presence.NotJoinedException;
import dev.presence.Occupancy;
import dev.presence.PresentUser;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PresenceJsonTest {

  static final ChannelId C = ChannelId.of("c");
  static final UserId U1 = UserId.of("u1");
  static final UserId U2 = UserId.of("u2");

  @Test
  void eventHasEveryFieldOfTheSpecification() {
    PresenceEvent e =
        PresenceEvent.of(
            EventKind.ATTRIBUTES_UPDATE,
            C,
            U1,
            Attributes.of(Map.of("mood", "happy")),
            3,
            42,
            Instant.parse("2026-01-02T03:04:05.678Z"));
    assertThat(PresenceJson.event(e).toString())
        .isEqualTo(
            "{\"event\":\"attributesUpdate\",\"channel\":\"c\",\"userId\":\"u1\","
                + "\"attributes\":{\"mood\":\"happy\"},\"occupancy\":3,\"seq\":42,"
                + "\"timestamp\":\"2026-01-02T03:04:05.678Z\"}");
  }

  @Test
  void aKickedLeaveSaysSoAndOtherEventsHaveNoReason() {
    Instant at = Instant.parse("2026-01-02T03:04:05.123Z");
    Left kicked = new Left(C, U1, Attributes.EMPTY, 0, 4, at, true);
    assertThat(PresenceJson.event(kicked).toString())
        .isEqualTo(
            "{\"event\":\"leave\",\"channel\":\"c\",\"userId\":\"u1\",\"attributes\":{},"
                + "\"occupancy\":0,\"seq\":4,\"timestamp\":\"2026-01-02T03:04:05.123Z\","
                + "\"reason\":\"kicked\"}");
    assertThat(
            PresenceJson.event(new Left(C, U1, Attributes.EMPTY, 0, 4, at)).containsKey("reason"))
        .isFalse();
  }

  @Test
  void channelListing() {
    ChannelPage page =
        new ChannelPage(
            List.of(new ChannelOccupancy(C, 3), new ChannelOccupancy(ChannelId.of("d"), 1)),
            "c1.abc");
    assertThat(PresenceJson.channels(page).toString())
        .isEqualTo(
            "{\"channels\":[{\"channel\":\"c\",\"occupancy\":3},"
                + "{\"channel\":\"d\",\"occupancy\":1}],\"next\":\"c1.abc\"}");
    assertThat(PresenceJson.channels(new ChannelPage(List.of(), null)).toString())
        .isEqualTo("{\"channels\":[],\"next\":null}");
  }

  @Test
  void channelUsersWithAndWithoutAttributes() {
    ChannelUsers page =
        new ChannelUsers(
            C,
            2,
            17,
            List.of(
                new PresentUser(U1, Attributes.of(Map.of("mood", "happy"))),
                new PresentUser(U2, Attributes.EMPTY)),
            null);
    assertThat(PresenceJson.channelUsers(page, true).toString())
        .isEqualTo(
            "{\"channel\":\"c\",\"occupancy\":2,\"seq\":17,\"users\":["
                + "{\"userId\":\"u1\",\"attributes\":{\"mood\":\"happy\"}},"
                + "{\"userId\":\"u2\",\"attributes\":{}}],\"next\":null}");
    ChannelUsers more =
        new ChannelUsers(C, 2, 17, List.of(new PresentUser(U1, Attributes.EMPTY)), "u1");
    assertThat(PresenceJson.channelUsers(more, false).toString())
        .isEqualTo(
            "{\"channel\":\"c\",\"occupancy\":2,\"seq\":17,\"users\":[{\"userId\":\"u1\"}],"
                + "\"next\":\"u1\"}");
  }

  @Test
  void userChannelsAttributesOccupancyAndErrors() {
    assertThat(
            PresenceJson.userChannels(U1, List.of(ChannelId.of("a"), ChannelId.of("b"))).toString())
        .isEqualTo("{\"userId\":\"u1\",\"channels\":[\"a\",\"b\"]}");
    assertThat(PresenceJson.attributes(Attributes.of(Map.of("b", "2", "a", "1"))).toString())
        .isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
    assertThat(PresenceJson.resync(C).toString()).isEqualTo("{\"channel\":\"c\"}");
    assertThat(PresenceJson.occupancy(new Occupancy(C, 2, 9)).toString())
        .isEqualTo("{\"channel\":\"c\",\"occupancy\":2,\"seq\":9}");
    assertThat(PresenceJson.error(new NotJoinedException("join the channel first")).toString())
        .isEqualTo("{\"error\":{\"code\":\"NOT_JOINED\",\"message\":\"join the channel first\"}}");
  }

  @Test
  void parsesAnObjectOfStrings() {
    assertThat(PresenceJson.readAttributes("{\"mood\":\"happy\",\"x\":\"\"}").values())
        .containsExactlyInAnyOrderEntriesOf(Map.of("mood", "happy", "x", ""));
    assertThat(PresenceJson.readAttributes(" {} ").isEmpty()).isTrue();
    JsonObject o = Json.createObjectBuilder().add("k", "v").build();
    assertThat(PresenceJson.parseAttributes(o).values()).containsEntry("k", "v");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "[]",
        "\"text\"",
        "{\"mood\":1}",
        "{\"mood\":null}",
        "{\"mood\":{\"nested\":\"x\"}}",
        "{\"mood\":[\"a\"]}",
        "{\"mood\":true}",
        "{\"\":\"empty name\"}",
        "{\"a\":\"1\",\"a\":\"2\"}",
        "{\"a\":\"1\"} trailing",
        "{\"a\":\"1\"}{}",
        "{\"a\":",
        "{a:\"1\"}",
        "not json"
      })
  void refusesEverythingElseAsInvalidArgument(String body) {
    assertThatThrownBy(() -> PresenceJson.readAttributes(body))
        .isInstanceOf(InvalidArgumentException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception", "org.", "jakarta."));
  }

  @Test
  void duplicateNamesAreNamed() {
    assertThatThrownBy(() -> PresenceJson.readObject("{\"a\":1,\"a\":2}"))
        .hasMessageContaining("duplicate")
        .hasMessageContaining("'a'");
  }

  @Test
  void deepNestingIsRefused() {
    String deep = "[".repeat(PresenceJson.MAX_DEPTH + 1) + "]".repeat(PresenceJson.MAX_DEPTH + 1);
    assertThatThrownBy(() -> PresenceJson.readValue(deep))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("deeper than");
    String ok = "[".repeat(PresenceJson.MAX_DEPTH) + "]".repeat(PresenceJson.MAX_DEPTH);
    assertThat(PresenceJson.readValue(ok).getValueType().name()).isEqualTo("ARRAY");
    String veryDeep = "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000);
    assertThatThrownBy(() -> PresenceJson.readValue(veryDeep))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void numbersTooLongOrOutOfRangeAreInvalidArguments() {
    String huge = "9".repeat(1200);
    for (String body :
        List.of(
            "{\"a\":" + huge + "}",
            "{\"a\":-" + huge + "}",
            "{\"a\":0." + huge + "}",
            "[" + huge + "]",
            huge,
            "{\"a\":" + "1".repeat(PresenceJson.MAX_NUMBER_LENGTH + 1) + "}",
            "{\"a\":1e9999999999}",
            "{\"a\":1e-9999999999}")) {
      assertThatThrownBy(() -> PresenceJson.readValue(body))
          .as(body.substring(0, Math.min(40, body.length())))
          .isInstanceOf(InvalidArgumentException.class)
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Exception", "BigDecimal"));
    }
    assertThat(PresenceJson.readValue("1".repeat(PresenceJson.MAX_NUMBER_LENGTH)).toString())
        .isEqualTo("1".repeat(PresenceJson.MAX_NUMBER_LENGTH));
    assertThat(PresenceJson.readValue("1e400").toString()).isEqualTo("1E+400");
    assertThat(PresenceJson.readValue("-0").toString()).isEqualTo("0");
  }

  @Test
  void bestEffortStringReadsATopLevelMemberBeforeTheFault() {
    String huge = "9".repeat(1200);
    Map<String, String> found =
        Map.of(
            "{\"id\":\"a\",\"x\":" + huge + "}",
            "a",
            "{\"x\":[[[" + huge + "]]],\"id\":\"b\"}",
            "b",
            "{\"type\":\"\\ud800\",\"id\":\"c\"}",
            "c",
            "{\"id\":\"d\",\"type\":",
            "d",
            "{\"id\":\"e\",\"id\":\"f\"}",
            "e",
            "{\"n\":{\"id\":\"nested\"},\"id\":\"g\"}",
            "g",
            "{\"id\":\"h\"," + "[".repeat(5000),
            "h");
    found.forEach(
        (text, id) ->
            assertThat(PresenceJson.bestEffortString(text, "id", 256)).as(text).isEqualTo(id));
    for (String text :
        List.of(
            "",
            "not json",
            "[{\"id\":\"a\"}]",
            "{\"n\":{\"id\":\"nested\"}}",
            "{\"x\":bad,\"id\":\"late\"}",
            "{\"id\":7}",
            "{\"id\":\"\"}",
            "{\"id\":\"" + "x".repeat(257) + "\"}",
            "{\"id\":\"\\ud800\"}",
            "{\"id\":{\"a\":1}}")) {
      assertThat(PresenceJson.bestEffortString(text, "id", 256)).as(text).isNull();
    }
    StringBuilder many = new StringBuilder("{");
    for (int i = 0; i < 100; i++) {
      many.append("\"m").append(i).append("\":1,");
    }
    assertThat(PresenceJson.bestEffortString(many + "\"id\":\"z\"}", "id", 256))
        .as("members past the scan limit")
        .isNull();
  }

  @Test
  void readsGeneralJsonForOtherProtocols() {
    JsonObject o =
        PresenceJson.readObject(
            "{\"id\":\"1\",\"type\":\"setAttributes\",\"n\":1.5,\"t\":true,\"z\":null,"
                + "\"attributes\":{\"mood\":\"happy\"},\"list\":[1,\"x\",false]}");
    assertThat(o.getString("type")).isEqualTo("setAttributes");
    assertThat(o.getJsonNumber("n").doubleValue()).isEqualTo(1.5);
    assertThat(o.getBoolean("t")).isTrue();
    assertThat(o.isNull("z")).isTrue();
    assertThat(PresenceJson.parseAttributes(o.get("attributes")).values())
        .containsEntry("mood", "happy");
    assertThat(o.getJsonArray("list")).hasSize(3);
    assertThatThrownBy(() -> PresenceJson.readObject("[1]"))
        .hasMessageContaining("expected a JSON object");
  }
}
