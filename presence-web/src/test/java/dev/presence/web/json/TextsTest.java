package dev.presence.web.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.InvalidArgumentException;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("SPEC 13.1: client text must be valid Unicode, and messages never carry invalid text")
class TextsTest {

  /** A backslash, so that escapes in JSON texts below are not read as Java escapes. */
  private static final String BS = "\\";

  private static final String GRIN = "\uD83D\uDE00";

  @Nested
  @DisplayName("Texts")
  class Checks {

    @Test
    @DisplayName("isWellFormed: true exactly when every surrogate is part of a pair")
    void wellFormed() {
      assertThat(Texts.isWellFormed("")).isTrue();
      assertThat(Texts.isWellFormed("plain \u00e9 \u20ac " + GRIN)).isTrue();
      assertThat(Texts.isWellFormed("\uDBFF\uDFFF")).isTrue();
      assertThat(Texts.isWellFormed("\uD800")).isFalse();
      assertThat(Texts.isWellFormed("a\uDC00")).isFalse();
      assertThat(Texts.isWellFormed("\uDE00\uD83D")).isFalse();
      assertThat(Texts.isWellFormed("\uD83D\uD83D\uDE00")).isFalse();
      assertThat(Texts.isWellFormed(GRIN + "\uDE00")).isFalse();
    }

    @Test
    @DisplayName("abbreviate keeps short text, cuts long text at 64 characters with '...'")
    void abbreviate() {
      assertThat(Texts.abbreviate("short")).isEqualTo("short");
      assertThat(Texts.abbreviate("x".repeat(64))).isEqualTo("x".repeat(64));
      assertThat(Texts.abbreviate("x".repeat(65))).isEqualTo("x".repeat(64) + "...");
    }

    @Test
    @DisplayName("abbreviate never splits a surrogate pair: a pair across the cut is kept whole")
    void abbreviateKeepsPairs() {
      String name = "n".repeat(63) + GRIN + "tail";

      String quoted = Texts.abbreviate(name);

      assertThat(quoted).isEqualTo("n".repeat(63) + GRIN + "...");
      assertThat(Texts.isWellFormed(quoted)).isTrue();
      assertThat(Texts.abbreviate("n".repeat(63) + GRIN)).isEqualTo("n".repeat(63) + GRIN);
    }

    @Test
    @DisplayName("abbreviate replaces an unpaired surrogate with U+FFFD, so a message can be sent")
    void abbreviateReplacesUnpaired() {
      assertThat(Texts.abbreviate("a\uD800b" + GRIN)).isEqualTo("a\uFFFDb" + GRIN);
      assertThat(Texts.isWellFormed(Texts.abbreviate("\uDC00".repeat(100)))).isTrue();
    }
  }

  @Nested
  @DisplayName("PresenceJson readers")
  class Readers {

    @ParameterizedTest(name = "refuses an unpaired surrogate escape: #{index}")
    @ValueSource(
        strings = {
          "{\"mood\":\"@ud800\"}",
          "{\"mood\":\"a@udc00b\"}",
          "{\"mood\":\"ab@ud83d\"}",
          "{\"mood\":\"@ude00@ud83d\"}",
          "{\"mood\":\"@ud83d@ude00@ud800\"}",
          "{\"@ud800\":\"x\"}",
          "{\"k@udfff\":\"x\",\"mood\":\"calm\"}",
          "{\"a\":[\"ok\",{\"b\":\"@udbff\"}]}",
          "{\"type\":\"heartbeat\",\"id\":\"@ud800\"}"
        })
    void refusesUnpairedSurrogates(String template) {
      String json = template.replace("@", BS);

      assertThatThrownBy(() -> PresenceJson.readObject(json))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageStartingWith("JSON strings must be valid Unicode text: the string ending at")
          .hasMessageContaining("line 1, column")
          .hasMessageContaining("unpaired surrogate")
          .satisfies(e -> assertThat(Texts.isWellFormed(e.getMessage())).isTrue());
    }

    @Test
    @DisplayName("accepts escaped and literal surrogate pairs")
    void acceptsPairs() {
      String escaped = "{\"" + BS + "ud83d" + BS + "ude00\":\"a" + BS + "ud83d" + BS + "ude00\"}";

      assertThat(PresenceJson.readAttributes(escaped).values()).isEqualTo(Map.of(GRIN, "a" + GRIN));
      assertThat(PresenceJson.readAttributes("{\"m\":\"" + GRIN + "\"}").values())
          .isEqualTo(Map.of("m", GRIN));
    }

    @Test
    @DisplayName("the location points at the bad string")
    void location() {
      String json = "{\n  \"ok\": \"fine\",\n  \"bad\": \"" + BS + "ud800\"\n}";

      assertThatThrownBy(() -> PresenceJson.readObject(json))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("at line 3, column");
    }

    @Test
    @DisplayName("a duplicate name with a pair at the cut is quoted whole")
    void duplicateNameQuotedWhole() {
      String name = "n".repeat(63) + GRIN + "tail";

      assertThatThrownBy(
              () -> PresenceJson.readObject("{\"" + name + "\":\"1\",\"" + name + "\":\"2\"}"))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessage("duplicate JSON member '" + "n".repeat(63) + GRIN + "...'");
    }

    @Test
    @DisplayName("an attribute that is not a string is named without splitting a pair")
    void nonStringAttributeQuotedWhole() {
      String name = "n".repeat(63) + GRIN + "tail";

      assertThatThrownBy(() -> PresenceJson.readAttributes("{\"" + name + "\":1}"))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessage("attribute '" + "n".repeat(63) + GRIN + "...' must have a string value");
    }
  }
}
