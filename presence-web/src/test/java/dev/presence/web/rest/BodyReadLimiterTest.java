package dev.presence.web.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.RateLimitedException;
import dev.presence.UnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class BodyReadLimiterTest {

  final BodyReadLimiter limiter = new BodyReadLimiter(3, 2, Duration.ofSeconds(10));

  @Test
  @DisplayName("one user over the per-user bound is rate limited, with Retry-After")
  void perUser() {
    limiter.acquire("alice");
    BodyReadLimiter.Permit second = limiter.acquire("alice");
    assertThatThrownBy(() -> limiter.acquire("alice"))
        .isInstanceOfSatisfying(
            RateLimitedException.class,
            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(10)));
    limiter.acquire("bob");
    second.release();
    second.release(); // idempotent
    limiter.acquire("alice");
    assertThat(limiter.inFlight()).isEqualTo(3);
  }

  @Test
  @DisplayName("the node over its bound is unavailable, and a refusal takes no place")
  void perNode() {
    limiter.acquire("a");
    limiter.acquire("b");
    BodyReadLimiter.Permit c = limiter.acquire("c");
    assertThatThrownBy(() -> limiter.acquire("d")).isInstanceOf(UnavailableException.class);
    assertThat(limiter.inFlight()).isEqualTo(3);
    c.release();
    limiter.acquire("d");
    assertThat(limiter.inFlight()).isEqualTo(3);
  }
}
