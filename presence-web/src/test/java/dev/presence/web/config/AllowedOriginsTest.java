package dev.presence.web.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Allowed origins: parsing, matching and the two configuration keys")
class AllowedOriginsTest {

  @Test
  @DisplayName("a list matches its origins without regard to case, and nothing else")
  void list() {
    AllowedOrigins o = AllowedOrigins.parse(" https://App.example.com , http://127.0.0.1:8081");
    assertThat(o.allows("https://app.example.com")).isTrue();
    assertThat(o.allows("HTTP://127.0.0.1:8081")).isTrue();
    assertThat(o.allows("http://127.0.0.1:8082")).isFalse();
    assertThat(o.allows("https://app.example.com:443")).isFalse();
    assertThat(o.allows("null")).isFalse();
    assertThat(o.allows(null)).isFalse();
    assertThat(AllowedOrigins.parse("http://[::1]:9").allows("http://[::1]:9")).isTrue();
  }

  @Test
  @DisplayName("* matches every origin and cannot be mixed with others")
  void any() {
    assertThat(AllowedOrigins.parse("*")).isEqualTo(AllowedOrigins.ANY);
    assertThat(AllowedOrigins.ANY.allows("https://x.example")).isTrue();
    assertThatThrownBy(() -> AllowedOrigins.parse("*,https://a.example"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("entries that are not scheme://host[:port] are refused")
  void malformed() {
    for (String bad :
        new String[] {
          "example.com",
          "https://example.com/",
          "https://example.com/path",
          "https://",
          "https://a.example:0",
          "https://a.example:70000",
          "https://a.example:",
          "",
          "https://a.example,",
          "https://user@a.example"
        }) {
      assertThatThrownBy(() -> AllowedOrigins.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("scheme://host[:port]");
    }
  }

  @Test
  @DisplayName(
      "CORS is off and WebSocket origins are open by default; bad values fail naming the key")
  void keys() {
    PresenceConfig defaults = PresenceConfig.of(Map.of());
    assertThat(defaults.corsAllowedOrigins()).isEqualTo(AllowedOrigins.NONE);
    assertThat(defaults.wsAllowedOrigins()).isEqualTo(AllowedOrigins.ANY);

    PresenceConfig set =
        PresenceConfig.of(
            Map.of(
                "presence.http.cors.allowed-origins", "https://a.example",
                "presence.ws.allowed-origins", "https://b.example"));
    assertThat(set.corsAllowedOrigins().allows("https://a.example")).isTrue();
    assertThat(set.wsAllowedOrigins().allows("https://a.example")).isFalse();
    assertThat(set.wsAllowedOrigins().allows("https://b.example")).isTrue();

    assertThatThrownBy(() -> PresenceConfig.of(Map.of("presence.ws.allowed-origins", "b.example")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("presence.ws.allowed-origins")
        .hasMessageContaining("'b.example'");
  }
}
