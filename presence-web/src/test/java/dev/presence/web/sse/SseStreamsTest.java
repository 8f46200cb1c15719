package dev.presence.web.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.connection.ConnectionLimiter;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.ops.OperationMetrics;
import dev.presence.web.sse.SseConnectionTest.FakeSse;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.SseEventSink;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bounded sender pool and the stuck-write watchdog, with sinks that block in {@code send} as
 * Jersey's do on Grizzly when the client does not read, a fake clock, and the real engine.
 */
class SseStreamsTest {

  static final ChannelId ROOM = ChannelId.of("room");
  static final int THREADS = 4;
  static final Duration STUCK = Duration.ofSeconds(30);
  static final Duration BUSY_STUCK = Duration.ofSeconds(5);

  InMemoryPresenceBackend backend;
  PresenceEngine engine;
  SseStreams streams;
  ConnectionLimiter limiter;
  OperationMetrics metrics;
  ThreadPoolExecutor pool;
  final AtomicLong clock = new AtomicLong(1_000_000_000L);
  final Set<Thread> senderThreads = ConcurrentHashMap.newKeySet();
  final List<BlockingSink> stuck = new ArrayList<>();
  final List<ReadingSink> healthy = new ArrayList<>();

  @BeforeEach
  void start() {
    backend = new InMemoryPresenceBackend();
    engine =
        new PresenceEngine(backend, EngineConfig.defaults(), InstantSource.system(), List.of());
    engine.start();
    limiter = new ConnectionLimiter(1000, 1000);
    metrics = new OperationMetrics();
    streams = new SseStreams();
    streams.presence = engine;
    streams.config = PresenceConfig.of(Map.of());
    streams.metrics = metrics;
    streams.limiter = limiter;
    pool = streams.startSenders(THREADS, clock::get, STUCK, BUSY_STUCK);
  }

  @AfterEach
  void stop() {
    stuck.forEach(BlockingSink::release);
    streams.shutdown();
    engine.close();
    backend.close();
  }

  @Test
  @DisplayName("the pool has max(4, 2 x processors) threads")
  void theBound() {
    assertThat(SseStreams.senderThreads(1)).isEqualTo(4);
    assertThat(SseStreams.senderThreads(2)).isEqualTo(4);
    assertThat(SseStreams.senderThreads(8)).isEqualTo(16);
  }

  @Test
  @DisplayName("fewer stuck clients than threads: the others flow; the stuck are closed at 30 s")
  void fewStuckStreams() {
    openStuck(2);
    openHealthy(2);
    await().atMost(Duration.ofSeconds(10)).until(() -> blockedWrites() == 2);
    engine.join(ROOM, UserId.of("alice"));
    engine.join(ROOM, UserId.of("bob"));
    for (ReadingSink h : healthy) {
      await().atMost(Duration.ofSeconds(10)).until(() -> h.names().size() == 3);
      assertThat(h.names()).containsExactly("snapshot", "join", "join");
    }

    clock.addAndGet(STUCK.minusSeconds(1).toNanos());
    assertThat(streams.closeStuck()).as("blocked 29 s, no stream waits for a thread").isZero();
    assertThat(streams.openStreams()).isEqualTo(4);

    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(streams.closeStuck()).isEqualTo(2);
    assertStuckClosedAndCounted(2);
    assertThat(senderThreads).hasSizeLessThanOrEqualTo(THREADS);
  }

  @Test
  @DisplayName(
      "50 stuck clients: at most 4 threads, all closed, the healthy streams get every event")
  void manyStuckStreams() {
    openStuck(50);
    openHealthy(3);
    engine.join(ROOM, UserId.of("alice"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> blockedWrites() == THREADS && !pool.getQueue().isEmpty());
    assertThat(pool.getPoolSize()).isEqualTo(THREADS);

    clock.addAndGet(BUSY_STUCK.minusSeconds(1).toNanos());
    assertThat(streams.closeStuck()).as("blocked 4 s").isZero();
    clock.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(streams.closeStuck())
        .as("blocked 6 s while streams wait for a thread: the blocked writes")
        .isEqualTo(THREADS);

    // Each round frees the threads for the next stuck streams in the queue; the watchdog runs as
    // it would every second, each time 6 s later.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> {
              clock.addAndGet(BUSY_STUCK.plusSeconds(1).toNanos());
              streams.closeStuck();
              return streams.openStreams() == healthy.size();
            });
    assertStuckClosedAndCounted(50);
    for (ReadingSink h : healthy) {
      await().atMost(Duration.ofSeconds(10)).until(() -> h.names().size() == 2);
      assertThat(h.names()).containsExactly("snapshot", "join");
    }

    engine.join(ROOM, UserId.of("bob"));
    engine.leave(ROOM, UserId.of("alice"));
    for (ReadingSink h : healthy) {
      await().atMost(Duration.ofSeconds(10)).until(() -> h.names().size() == 4);
      assertThat(h.names()).containsExactly("snapshot", "join", "join", "leave");
    }
    assertThat(senderThreads).hasSizeLessThanOrEqualTo(THREADS);
    assertThat(senderThreads).allMatch(t -> t.getName().startsWith("presence-sse-"));
    assertThat(pool.getLargestPoolSize()).isLessThanOrEqualTo(THREADS);
    assertThat(engine.metrics().localSubscriptions()).isEqualTo(healthy.size());
  }

  @Test
  @DisplayName("the sender threads are a gauge in /metrics")
  void gauge() {
    SseStreams s = new SseStreams();
    s.presence = engine;
    s.config = PresenceConfig.of(Map.of());
    s.metrics = new OperationMetrics();
    s.limiter = limiter;
    s.init();
    try {
      s.open(ROOM, UserId.of("reader"), new ReadingSink(), new FakeSse());
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> scrape(s.metrics).contains("presence_sse_sender_threads 1\n"));
    } finally {
      s.shutdown();
    }
  }

  private static String scrape(OperationMetrics m) {
    StringBuilder out = new StringBuilder();
    m.writeTo(out);
    return out.toString();
  }

  private void openStuck(int n) {
    for (int i = 0; i < n; i++) {
      BlockingSink sink = new BlockingSink();
      stuck.add(sink);
      streams.open(ROOM, UserId.of("stuck" + i), sink, new FakeSse());
    }
  }

  private void openHealthy(int n) {
    for (int i = 0; i < n; i++) {
      ReadingSink sink = new ReadingSink();
      healthy.add(sink);
      streams.open(ROOM, UserId.of("reader" + i), sink, new FakeSse());
    }
  }

  private int blockedWrites() {
    return stuck.stream().mapToInt(s -> s.blocked.get()).sum();
  }

  private void assertStuckClosedAndCounted(int n) {
    assertThat(streams.openStreams()).isEqualTo(healthy.size());
    assertThat(limiter.open()).as("permits released").isEqualTo(healthy.size());
    assertThat(scrape(metrics)).contains("presence_sse_streams " + healthy.size() + "\n");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> stuck.stream().allMatch(s -> s.closes.get() == 1));
    await().atMost(Duration.ofSeconds(10)).until(() -> blockedWrites() == 0);
    assertThat(stuck).hasSize(n);
    assertThat(healthy).noneMatch(h -> h.closed);
  }

  /** A client that never reads: every send blocks until released, or interrupted as on Grizzly. */
  final class BlockingSink implements SseEventSink {
    final CountDownLatch released = new CountDownLatch(1);
    final AtomicInteger blocked = new AtomicInteger();
    final AtomicInteger closes = new AtomicInteger();

    void release() {
      released.countDown();
    }

    @Override
    public boolean isClosed() {
      return closes.get() > 0;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
      senderThreads.add(Thread.currentThread());
      blocked.incrementAndGet();
      try {
        released.await();
        return CompletableFuture.completedFuture(null);
      } catch (InterruptedException e) {
        return CompletableFuture.failedFuture(new IOException("connection closed", e));
      } finally {
        blocked.decrementAndGet();
      }
    }

    @Override
    public void close() {
      closes.incrementAndGet();
    }
  }

  /** A client that reads everything at once. */
  final class ReadingSink implements SseEventSink {
    final List<String> events = new CopyOnWriteArrayList<>();
    volatile boolean closed;

    List<String> names() {
      return List.copyOf(events);
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
      senderThreads.add(Thread.currentThread());
      if (event.getName() != null) {
        events.add(event.getName());
      }
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
