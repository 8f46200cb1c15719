package dev.presence.web.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.util.JSONObjectUtils;
import com.nimbusds.jwt.EncryptedJWT;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceLimits;
import dev.presence.UnauthenticatedException;
import dev.presence.UserId;
import dev.presence.spi.Caller;
import dev.presence.web.config.ConfigKey;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.json.Texts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Verifies the JWTs that authenticate callers (SPEC section 6) and turns them into a {@link
 * Caller}.
 *
 * <p><b>jwt mode</b> (the default): the token must be signed with the configured key: {@code
 * presence.auth.hmac-secret} accepts HS256, and HS384 and HS512 when it is at least 48 and 64 bytes
 * long (a key as long as the hash, RFC 7518 section 3.2; the deployment log says which are
 * accepted, and a token refused for it gets a 401 that says so); an RSA {@code
 * presence.auth.public-key} accepts RS256, RS384 and RS512; an EC key accepts the ES algorithm of
 * its curve (ES256 for P-256). Any other algorithm, {@code none} included, is refused, so a token
 * can never choose a weaker check than the key's. {@code exp} is required; {@code nbf} is checked
 * when present; both with {@value #LEEWAY_SECONDS} seconds of leeway for clock skew. {@code iss}
 * and {@code aud} must match when configured.
 *
 * <p><b>dev mode</b>: any well-formed JWT is accepted without checking its signature, including
 * {@code alg: none} (header {@code {"alg":"none"}}, empty signature); {@code exp} and {@code nbf}
 * are still checked when present, and {@code iss}/{@code aud} when configured. Encrypted JWTs are
 * refused in both modes.
 *
 * <p>In both modes {@code sub} must be a valid user id within {@code
 * presence.limits.user-id-length}; the caller's roles are the strings of the {@code groups} and
 * {@code roles} claims (a list of strings, or one string).
 *
 * <p>Immutable and thread-safe.
 */
public final class TokenVerifier {

  /** Clock skew tolerated on {@code exp} and {@code nbf}, in seconds. */
  public static final int LEEWAY_SECONDS = 30;

  /** Tokens longer than this are refused without parsing. */
  public static final int MAX_TOKEN_LENGTH = 16 * 1024;

  private static final Logger LOG = Logger.getLogger(TokenVerifier.class.getName());
  private static final Duration LEEWAY = Duration.ofSeconds(LEEWAY_SECONDS);
  private static final Set<JWSAlgorithm> HMAC =
      Set.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512);
  private static final Set<JWSAlgorithm> RSA =
      Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512);

  private final boolean devMode;
  private final @Nullable JWSVerifier verifier;
  private final Set<JWSAlgorithm> algorithms;

  /** The length of the HMAC secret in bytes; 0 without one. */
  private final int secretBytes;

  private final @Nullable String issuer;
  private final @Nullable String audience;
  private final PresenceLimits limits;
  private final InstantSource clock;

  /**
   * Creates a verifier from the configuration.
   *
   * @param config the configuration
   * @param clock the clock for {@code exp} and {@code nbf}
   * @throws IllegalStateException if not in dev mode and no key (or a bad key) is configured; the
   *     message says which key to set
   */
  public TokenVerifier(PresenceConfig config, InstantSource clock) {
    this.devMode = config.devMode();
    this.issuer = config.issuer().orElse(null);
    this.audience = config.audience().orElse(null);
    this.limits = config.limits();
    this.clock = clock;
    if (devMode) {
      this.verifier = null;
      this.algorithms = Set.of();
      this.secretBytes = 0;
      return;
    }
    Optional<String> secret = config.hmacSecret();
    Optional<String> key = config.publicKey();
    if (secret.isPresent() && key.isPresent()) {
      throw new IllegalStateException(
          "both "
              + ConfigKey.AUTH_HMAC_SECRET.key()
              + " and "
              + ConfigKey.AUTH_PUBLIC_KEY.key()
              + " are set: set only one");
    }
    if (secret.isPresent()) {
      byte[] bytes = secret.get().getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 32) {
        throw new IllegalStateException(
            ConfigKey.AUTH_HMAC_SECRET.key()
                + " must be at least 32 bytes (256 bits) for HS256; it has "
                + bytes.length);
      }
      try {
        this.verifier = new MACVerifier(bytes);
      } catch (JOSEException e) {
        throw new IllegalStateException(
            ConfigKey.AUTH_HMAC_SECRET.key() + " cannot be used: " + e.getMessage(), e);
      }
      this.algorithms = hmacAlgorithms(bytes.length);
      this.secretBytes = bytes.length;
      LOG.info(hmacSummary(bytes.length));
      return;
    }
    this.secretBytes = 0;
    if (key.isPresent()) {
      PublicKey publicKey = readPublicKey(key.get());
      try {
        if (publicKey instanceof RSAPublicKey rsa) {
          this.verifier = new RSASSAVerifier(rsa);
          this.algorithms = RSA;
        } else if (publicKey instanceof ECPublicKey ec) {
          ECDSAVerifier ecVerifier = new ECDSAVerifier(ec);
          this.verifier = ecVerifier;
          this.algorithms = Set.copyOf(ecVerifier.supportedJWSAlgorithms());
        } else {
          throw new IllegalStateException(
              ConfigKey.AUTH_PUBLIC_KEY.key()
                  + " must be an RSA or EC public key, got "
                  + publicKey.getAlgorithm());
        }
      } catch (JOSEException e) {
        throw new IllegalStateException(
            ConfigKey.AUTH_PUBLIC_KEY.key() + " cannot be used: " + e.getMessage(), e);
      }
      return;
    }
    throw new IllegalStateException(
        "no token verification key is configured: set "
            + ConfigKey.AUTH_HMAC_SECRET.key()
            + " (HS256) or "
            + ConfigKey.AUTH_PUBLIC_KEY.key()
            + " (RS256/ES256), or start in development mode with "
            + ConfigKey.AUTH_MODE.key()
            + "=dev (never in production)");
  }

  /**
   * Whether tokens are accepted without signature checks.
   *
   * @return true in development mode
   */
  public boolean devMode() {
    return devMode;
  }

  /**
   * The signature algorithms this verifier accepts: with an HMAC secret, those whose key length the
   * secret reaches (HS256 from 32 bytes, HS384 from 48, HS512 from 64; RFC 7518 section 3.2
   * requires a key at least as long as the hash); with a public key, those of its type; none in
   * development mode, where signatures are not checked.
   *
   * @return the algorithm names, such as {@code ["HS256"]}, sorted by name
   */
  public List<String> acceptedAlgorithms() {
    return algorithms.stream().map(JWSAlgorithm::getName).sorted().toList();
  }

  /**
   * The HMAC algorithms a secret of this length can verify.
   *
   * @param bytes the secret's length in bytes
   * @return HS256, HS384 and HS512 as far as the length reaches
   */
  static Set<JWSAlgorithm> hmacAlgorithms(int bytes) {
    Set<JWSAlgorithm> accepted = new LinkedHashSet<>();
    for (JWSAlgorithm a : List.of(JWSAlgorithm.HS256, JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
      if (bytes >= minimumBytes(a)) {
        accepted.add(a);
      }
    }
    return Set.copyOf(accepted);
  }

  /**
   * What a secret of this length accepts, for the deployment log.
   *
   * @param bytes the secret's length in bytes
   * @return one line
   */
  static String hmacSummary(int bytes) {
    Set<JWSAlgorithm> accepted = hmacAlgorithms(bytes);
    StringBuilder line =
        new StringBuilder(ConfigKey.AUTH_HMAC_SECRET.key())
            .append(" has ")
            .append(bytes)
            .append(" bytes: tokens signed with ")
            .append(names(accepted))
            .append(" are accepted");
    for (JWSAlgorithm a : List.of(JWSAlgorithm.HS384, JWSAlgorithm.HS512)) {
      if (!accepted.contains(a)) {
        line.append("; ")
            .append(a.getName())
            .append(" needs a secret of at least ")
            .append(minimumBytes(a))
            .append(" bytes and is refused");
      }
    }
    return line.toString();
  }

  private static int minimumBytes(JWSAlgorithm hmac) {
    if (JWSAlgorithm.HS512.equals(hmac)) {
      return 64;
    }
    return JWSAlgorithm.HS384.equals(hmac) ? 48 : 32;
  }

  private static String names(Set<JWSAlgorithm> algorithms) {
    return String.join(", ", algorithms.stream().map(JWSAlgorithm::getName).sorted().toList());
  }

  /**
   * The token of an {@code Authorization} header value.
   *
   * @param authorization the header value, or null if absent
   * @return the token after {@code Bearer }, or null if the header is absent or blank
   * @throws UnauthenticatedException if the header uses another scheme
   */
  public static @Nullable String bearerToken(@Nullable String authorization) {
    if (authorization == null || authorization.isBlank()) {
      return null;
    }
    String v = authorization.trim();
    if (v.length() > 7 && v.substring(0, 7).equalsIgnoreCase("bearer ")) {
      return v.substring(7).trim();
    }
    throw new UnauthenticatedException(
        "the Authorization header must be 'Bearer <token>' with a JWT");
  }

  /**
   * Verifies a token.
   *
   * @param token the JWT (without {@code Bearer }), or null if the request had none
   * @return the caller
   * @throws UnauthenticatedException if there is no token, or it is malformed, badly signed,
   *     expired, not yet valid, for another issuer or audience, or has no valid subject
   */
  public Caller verify(@Nullable String token) {
    return verifyToken(token).caller();
  }

  /**
   * Verifies a token as {@link #verify} does, and also returns its expiry, for connections that
   * outlive a request ({@link #isExpired}).
   *
   * @param token the JWT (without {@code Bearer }), or null if the request had none
   * @return the caller and the token's {@code exp}
   * @throws UnauthenticatedException as {@link #verify} does
   */
  public VerifiedToken verifyToken(@Nullable String token) {
    if (token == null || token.isBlank()) {
      throw new UnauthenticatedException("a token is required: send 'Authorization: Bearer <JWT>'");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new UnauthenticatedException("the token is too long");
    }
    JWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = JWTParser.parse(token.trim());
      if (jwt instanceof EncryptedJWT) {
        throw new UnauthenticatedException("encrypted tokens are not accepted");
      }
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException e) {
      throw new UnauthenticatedException("the token is not a well-formed JWT");
    }
    if (!devMode) {
      checkSignature(jwt);
    }
    checkTimes(claims);
    checkIssuerAndAudience(claims);
    if (!subjectIsText(jwt)) {
      throw new UnauthenticatedException("the token's subject (sub) must be a string");
    }
    Date exp = claims.getExpirationTime();
    return new VerifiedToken(
        new Caller(subject(claims), roles(claims)), exp == null ? null : exp.toInstant());
  }

  /**
   * Whether a verified token has expired by now, judged as {@link #verify} judges {@code exp}: with
   * {@value #LEEWAY_SECONDS} seconds of leeway. A token without {@code exp} never expires.
   *
   * @param token the token
   * @return true once the token would no longer be accepted for its {@code exp}
   */
  public boolean isExpired(VerifiedToken token) {
    Instant exp = token.expiresAt();
    return exp != null && expired(exp, clock.instant());
  }

  private static boolean expired(Instant exp, Instant now) {
    return !now.isBefore(exp.plus(LEEWAY));
  }

  /** The parser turns a numeric sub into text; RFC 7519 makes sub a string, so look at the raw. */
  private static boolean subjectIsText(JWT jwt) {
    try {
      Object sub = JSONObjectUtils.parse(jwt.getParsedParts()[1].decodeToString()).get("sub");
      return sub == null || sub instanceof String;
    } catch (ParseException | RuntimeException e) {
      return false;
    }
  }

  private void checkSignature(JWT jwt) {
    if (!(jwt instanceof SignedJWT signed)) {
      throw new UnauthenticatedException("unsigned tokens are not accepted");
    }
    JWSHeader header = signed.getHeader();
    if (secretBytes > 0
        && HMAC.contains(header.getAlgorithm())
        && !algorithms.contains(header.getAlgorithm())) {
      throw new UnauthenticatedException(
          "tokens signed with "
              + header.getAlgorithm().getName()
              + " are not accepted here: the server's HMAC secret is shorter than the "
              + minimumBytes(header.getAlgorithm())
              + " bytes "
              + header.getAlgorithm().getName()
              + " needs; sign with "
              + names(algorithms));
    }
    if (!algorithms.contains(header.getAlgorithm())) {
      throw new UnauthenticatedException(
          "tokens signed with "
              + Texts.abbreviate(header.getAlgorithm().getName())
              + " are not accepted here");
    }
    JWSVerifier v = verifier;
    boolean valid;
    try {
      valid = v != null && signed.verify(v);
    } catch (JOSEException | IllegalStateException e) {
      LOG.log(Level.FINE, "token signature check failed", e);
      valid = false;
    }
    if (!valid) {
      throw new UnauthenticatedException("the token signature is not valid");
    }
  }

  private void checkTimes(JWTClaimsSet claims) {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      if (!devMode) {
        throw new UnauthenticatedException("the token has no expiry (exp)");
      }
    } else if (expired(exp.toInstant(), now)) {
      throw new UnauthenticatedException("the token has expired");
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.plus(LEEWAY).isBefore(nbf.toInstant())) {
      throw new UnauthenticatedException("the token is not valid yet (nbf)");
    }
  }

  private void checkIssuerAndAudience(JWTClaimsSet claims) {
    if (issuer != null && !issuer.equals(claims.getIssuer())) {
      throw new UnauthenticatedException("the token's issuer (iss) is not accepted");
    }
    if (audience != null) {
      List<String> aud = claims.getAudience();
      if (aud == null || !aud.contains(audience)) {
        throw new UnauthenticatedException("the token's audience (aud) is not accepted");
      }
    }
  }

  private UserId subject(JWTClaimsSet claims) {
    String sub = claims.getSubject();
    if (sub == null || sub.isEmpty()) {
      throw new UnauthenticatedException("the token has no subject (sub)");
    }
    try {
      return limits.check(UserId.of(sub));
    } catch (InvalidArgumentException e) {
      throw new UnauthenticatedException(
          "the token's subject (sub) is not a valid user id: " + e.getMessage());
    }
  }

  private static Set<String> roles(JWTClaimsSet claims) {
    Set<String> roles = new LinkedHashSet<>();
    for (String claim : List.of("groups", "roles")) {
      Object value = claims.getClaim(claim);
      if (value instanceof String s) {
        roles.add(s);
      } else if (value instanceof List<?> list) {
        for (Object o : list) {
          if (o instanceof String s) {
            roles.add(s);
          }
        }
      }
    }
    return roles;
  }

  /**
   * Reads a public key from PEM text or from the path of a PEM file. Accepts {@code BEGIN PUBLIC
   * KEY} (X.509 SubjectPublicKeyInfo, RSA or EC) and {@code BEGIN CERTIFICATE}. A literal {@code
   * \n} (as environment variables often carry) counts as a line break.
   *
   * @param value PEM text or a file path
   * @return the key
   * @throws IllegalStateException if the key cannot be read
   */
  static PublicKey readPublicKey(String value) {
    String pem = value.replace("\\n", "\n").trim();
    if (!pem.startsWith("-----BEGIN")) {
      try {
        pem = Files.readString(Path.of(value.trim()), StandardCharsets.US_ASCII).trim();
      } catch (IOException | InvalidPathException e) {
        throw new IllegalStateException(
            ConfigKey.AUTH_PUBLIC_KEY.key()
                + " is neither PEM text (-----BEGIN PUBLIC KEY-----) nor a readable file: "
                + value.trim(),
            e);
      }
    }
    String upper = pem.toUpperCase(Locale.ROOT);
    try {
      if (upper.startsWith("-----BEGIN CERTIFICATE-----")) {
        return CertificateFactory.getInstance("X.509")
            .generateCertificate(
                new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
            .getPublicKey();
      }
      if (!upper.startsWith("-----BEGIN PUBLIC KEY-----")) {
        throw new IllegalStateException(
            ConfigKey.AUTH_PUBLIC_KEY.key()
                + " must be a PEM 'PUBLIC KEY' or 'CERTIFICATE' (convert an 'RSA PUBLIC KEY' with"
                + " openssl rsa -RSAPublicKey_in -pubout)");
      }
      String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
      byte[] der = Base64.getDecoder().decode(body);
      X509EncodedKeySpec spec = new X509EncodedKeySpec(der);
      GeneralSecurityException last = null;
      for (String algorithm : List.of("RSA", "EC")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePublic(spec);
        } catch (GeneralSecurityException e) {
          last = e;
        }
      }
      throw new IllegalStateException(
          ConfigKey.AUTH_PUBLIC_KEY.key() + " is neither an RSA nor an EC public key", last);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          ConfigKey.AUTH_PUBLIC_KEY.key() + " cannot be read: " + e.getMessage(), e);
    }
  }
}
