package dev.presence.it.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Tokens for the tests: unsigned ones for development mode, HS256 ones for JWT mode. */
public final class Tokens {

  /** The admin group of SPEC section 6. */
  public static final String ADMIN = "presence-admin";

  private Tokens() {}

  /** An {@code alg: none} token for {@code sub}, with the given groups (development mode). */
  public static String dev(String sub, String... groups) {
    Map<String, Object> claims = new LinkedHashMap<>();
    claims.put("sub", sub);
    if (groups.length > 0) {
      claims.put("groups", List.of(groups));
    }
    return unsigned(claims);
  }

  /** An {@code alg: none} token with exactly these claims. */
  public static String unsigned(Map<String, ?> claims) {
    return b64(Json.write(Map.of("alg", "none"))) + "." + b64(Json.write(claims)) + ".";
  }

  /** An HS256 token with these claims, signed with {@code secret}. */
  public static String hs256(String secret, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
