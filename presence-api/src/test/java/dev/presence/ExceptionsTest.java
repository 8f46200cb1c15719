package dev.presence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ExceptionsTest {

  private static final IllegalStateException CAUSE = new IllegalStateException("internal");

  private static List<PresenceException> oneOfEach() {
    return List.of(
        new InvalidArgumentException("m"),
        new UnauthenticatedException("m"),
        new ForbiddenException("m"),
        new NotPresentException("m"),
        new NotJoinedException("m"),
        new ChannelFullException("m"),
        new TooLargeException("m"),
        new RateLimitedException("m", Duration.ofSeconds(1)),
        new UnavailableException("m", CAUSE));
  }

  @Test
  @DisplayName("each error code has exactly one exception type")
  void oneTypePerCode() {
    Map<ErrorCode, Class<?>> byCode =
        oneOfEach().stream().collect(Collectors.toMap(PresenceException::code, Object::getClass));

    assertThat(byCode).hasSize(ErrorCode.values().length);
    assertThat(byCode.values()).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("codes carry the HTTP statuses of the specification")
  void httpStatuses() {
    Map<ErrorCode, Integer> statuses =
        java.util.Arrays.stream(ErrorCode.values())
            .collect(Collectors.toMap(Function.identity(), ErrorCode::httpStatus));

    assertThat(statuses)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                ErrorCode.INVALID_ARGUMENT, 400,
                ErrorCode.UNAUTHENTICATED, 401,
                ErrorCode.FORBIDDEN, 403,
                ErrorCode.NOT_PRESENT, 404,
                ErrorCode.NOT_JOINED, 409,
                ErrorCode.CHANNEL_FULL, 409,
                ErrorCode.TOO_LARGE, 413,
                ErrorCode.RATE_LIMITED, 429,
                ErrorCode.UNAVAILABLE, 503));
  }

  @Test
  @DisplayName("the message is kept as given and the cause is kept apart from it")
  void messageAndCause() {
    UnavailableException e = new UnavailableException("the store is unreachable", CAUSE);

    assertThat(e).hasMessage("the store is unreachable").hasCause(CAUSE);
    assertThat(new NotJoinedException("join first")).hasMessage("join first").hasNoCause();
  }

  @Test
  @DisplayName("RateLimitedException says when to retry and refuses a negative wait")
  void rateLimited() {
    assertThat(new RateLimitedException("slow down", Duration.ofMillis(1500)).retryAfter())
        .isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> new RateLimitedException("slow down", Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
