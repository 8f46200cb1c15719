package dev.presence.web.ops;

import jakarta.enterprise.context.ApplicationScoped;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The web layer's own metrics, written in Prometheus text format by {@link MetricsServlet}: REST
 * operation latency (a histogram per operation and status), open Server-Sent Events streams, sends
 * that failed and closed their connection ({@code presence_send_failures_total{transport}}), and
 * gauges other front ends register (such as open WebSocket connections).
 *
 * <p>Thread-safe; recording is lock-free.
 */
@ApplicationScoped
public class OperationMetrics {

  /** The histogram's upper bounds, in seconds. */
  static final double[] BUCKETS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private record Key(String operation, int status) {}

  private static final class Histogram {
    final LongAdder[] buckets = new LongAdder[BUCKETS.length];
    final LongAdder count = new LongAdder();
    final DoubleAdder sum = new DoubleAdder();

    Histogram() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }

    void record(double seconds) {
      for (int i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]) {
          buckets[i].increment();
          break;
        }
      }
      count.increment();
      sum.add(seconds);
    }
  }

  private record Gauge(String help, IntSupplier value) {}

  private final ConcurrentHashMap<Key, Histogram> requests = new ConcurrentHashMap<>();
  private final AtomicInteger sseStreams = new AtomicInteger();
  private final LongAdder webSocketSendFailures = new LongAdder();
  private final LongAdder sseSendFailures = new LongAdder();
  private final LongAdder bodiesWithHeaders = new LongAdder();
  private final LongAdder bodiesLater = new LongAdder();
  private final ConcurrentHashMap<String, Gauge> gauges = new ConcurrentHashMap<>();

  /**
   * Records one finished request.
   *
   * @param operation the operation (the resource method's name), or {@code unmatched}
   * @param status the HTTP status
   * @param nanos how long it took
   */
  public void recordRequest(String operation, int status, long nanos) {
    requests.computeIfAbsent(new Key(operation, status), k -> new Histogram()).record(nanos / 1e9);
  }

  /** Counts a Server-Sent Events stream as opened. */
  public void sseStreamOpened() {
    sseStreams.incrementAndGet();
  }

  /** Counts a Server-Sent Events stream as closed. */
  public void sseStreamClosed() {
    sseStreams.decrementAndGet();
  }

  /**
   * Counts a WebSocket send that failed: the frame could not be written (the client went away) or
   * could not be encoded (a server fault). Either way that connection was closed with 1011.
   */
  public void webSocketSendFailed() {
    webSocketSendFailures.increment();
  }

  /**
   * Counts a Server-Sent Events write that failed (the client went away, or the event could not be
   * encoded); that stream was closed.
   */
  public void sseSendFailed() {
    sseSendFailures.increment();
  }

  /**
   * Failed WebSocket sends so far.
   *
   * @return the count
   */
  public long webSocketSendFailures() {
    return webSocketSendFailures.sum();
  }

  /**
   * Failed Server-Sent Events writes so far.
   *
   * @return the count
   */
  public long sseSendFailures() {
    return sseSendFailures.sum();
  }

  /**
   * Counts one REST request body received by the body filter.
   *
   * @param withHeaders whether the whole body had arrived with the request head (read at once, no
   *     asynchronous request), rather than later (received by the container's callbacks)
   */
  public void bodyReceived(boolean withHeaders) {
    (withHeaders ? bodiesWithHeaders : bodiesLater).increment();
  }

  /**
   * Registers (or replaces) a gauge, such as {@code presence_websocket_connections}.
   *
   * @param name the metric name: lower case letters, digits and underscores
   * @param help one line describing it
   * @param value read at each scrape; must be fast and thread-safe
   */
  public void registerGauge(String name, String help, IntSupplier value) {
    if (!name.matches("[a-z_][a-z0-9_]*")) {
      throw new IllegalArgumentException("not a metric name: " + name);
    }
    gauges.put(name, new Gauge(help, value));
  }

  /**
   * Writes the metrics in Prometheus text format.
   *
   * @param out where to append
   */
  public void writeTo(StringBuilder out) {
    Prometheus.gauge(
        out, "presence_sse_streams", "Server-Sent Events streams open.", sseStreams.get());
    String failures = "presence_send_failures_total";
    Prometheus.header(
        out,
        failures,
        "Sends that failed (the client went away, or text that could not be encoded) and closed"
            + " their connection, by transport.",
        "counter");
    out.append(failures)
        .append("{transport=\"websocket\"} ")
        .append(webSocketSendFailures.sum())
        .append('\n');
    out.append(failures).append("{transport=\"sse\"} ").append(sseSendFailures.sum()).append('\n');
    String bodies = "presence_http_bodies_total";
    Prometheus.header(
        out,
        bodies,
        "REST request bodies received, by arrival: whole with the request head (read at once), or"
            + " later (received without a waiting thread).",
        "counter");
    out.append(bodies)
        .append("{arrival=\"with_headers\"} ")
        .append(bodiesWithHeaders.sum())
        .append('\n');
    out.append(bodies).append("{arrival=\"later\"} ").append(bodiesLater.sum()).append('\n');
    for (Map.Entry<String, Gauge> g : new TreeMap<>(gauges).entrySet()) {
      Prometheus.gauge(out, g.getKey(), g.getValue().help(), g.getValue().value().getAsInt());
    }
    String name = "presence_http_request_duration_seconds";
    out.append("# HELP ")
        .append(name)
        .append(" REST request latency by operation and status.\n")
        .append("# TYPE ")
        .append(name)
        .append(" histogram\n");
    Map<String, Histogram> sorted = new TreeMap<>();
    requests.forEach((k, h) -> sorted.put(k.operation() + "\u0000" + k.status(), h));
    for (Map.Entry<String, Histogram> e : sorted.entrySet()) {
      String[] parts = e.getKey().split("\u0000", 2);
      String labels =
          "operation=\"" + Prometheus.escape(parts[0]) + "\",status=\"" + parts[1] + "\"";
      Histogram h = e.getValue();
      long cumulative = 0;
      for (int i = 0; i < BUCKETS.length; i++) {
        cumulative += h.buckets[i].sum();
        out.append(name)
            .append("_bucket{")
            .append(labels)
            .append(",le=\"")
            .append(format(BUCKETS[i]))
            .append("\"} ")
            .append(cumulative)
            .append('\n');
      }
      long count = h.count.sum();
      out.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ").append(count);
      out.append('\n');
      out.append(name).append("_sum{").append(labels).append("} ").append(format(h.sum.sum()));
      out.append('\n');
      out.append(name).append("_count{").append(labels).append("} ").append(count).append('\n');
    }
  }

  private static String format(double d) {
    return String.format(Locale.ROOT, "%s", d);
  }
}
