package dev.presence.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@DisplayName("ConfigDurations: the one syntax of durations in configuration")
class ConfigDurationsTest {

  @ParameterizedTest(name = "[{0}] is {1}")
  @CsvSource(
      delimiter = '|',
      ignoreLeadingAndTrailingWhitespace = false,
      value = {
        "500ms|PT0.5S",
        "10s|PT10S",
        "2m|PT2M",
        "1h|PT1H",
        "1d|PT24H",
        "10 S|PT10S",
        " 3MS\t|PT0.003S",
        "0|PT0S",
        "0s|PT0S",
        "PT10S|PT10S",
        "pt1m30s|PT1M30S",
        "P1D|PT24H",
        "PT0.5S|PT0.5S",
        "+PT10S|PT10S"
      })
  @DisplayName("reads a number with a unit, ISO-8601 and 0, in any case, with white space around")
  void accepts(String text, String expected) {
    assertThat(ConfigDurations.parse(text.replace("\\t", "\t")))
        .isEqualTo(Duration.parse(expected));
  }

  @Test
  @DisplayName("accepts what either former parser accepted: long numbers with leading zeros, days")
  void acceptsWhatTheFormerParsersDid() {
    // The Hazelcast backend's parser took any number of digits that fit in a long, and days.
    assertThat(ConfigDurations.parse("0".repeat(1000) + "15s")).isEqualTo(Duration.ofSeconds(15));
    assertThat(ConfigDurations.parse("9999999999999ms"))
        .isEqualTo(Duration.ofMillis(9999999999999L));
    assertThat(ConfigDurations.parse("2d")).isEqualTo(Duration.ofDays(2));
    assertThat(ConfigDurations.parse(Long.MAX_VALUE + "ms"))
        .isEqualTo(Duration.ofMillis(Long.MAX_VALUE));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "10",
        "ten seconds",
        "10x",
        "10 sec",
        "10w",
        "-5s",
        "-0s",
        "+5s",
        "PT-5S",
        "-PT5S",
        "1.5s",
        "1e3s",
        "P",
        "s",
        "ms",
        "\u0661\u0660s",
        "10s10s",
        "0x10s"
      })
  @DisplayName("refuses what is not a duration, quoting it")
  void refuses(String text) {
    assertThatThrownBy(() -> ConfigDurations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'");
  }

  @Test
  @DisplayName("refuses negative durations")
  void negative() {
    assertThatThrownBy(() -> ConfigDurations.parse("-PT10S"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("'-PT10S' is negative");
  }

  @Test
  @DisplayName("refuses numbers and durations too large, however many digits, without overflow")
  void overflow() {
    for (String text :
        new String[] {
          "1".repeat(1000) + "s",
          "9".repeat(20) + "ms",
          (Long.MAX_VALUE) + "0ms",
          "9223372036854775808ms",
          Long.MAX_VALUE + "d",
          Long.MAX_VALUE + "h",
          Long.MAX_VALUE / 60 + "h",
          "PT" + "9".repeat(1000) + "S",
          "P" + Long.MAX_VALUE + "D"
        }) {
      assertThatThrownBy(() -> ConfigDurations.parse(text))
          .as(text)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageNotContaining("9".repeat(200))
          .hasMessageNotContaining("1".repeat(200));
    }
    assertThatThrownBy(() -> ConfigDurations.parse(Long.MAX_VALUE + "d"))
        .hasMessageContaining("too large");
  }

  @Test
  @DisplayName("a long value is quoted cut at 64 characters")
  void longValueCut() {
    String text = "x".repeat(5000);
    assertThatThrownBy(() -> ConfigDurations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'" + "x".repeat(64) + "...' (5000 characters)");
    String pairs = "\ud83d\ude00".repeat(100);
    assertThatThrownBy(() -> ConfigDurations.parse(pairs))
        .hasMessageStartingWith("'" + "\ud83d\ude00".repeat(64) + "...'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\ud800", "10\ud800s", "\udc00PT1S", "1s\ud83d", "PT1\udfffS"})
  @DisplayName("refuses text with unpaired surrogates, without quoting it")
  void unpairedSurrogates(String text) {
    assertThatThrownBy(() -> ConfigDurations.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("the value (not valid Unicode text)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain(text));
  }

  @Test
  @DisplayName("unicode digits and white space outside ASCII are not numbers or white space")
  void asciiOnly() {
    assertThatThrownBy(() -> ConfigDurations.parse("\uff11\uff10s"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ConfigDurations.parse("10\u00a0s"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("a backend's configured value: blank gives the default; a wrong one names the key")
  void config() {
    assertThat(ConfigDurations.config("k", "", Duration.ofSeconds(3)))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(ConfigDurations.config("k", "  ", Duration.ofSeconds(3)))
        .isEqualTo(Duration.ofSeconds(3));
    assertThat(ConfigDurations.config("k", "4s", Duration.ZERO)).isEqualTo(Duration.ofSeconds(4));
    assertThatThrownBy(() -> ConfigDurations.config("presence.x", "soon", Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.x")
        .hasMessageContaining("soon");
    assertThatThrownBy(() -> ConfigDurations.config("presence.x", "PT-1S", Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("negative");
  }
}
