package dev.presence.web.ops;

import dev.presence.event.EventKind;
import dev.presence.spi.PresenceTotals;
import dev.presence.web.engine.EngineMetrics;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.webhook.Webhooks;
import jakarta.inject.Inject;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /metrics}: this node's metrics in Prometheus text format (SPEC 12).
 *
 * <ul>
 *   <li>{@code presence_sessions}, {@code presence_subscriptions}: connection-bound sessions and
 *       subscriptions open on this node (gauges);
 *   <li>{@code presence_events_total{kind}}: events produced on this node, by kind;
 *   <li>{@code presence_hook_failures_total}, {@code presence_hook_drops_total}, {@code
 *       presence_resyncs_total}, {@code presence_sequence_gaps_total};
 *   <li>{@code presence_store_available}: 1 if the store answers, else 0;
 *   <li>{@code presence_present_users}, {@code presence_channels}: cluster-wide, distinct users
 *       present and channels with users present (SPEC 13.4), from {@link PresenceEngine#totals()},
 *       cached for five seconds, so every node reports the same figures within that; left out of
 *       the answer when the store cannot be reached (or does not count);
 *   <li>{@code presence_webhook_*}: see {@link WebhookMetricsText};
 *   <li>{@code presence_sse_streams}, {@code presence_send_failures_total{transport}} (WebSocket
 *       and SSE sends that failed and closed their connection), gauges of other front ends, and
 *       {@code presence_http_request_duration_seconds} (histogram by operation and status).
 * </ul>
 *
 * <p>On Payara Micro this path shadows the server's own MicroProfile Metrics endpoint.
 */
@WebServlet(urlPatterns = "/metrics")
public class MetricsServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Inject transient PresenceEngine engine;
  @Inject transient OperationMetrics operations;
  @Inject transient Webhooks webhooks;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    StringBuilder out = new StringBuilder(4096);
    EngineMetrics m = engine.metrics();
    Prometheus.gauge(
        out,
        "presence_sessions",
        "Connection-bound sessions open on this node.",
        m.localSessions());
    Prometheus.gauge(
        out,
        "presence_subscriptions",
        "Channel subscriptions open on this node.",
        m.localSubscriptions());
    Prometheus.header(
        out, "presence_events_total", "Events produced on this node, by kind.", "counter");
    for (EventKind kind : EventKind.values()) {
      out.append("presence_events_total{kind=\"")
          .append(kind.wireName())
          .append("\"} ")
          .append(m.events(kind))
          .append('\n');
    }
    Prometheus.counter(
        out, "presence_hook_failures_total", "Event hook calls that threw.", m.hookFailures());
    Prometheus.counter(
        out,
        "presence_hook_drops_total",
        "Events dropped because an event hook's queue was full.",
        m.hookDrops());
    Prometheus.counter(
        out, "presence_resyncs_total", "Times a subscriber was told to resync.", m.resyncs());
    Prometheus.counter(
        out,
        "presence_sequence_gaps_total",
        "Gaps in a channel's event sequence that were skipped.",
        m.sequenceGaps());
    Prometheus.gauge(
        out,
        "presence_store_available",
        "1 if the presence store can be reached, else 0.",
        engine.isAvailable() ? 1 : 0);
    totals(out);
    WebhookMetricsText.write(out, webhooks.metrics());
    operations.writeTo(out);
    resp.setStatus(200);
    resp.setContentType(Prometheus.CONTENT_TYPE);
    resp.setHeader("Cache-Control", "no-store");
    resp.getWriter().write(out.toString());
  }

  private void totals(StringBuilder out) {
    PresenceTotals totals;
    try {
      totals = engine.totals();
    } catch (RuntimeException e) {
      return; // unreachable, or a store that does not count: no figure rather than a wrong one
    }
    Prometheus.gauge(
        out,
        "presence_present_users",
        "Distinct users present in at least one channel, cluster-wide (cached up to 5 s).",
        totals.presentUsers());
    Prometheus.gauge(
        out,
        "presence_channels",
        "Channels with at least one user present, cluster-wide (cached up to 5 s).",
        totals.channels());
  }
}
