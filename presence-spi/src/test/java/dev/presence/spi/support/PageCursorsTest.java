package dev.presence.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.InvalidArgumentException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one cursor form of every store. */
class PageCursorsTest {

  @Test
  @DisplayName("a cursor is u1. and the base64url of the id, and decodes to the id")
  void roundTrip() {
    for (String user : List.of("a", "alice@example.com", "x".repeat(512), "a-b_c.d:e")) {
      String cursor = PageCursors.encode(user);

      assertThat(cursor).startsWith("u1.").doesNotContain("=", "+", "/");
      assertThat(PageCursors.decode(cursor)).isEqualTo(user);
    }
    assertThat(PageCursors.encode("bob")).isEqualTo("u1.Ym9i");
  }

  @Test
  @DisplayName("anything not made by encode is refused with one text")
  void refused() {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    List<String> refused =
        List.of(
            "",
            "bob",
            "Ym9i",
            b64.encodeToString("u1:bob".getBytes(StandardCharsets.UTF_8)),
            "u1.",
            "u1.$$$",
            "u1.Ym9i=",
            "u1.ISE",
            "u1.7aCA",
            "u1.YcM",
            "u1." + b64.encodeToString("a b".getBytes(StandardCharsets.UTF_8)),
            "U1.Ym9i");

    for (String cursor : refused) {
      assertThatThrownBy(() -> PageCursors.decode(cursor))
          .as("cursor %s", cursor)
          .isExactlyInstanceOf(InvalidArgumentException.class)
          .hasMessage(
              "the cursor is not valid: pass the 'next' value of the previous page unchanged");
    }
  }
}
