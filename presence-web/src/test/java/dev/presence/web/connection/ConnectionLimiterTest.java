package dev.presence.web.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.UserId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConnectionLimiterTest {

  private static final UserId ALICE = UserId.of("alice");
  private static final UserId BOB = UserId.of("bob");

  @Test
  @DisplayName("the per-user limit refuses the user's next connection and no one else's")
  void perUser() {
    ConnectionLimiter limiter = new ConnectionLimiter(10, 2);
    AtomicReference<ConnectionLimiter.Refusal> refusal = new AtomicReference<>();
    ConnectionLimiter.Permit a1 = limiter.tryAcquire(ALICE, refusal::set);
    ConnectionLimiter.Permit a2 = limiter.tryAcquire(ALICE, refusal::set);
    assertThat(a1).isNotNull();
    assertThat(a2).isNotNull();
    assertThat(limiter.tryAcquire(ALICE, refusal::set)).isNull();
    assertThat(refusal).hasValue(ConnectionLimiter.Refusal.USER);
    assertThat(limiter.tryAcquire(BOB, refusal::set)).isNotNull();
    assertThat(limiter.open()).isEqualTo(3);
    assertThat(limiter.open(ALICE)).isEqualTo(2);
    a1.release();
    a1.release(); // counted once
    assertThat(limiter.open(ALICE)).isEqualTo(1);
    assertThat(limiter.tryAcquire(ALICE, refusal::set)).isNotNull();
    assertThat(limiter.refused(ConnectionLimiter.Refusal.USER)).isEqualTo(1);
  }

  @Test
  @DisplayName("the node limit refuses any user's next connection; a release frees a place")
  void perNode() {
    ConnectionLimiter limiter = new ConnectionLimiter(2, 5);
    AtomicReference<ConnectionLimiter.Refusal> refusal = new AtomicReference<>();
    ConnectionLimiter.Permit first = limiter.tryAcquire(ALICE, refusal::set);
    assertThat(limiter.tryAcquire(BOB, refusal::set)).isNotNull();
    assertThat(limiter.tryAcquire(UserId.of("carol"), refusal::set)).isNull();
    assertThat(refusal).hasValue(ConnectionLimiter.Refusal.NODE);
    assertThat(limiter.open()).isEqualTo(2);
    assertThat(limiter.open(UserId.of("carol"))).isZero();
    first.release();
    assertThat(limiter.tryAcquire(UserId.of("carol"), refusal::set)).isNotNull();
    assertThat(limiter.refused(ConnectionLimiter.Refusal.NODE)).isEqualTo(1);
  }

  @Test
  @DisplayName("limits below 1 are refused")
  void badLimits() {
    assertThatThrownBy(() -> new ConnectionLimiter(0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ConnectionLimiter(1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("concurrent connects of one user never exceed the limits and all releases count")
  void concurrent() throws Exception {
    int threads = 8;
    ConnectionLimiter limiter = new ConnectionLimiter(1000, 5);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<Integer> seen = new ConcurrentLinkedQueue<>();
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int i = 0; i < 20_000; i++) {
                    ConnectionLimiter.Permit p = limiter.tryAcquire(ALICE, r -> {});
                    if (p != null) {
                      seen.add(limiter.open(ALICE));
                      p.release();
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(seen).isNotEmpty().allSatisfy(n -> assertThat(n).isBetween(1, 5));
    assertThat(limiter.open()).isZero();
    assertThat(limiter.open(ALICE)).isZero();
  }
}
