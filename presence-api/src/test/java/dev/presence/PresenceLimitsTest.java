package dev.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PresenceLimitsTest {

  private static final PresenceLimits LIMITS = PresenceLimits.DEFAULTS;

  private static Attributes keys(int count) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < count; i++) {
      map.put("k" + i, "v");
    }
    return Attributes.of(map);
  }

  @Test
  @DisplayName("the defaults are those of the specification")
  void defaults() {
    assertThat(LIMITS)
        .isEqualTo(new PresenceLimits(200, 128, 32, 64, 1024, 8192, 200, 64, 100_000, 10, 20));
    assertThat(LIMITS.usersPerChannel()).isEqualTo(100_000);
    assertThat(LIMITS.attributesBytes()).isEqualTo(8192);
  }

  @Test
  @DisplayName("refuses limits that are not positive, and id lengths over 1024")
  void invalidLimits() {
    assertThatThrownBy(() -> new PresenceLimits(0, 128, 32, 64, 1024, 8192, 200, 64, 1, 10, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
    assertThatThrownBy(() -> new PresenceLimits(200, 128, 32, 64, 1024, 8192, 200, 64, 1, 10, -1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PresenceLimits(1025, 128, 32, 64, 1024, 8192, 200, 64, 1, 10, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1024");
    assertThatThrownBy(() -> new PresenceLimits(200, 1025, 32, 64, 1024, 8192, 200, 64, 1, 10, 20))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new PresenceLimits(1024, 1024, 1, 1, 1, 1, 1, 1, 1, 1, 1).channelLength())
        .isEqualTo(1024);
  }

  @Nested
  @DisplayName("ids")
  class Ids {

    @Test
    @DisplayName("a channel name of 200 characters passes, 201 is INVALID_ARGUMENT")
    void channelLength() {
      ChannelId longest = ChannelId.of("c".repeat(200));

      assertThat(LIMITS.check(longest)).isSameAs(longest);
      assertThatThrownBy(() -> LIMITS.check(ChannelId.of("c".repeat(201))))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessage("channel name must be 1 to 200 characters of A-Z a-z 0-9 . _ - : @");
    }

    @Test
    @DisplayName("a user id of 128 characters passes, 129 is INVALID_ARGUMENT")
    void userIdLength() {
      UserId longest = UserId.of("u".repeat(128));

      assertThat(LIMITS.check(longest)).isSameAs(longest);
      assertThatThrownBy(() -> LIMITS.check(UserId.of("u".repeat(129))))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("user id must be 1 to 128 characters");
    }

    @Test
    @DisplayName("configured lengths apply")
    void configured() {
      PresenceLimits tight = new PresenceLimits(5, 3, 32, 64, 1024, 8192, 200, 64, 10, 10, 20);

      assertThat(tight.check(ChannelId.of("abcde")).value()).isEqualTo("abcde");
      assertThatThrownBy(() -> tight.check(ChannelId.of("abcdef")))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("1 to 5");
      assertThatThrownBy(() -> tight.check(UserId.of("abcd")))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("1 to 3");
    }
  }

  @Nested
  @DisplayName("attributes")
  class AttributeLimits {

    @Test
    @DisplayName("32 attributes pass, 33 are TOO_LARGE")
    void keyCount() {
      assertThat(LIMITS.check(keys(32)).size()).isEqualTo(32);
      assertThatThrownBy(() -> LIMITS.check(keys(33)))
          .isInstanceOf(TooLargeException.class)
          .hasMessage("at most 32 attributes are allowed, got 33");
    }

    @Test
    @DisplayName("a name of 64 characters passes, 65 is TOO_LARGE")
    void keyLength() {
      assertThat(LIMITS.check(Attributes.of(Map.of("k".repeat(64), "v")))).isNotNull();
      assertThatThrownBy(() -> LIMITS.check(Attributes.of(Map.of("k".repeat(65), "v"))))
          .isInstanceOf(TooLargeException.class)
          .hasMessageContaining("at most 64 characters");
    }

    @Test
    @DisplayName("a value of 1024 characters passes, 1025 is TOO_LARGE naming the attribute")
    void valueLength() {
      assertThat(LIMITS.check(Attributes.of(Map.of("bio", "v".repeat(1024))))).isNotNull();
      assertThatThrownBy(() -> LIMITS.check(Attributes.of(Map.of("bio", "v".repeat(1025)))))
          .isInstanceOf(TooLargeException.class)
          .hasMessage("attribute 'bio' is longer than 1024 characters");
    }

    @Test
    @DisplayName("a whole map of 8192 bytes passes, 8193 is TOO_LARGE")
    void totalBytes() {
      Map<String, String> map = new HashMap<>();
      for (int i = 0; i < 8; i++) {
        map.put("k" + i, "v".repeat(1022));
      }
      // 8 x (2 + 1022) = 8192 bytes
      Attributes exactly = Attributes.of(map);
      assertThat(exactly.encodedSize()).isEqualTo(8192);
      assertThat(LIMITS.check(exactly)).isSameAs(exactly);

      map.put("k0", "v".repeat(1023));
      assertThatThrownBy(() -> LIMITS.check(Attributes.of(map)))
          .isInstanceOf(TooLargeException.class)
          .hasMessage("attributes may take at most 8192 bytes in all, got 8193");
    }

    @Test
    @DisplayName("multi-byte characters count as their UTF-8 bytes in the total")
    void multiByteTotal() {
      PresenceLimits small = new PresenceLimits(200, 128, 32, 64, 1024, 10, 200, 64, 10, 10, 20);

      assertThat(small.check(Attributes.of(Map.of("k", "\u20ac\u20ac\u20ac")))).isNotNull();
      assertThatThrownBy(() -> small.check(Attributes.of(Map.of("k", "\u20ac\u20ac\u20ac\u00e9"))))
          .isInstanceOf(TooLargeException.class);
    }

    @Test
    @DisplayName("the empty map passes")
    void emptyPasses() {
      assertThat(LIMITS.check(Attributes.EMPTY)).isSameAs(Attributes.EMPTY);
    }
  }
}
