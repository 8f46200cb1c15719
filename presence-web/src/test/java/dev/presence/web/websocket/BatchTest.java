package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Batch: the messages of one frame")
class BatchTest {

  @Test
  @DisplayName("a lone message is the frame itself")
  void lone() {
    assertThat(new Batch("{\"type\":\"ok\"}").frame()).isEqualTo("{\"type\":\"ok\"}");
  }

  @Test
  @DisplayName("several messages make one batch message, in order")
  void several() {
    Batch b = new Batch("{\"id\":\"1\"}");
    assertThat(b.add("{\"id\":\"2\"}")).isTrue();
    assertThat(b.frame())
        .isEqualTo("{\"type\":\"batch\",\"messages\":[{\"id\":\"1\"},{\"id\":\"2\"}]}");
  }

  @Test
  @DisplayName("at most 256 messages")
  void count() {
    Batch b = new Batch("{}");
    int added = 1;
    while (b.add("{}")) {
      added++;
    }
    assertThat(added).isEqualTo(Batch.MAX_MESSAGES);
    assertThat(Frames.messages(List.of(b.frame()))).hasSize(Batch.MAX_MESSAGES);
  }

  @Test
  @DisplayName(
      "a message that would pass the size goes to the next frame; a large first goes alone")
  void size() {
    String big = "{\"pad\":\"" + "x".repeat(Batch.MAX_CHARS) + "\"}";
    Batch alone = new Batch(big);
    assertThat(alone.add("{}")).isFalse();
    assertThat(alone.frame()).isEqualTo(big);

    String half = "{\"pad\":\"" + "y".repeat(Batch.MAX_CHARS / 2) + "\"}";
    Batch b = new Batch(half);
    assertThat(b.add(half)).isFalse();
    assertThat(b.add("{}")).isTrue();
    assertThat(b.frame().length()).isLessThanOrEqualTo(Batch.MAX_CHARS + 2);
  }
}
