package dev.presence.web.webhook;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhook requests: {@code X-Presence-Signature: sha256=<hex HMAC-SHA256(secret, timestamp +
 * "." + body)>}, the timestamp being the {@code X-Presence-Timestamp} header (milliseconds since
 * the epoch, decimal) and the body the exact bytes sent (UTF-8 JSON). Thread-safe.
 */
public final class WebhookSigner {

  /** The signature header. */
  public static final String SIGNATURE_HEADER = "X-Presence-Signature";

  /** The timestamp header. */
  public static final String TIMESTAMP_HEADER = "X-Presence-Timestamp";

  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  /**
   * A signer with a key.
   *
   * @param secret the key's bytes (not empty)
   */
  public WebhookSigner(byte[] secret) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
  }

  /**
   * The signature header's value for a request.
   *
   * @param timestampMs the X-Presence-Timestamp value
   * @param body the body's bytes
   * @return {@code sha256=} and 64 lower-case hex digits
   */
  public String sign(long timestampMs, byte[] body) {
    Mac mac;
    try {
      mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
    mac.update(Long.toString(timestampMs).getBytes(StandardCharsets.US_ASCII));
    mac.update((byte) '.');
    return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
  }
}
