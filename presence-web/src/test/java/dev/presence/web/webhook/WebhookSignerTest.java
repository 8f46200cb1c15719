package dev.presence.web.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WebhookSignerTest {

  private static final byte[] SECRET = "0123456789abcdef-secret".getBytes(StandardCharsets.UTF_8);

  @Test
  void signsTimestampDotBodyWithHmacSha256() {
    byte[] body = "{\"timeMs\":1700000000000,\"events\":[]}".getBytes(StandardCharsets.UTF_8);
    // Computed independently: python3 hmac.new(secret, b"1700000000000." + body, sha256)
    assertThat(new WebhookSigner(SECRET).sign(1_700_000_000_000L, body))
        .isEqualTo("sha256=14ac6ec0abd73d839395498d3f52815349b5419adc748e6e0299f90e9082991c");
  }

  @Test
  void anotherTimestampOrBodyOrSecretGivesAnotherSignature() {
    byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
    WebhookSigner signer = new WebhookSigner(SECRET);
    String s = signer.sign(1, body);
    assertThat(signer.sign(2, body)).isNotEqualTo(s);
    assertThat(signer.sign(1, "{ }".getBytes(StandardCharsets.UTF_8))).isNotEqualTo(s);
    assertThat(
            new WebhookSigner("another-secret-of-16".getBytes(StandardCharsets.UTF_8))
                .sign(1, body))
        .isNotEqualTo(s);
    assertThat(s).matches("sha256=[0-9a-f]{64}");
  }
}
