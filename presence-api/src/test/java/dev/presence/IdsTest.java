package dev.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdsTest {

  private static final String ALL_ALLOWED =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-:@";

  @Nested
  @DisplayName("ChannelId")
  class Channel {

    @Test
    @DisplayName("accepts every allowed character, one character, and 1024 characters")
    void valid() {
      assertThat(ChannelId.of(ALL_ALLOWED).value()).isEqualTo(ALL_ALLOWED);
      assertThat(ChannelId.of("a").toString()).isEqualTo("a");
      assertThat(ChannelId.of("x".repeat(1024)).value()).hasSize(1024);
    }

    @ParameterizedTest(name = "refuses \"{0}\"")
    @ValueSource(
        strings = {"", " ", "a b", "a/b", "a#b", "caf\u00e9", "a+b", "a\nb", "a,b", "\u00a0"})
    void invalidCharacters(String value) {
      assertThatThrownBy(() -> ChannelId.of(value))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("channel name")
          .hasMessageContaining("A-Z a-z 0-9 . _ - : @");
    }

    @ParameterizedTest(name = "refuses the dot segment \"{0}\" (SPEC 13.1)")
    @ValueSource(strings = {".", ".."})
    void dotSegments(String value) {
      assertThatThrownBy(() -> ChannelId.of(value))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("'.' and '..'");
    }

    @ParameterizedTest(name = "accepts \"{0}\": only the two dot segments are refused")
    @ValueSource(strings = {"...", ".a", "a.", "a..b", "._"})
    void otherDots(String value) {
      assertThat(ChannelId.of(value).value()).isEqualTo(value);
      assertThat(UserId.of(value).value()).isEqualTo(value);
    }

    @Test
    @DisplayName("user ids '.' and '..' stay valid: SPEC 13.1 refuses them as channel names only")
    void userDots() {
      assertThat(UserId.of(".").value()).isEqualTo(".");
      assertThat(UserId.of("..").value()).isEqualTo("..");
    }

    @Test
    @DisplayName("refuses more than 1024 characters")
    void tooLong() {
      assertThatThrownBy(() -> ChannelId.of("x".repeat(1025)))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("1 to 1024 characters");
    }

    @Test
    @DisplayName("compares and equals by value, case-sensitively")
    void ordering() {
      assertThat(ChannelId.of("a")).isEqualTo(new ChannelId("a"));
      assertThat(ChannelId.of("a")).isNotEqualTo(ChannelId.of("A"));
      assertThat(ChannelId.of("a").compareTo(ChannelId.of("b"))).isNegative();
      assertThat(ChannelId.of("B").compareTo(ChannelId.of("a"))).isNegative();
    }
  }

  @Nested
  @DisplayName("UserId")
  class User {

    @Test
    @DisplayName("accepts every allowed character and up to 1024 characters")
    void valid() {
      assertThat(UserId.of(ALL_ALLOWED).value()).isEqualTo(ALL_ALLOWED);
      assertThat(UserId.of("u".repeat(1024)).toString()).hasSize(1024);
      assertThat(UserId.of("alice@example.com").value()).isEqualTo("alice@example.com");
    }

    @ParameterizedTest(name = "refuses \"{0}\"")
    @ValueSource(strings = {"", "al ice", "alice!", "\u00fcser", "a\tb", "a%b"})
    void invalid(String value) {
      assertThatThrownBy(() -> UserId.of(value))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("user id");
    }

    @Test
    @DisplayName("refuses more than 1024 characters")
    void tooLong() {
      assertThatThrownBy(() -> UserId.of("u".repeat(1025)))
          .isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    @DisplayName("compares by value")
    void ordering() {
      assertThat(UserId.of("u1").compareTo(UserId.of("u2"))).isNegative();
      assertThat(UserId.of("u1").compareTo(UserId.of("u1"))).isZero();
    }
  }

  @Nested
  @DisplayName("SessionId")
  class Session {

    @Test
    @DisplayName("accepts up to 4096 allowed characters")
    void valid() {
      assertThat(SessionId.of("s".repeat(4096)).value()).hasSize(4096);
      assertThat(SessionId.of("node-1:ws:42").toString()).isEqualTo("node-1:ws:42");
    }

    @Test
    @DisplayName("refuses empty, too long, and other characters")
    void invalid() {
      assertThatThrownBy(() -> SessionId.of("")).isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> SessionId.of("s".repeat(4097)))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("session id");
      assertThatThrownBy(() -> SessionId.of("s/1")).isInstanceOf(InvalidArgumentException.class);
    }
  }
}
