package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("AckWindow: what may be sent before the client's pong")
class AckWindowTest {

  private final AckWindow window = new AckWindow(1000);

  @Test
  @DisplayName("a window needs at least 4 characters")
  void minimum() {
    assertThatThrownBy(() -> new AckWindow(3)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("a mark is due after every quarter window sent")
  void marks() {
    assertThat(window.sent(200)).isNull();
    byte[] mark = window.sent(50);
    assertThat(mark).hasSize(Long.BYTES);
    assertThat(window.sent(249)).isNull();
    assertThat(window.sent(1)).isNotNull().isNotEqualTo(mark);
  }

  @Test
  @DisplayName("full at the window; a pong of a mark acknowledges what was sent before it")
  void fullAndAcknowledged() {
    window.sent(600);
    byte[] mark = window.mark();
    window.sent(400);
    assertThat(window.isFull()).isTrue();
    window.block(5);
    assertThat(window.blockedSinceNanos()).isEqualTo(5);
    window.block(9);
    assertThat(window.blockedSinceNanos()).as("the wait began at the first block").isEqualTo(5);

    assertThat(window.acknowledge(ByteBuffer.wrap(mark))).as("the wait ends").isTrue();
    assertThat(window.unacknowledged()).isEqualTo(400);
    assertThat(window.isFull()).isFalse();
    assertThat(window.blockedSinceNanos()).isZero();
    assertThat(window.acknowledge(ByteBuffer.wrap(mark))).as("settled already").isFalse();
  }

  @Test
  @DisplayName("pongs that are not marks change nothing")
  void strangers() {
    window.sent(300);
    assertThat(window.acknowledge(ByteBuffer.allocate(0))).isFalse();
    assertThat(window.acknowledge(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))).isFalse();
    assertThat(window.unacknowledged()).isEqualTo(300);
  }
}
