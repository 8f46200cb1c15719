package dev.presence.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelFullException;
import dev.presence.ForbiddenException;
import dev.presence.InvalidArgumentException;
import dev.presence.NotJoinedException;
import dev.presence.NotPresentException;
import dev.presence.RateLimitedException;
import dev.presence.TooLargeException;
import dev.presence.UnauthenticatedException;
import dev.presence.UnavailableException;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ErrorMappingTest {

  @Test
  void presenceExceptionsMapByTheTableOfTheSpecification() {
    assertMapped(
        ErrorMapping.of(new InvalidArgumentException("bad id")), 400, "INVALID_ARGUMENT", "bad id");
    assertMapped(
        ErrorMapping.of(new UnauthenticatedException("no token")),
        401,
        "UNAUTHENTICATED",
        "no token");
    assertMapped(
        ErrorMapping.of(new ForbiddenException("members only")), 403, "FORBIDDEN", "members only");
    assertMapped(
        ErrorMapping.of(new NotPresentException("not here")), 404, "NOT_PRESENT", "not here");
    assertMapped(
        ErrorMapping.of(new NotJoinedException("join first")), 409, "NOT_JOINED", "join first");
    assertMapped(ErrorMapping.of(new ChannelFullException("full")), 409, "CHANNEL_FULL", "full");
    assertMapped(ErrorMapping.of(new TooLargeException("too big")), 413, "TOO_LARGE", "too big");
    assertMapped(ErrorMapping.of(new UnavailableException("down")), 503, "UNAVAILABLE", "down");
  }

  @Test
  void rateLimitedCarriesRetryAfterInWholeSecondsRoundedUp() {
    ErrorMapping m =
        ErrorMapping.of(new RateLimitedException("slow down", Duration.ofMillis(1200)));
    assertMapped(m, 429, "RATE_LIMITED", "slow down");
    assertThat(m.retryAfterSeconds()).isEqualTo(2L);
    assertThat(ErrorMapping.retryAfterSeconds(Duration.ZERO)).isEqualTo(1);
    assertThat(ErrorMapping.retryAfterSeconds(Duration.ofSeconds(3))).isEqualTo(3);
    assertThat(ErrorMapping.retryAfterSeconds(Duration.ofMillis(3001))).isEqualTo(4);
  }

  @Test
  void protocolErrorsKeepTheirStatus() {
    assertMapped(
        ErrorMapping.ofStatus(404, null),
        404,
        "INVALID_ARGUMENT",
        "there is no such resource; see /openapi for the API");
    ErrorMapping m = ErrorMapping.ofStatus(405, "GET, PUT");
    assertThat(m.status()).isEqualTo(405);
    assertThat(m.code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(m.allow()).isEqualTo("GET, PUT");
    assertThat(m.message()).contains("GET, PUT");
    assertThat(ErrorMapping.ofStatus(415, null).status()).isEqualTo(415);
    assertThat(ErrorMapping.ofStatus(401, null).code()).isEqualTo("UNAUTHENTICATED");
    assertThat(ErrorMapping.ofStatus(413, null).code()).isEqualTo("TOO_LARGE");
    assertThat(ErrorMapping.ofStatus(503, null).code()).isEqualTo("UNAVAILABLE");
    assertThat(ErrorMapping.ofStatus(418, null).code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(ErrorMapping.ofStatus(502, null).status()).isEqualTo(500);
  }

  @Test
  void unexpectedFailuresRevealNothing() {
    ErrorMapping m = ErrorMapping.of(new NullPointerException("field x of com.acme.Secret"));
    assertThat(m.status()).isEqualTo(500);
    assertThat(m.code()).isEqualTo("INTERNAL");
    assertThat(m.unexpected()).isTrue();
    assertThat(m.body().toString())
        .isEqualTo(
            "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"the server failed to process the"
                + " request\"}}")
        .doesNotContain("Secret", "NullPointer");
    assertThat(ErrorMapping.of(new IOException("broken pipe")).status()).isEqualTo(400);
  }

  private static void assertMapped(ErrorMapping m, int status, String code, String message) {
    assertThat(m.status()).isEqualTo(status);
    assertThat(m.code()).isEqualTo(code);
    assertThat(m.message()).isEqualTo(message);
    assertThat(m.unexpected()).isFalse();
    assertThat(m.body().getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(m.body().getJsonObject("error").getString("message")).isEqualTo(message);
  }
}
