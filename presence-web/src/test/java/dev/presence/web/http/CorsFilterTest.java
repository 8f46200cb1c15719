package dev.presence.web.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.web.config.AllowedOrigins;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CORS: the headers of each request")
class CorsFilterTest {

  private static final String SITE = "http://127.0.0.1:8081";
  private static final AllowedOrigins LISTED = AllowedOrigins.parse(SITE);

  @Test
  @DisplayName("the client library is for every origin, whatever the configuration")
  void clientLibrary() {
    for (AllowedOrigins o : new AllowedOrigins[] {AllowedOrigins.NONE, LISTED}) {
      for (String path : new String[] {"/presence.js", "/presence.d.ts"}) {
        CorsFilter.Answer a = CorsFilter.answer(o, "GET", path, "https://other.example", null);
        assertThat(a.headers()).containsEntry("Access-Control-Allow-Origin", "*");
        assertThat(a.error()).isNull();
        assertThat(a.done()).isFalse();
      }
    }
  }

  @Test
  @DisplayName("unset: the API sends no CORS headers and answers preflights itself")
  void unset() {
    CorsFilter.Answer a = CorsFilter.answer(AllowedOrigins.NONE, "OPTIONS", "/api/v1", SITE, "PUT");
    assertThat(a.headers()).isEmpty();
    assertThat(a.error()).isNull();
    assertThat(a.done()).isFalse();
  }

  @Test
  @DisplayName("a preflight from a listed origin is answered here with methods, headers, max age")
  void preflightAllowed() {
    CorsFilter.Answer a = CorsFilter.answer(LISTED, "OPTIONS", "/api/v1", SITE, "PUT");
    assertThat(a.done()).isTrue();
    assertThat(a.error()).isNull();
    assertThat(a.headers())
        .containsEntry("Access-Control-Allow-Origin", SITE)
        .containsEntry("Vary", "Origin")
        .containsEntry("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
        .containsEntry("Access-Control-Allow-Headers", "Authorization, Content-Type")
        .containsEntry("Access-Control-Max-Age", "600")
        .doesNotContainKey("Access-Control-Allow-Credentials");
  }

  @Test
  @DisplayName("a preflight from another origin is 403 FORBIDDEN without CORS headers")
  void preflightRefused() {
    CorsFilter.Answer a =
        CorsFilter.answer(LISTED, "OPTIONS", "/api/v1", "http://127.0.0.1:8082", "GET");
    assertThat(a.error()).isNotNull();
    assertThat(a.error().status()).isEqualTo(403);
    assertThat(a.error().body().getJsonObject("error").getString("code")).isEqualTo("FORBIDDEN");
    assertThat(a.headers()).containsOnlyKeys("Vary");
  }

  @Test
  @DisplayName("an actual request from a listed origin gets its origin back and exposed headers")
  void actual() {
    CorsFilter.Answer a = CorsFilter.answer(LISTED, "GET", "/api/v1", SITE, null);
    assertThat(a.done()).isFalse();
    assertThat(a.error()).isNull();
    assertThat(a.headers())
        .containsEntry("Access-Control-Allow-Origin", SITE)
        .containsEntry("Access-Control-Expose-Headers", "Retry-After, X-Presence-Dev-Mode")
        .doesNotContainKey("Access-Control-Allow-Credentials");
  }

  @Test
  @DisplayName("an actual request from another origin, or without one, passes with Vary only")
  void otherOrigins() {
    assertThat(CorsFilter.answer(LISTED, "GET", "/api/v1", "https://evil.example", null).headers())
        .containsOnlyKeys("Vary");
    CorsFilter.Answer none = CorsFilter.answer(LISTED, "OPTIONS", "/api/v1", null, "GET");
    assertThat(none.headers()).containsOnlyKeys("Vary");
    assertThat(none.error()).isNull();
    assertThat(none.done()).isFalse();
  }

  @Test
  @DisplayName("* answers every origin with *")
  void any() {
    CorsFilter.Answer a =
        CorsFilter.answer(AllowedOrigins.ANY, "OPTIONS", "/api/v1", "https://x.example", "DELETE");
    assertThat(a.done()).isTrue();
    assertThat(a.headers()).containsEntry("Access-Control-Allow-Origin", "*");
  }
}
