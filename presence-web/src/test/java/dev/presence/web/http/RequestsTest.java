package dev.presence.web.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.InvalidArgumentException;
import dev.presence.PresenceLimits;
import dev.presence.UnauthenticatedException;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import java.nio.charset.StandardCharsets;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestsTest {

  @Test
  void limitDefaultsTo1000AndIsBounded() {
    assertThat(Requests.limit(null)).isEqualTo(1000);
    assertThat(Requests.limit("")).isEqualTo(1000);
    assertThat(Requests.limit("1")).isEqualTo(1);
    assertThat(Requests.limit("1000")).isEqualTo(1000);
    for (String bad :
        new String[] {
          "0",
          "1001",
          "-1",
          "ten",
          "99999999999",
          "1.5",
          "\u0000",
          "\u0001",
          "\u0001\u0002",
          " ",
          "\t",
          " 5",
          "5 ",
          "1\u0000",
          "+5",
          "1e3",
          "-0",
          "0x10",
          "\u0663",
          "1".repeat(1000)
        }) {
      assertThatThrownBy(() -> Requests.limit(bad))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("limit");
    }
  }

  @Test
  void flagsAreTrueOrFalse() {
    assertThat(Requests.flag(null, "attributes", true)).isTrue();
    assertThat(Requests.flag("false", "attributes", true)).isFalse();
    assertThat(Requests.flag("TRUE", "attributes", false)).isTrue();
    assertThat(Requests.flag("", "attributes", false)).isFalse();
    for (String bad : new String[] {"no", "\u0000", "\u0001", " ", "true\u0000", " false", "1"}) {
      assertThatThrownBy(() -> Requests.flag(bad, "attributes", true))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("attributes");
    }
  }

  @Test
  void matrixParametersAreRefused() {
    Requests.noMatrixParameters("/presence/api/v1/channels/semi%3Bx=1/users/u");
    for (String path :
        new String[] {
          "/api/v1/channels/semi;x=1/users/u",
          "/api/v1/channels/c/users/u;x",
          "/api/v1/channels;/c",
          "/api/v1/users/u;jsessionid=1/channels"
        }) {
      assertThatThrownBy(() -> Requests.noMatrixParameters(path))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("matrix parameters");
    }
  }

  @Test
  void bodiesMustBeDeclaredAsJson() {
    for (String ok :
        new String[] {
          "application/json",
          "Application/JSON",
          "application/json; charset=UTF-8",
          "application/json;charset=utf-8",
          "application/json; charset=\"utf-8\"",
          "application/json; foo=bar",
          "application/json;"
        }) {
      Requests.requireJson(ok);
    }
    for (String bad :
        new String[] {
          null,
          "",
          "text/plain",
          "application/xml",
          "application/x-www-form-urlencoded",
          "application/jsonx",
          "application/merge-patch+json",
          "text/json",
          "*/*",
          "application/*",
          "application/json; charset=ISO-8859-1",
          "application/json; charset=utf-16",
          "application/json; charset"
        }) {
      assertThatThrownBy(() -> Requests.requireJson(bad))
          .as("%s", bad)
          .isInstanceOf(UnsupportedMediaTypeException.class)
          .hasMessageContaining("application/json");
    }
    ErrorMapping m =
        ErrorMapping.of(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> Requests.requireJson("text/plain")));
    assertThat(m.status()).isEqualTo(415);
    assertThat(m.code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(m.unexpected()).isFalse();
  }

  @Test
  void idsAreCheckedAgainstTheLimits() {
    PresenceLimits limits = PresenceLimits.DEFAULTS;
    assertThat(Requests.channel("room:1@x", limits).value()).isEqualTo("room:1@x");
    assertThatThrownBy(() -> Requests.channel("a/b", limits))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> Requests.channel(".", limits))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> Requests.channel("..", limits))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> Requests.channel("c".repeat(201), limits))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> Requests.user("u".repeat(129), limits))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> Requests.user("", limits))
        .isInstanceOf(InvalidArgumentException.class);
  }

  @Test
  void theHeaderWinsOverTheQueryToken() {
    TokenVerifier dev =
        new TokenVerifier(
            PresenceConfig.of(Map.of("presence.auth.mode", "dev")), InstantSource.system());
    String alice = none("alice");
    String bob = none("bob");
    assertThat(Requests.authenticate(dev, "Bearer " + alice, bob).userId().value())
        .isEqualTo("alice");
    assertThat(Requests.authenticate(dev, null, bob).userId().value()).isEqualTo("bob");
    assertThatThrownBy(() -> Requests.authenticate(dev, null, null))
        .isInstanceOf(UnauthenticatedException.class);
  }

  private static String none(String sub) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(("{\"sub\":\"" + sub + "\"}").getBytes(StandardCharsets.UTF_8))
        + ".";
  }
}
