package dev.presence.web.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.web.config.PresenceConfig;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookSettingsTest {

  private static final String SECRET = "a-secret-of-24-bytes-ok!";

  private static WebhookSettings settings(String... kv) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      values.put(kv[i], kv[i + 1]);
    }
    return WebhookSettings.from(PresenceConfig.of(values));
  }

  @Test
  void offWithoutUrlsAndTheDefaultsOtherwise() {
    assertThat(settings().enabled()).isFalse();
    WebhookSettings s =
        settings(
            "presence.webhooks.url",
            " http://127.0.0.1:9000/hook , https://example.com/x?token=1,http://127.0.0.1:9000/hook",
            "presence.webhooks.secret",
            SECRET);
    assertThat(s.urls())
        .containsExactly(
            URI.create("http://127.0.0.1:9000/hook"), URI.create("https://example.com/x?token=1"));
    assertThat(s.queueCapacity()).isEqualTo(10_000);
    assertThat(s.maxRetry()).isEqualTo(Duration.ofMinutes(10));
    assertThat(s.maxBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.batchSize()).isEqualTo(100);
    assertThat(s.batchDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.toString()).doesNotContain(SECRET);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "ftp://example.com/x",
        "file:///etc/passwd",
        "mailto:a@example.com",
        "127.0.0.1:8080/hook",
        "/relative/hook",
        "http://",
        "http://a b/",
        "http://example.com/,",
        ",http://example.com/",
        "http://example.com/#frag",
        "http://user:pw@example.com/",
        "javascript:alert(1)"
      })
  void anythingButAnHttpOrHttpsUrlFailsNamingTheKey(String url) {
    assertThatThrownBy(
            () -> settings("presence.webhooks.url", url, "presence.webhooks.secret", SECRET))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.webhooks.url");
  }

  @Test
  void urlsWithoutASecretFailTheDeployment() {
    assertThatThrownBy(() -> settings("presence.webhooks.url", "http://127.0.0.1:1/"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.webhooks.secret is not");
  }

  @Test
  void aShortSecretFailsWithoutShowingIt() {
    assertThatThrownBy(
            () ->
                settings(
                    "presence.webhooks.url",
                    "http://127.0.0.1:1/",
                    "presence.webhooks.secret",
                    "short-secret"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.webhooks.secret")
        .hasMessageNotContaining("short-secret");
  }

  @Test
  void outOfRangeValuesFailNamingTheKey() {
    for (List<String> bad :
        List.of(
            List.of("presence.webhooks.queue-capacity", "99"),
            List.of("presence.webhooks.queue-capacity", "1" + "0".repeat(1000)),
            List.of("presence.webhooks.queue-capacity", "ten"),
            List.of("presence.webhooks.max-retry", "8d"),
            List.of("presence.webhooks.max-retry", "-1s"),
            List.of("presence.webhooks.max-backoff", "50ms"),
            List.of("presence.webhooks.timeout", "61s"),
            List.of("presence.webhooks.timeout", "soon"))) {
      assertThatThrownBy(() -> settings(bad.get(0), bad.get(1)))
          .as("%s", bad)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(bad.get(0));
    }
  }

  @Test
  void aShortMaxBackoffAlsoShortensTheFirstWait() {
    WebhookSettings s = settings("presence.webhooks.max-backoff", "200ms");
    assertThat(s.minBackoff()).isEqualTo(Duration.ofMillis(200));
  }
}
