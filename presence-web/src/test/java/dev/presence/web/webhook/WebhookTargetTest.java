package dev.presence.web.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The batching, retry, overflow and shutdown rules of one URL, on a fake clock. */
class WebhookTargetTest {

  private static final byte[] SECRET = "0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final URI URL = URI.create("http://127.0.0.1:1/hook");

  private long now = 1_000_000;
  private final Deque<Integer> answers = new ArrayDeque<>();
  private final List<Request> requests = new ArrayList<>();

  record Request(long at, Map<String, String> headers, String body) {
    List<String> events() {
      JsonObject o = Json.createReader(new StringReader(body)).readObject();
      return o.getJsonArray("events").getValuesAs(JsonObject.class).stream()
          .map(e -> e.getString("name"))
          .toList();
    }

    long timeMs() {
      return Json.createReader(new StringReader(body))
          .readObject()
          .getJsonNumber("timeMs")
          .longValue();
    }
  }

  /** Answers from {@link #answers} (200 when empty); each request takes 10 ms of fake time. */
  private final WebhookTransport transport =
      new WebhookTransport() {
        @Override
        public Result post(URI url, Map<String, String> headers, byte[] body) {
          requests.add(new Request(now, headers, new String(body, StandardCharsets.UTF_8)));
          now += 10;
          int status = answers.isEmpty() ? 200 : answers.pollFirst();
          return new Result(status, status < 0 ? "no answer" : "answered " + status);
        }

        @Override
        public void close() {}
      };

  private WebhookTarget target(int capacity, Duration maxRetry) {
    WebhookSettings s =
        new WebhookSettings(
            List.of(URL),
            SECRET,
            capacity,
            maxRetry,
            Duration.ofMillis(500),
            Duration.ofSeconds(4),
            Duration.ofSeconds(1),
            100,
            Duration.ofSeconds(1));
    return new WebhookTarget(
        URL,
        "test",
        s,
        transport,
        new WebhookSigner(SECRET),
        new Backoff(s.minBackoff(), s.maxBackoff(), () -> 0.999_999),
        () -> now);
  }

  private static String event(int n) {
    return "{\"name\":\"e" + n + "\"}";
  }

  private static void offer(WebhookTarget t, int from, int to) {
    for (int i = from; i < to; i++) {
      t.offer(List.of(event(i)));
    }
  }

  private static List<String> names(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> "e" + i).toList();
  }

  /** Steps until idle or a wait, advancing the fake clock to each due time (at most 1000 times). */
  private void runUntilIdle(WebhookTarget t) {
    for (int i = 0; i < 1000; i++) {
      long next = t.step();
      if (next == WebhookTarget.IDLE || next == WebhookTarget.DONE) {
        return;
      }
      now = Math.max(now, next);
    }
    throw new AssertionError("not idle after 1000 steps");
  }

  @Test
  void fewEventsWaitOneSecondForTheirBatch() {
    WebhookTarget t = target(1000, Duration.ofMinutes(1));
    offer(t, 0, 3);
    long due = t.step();
    assertThat(due).isEqualTo(now + 1000);
    assertThat(requests).isEmpty();
    now += 999;
    assertThat(t.step()).isEqualTo(due);
    now += 1;
    t.step();
    assertThat(requests).singleElement().extracting(Request::events).isEqualTo(names(0, 3));
    assertThat(t.step()).isEqualTo(WebhookTarget.IDLE);
    assertThat(t.metrics().delivered()).isEqualTo(3);
  }

  @Test
  void aHundredEventsGoAtOnceAndABatchNeverHoldsMore() {
    WebhookTarget t = target(1000, Duration.ofMinutes(1));
    offer(t, 0, 250);
    long start = now;
    t.step();
    t.step();
    assertThat(requests).hasSize(2);
    assertThat(requests.get(0).at()).isEqualTo(start);
    assertThat(requests.get(0).events()).isEqualTo(names(0, 100));
    assertThat(requests.get(1).events()).isEqualTo(names(100, 200));
    assertThat(t.step()).as("the last 50 wait for their second").isEqualTo(start + 1000);
    runUntilIdle(t);
    assertThat(requests.get(2).events()).isEqualTo(names(200, 250));
    assertThat(t.metrics().batches()).isEqualTo(3);
  }

  @Test
  void everyRequestIsSignedOverItsOwnTimestampAndBody() {
    WebhookTarget t = target(1000, Duration.ofMinutes(1));
    answers.add(500);
    offer(t, 0, 100);
    runUntilIdle(t);
    assertThat(requests).hasSize(2);
    WebhookSigner signer = new WebhookSigner(SECRET);
    for (Request r : requests) {
      String ts = r.headers().get("X-Presence-Timestamp");
      assertThat(Long.parseLong(ts)).isEqualTo(r.at()).isEqualTo(r.timeMs());
      assertThat(r.headers().get("X-Presence-Signature"))
          .isEqualTo(signer.sign(r.at(), r.body().getBytes(StandardCharsets.UTF_8)));
    }
    assertThat(requests.get(1).at()).isGreaterThan(requests.get(0).at());
  }

  @Test
  void aFailedBatchIsRetriedWithGrowingWaitsAndNothingOvertakesIt() {
    WebhookTarget t = target(1000, Duration.ofMinutes(1));
    answers.addAll(List.of(500, -1, 503, 302, 404));
    offer(t, 0, 100);
    t.step();
    offer(t, 100, 150);
    runUntilIdle(t);
    assertThat(requests).hasSize(7);
    for (int i = 0; i < 6; i++) {
      assertThat(requests.get(i).events()).as("attempt %d", i + 1).isEqualTo(names(0, 100));
    }
    assertThat(requests.get(6).events()).isEqualTo(names(100, 150));
    // Waits (jitter at its top): 500, 1000, 2000, 4000, 4000 ms after each failed attempt's end.
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < 6; i++) {
      gaps.add(requests.get(i).at() - requests.get(i - 1).at() - 10);
    }
    assertThat(gaps).containsExactly(500L, 1000L, 2000L, 4000L, 4000L);
    WebhookMetrics m = t.metrics();
    assertThat(m.failedAttempts()).isEqualTo(5);
    assertThat(m.delivered()).isEqualTo(150);
    assertThat(m.droppedRetries()).isZero();
  }

  @Test
  void aBatchFailingLongerThanMaxRetryIsDroppedAndCountedThenTheNextGoes() {
    WebhookTarget t = target(1000, Duration.ofSeconds(3));
    for (int i = 0; i < 10; i++) {
      answers.add(500);
    }
    offer(t, 0, 100);
    t.step();
    offer(t, 100, 101);
    answers.clear();
    answers.addAll(List.of(500, 500, 500, 500));
    runUntilIdle(t);
    // Attempts at 0, ~510, ~1520, ~3530 would exceed 3 s: three attempts, then dropped.
    assertThat(requests.stream().filter(r -> r.events().size() == 100)).hasSize(3);
    assertThat(t.metrics().droppedRetries()).isEqualTo(100);
    assertThat(requests.get(requests.size() - 1).events()).isEqualTo(names(100, 101));
    assertThat(t.metrics().delivered()).isEqualTo(1);
  }

  @Test
  void maxRetryZeroMeansOneAttempt() {
    WebhookTarget t = target(1000, Duration.ZERO);
    answers.add(500);
    offer(t, 0, 100);
    runUntilIdle(t);
    assertThat(requests).hasSize(1);
    assertThat(t.metrics().droppedRetries()).isEqualTo(100);
  }

  @Test
  void aFullQueueDropsTheOldestAndCountsThem() {
    WebhookTarget t = target(150, Duration.ofMinutes(1));
    answers.add(500);
    offer(t, 0, 100);
    t.step(); // batch 0..99 in flight, failed
    offer(t, 100, 400); // 300 more into a queue of 150
    assertThat(t.metrics().droppedQueueFull()).isEqualTo(150);
    assertThat(t.metrics().queued()).isEqualTo(150);
    runUntilIdle(t);
    List<String> sent = new ArrayList<>();
    requests.stream().skip(1).forEach(r -> sent.addAll(r.events()));
    List<String> expected = new ArrayList<>(names(0, 100));
    expected.addAll(names(250, 400));
    assertThat(sent).isEqualTo(expected);
  }

  @Test
  void closingSendsWhatIsQueuedAtOnceAndDropsWhatMissesTheDeadline() {
    WebhookTarget t = target(1000, Duration.ofMinutes(1));
    offer(t, 0, 5);
    t.close(now + 2000);
    t.offer(List.of(event(99)));
    assertThat(t.metrics().droppedShutdown()).as("offered after close").isEqualTo(1);
    assertThat(t.step()).as("no batch delay when closing").isLessThanOrEqualTo(now);
    assertThat(requests).singleElement().extracting(Request::events).isEqualTo(names(0, 5));
    assertThat(t.step()).isEqualTo(WebhookTarget.DONE);

    WebhookTarget down = target(1000, Duration.ofMinutes(1));
    requests.clear();
    for (int i = 0; i < 100; i++) {
      answers.add(-1);
    }
    offer(down, 0, 150);
    down.close(now + 2000);
    runUntilIdle(down);
    assertThat(now).isLessThan(1_000_000 + 10_000);
    WebhookMetrics m = down.metrics();
    assertThat(m.droppedShutdown()).isEqualTo(150);
    assertThat(m.delivered()).isZero();
  }

  @Test
  void theBodyIsTheBatchEnvelope() {
    byte[] body =
        WebhookTarget.body(
            42,
            List.of(new WebhookTarget.Queued("{\"a\":1}", 0), new WebhookTarget.Queued("{}", 0)));
    assertThat(new String(body, StandardCharsets.UTF_8))
        .isEqualTo("{\"timeMs\":42,\"events\":[{\"a\":1},{}]}");
  }
}
