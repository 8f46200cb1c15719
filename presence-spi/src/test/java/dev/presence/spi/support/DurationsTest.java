package dev.presence.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DurationsTest {

  @Test
  @DisplayName("short forms, ISO-8601, blanks and case are read; anything else is null")
  void parse() {
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse(" 10 S ")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Durations.parse("pt10s")).isEqualTo(Duration.ofSeconds(10));
    assertThat(Durations.parse("10")).isNull();
    assertThat(Durations.parse("1.5s")).isNull();
  }

  @Test
  @DisplayName("a configured value: empty gives the default; a wrong or negative one names the key")
  void config() {
    assertThat(Durations.config("k", "", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
    assertThat(Durations.config("k", "4s", Duration.ZERO)).isEqualTo(Duration.ofSeconds(4));
    assertThatThrownBy(() -> Durations.config("presence.x", "soon", Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.x")
        .hasMessageContaining("'soon'");
    assertThatThrownBy(() -> Durations.config("presence.x", "PT-1S", Duration.ZERO))
        .isInstanceOf(IllegalStateException.class);
  }
}
