package dev.presence.web.pubnub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.PresenceLimits;
import dev.presence.UserId;
import dev.presence.event.Joined;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PubNubParsingTest {

  private static final PresenceLimits LIMITS = PresenceLimits.DEFAULTS;

  @Test
  @DisplayName(
      "a channel list is split on commas, deduped, empty entries dropped, -pnpres observed")
  void channelList() {
    PubNubChannels list = PubNubChannels.parse("room1,room1-pnpres,,b,room1", LIMITS, true);
    assertThat(list.channels()).containsExactly(ChannelId.of("room1"), ChannelId.of("b"));
    assertThat(list.observed()).containsExactly(ChannelId.of("room1"));
    assertThat(PubNubChannels.parse(",", LIMITS, true).isEmpty()).isTrue();
  }

  @Test
  @DisplayName("leave's doubled list a,a is one channel")
  void doubled() {
    assertThat(PubNubChannels.parse("a,a", LIMITS, false).channels())
        .containsExactly(ChannelId.of("a"));
  }

  @Test
  @DisplayName("invalid names and too many names are 400")
  void badNames() {
    assertThatThrownBy(() -> PubNubChannels.parse("..", LIMITS, false))
        .isInstanceOfSatisfying(PubNubException.class, e -> assertThat(e.status()).isEqualTo(400));
    assertThatThrownBy(() -> PubNubChannels.parse("a\ud800b", LIMITS, false))
        .isInstanceOfSatisfying(PubNubException.class, e -> assertThat(e.status()).isEqualTo(400));
    String many = String.join(",", java.util.Collections.nCopies(1, "x")) + ",";
    StringBuilder sb = new StringBuilder(many);
    for (int i = 0; i <= PubNubChannels.MAX_NAMES; i++) {
      sb.append("c").append(i).append(',');
    }
    assertThatThrownBy(() -> PubNubChannels.parse(sb.toString(), LIMITS, false))
        .isInstanceOf(PubNubException.class);
    assertThatThrownBy(() -> PubNubChannels.parse("x".repeat(10_000), LIMITS, false))
        .isInstanceOf(PubNubException.class);
  }

  @Test
  @DisplayName("timetokens: handshake, digits only, within a long; strictly increasing")
  void timetokens() {
    assertThat(Timetokens.parse(null)).isZero();
    assertThat(Timetokens.parse("0")).isZero();
    assertThat(Timetokens.parse("17000000000000000")).isEqualTo(17000000000000000L);
    for (String bad : List.of("-1", "1e5", "12a", "9".repeat(1000), "99999999999999999999", " 1")) {
      assertThatThrownBy(() -> Timetokens.parse(bad)).isInstanceOf(PubNubException.class);
    }
    long a = Timetokens.next();
    long b = Timetokens.next();
    assertThat(b).isGreaterThan(a);
    assertThat(a / 10_000)
        .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(5_000L));
  }

  @Test
  @DisplayName("numbers: at most 9 digits, in range")
  void numbers() {
    assertThat(PubNubResource.number(null, "limit", 0, 1000, 7)).isEqualTo(7);
    assertThat(PubNubResource.number("1000", "limit", 0, 1000, 7)).isEqualTo(1000);
    for (String bad : List.of("1001", "-1", "1".repeat(1000), "+1", "1.0")) {
      assertThatThrownBy(() -> PubNubResource.number(bad, "limit", 0, 1000, 7))
          .isInstanceOf(PubNubException.class);
    }
  }

  @Test
  @DisplayName("state: an object of strings; numbers, nesting, bad JSON are 400")
  void state() {
    assertThat(PubNubJson.readState(PubNubJson.parse("{\"mood\":\"happy\"}", "state")))
        .isEqualTo(Attributes.of(Map.of("mood", "happy")));
    for (String bad :
        List.of(
            "{\"a\":1}", "{\"a\":{}}", "[]", "\"x\"", "{", "{\"a\":\"\\ud800\"}", "{\"a\":null}")) {
      assertThatThrownBy(() -> PubNubJson.readState(PubNubJson.parse(bad, "state")))
          .as(bad)
          .isInstanceOfSatisfying(
              PubNubException.class, e -> assertThat(e.status()).isEqualTo(400));
    }
  }

  @Test
  @DisplayName("an envelope has no e, c = b = the -pnpres channel, a string timetoken and data")
  void envelope() {
    Joined j =
        new Joined(
            ChannelId.of("room"),
            UserId.of("u1"),
            Attributes.of(Map.of("mood", "x")),
            3,
            9,
            Instant.ofEpochSecond(1_700_000_000));
    JsonObject o =
        Json.createReader(new StringReader(PubNubJson.envelope(j, 17000000000000001L, "k")))
            .readObject();
    assertThat(o.containsKey("e")).isFalse();
    assertThat(o.getString("c")).isEqualTo("room-pnpres");
    assertThat(o.getString("b")).isEqualTo("room-pnpres");
    assertThat(o.getJsonObject("p").getString("t")).isEqualTo("17000000000000001");
    assertThat(o.getJsonObject("p").getInt("r")).isEqualTo(1);
    JsonObject d = o.getJsonObject("d");
    assertThat(d.getString("action")).isEqualTo("join");
    assertThat(d.getString("uuid")).isEqualTo("u1");
    assertThat(d.getInt("occupancy")).isEqualTo(3);
    assertThat(d.getJsonNumber("timestamp").longValue()).isEqualTo(1_700_000_000L);
    assertThat(d.getJsonObject("data").getString("mood")).isEqualTo("x");
  }

  @Test
  @DisplayName("errors have PubNub's shape")
  void errorShape() {
    JsonObject o =
        Json.createReader(
                new StringReader(
                    PubNubJson.error(PubNubException.forbidden("Forbidden", List.of("c1")))))
            .readObject();
    assertThat(o.getInt("status")).isEqualTo(403);
    assertThat(o.getBoolean("error")).isTrue();
    assertThat(o.getString("service")).isEqualTo("Access Manager");
    assertThat(o.getJsonObject("payload").getJsonArray("channels").getString(0)).isEqualTo("c1");
  }

  @Test
  @DisplayName("percent-encoded bytes that are not UTF-8 are refused; UTF-8 and ASCII pass")
  void utf8() {
    PubNubResource.checkUtf8("a=%E2%82%AC&b=plain&c=%7B%7D");
    for (String bad : List.of("a=%ED%A0%80", "a=%80", "a=%", "a=%G1", "a=%E2%82")) {
      assertThatThrownBy(() -> PubNubResource.checkUtf8(bad))
          .as(bad)
          .isInstanceOf(PubNubException.class);
    }
  }

  @Test
  @DisplayName("an interval envelope carries occupancy and the non-empty join/leave/timeout arrays")
  void interval() {
    JsonObject o =
        Json.createReader(
                new StringReader(
                    PubNubJson.interval(
                        "big",
                        17000000000000002L,
                        1_700_000_000L,
                        150,
                        List.of("u1", "u2"),
                        List.of(),
                        List.of("u3"),
                        "k")))
            .readObject();
    assertThat(o.containsKey("e")).isFalse();
    assertThat(o.getString("c")).isEqualTo("big-pnpres");
    JsonObject d = o.getJsonObject("d");
    assertThat(d.getString("action")).isEqualTo("interval");
    assertThat(d.getInt("occupancy")).isEqualTo(150);
    assertThat(d.getJsonArray("join").getValuesAs(jakarta.json.JsonString::getString))
        .containsExactly("u1", "u2");
    assertThat(d.containsKey("leave")).isFalse();
    assertThat(d.getJsonArray("timeout").getString(0)).isEqualTo("u3");
    assertThat(d.containsKey("here_now_refresh")).isFalse();
  }
}
