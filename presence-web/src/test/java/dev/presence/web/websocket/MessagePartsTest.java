package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("MessageParts: incoming messages assembled from parts, up to the frame limit")
class MessagePartsTest {

  @Test
  @DisplayName("a message in one part is passed on as it is")
  void whole() {
    MessageParts parts = new MessageParts(10);
    assertThat(parts.text("0123456789", true)).isEqualTo("0123456789");
    assertThat(parts.refused()).isFalse();
  }

  @Test
  @DisplayName("parts are joined until the last; the next message starts empty")
  void joined() {
    MessageParts parts = new MessageParts(10);
    assertThat(parts.text("01234", false)).isNull();
    assertThat(parts.text("56789", true)).isEqualTo("0123456789");
    assertThat(parts.text("ab", true)).isEqualTo("ab");
  }

  @Test
  @DisplayName("a message over the limit is refused at the part that passes it, and all after")
  void overLimit() {
    MessageParts parts = new MessageParts(10);
    assertThat(parts.text("0123456789", false)).isNull();
    assertThat(parts.refused()).isFalse();
    assertThat(parts.text("x", false)).isNull();
    assertThat(parts.refused()).isTrue();
    assertThat(parts.text("y", true)).isNull();
    assertThat(parts.text("small", true)).isNull();
  }

  @Test
  @DisplayName("a single part over the limit is refused")
  void singlePartOver() {
    MessageParts parts = new MessageParts(10);
    assertThat(parts.text("0123456789a", true)).isNull();
    assertThat(parts.refused()).isTrue();
  }

  @Test
  @DisplayName("binary messages are counted, not kept: whole ones within the limit are reported")
  void binary() {
    MessageParts parts = new MessageParts(10);
    assertThat(parts.binary(6, false)).isFalse();
    assertThat(parts.binary(4, true)).isTrue();
    assertThat(parts.binary(10, true)).isTrue();
    assertThat(parts.binary(8, false)).isFalse();
    assertThat(parts.binary(3, true)).isFalse();
    assertThat(parts.refused()).isTrue();
  }
}
