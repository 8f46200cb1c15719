package dev.presence.web.ops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class OperationMetricsTest {

  @Test
  @DisplayName("failed sends are counted per transport and written as one counter family")
  void sendFailures() {
    OperationMetrics metrics = new OperationMetrics();
    metrics.webSocketSendFailed();
    metrics.webSocketSendFailed();
    metrics.sseSendFailed();

    StringBuilder out = new StringBuilder();
    metrics.writeTo(out);

    assertThat(metrics.webSocketSendFailures()).isEqualTo(2);
    assertThat(metrics.sseSendFailures()).isEqualTo(1);
    assertThat(out.toString())
        .contains("# TYPE presence_send_failures_total counter\n")
        .contains("presence_send_failures_total{transport=\"websocket\"} 2\n")
        .contains("presence_send_failures_total{transport=\"sse\"} 1\n");
  }
}
