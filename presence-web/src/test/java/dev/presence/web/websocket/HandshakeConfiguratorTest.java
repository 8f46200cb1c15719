package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.UnauthenticatedException;
import dev.presence.web.config.AllowedOrigins;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Handshake: where the token comes from, and close reasons")
class HandshakeConfiguratorTest {

  @Test
  @DisplayName("the access_token query parameter carries the token (browsers)")
  void query() {
    assertThat(HandshakeConfigurator.token(Map.of(), Map.of("access_token", List.of("a.b.c"))))
        .isEqualTo("a.b.c");
  }

  @Test
  @DisplayName(
      "an Authorization bearer header carries it too, in any case, and wins over the query")
  void header() {
    assertThat(
            HandshakeConfigurator.token(
                Map.of("authorization", List.of("Bearer h.h.h")),
                Map.of("access_token", List.of("q.q.q"))))
        .isEqualTo("h.h.h");
    assertThat(
            HandshakeConfigurator.token(Map.of("Authorization", List.of("bearer x.y.z")), Map.of()))
        .isEqualTo("x.y.z");
  }

  @Test
  @DisplayName("no token is null; another scheme is refused")
  void none() {
    assertThat(HandshakeConfigurator.token(Map.of(), Map.of())).isNull();
    assertThat(HandshakeConfigurator.token(Map.of(), Map.of("access_token", List.of(" "))))
        .isNull();
    assertThatThrownBy(
            () ->
                HandshakeConfigurator.token(
                    Map.of("Authorization", List.of("Basic dTpw")), Map.of()))
        .isInstanceOf(UnauthenticatedException.class);
  }

  @Test
  @DisplayName(
      "close reasons are cut to the 123 bytes a close frame allows, on a character boundary")
  void reasons() {
    assertThat(SessionTransport.cut("short")).isEqualTo("short");
    String cut = SessionTransport.cut("é".repeat(100));
    assertThat(cut).isEqualTo("é".repeat(61));
    assertThat(SessionTransport.cut("x".repeat(200))).hasSize(123);
  }

  @Test
  @DisplayName("Origin: listed origins and requests without one pass; others and early ones do not")
  void origin() {
    AllowedOrigins listed = AllowedOrigins.parse("https://app.example");
    assertThat(HandshakeConfigurator.checkOrigin(listed, "https://app.example")).isTrue();
    assertThat(HandshakeConfigurator.checkOrigin(listed, "https://evil.example")).isFalse();
    assertThat(HandshakeConfigurator.checkOrigin(listed, null)).isTrue();
    assertThat(HandshakeConfigurator.checkOrigin(AllowedOrigins.ANY, "null")).isTrue();
    assertThat(HandshakeConfigurator.checkOrigin(null, "https://app.example")).isFalse();
  }
}
