package dev.presence.it.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * WebSocket fan-out load driver (a program, not a test): {@code observers} connections subscribe to
 * one channel; {@code producers} connections join, set attributes and leave that channel at a
 * steady aggregate rate, so every operation is one event delivered to every observer. It reports
 * deliveries per second and the latency of each delivery (receive time minus the event's {@code
 * timestamp}, which is when the store applied it; driver and server must share a clock, i.e. run on
 * one machine).
 *
 * <p>The server must run in development mode ({@code presence.auth.mode=dev}): tokens are {@code
 * alg:none}. Each step runs for {@code --duration} after a warm-up; the latency histogram counts
 * deliveries of events applied after the warm-up only. An observer told {@code resync} subscribes
 * again at once, as a client must; the resyncs of a step are reported (events dropped for them show
 * as fewer deliveries than expected). Producers are {@code max(10, rate / 4)} users cycling join,
 * three attribute sets and leave, each well under the attribute rate limit. Observers' WebSocket
 * stacks answer the server's pings by themselves, which the server needs (see its Outbox).
 *
 * <pre>
 * java -cp presence-it/target/test-classes dev.presence.it.load.WsFanoutDriver \
 *     --url ws://127.0.0.1:8080/ws/v1 --observers 100 --rates 100,200,400 --duration 20
 * </pre>
 *
 * Options (defaults): {@code --url} (ws://127.0.0.1:8080/ws/v1), {@code --observers} (100), {@code
 * --rates} operations per second, comma-separated steps (100,200,400), {@code --duration} seconds
 * per step (20), {@code --warmup} seconds per step (3), {@code --channel} (fanout-&lt;time&gt;).
 * Every loop is bounded by the durations; the program ends by itself.
 */
public final class WsFanoutDriver {

  /** Latency histogram: 10 µs buckets up to 100 ms, then 1 ms buckets up to 60 s. */
  static final class Histogram {
    private static final int FINE = 10_000; // 10 µs buckets: 0..100 ms
    private static final int COARSE = 60_000; // 1 ms buckets: 0..60 s
    private final AtomicLongArray fine = new AtomicLongArray(FINE);
    private final AtomicLongArray coarse = new AtomicLongArray(COARSE + 1);
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong max = new AtomicLong();

    void record(long nanos) {
      long micros = Math.max(0, nanos / 1000);
      if (micros < FINE * 10L) {
        fine.incrementAndGet((int) (micros / 10));
      } else {
        coarse.incrementAndGet((int) Math.min(COARSE, micros / 1000));
      }
      count.incrementAndGet();
      max.accumulateAndGet(micros, Math::max);
    }

    long count() {
      return count.get();
    }

    /** The value (ms) below which {@code q} of the recorded latencies fall. */
    double quantileMillis(double q) {
      long n = count.get();
      if (n == 0) {
        return Double.NaN;
      }
      long rank = (long) Math.ceil(q * n);
      long seen = 0;
      for (int i = 0; i < FINE; i++) {
        seen += fine.get(i);
        if (seen >= rank) {
          return (i + 1) * 0.01;
        }
      }
      for (int i = 0; i <= COARSE; i++) {
        seen += coarse.get(i);
        if (seen >= rank) {
          return i + 1;
        }
      }
      return max.get() / 1000.0;
    }

    double maxMillis() {
      return max.get() / 1000.0;
    }
  }

  /** One connection; counts what it receives. */
  static final class Conn implements WebSocket.Listener {
    final String name;
    final StringBuilder partial = new StringBuilder();
    final CompletableFuture<String> closed = new CompletableFuture<>();
    final AtomicLong frames = new AtomicLong();
    final AtomicLong batches = new AtomicLong();
    final AtomicLong events = new AtomicLong();
    final AtomicLong resyncs = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicLong snapshots = new AtomicLong();
    volatile Histogram histogram;
    volatile Instant measureFrom = Instant.MAX;
    volatile CountDownLatch snapshot = new CountDownLatch(1);
    WebSocket ws;

    Conn(String name, Histogram histogram) {
      this.name = name;
      this.histogram = histogram;
    }

    @Override
    public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        long receivedNanos = System.nanoTime();
        Instant received = Instant.now();
        String text = partial.toString();
        partial.setLength(0);
        onFrame(text, received, receivedNanos);
      }
      socket.request(1);
      return null;
    }

    private void onFrame(String text, Instant received, long receivedNanos) {
      frames.incrementAndGet();
      if (text.startsWith("{\"type\":\"batch\"")) {
        batches.incrementAndGet();
      }
      int from = 0;
      while (true) {
        int at = text.indexOf("\"type\":\"", from);
        if (at < 0) {
          break;
        }
        int start = at + 8;
        int end = text.indexOf('"', start);
        String type = text.substring(start, end);
        from = end;
        switch (type) {
          case "event" -> {
            events.incrementAndGet();
            int ts = text.indexOf("\"timestamp\":\"", end);
            if (ts > 0) {
              int tsEnd = text.indexOf('"', ts + 13);
              try {
                Instant t = Instant.parse(text.substring(ts + 13, tsEnd));
                if (!t.isBefore(measureFrom)) {
                  histogram.record(Duration.between(t, received).toNanos());
                }
              } catch (DateTimeParseException e) {
                errors.incrementAndGet();
              }
              from = tsEnd;
            }
          }
          case "resync" -> {
            // As a client must: take a new snapshot (the server closed the old subscription).
            resyncs.incrementAndGet();
            String channel = text.substring(text.indexOf("\"channel\":\"", end) + 11);
            channel = channel.substring(0, channel.indexOf('"'));
            resubscribe(channel);
          }
          case "error" -> errors.incrementAndGet();
          case "snapshot" -> {
            snapshots.incrementAndGet();
            snapshot.countDown();
          }
          default -> {
            // ok replies, batch envelopes
          }
        }
      }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
      closed.complete(code + " " + reason);
      return null;
    }

    @Override
    public void onError(WebSocket socket, Throwable error) {
      closed.complete("error " + error);
    }

    void send(String text) {
      synchronized (this) {
        ws.sendText(text, true).join();
      }
    }

    private void resubscribe(String channel) {
      String request = "{\"id\":\"s\",\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}";
      CompletableFuture.runAsync(() -> send(request));
    }
  }

  private final URI url;
  private final HttpClient http = HttpClient.newHttpClient();

  private WsFanoutDriver(URI url) {
    this.url = url;
  }

  static String token(String sub) {
    Base64.Encoder e = Base64.getUrlEncoder().withoutPadding();
    return e.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + e.encodeToString(("{\"sub\":\"" + sub + "\"}").getBytes(StandardCharsets.UTF_8))
        + ".";
  }

  private Conn connect(String user, Histogram histogram) {
    Conn c = new Conn(user, histogram);
    c.ws =
        http.newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(URI.create(url + "?access_token=" + token(user)), c)
            .orTimeout(20, TimeUnit.SECONDS)
            .join();
    return c;
  }

  /** The result of one step. */
  record Step(
      int targetRate,
      double opsPerSecond,
      long expected,
      long delivered,
      double deliveriesPerSecond,
      double p50,
      double p90,
      double p99,
      double max,
      long frames,
      long batches,
      long resyncs,
      long errors,
      int closed) {

    String line() {
      return String.format(
          Locale.ROOT,
          "rate %5d ops/s | achieved %7.1f ops/s | deliveries %8.0f/s (%d of %d) | latency ms"
              + " p50 %7.2f p90 %7.2f p99 %7.2f max %8.2f | frames %d (batches %d) | resyncs %d"
              + " errors %d closed %d",
          targetRate,
          opsPerSecond,
          deliveriesPerSecond,
          delivered,
          expected,
          p50,
          p90,
          p99,
          max,
          frames,
          batches,
          resyncs,
          errors,
          closed);
    }
  }

  private Step step(
      String channel, List<Conn> observers, int rate, Duration warmup, Duration duration)
      throws InterruptedException {
    int producerCount = Math.max(10, rate / 4); // each user stays under the attribute rate limit
    Histogram histogram = new Histogram();
    for (Conn o : observers) {
      o.histogram = histogram;
      o.measureFrom = Instant.MAX;
    }
    List<Conn> producers = new ArrayList<>();
    for (int i = 0; i < producerCount; i++) {
      producers.add(connect("drv-" + rate + "-" + i, histogram));
    }
    long[] before = totals(observers);
    AtomicInteger next = new AtomicInteger();
    AtomicLong ops = new AtomicLong();
    int[] phase = new int[producerCount]; // 0 absent, 1..3 present (attribute sets), then leave
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    long periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
    Instant measureFrom = Instant.now().plus(warmup);
    ScheduledFuture<?> task =
        timer.scheduleAtFixedRate(
            () -> {
              int i = Math.floorMod(next.getAndIncrement(), producerCount);
              Conn p = producers.get(i);
              String op =
                  switch (phase[i]) {
                    case 0 -> "{\"type\":\"join\",\"channel\":\"" + channel + "\"}";
                    case 1, 2, 3 ->
                        "{\"type\":\"setAttributes\",\"channel\":\""
                            + channel
                            + "\",\"attributes\":{\"n\":\""
                            + ops.get()
                            + "\"}}";
                    default -> "{\"type\":\"leave\",\"channel\":\"" + channel + "\"}";
                  };
              try {
                p.ws.sendText(op, true);
                phase[i] = (phase[i] + 1) % 5;
                ops.incrementAndGet();
              } catch (RuntimeException e) {
                p.errors.incrementAndGet(); // the previous send of this producer is still pending
              }
            },
            0,
            periodNanos,
            TimeUnit.NANOSECONDS);
    Thread.sleep(warmup.toMillis());
    for (Conn o : observers) {
      o.measureFrom = measureFrom;
    }
    long opsAtStart = ops.get();
    long start = System.nanoTime();
    Thread.sleep(duration.toMillis());
    long opsInWindow = ops.get() - opsAtStart;
    task.cancel(false);
    timer.shutdown();
    timer.awaitTermination(5, TimeUnit.SECONDS);
    double seconds = (System.nanoTime() - start) / 1e9;
    // let deliveries of the window arrive (bounded wait)
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long expected = opsInWindow * observers.size();
    long last = -1;
    while (System.nanoTime() < deadline) {
      long now = histogram.count();
      if (now >= expected || now == last) {
        break;
      }
      last = now;
      Thread.sleep(500);
    }
    long[] after = totals(observers);
    long producerErrors = producers.stream().mapToLong(p -> p.errors.get()).sum();
    int closed = (int) observers.stream().filter(o -> o.closed.isDone()).count();
    Step result =
        new Step(
            rate,
            opsInWindow / seconds,
            expected,
            histogram.count(),
            histogram.count() / seconds,
            histogram.quantileMillis(0.50),
            histogram.quantileMillis(0.90),
            histogram.quantileMillis(0.99),
            histogram.maxMillis(),
            after[0] - before[0],
            after[1] - before[1],
            after[2] - before[2],
            after[3] - before[3] + producerErrors,
            closed);
    for (int i = 0; i < producerCount; i++) {
      Conn p = producers.get(i);
      try {
        if (phase[i] != 0) {
          p.send("{\"type\":\"leave\",\"channel\":\"" + channel + "\"}");
        }
        p.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
      } catch (RuntimeException e) {
        System.out.println(p.name + ": could not leave and close: " + e);
      }
    }
    return result;
  }

  private static long[] totals(List<Conn> conns) {
    long[] t = new long[4];
    for (Conn c : conns) {
      t[0] += c.frames.get();
      t[1] += c.batches.get();
      t[2] += c.resyncs.get();
      t[3] += c.errors.get();
    }
    return t;
  }

  /**
   * Runs the steps and prints one line per step.
   *
   * @param args see the class description
   * @throws Exception if the server cannot be reached
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("url", "ws://127.0.0.1:8080/ws/v1");
    options.put("observers", "100");
    options.put("rates", "100,200,400");
    options.put("duration", "20");
    options.put("warmup", "3");
    options.put("channel", "fanout-" + System.currentTimeMillis());
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--") || !options.containsKey(args[i].substring(2))) {
        throw new IllegalArgumentException(
            "unknown option " + args[i] + "; known: " + options.keySet());
      }
      options.put(args[i].substring(2), args[i + 1]);
    }
    WsFanoutDriver driver = new WsFanoutDriver(URI.create(options.get("url")));
    String channel = options.get("channel");
    int observerCount = Integer.parseInt(options.get("observers"));
    Duration duration = Duration.ofSeconds(Long.parseLong(options.get("duration")));
    Duration warmup = Duration.ofSeconds(Long.parseLong(options.get("warmup")));
    int[] rates =
        Arrays.stream(options.get("rates").split(",")).mapToInt(Integer::parseInt).toArray();
    System.out.println("options " + options);

    Histogram none = new Histogram();
    List<Conn> observers = new ArrayList<>();
    for (int i = 0; i < observerCount; i++) {
      Conn o = driver.connect("obs-" + i, none);
      o.send("{\"id\":\"s\",\"type\":\"subscribe\",\"channel\":\"" + channel + "\"}");
      observers.add(o);
    }
    for (Conn o : observers) {
      if (!o.snapshot.await(20, TimeUnit.SECONDS)) {
        throw new IllegalStateException(o.name + " got no snapshot");
      }
    }
    System.out.println(observerCount + " observers subscribed to " + channel);
    List<Step> steps = new ArrayList<>();
    for (int rate : rates) {
      Step s = driver.step(channel, observers, rate, warmup, duration);
      steps.add(s);
      System.out.println(s.line());
      if (s.closed() > 0) {
        System.out.println("observers were closed; stopping");
        break;
      }
    }
    for (Conn o : observers) {
      try {
        o.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done");
      } catch (RuntimeException e) {
        System.out.println(o.name + ": could not close: " + e);
      }
    }
    System.out.println("done: " + steps.size() + " step(s)");
    System.exit(0);
  }
}
