package dev.presence.web.ops;

import dev.presence.web.webhook.WebhookMetrics;

/**
 * The webhook lines of {@code /metrics} (this node, all URLs summed; zeros when webhooks are off):
 *
 * <ul>
 *   <li>{@code presence_webhook_queued}: events waiting in the queues (gauge);
 *   <li>{@code presence_webhook_delivered_total}: events in batches answered 2xx;
 *   <li>{@code presence_webhook_batches_total}: batches answered 2xx;
 *   <li>{@code presence_webhook_failed_attempts_total}: attempts not answered 2xx or not answered;
 *   <li>{@code presence_webhook_dropped_total{reason}}: events given up, {@code queue_full}, {@code
 *       max_retry} or {@code shutdown}.
 * </ul>
 */
final class WebhookMetricsText {

  private WebhookMetricsText() {}

  static void write(StringBuilder out, WebhookMetrics m) {
    Prometheus.gauge(
        out, "presence_webhook_queued", "Webhook events waiting to be sent.", m.queued());
    Prometheus.counter(
        out,
        "presence_webhook_delivered_total",
        "Webhook events in batches a receiver answered 2xx.",
        m.delivered());
    Prometheus.counter(
        out,
        "presence_webhook_batches_total",
        "Webhook batches a receiver answered 2xx.",
        m.batches());
    Prometheus.counter(
        out,
        "presence_webhook_failed_attempts_total",
        "Webhook requests not answered 2xx, or not answered.",
        m.failedAttempts());
    Prometheus.header(
        out,
        "presence_webhook_dropped_total",
        "Webhook events given up: queue full, retried for presence.webhooks.max-retry, or queued"
            + " at shutdown.",
        "counter");
    line(out, "queue_full", m.droppedQueueFull());
    line(out, "max_retry", m.droppedRetries());
    line(out, "shutdown", m.droppedShutdown());
  }

  private static void line(StringBuilder out, String reason, long value) {
    out.append("presence_webhook_dropped_total{reason=\"")
        .append(reason)
        .append("\"} ")
        .append(value)
        .append('\n');
  }
}
