package dev.presence.web.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.web.ops.HealthServlet.Answer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Health checks: live, ready and both (SPEC 12)")
class HealthServletTest {

  private static final Answer UP = new Answer(200, "{\"status\":\"UP\"}");
  private static final Answer DOWN = new Answer(503, "{\"status\":\"DOWN\"}");

  private final List<String> asked = new ArrayList<>();

  private BooleanSupplier check(String name, boolean value) {
    return () -> {
      asked.add(name);
      return value;
    };
  }

  private Answer answer(String path, boolean live, boolean ready) {
    return HealthServlet.answer(path, check("live", live), check("ready", ready));
  }

  @Test
  @DisplayName("a store outage makes the node not ready, and leaves it live")
  void outageIsNotReadyButLive() {
    assertThat(answer("/health/live", true, false)).isEqualTo(UP);
    assertThat(answer("/health/ready", true, false)).isEqualTo(DOWN);
    assertThat(answer("/health", true, false))
        .isEqualTo(
            new Answer(
                503,
                "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"live\",\"status\":\"UP\"},"
                    + "{\"name\":\"presence-store\",\"status\":\"DOWN\"}]}"));
  }

  @Test
  @DisplayName("a store failed for good makes the node not live, so that it is restarted")
  void failedForGoodIsNotLive() {
    assertThat(answer("/health/live", false, false)).isEqualTo(DOWN);
    assertThat(answer("/health", false, false))
        .isEqualTo(
            new Answer(
                503,
                "{\"status\":\"DOWN\",\"checks\":[{\"name\":\"live\",\"status\":\"DOWN\"},"
                    + "{\"name\":\"presence-store\",\"status\":\"DOWN\"}]}"));
  }

  @Test
  @DisplayName("a healthy node is UP everywhere; /live and /ready ask only their own check")
  void healthy() {
    assertThat(answer("/health/live", true, true)).isEqualTo(UP);
    assertThat(asked).containsExactly("live");
    asked.clear();
    assertThat(answer("/health/ready", true, true)).isEqualTo(UP);
    assertThat(asked).containsExactly("ready");
    assertThat(answer("/health", true, true))
        .isEqualTo(
            new Answer(
                200,
                "{\"status\":\"UP\",\"checks\":[{\"name\":\"live\",\"status\":\"UP\"},"
                    + "{\"name\":\"presence-store\",\"status\":\"UP\"}]}"));
  }
}
