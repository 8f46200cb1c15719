package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.PageRequest;
import dev.presence.UserId;
import dev.presence.web.json.PresenceJson;
import jakarta.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Request: every client request of SPEC 5, checked before anything is done")
class RequestTest {

  private static Request read(String json) {
    JsonObject frame = PresenceJson.readObject(json);
    return Request.of(Request.id(frame), frame);
  }

  @Test
  @DisplayName("reads each request type with its members")
  void types() {
    Request join = read("{\"id\":\"1\",\"type\":\"join\",\"channel\":\"c\"}");
    assertThat(join.type()).isEqualTo(Request.Type.JOIN);
    assertThat(join.requireChannel()).isEqualTo(ChannelId.of("c"));
    assertThat(join.id()).hasToString("\"1\"");

    Request set =
        read("{\"type\":\"setAttributes\",\"channel\":\"c\",\"attributes\":{\"mood\":\"happy\"}}");
    assertThat(set.requireAttributes().values()).isEqualTo(Map.of("mood", "happy"));
    assertThat(set.id()).isNull();

    Request get = read("{\"type\":\"getAttributes\",\"channel\":\"c\",\"userId\":\"u2\"}");
    assertThat(get.requireUser()).isEqualTo(UserId.of("u2"));

    assertThat(read("{\"type\":\"userChannels\",\"userId\":\"u2\"}").requireUser())
        .isEqualTo(UserId.of("u2"));
    assertThat(read("{\"type\":\"subscribe\",\"channel\":\"c\"}").type())
        .isEqualTo(Request.Type.SUBSCRIBE);
    assertThat(read("{\"type\":\"unsubscribe\",\"channel\":\"c\"}").type())
        .isEqualTo(Request.Type.UNSUBSCRIBE);
    assertThat(read("{\"type\":\"leave\",\"channel\":\"c\"}").type()).isEqualTo(Request.Type.LEAVE);
    assertThat(read("{\"type\":\"heartbeat\"}").type()).isEqualTo(Request.Type.HEARTBEAT);
  }

  @Test
  @DisplayName("reauthenticate needs a token string, which toString() never shows")
  void reauthenticate() {
    Request r = read("{\"id\":\"9\",\"type\":\"reauthenticate\",\"token\":\"a.b.c\"}");
    assertThat(r.type()).isEqualTo(Request.Type.REAUTHENTICATE);
    assertThat(r.requireToken()).isEqualTo("a.b.c");
    assertThat(r.toString()).doesNotContain("a.b.c").contains("REAUTHENTICATE");
    assertThatThrownBy(() -> read("{\"type\":\"reauthenticate\"}"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("token");
    assertThatThrownBy(() -> read("{\"type\":\"reauthenticate\",\"token\":42}"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("token");
  }

  @Test
  @DisplayName("channelUsers pages like REST: limit 1000, no cursor and attributes by default")
  void page() {
    assertThat(read("{\"type\":\"channelUsers\",\"channel\":\"c\"}").requirePage())
        .isEqualTo(PageRequest.FIRST);
    assertThat(
            read("{\"type\":\"channelUsers\",\"channel\":\"c\",\"limit\":5,\"cursor\":\"k\",\"attributes\":false}")
                .requirePage())
        .isEqualTo(new PageRequest(5, "k", false));
  }

  @Test
  @DisplayName("unknown members are ignored")
  void unknownMembers() {
    assertThat(read("{\"type\":\"join\",\"channel\":\"c\",\"extra\":[1,{}]}").type())
        .isEqualTo(Request.Type.JOIN);
  }

  @Test
  @DisplayName("ids are strings or numbers")
  void ids() {
    assertThat(read("{\"id\":7,\"type\":\"heartbeat\"}").id()).hasToString("7");
    assertThat(read("{\"id\":null,\"type\":\"heartbeat\"}").id()).isNull();
    for (String bad : new String[] {"true", "[]", "{}", "\"\"", "\"" + "x".repeat(257) + "\""}) {
      JsonObject frame = PresenceJson.readObject("{\"id\":" + bad + ",\"type\":\"heartbeat\"}");
      assertThatThrownBy(() -> Request.id(frame))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("\"id\"");
    }
  }

  @Test
  @DisplayName("a missing or unknown type names the valid ones")
  void type() {
    assertThatThrownBy(() -> read("{\"channel\":\"c\"}"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("subscribe");
    assertThatThrownBy(() -> read("{\"type\":\"JOIN\",\"channel\":\"c\"}"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("unknown request type 'JOIN'");
    assertThatThrownBy(() -> read("{\"type\":1}"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("\"type\" must be a string");
  }

  @Test
  @DisplayName("missing, mistyped and invalid members are refused with a message naming them")
  void members() {
    assertThatThrownBy(() -> read("{\"type\":\"join\"}")).hasMessageContaining("\"channel\"");
    assertThatThrownBy(() -> read("{\"type\":\"join\",\"channel\":[]}"))
        .hasMessageContaining("\"channel\" must be a string");
    assertThatThrownBy(() -> read("{\"type\":\"join\",\"channel\":\"\"}"))
        .hasMessageContaining("channel name");
    assertThatThrownBy(() -> read("{\"type\":\"userChannels\"}"))
        .hasMessageContaining("\"userId\"");
    assertThatThrownBy(() -> read("{\"type\":\"setAttributes\",\"channel\":\"c\"}"))
        .hasMessageContaining("\"attributes\"");
    assertThatThrownBy(
            () ->
                read("{\"type\":\"setAttributes\",\"channel\":\"c\",\"attributes\":{\"a\":true}}"))
        .hasMessageContaining("'a' must have a string value");
    assertThatThrownBy(() -> read("{\"type\":\"channelUsers\",\"channel\":\"c\",\"limit\":1001}"))
        .hasMessageContaining("\"limit\"");
    assertThatThrownBy(() -> read("{\"type\":\"channelUsers\",\"channel\":\"c\",\"limit\":\"5\"}"))
        .hasMessageContaining("\"limit\"");
    assertThatThrownBy(() -> read("{\"type\":\"channelUsers\",\"channel\":\"c\",\"cursor\":5}"))
        .hasMessageContaining("\"cursor\" must be a string");
  }
}
