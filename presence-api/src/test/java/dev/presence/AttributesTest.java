package dev.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AttributesTest {

  @Test
  @DisplayName("copies the map: later changes to the source do not show")
  void defensiveCopy() {
    Map<String, String> source = new HashMap<>(Map.of("mood", "happy"));

    Attributes attributes = Attributes.of(source);
    source.put("mood", "sad");
    source.put("extra", "x");

    assertThat(attributes.values()).containsExactly(Map.entry("mood", "happy"));
  }

  @Test
  @DisplayName("is immutable and iterated in key order")
  void immutableAndSorted() {
    Map<String, String> source = new LinkedHashMap<>();
    source.put("b", "2");
    source.put("c", "3");
    source.put("a", "1");

    Attributes attributes = Attributes.of(source);

    assertThat(attributes.values().keySet()).containsExactly("a", "b", "c");
    assertThatThrownBy(() -> attributes.values().put("d", "4"))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(attributes.size()).isEqualTo(3);
    assertThat(attributes.isEmpty()).isFalse();
  }

  @Test
  @DisplayName("equals by content, whatever the source map's order")
  void equality() {
    Map<String, String> first = new LinkedHashMap<>();
    first.put("a", "1");
    first.put("b", "2");
    Map<String, String> second = new LinkedHashMap<>();
    second.put("b", "2");
    second.put("a", "1");

    assertThat(Attributes.of(first)).isEqualTo(Attributes.of(second));
    assertThat(Attributes.of(first).hashCode()).isEqualTo(Attributes.of(second).hashCode());
    assertThat(Attributes.of(first)).isNotEqualTo(Attributes.of(Map.of("a", "1")));
  }

  @Test
  @DisplayName("the empty map is EMPTY")
  void empty() {
    assertThat(Attributes.of(Map.of())).isSameAs(Attributes.EMPTY);
    assertThat(new Attributes(Map.of())).isEqualTo(Attributes.EMPTY);
    assertThat(Attributes.EMPTY.isEmpty()).isTrue();
    assertThat(Attributes.EMPTY.encodedSize()).isZero();
  }

  @Test
  @DisplayName("refuses an empty name, a null name and a null value")
  void invalid() {
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("mood", null);
    Map<String, String> nullKey = new HashMap<>();
    nullKey.put(null, "x");

    assertThatThrownBy(() -> Attributes.of(Map.of("", "x")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> Attributes.of(nullKey)).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> Attributes.of(nullValue))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("'mood'")
        .hasMessageContaining("string value");
  }

  @Test
  @DisplayName("allows empty values")
  void emptyValue() {
    assertThat(Attributes.of(Map.of("k", "")).values()).containsEntry("k", "");
  }

  @Test
  @DisplayName("encodedSize counts the UTF-8 bytes of names and values")
  void encodedSize() {
    assertThat(Attributes.of(Map.of("ab", "cde")).encodedSize()).isEqualTo(5);
    // e-acute: 2 bytes; euro sign: 3 bytes; an emoji (surrogate pair): 4 bytes
    assertThat(Attributes.of(Map.of("k", "\u00e9")).encodedSize()).isEqualTo(3);
    assertThat(Attributes.of(Map.of("k", "\u20ac")).encodedSize()).isEqualTo(4);
    assertThat(Attributes.of(Map.of("k", "\uD83D\uDE00")).encodedSize()).isEqualTo(5);
    assertThat(Attributes.of(Map.of("\u00e9", "\u20ac", "x", "y")).encodedSize()).isEqualTo(7);
  }

  @Test
  @DisplayName("encodedSize equals the length of the UTF-8 encoding for mixed text")
  void encodedSizeMatchesEncoder() {
    String value = "h\u00e9llo \u20ac \uD83C\uDF1E \u4e16\u754c";

    assertThat(Attributes.of(Map.of("key", value)).encodedSize())
        .isEqualTo(
            "key".getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                + value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
  }

  @ParameterizedTest(name = "refuses a value that is not valid Unicode: #{index}")
  @ValueSource(
      strings = {
        "\uD800",
        "\uDFFF",
        "a\uDC00b",
        "ab\uD83D",
        "\uDE00\uD83D",
        "\uD83D\uDE00\uD800",
        "\uD800\uD800\uDC00"
      })
  void refusesUnpairedSurrogateInValue(String value) {
    assertThatThrownBy(() -> Attributes.of(Map.of("mood", value)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("the value of attribute 'mood' is not valid Unicode text")
        .satisfies(e -> assertThat(Text.isWellFormed(e.getMessage())).isTrue());
  }

  @ParameterizedTest(name = "refuses a name that is not valid Unicode: #{index}")
  @ValueSource(strings = {"\uD800", "k\uDBFF", "\uDC00k", "\uDE00\uD83D"})
  void refusesUnpairedSurrogateInName(String name) {
    assertThatThrownBy(() -> Attributes.of(Map.of(name, "x", "mood", "calm")))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageStartingWith("an attribute name is not valid Unicode text")
        .hasMessageContaining("unpaired surrogate")
        .satisfies(e -> assertThat(Text.isWellFormed(e.getMessage())).isTrue());
  }

  @Test
  @DisplayName("accepts surrogate pairs anywhere in names and values")
  void acceptsPairs() {
    String grin = "\uD83D\uDE00";
    Attributes attributes = Attributes.of(Map.of(grin, grin + "x" + grin, "k" + grin, grin));

    assertThat(attributes.values()).containsEntry(grin, grin + "x" + grin);
    assertThat(attributes.size()).isEqualTo(2);
  }

  @Test
  @DisplayName("Text.isWellFormed: true exactly when every surrogate is part of a pair")
  void wellFormed() {
    assertThat(Text.isWellFormed("")).isTrue();
    assertThat(Text.isWellFormed("plain \u00e9\u20ac")).isTrue();
    assertThat(Text.isWellFormed("\uD83D\uDE00\uDBFF\uDFFF")).isTrue();
    assertThat(Text.isWellFormed("\uD83D")).isFalse();
    assertThat(Text.isWellFormed("\uDE00")).isFalse();
    assertThat(Text.isWellFormed("\uD83D\uD83D\uDE00")).isFalse();
    assertThat(Text.isWellFormed("\uD83D\uDE00\uDE00")).isFalse();
    // other CharSequences take the same check
    assertThat(Text.isWellFormed(new StringBuilder("\uD83D\uDE00"))).isTrue();
    assertThat(Text.isWellFormed(new StringBuilder("a\uD83Db"))).isFalse();
  }
}
