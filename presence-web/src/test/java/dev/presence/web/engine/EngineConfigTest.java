package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.PresenceLimits;
import dev.presence.event.EventKind;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Engine settings and metrics")
class EngineConfigTest {

  @Test
  @DisplayName("defaults are those of the specification")
  void defaults() {
    EngineConfig c = EngineConfig.defaults();
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(c.grace()).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.limits()).isEqualTo(PresenceLimits.DEFAULTS);
    assertThat(c.tickInterval()).isEqualTo(Duration.ofMillis(250));
    assertThat(c.reorderWindow()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.hookQueueCapacity()).isEqualTo(10_000);
  }

  @Test
  @DisplayName("withers change one setting")
  void withers() {
    EngineConfig c =
        EngineConfig.defaults()
            .withTimeout(Duration.ofSeconds(10))
            .withGrace(Duration.ZERO)
            .withTickInterval(Duration.ofSeconds(1))
            .withReorderWindow(Duration.ofSeconds(3))
            .withHookQueueCapacity(5)
            .withIntervals(7, Duration.ofSeconds(2));
    assertThat(c)
        .isEqualTo(
            new EngineConfig(
                Duration.ofSeconds(10),
                Duration.ZERO,
                PresenceLimits.DEFAULTS,
                Duration.ofSeconds(1),
                Duration.ofSeconds(3),
                5,
                200,
                7,
                Duration.ofSeconds(2)));
  }

  @Test
  @DisplayName("nonsense values are refused")
  void validation() {
    EngineConfig d = EngineConfig.defaults();
    assertThatThrownBy(() -> d.withTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withGrace(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withIntervals(-1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withIntervals(5, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withTickInterval(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withReorderWindow(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> d.withHookQueueCapacity(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("metrics list every event kind")
  void metricsKinds() {
    EngineMetrics m = new EngineMetrics(1, 2, Map.of(EventKind.JOIN, 3L), 4, 5, 6, 7);
    assertThat(m.eventsByKind()).containsOnlyKeys(EventKind.values());
    assertThat(m.events(EventKind.JOIN)).isEqualTo(3);
    assertThat(m.events(EventKind.TIMEOUT)).isZero();
  }
}
