package dev.presence.web.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.presence.UnauthenticatedException;
import dev.presence.UserId;
import dev.presence.spi.Caller;
import dev.presence.web.config.PresenceConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenVerifierTest {

  static final String SECRET = "an-hmac-secret-of-at-least-32-bytes!";
  static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
  static final InstantSource CLOCK = InstantSource.fixed(NOW);

  static KeyPair rsa;
  static KeyPair ec;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
    r.initialize(2048);
    rsa = r.generateKeyPair();
    KeyPairGenerator e = KeyPairGenerator.getInstance("EC");
    e.initialize(new ECGenParameterSpec("secp256r1"));
    ec = e.generateKeyPair();
  }

  static String pem(KeyPair pair) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(pair.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  static JWTClaimsSet.Builder claims(String sub) {
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .expirationTime(Date.from(NOW.plus(Duration.ofMinutes(5))));
  }

  static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  static String hs256(JWTClaimsSet claims) throws JOSEException {
    return sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, claims);
  }

  static TokenVerifier verifier(Map<String, String> config) {
    return new TokenVerifier(PresenceConfig.of(config), CLOCK);
  }

  static TokenVerifier hmacVerifier() {
    return verifier(Map.of("presence.auth.hmac-secret", SECRET));
  }

  /** A token signed with HMAC by hand: nimbus refuses to sign with a key shorter than the hash. */
  static String hmacByHand(String alg, String javaAlg, byte[] secret, JWTClaimsSet claims)
      throws Exception {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        b64.encodeToString(("{\"alg\":\"" + alg + "\"}").getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8));
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance(javaAlg);
    mac.init(new javax.crypto.spec.SecretKeySpec(secret, javaAlg));
    return signingInput
        + "."
        + b64.encodeToString(mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII)));
  }

  @Nested
  class HmacSecretLength {
    /** 41 bytes: enough for HS256 only (issue #10 item 8). */
    static final String SECRET_41 = "a-41-byte-hmac-secret-0123456789abcdefghi";

    @Test
    void acceptsOnlyTheAlgorithmsTheSecretIsLongEnoughFor() {
      assertThat(SECRET_41.getBytes(StandardCharsets.UTF_8)).hasSize(41);
      assertThat(verifier(Map.of("presence.auth.hmac-secret", SECRET_41)).acceptedAlgorithms())
          .containsExactly("HS256");
      assertThat(verifier(Map.of("presence.auth.hmac-secret", "x".repeat(48))).acceptedAlgorithms())
          .containsExactly("HS256", "HS384");
      assertThat(verifier(Map.of("presence.auth.hmac-secret", "x".repeat(63))).acceptedAlgorithms())
          .containsExactly("HS256", "HS384");
      assertThat(verifier(Map.of("presence.auth.hmac-secret", "x".repeat(64))).acceptedAlgorithms())
          .containsExactly("HS256", "HS384", "HS512");
    }

    @Test
    void theDeploymentLineSaysWhatIsAcceptedAndWhatIsNot() {
      assertThat(TokenVerifier.hmacSummary(41))
          .isEqualTo(
              "presence.auth.hmac-secret has 41 bytes: tokens signed with HS256 are accepted;"
                  + " HS384 needs a secret of at least 48 bytes and is refused; HS512 needs a"
                  + " secret of at least 64 bytes and is refused");
      assertThat(TokenVerifier.hmacSummary(64))
          .isEqualTo(
              "presence.auth.hmac-secret has 64 bytes: tokens signed with HS256, HS384, HS512"
                  + " are accepted");
    }

    @Test
    void aTokenRefusedForTheSecretLengthSaysSo() throws Exception {
      TokenVerifier v = verifier(Map.of("presence.auth.hmac-secret", SECRET_41));
      byte[] secret = SECRET_41.getBytes(StandardCharsets.UTF_8);
      for (String[] alg :
          List.of(
              new String[] {"HS384", "HmacSHA384", "48"},
              new String[] {"HS512", "HmacSHA512", "64"})) {
        // Correctly signed with the configured secret: refused only for the key length.
        String token = hmacByHand(alg[0], alg[1], secret, claims("alice").build());
        assertThatThrownBy(() -> v.verify(token))
            .isInstanceOf(UnauthenticatedException.class)
            .hasMessageContaining("tokens signed with " + alg[0] + " are not accepted here")
            .hasMessageContaining("shorter than the " + alg[2] + " bytes " + alg[0] + " needs")
            .hasMessageContaining("sign with HS256")
            .hasMessageNotContaining("41");
      }
      String hs256 = hmacByHand("HS256", "HmacSHA256", secret, claims("alice").build());
      assertThat(v.verify(hs256).userId()).isEqualTo(UserId.of("alice"));
    }

    @Test
    void longEnoughSecretsAcceptHs384AndHs512() throws Exception {
      String secret = "s".repeat(64);
      TokenVerifier v = verifier(Map.of("presence.auth.hmac-secret", secret));
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      assertThat(
              v.verify(sign(new MACSigner(bytes), JWSAlgorithm.HS384, claims("a").build()))
                  .userId())
          .isEqualTo(UserId.of("a"));
      assertThat(
              v.verify(sign(new MACSigner(bytes), JWSAlgorithm.HS512, claims("b").build()))
                  .userId())
          .isEqualTo(UserId.of("b"));
    }

    @Test
    void publicKeysAndDevModeAreUnaffected() {
      assertThat(verifier(Map.of("presence.auth.public-key", pem(rsa))).acceptedAlgorithms())
          .containsExactly("RS256", "RS384", "RS512");
      assertThat(verifier(Map.of("presence.auth.mode", "dev")).acceptedAlgorithms()).isEmpty();
    }
  }

  @Nested
  class Hmac {
    @Test
    void acceptsAValidToken() throws Exception {
      Caller c = hmacVerifier().verify(hs256(claims("alice").build()));
      assertThat(c.userId()).isEqualTo(UserId.of("alice"));
      assertThat(c.roles()).isEmpty();
      assertThat(c.isAdmin()).isFalse();
    }

    @Test
    void takesRolesFromGroupsAndRoles() throws Exception {
      String token =
          hs256(
              claims("root")
                  .claim("groups", List.of("presence-admin", "staff"))
                  .claim("roles", "auditor")
                  .build());
      Caller c = hmacVerifier().verify(token);
      assertThat(c.roles()).containsExactlyInAnyOrder("presence-admin", "staff", "auditor");
      assertThat(c.isAdmin()).isTrue();
    }

    @Test
    void refusesAnotherSecret() throws Exception {
      String token =
          sign(
              new MACSigner("another-secret-that-is-also-32-bytes-long"),
              JWSAlgorithm.HS256,
              claims("alice").build());
      assertThatThrownBy(() -> hmacVerifier().verify(token))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("signature");
    }

    @Test
    void refusesATamperedPayload() throws Exception {
      String[] parts = hs256(claims("alice").build()).split("\\.");
      String forged =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(
                  ("{\"sub\":\"mallory\",\"exp\":" + (NOW.getEpochSecond() + 300) + "}")
                      .getBytes(StandardCharsets.UTF_8));
      assertThatThrownBy(() -> hmacVerifier().verify(parts[0] + "." + forged + "." + parts[2]))
          .isInstanceOf(UnauthenticatedException.class);
    }

    @Test
    void refusesAlgNone() {
      String none = new PlainJWT(claims("alice").build()).serialize();
      assertThatThrownBy(() -> hmacVerifier().verify(none))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("unsigned");
    }

    @Test
    void refusesAnAlgorithmOfAnotherKeyType() throws Exception {
      String rs = sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims("a").build());
      assertThatThrownBy(() -> hmacVerifier().verify(rs))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("RS256");
    }

    @Test
    void requiresExpAndChecksIt() throws Exception {
      TokenVerifier v = hmacVerifier();
      JWTClaimsSet noExp = new JWTClaimsSet.Builder().subject("alice").build();
      assertThatThrownBy(() -> v.verify(hs256(noExp))).hasMessageContaining("exp");
      JWTClaimsSet expired =
          claims("alice").expirationTime(Date.from(NOW.minus(Duration.ofMinutes(1)))).build();
      assertThatThrownBy(() -> v.verify(hs256(expired))).hasMessageContaining("expired");
      JWTClaimsSet withinLeeway =
          claims("alice").expirationTime(Date.from(NOW.minus(Duration.ofSeconds(10)))).build();
      assertThat(v.verify(hs256(withinLeeway)).userId().value()).isEqualTo("alice");
    }

    @Test
    void verifyTokenReturnsExpAndIsExpiredUsesTheSameLeeway() throws Exception {
      AtomicReference<Instant> now = new AtomicReference<>(NOW);
      TokenVerifier v =
          new TokenVerifier(
              PresenceConfig.of(Map.of("presence.auth.hmac-secret", SECRET)), now::get);
      Instant exp = NOW.plus(Duration.ofMinutes(5));
      String token = hs256(claims("alice").build());
      VerifiedToken verified = v.verifyToken(token);
      assertThat(verified.caller().userId().value()).isEqualTo("alice");
      assertThat(verified.expiresAt()).isEqualTo(exp);

      now.set(exp.plusSeconds(TokenVerifier.LEEWAY_SECONDS).minusMillis(1));
      assertThat(v.isExpired(verified)).isFalse();
      assertThat(v.verify(token).userId().value()).isEqualTo("alice");
      now.set(exp.plusSeconds(TokenVerifier.LEEWAY_SECONDS));
      assertThat(v.isExpired(verified)).isTrue();
      assertThatThrownBy(() -> v.verify(token)).hasMessageContaining("expired");
      assertThat(v.isExpired(new VerifiedToken(verified.caller(), null))).isFalse();
    }

    @Test
    void checksNotBeforeWhenPresent() throws Exception {
      JWTClaimsSet future =
          claims("alice").notBeforeTime(Date.from(NOW.plus(Duration.ofMinutes(2)))).build();
      assertThatThrownBy(() -> hmacVerifier().verify(hs256(future)))
          .hasMessageContaining("not valid yet");
      JWTClaimsSet past =
          claims("alice").notBeforeTime(Date.from(NOW.minus(Duration.ofMinutes(2)))).build();
      assertThat(hmacVerifier().verify(hs256(past)).userId().value()).isEqualTo("alice");
    }

    @Test
    void checksIssuerAndAudienceWhenConfigured() throws Exception {
      TokenVerifier v =
          verifier(
              Map.of(
                  "presence.auth.hmac-secret", SECRET,
                  "presence.auth.issuer", "https://id.example",
                  "presence.auth.audience", "presence"));
      String good =
          hs256(
              claims("alice")
                  .issuer("https://id.example")
                  .audience(List.of("other", "presence"))
                  .build());
      assertThat(v.verify(good).userId().value()).isEqualTo("alice");
      String wrongIssuer =
          hs256(claims("alice").issuer("https://evil").audience("presence").build());
      assertThatThrownBy(() -> v.verify(wrongIssuer)).hasMessageContaining("issuer");
      String noAudience = hs256(claims("alice").issuer("https://id.example").build());
      assertThatThrownBy(() -> v.verify(noAudience)).hasMessageContaining("audience");
    }

    @Test
    void requiresAValidSubject() throws Exception {
      TokenVerifier v = hmacVerifier();
      JWTClaimsSet noSub =
          new JWTClaimsSet.Builder().expirationTime(Date.from(NOW.plusSeconds(60))).build();
      assertThatThrownBy(() -> v.verify(hs256(noSub))).hasMessageContaining("subject");
      assertThatThrownBy(() -> v.verify(hs256(claims("a b").build())))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("not a valid user id");
      assertThatThrownBy(() -> v.verify(hs256(claims("x".repeat(129)).build())))
          .hasMessageContaining("not a valid user id");
    }

    @Test
    void refusesMissingAndMalformedTokens() {
      TokenVerifier v = hmacVerifier();
      assertThatThrownBy(() -> v.verify(null))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("Bearer");
      assertThatThrownBy(() -> v.verify("  ")).isInstanceOf(UnauthenticatedException.class);
      assertThatThrownBy(() -> v.verify("not.a.jwt"))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("well-formed");
      assertThatThrownBy(() -> v.verify("x".repeat(TokenVerifier.MAX_TOKEN_LENGTH + 1)))
          .hasMessageContaining("too long");
    }
  }

  @Nested
  class PublicKeys {
    @Test
    void rs256WithAPemKey() throws Exception {
      TokenVerifier v = verifier(Map.of("presence.auth.public-key", pem(rsa)));
      String token =
          sign(
              new RSASSASigner((RSAPrivateKey) rsa.getPrivate()),
              JWSAlgorithm.RS256,
              claims("bob").build());
      assertThat(v.verify(token).userId().value()).isEqualTo("bob");
      String hs = hs256(claims("bob").build());
      assertThatThrownBy(() -> v.verify(hs)).hasMessageContaining("HS256");
    }

    @Test
    void es256WithAPemKeyWithEscapedNewlines() throws Exception {
      String escaped = pem(ec).replace("\n", "\\n");
      TokenVerifier v = verifier(Map.of("presence.auth.public-key", escaped));
      String token =
          sign(
              new ECDSASigner((ECPrivateKey) ec.getPrivate()),
              JWSAlgorithm.ES256,
              claims("carol").build());
      assertThat(v.verify(token).userId().value()).isEqualTo("carol");
    }

    @Test
    void keyFromAFile(@TempDir Path dir) throws Exception {
      Path file = dir.resolve("key.pem");
      Files.writeString(file, pem(rsa));
      TokenVerifier v = verifier(Map.of("presence.auth.public-key", file.toString()));
      String token =
          sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims("dave").build());
      assertThat(v.verify(token).userId().value()).isEqualTo("dave");
    }

    @Test
    void wrongKeyIsRefused() throws Exception {
      KeyPairGenerator r = KeyPairGenerator.getInstance("RSA");
      r.initialize(2048);
      KeyPair other = r.generateKeyPair();
      TokenVerifier v = verifier(Map.of("presence.auth.public-key", pem(other)));
      String token =
          sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims("bob").build());
      assertThatThrownBy(() -> v.verify(token)).hasMessageContaining("signature");
    }
  }

  @Nested
  class Startup {
    @Test
    void refusesToStartWithoutAKey() {
      assertThatThrownBy(() -> verifier(Map.of()))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("presence.auth.hmac-secret")
          .hasMessageContaining("presence.auth.public-key")
          .hasMessageContaining("presence.auth.mode=dev");
    }

    @Test
    void refusesAShortSecret() {
      assertThatThrownBy(() -> verifier(Map.of("presence.auth.hmac-secret", "short")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("at least 32 bytes");
    }

    @Test
    void refusesBothKinds() {
      assertThatThrownBy(
              () ->
                  verifier(
                      Map.of(
                          "presence.auth.hmac-secret",
                          SECRET,
                          "presence.auth.public-key",
                          pem(rsa))))
          .hasMessageContaining("only one");
    }

    @Test
    void refusesAnUnreadableKey() {
      assertThatThrownBy(() -> verifier(Map.of("presence.auth.public-key", "/no/such/file.pem")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("presence.auth.public-key");
      assertThatThrownBy(
              () ->
                  verifier(
                      Map.of(
                          "presence.auth.public-key",
                          "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("presence.auth.public-key");
    }
  }

  @Nested
  class DevMode {
    final TokenVerifier v = verifier(Map.of("presence.auth.mode", "dev"));

    @Test
    void acceptsAlgNoneAsTheSpecificationWritesIt() {
      String header = b64("{\"alg\":\"none\"}");
      String payload = b64("{\"sub\":\"alice\"}");
      assertThat(v.devMode()).isTrue();
      assertThat(v.verify(header + "." + payload + ".").userId().value()).isEqualTo("alice");
    }

    @Test
    void acceptsAnySignatureUnchecked() throws Exception {
      String token =
          sign(
              new MACSigner("some-other-secret-nobody-configured-at-all"),
              JWSAlgorithm.HS256,
              claims("bob").claim("groups", List.of("presence-admin")).build());
      Caller c = v.verify(token);
      assertThat(c.userId().value()).isEqualTo("bob");
      assertThat(c.isAdmin()).isTrue();
    }

    @Test
    void stillChecksExpWhenPresentAndTheSubject() {
      String header = b64("{\"alg\":\"none\"}");
      String payload = b64("{\"sub\":\"alice\",\"exp\":" + (NOW.getEpochSecond() - 3600) + "}");
      assertThatThrownBy(() -> v.verify(header + "." + payload + "."))
          .hasMessageContaining("expired");
      assertThatThrownBy(() -> v.verify(header + "." + b64("{\"name\":\"x\"}") + "."))
          .hasMessageContaining("subject");
      assertThatThrownBy(() -> v.verify(header + "." + b64("{\"sub\":42}") + "."))
          .isInstanceOf(UnauthenticatedException.class)
          .hasMessageContaining("subject");
      assertThatThrownBy(() -> v.verify("garbage")).isInstanceOf(UnauthenticatedException.class);
    }

    private static String b64(String json) {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void bearerTokenParsesTheHeader() {
    assertThat(TokenVerifier.bearerToken(null)).isNull();
    assertThat(TokenVerifier.bearerToken(" ")).isNull();
    assertThat(TokenVerifier.bearerToken("Bearer abc")).isEqualTo("abc");
    assertThat(TokenVerifier.bearerToken("bearer  abc ")).isEqualTo("abc");
    assertThatThrownBy(() -> TokenVerifier.bearerToken("Basic dXNlcjpwYXNz"))
        .isInstanceOf(UnauthenticatedException.class)
        .hasMessageContaining("Bearer");
  }
}
