package dev.presence.it;

import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.channel;
import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.userChannels;
import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.presence.it.support.Http;
import dev.presence.it.support.Http.Reply;
import dev.presence.it.support.Json;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.URL;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * JWT mode (SPEC 6) and the response cache (SPEC 4.3), against the real WAR on Payara Micro started
 * with an HS256 secret, an issuer, an audience and a 2 s cache (arquillian.xml, container {@code
 * payara-micro-jwt}; the constants below must match it).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class JwtModeIT {

  static final String SECRET = "presence-it-hmac-secret-0123456789abcdef";
  static final String ISSUER = "https://issuer.presence.test";
  static final String AUDIENCE = "presence-it";
  static final Duration CACHE_TTL = Duration.ofSeconds(2);

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-jwt")
  static WebArchive war() {
    return PresenceWar.create();
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
  }

  /** A valid token for {@code sub}, changed by {@code edit}. */
  static String token(String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
    return token(SECRET, sub, edit);
  }

  static String token(String secret, String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
    Instant now = Instant.now();
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(now.plus(Duration.ofMinutes(10))));
    return Tokens.hs256(secret, edit.apply(claims).build());
  }

  static String token(String sub) {
    return token(sub, b -> b);
  }

  @Test
  @DisplayName("a valid HS256 token works over REST and WebSocket; no development-mode header")
  void validToken() {
    String ch = Names.unique("jwt");
    String alice = Names.unique("alice");
    String token = token(alice);
    Reply joined = http.put(member(ch, alice), token).ok();
    assertThat(joined.header("X-Presence-Dev-Mode")).as("dev header in JWT mode").isNull();
    JsonNode page = http.get(users(ch) + "?attributes=false", token).okJson();
    assertThat(RestApiIT.userIds(page)).containsExactly(alice);
    Reply refused = http.get(users(ch), null);
    refused.error(401, "UNAUTHENTICATED");
    assertThat(refused.header("X-Presence-Dev-Mode")).isNull();

    try (WsClient ws = WsClient.connect(http, token(Names.unique("bob")));
        WsClient viaHeader = WsClient.open(http, token(alice), true)) {
      ws.join(ch);
      JsonNode result = viaHeader.ok(Json.object("type", "userChannels", "userId", alice));
      assertThat(result.path("result").path("channels").get(0).asText()).isEqualTo(ch);
      ws.leave(ch);
    }
    http.delete(member(ch, alice), token).ok();
  }

  @Test
  @DisplayName(
      "401 for a bad signature, expiry, wrong issuer or audience, alg none, no subject, tampering")
  void invalidTokens() {
    String ch = Names.unique("jwtbad");
    String alice = Names.unique("alice");
    String valid = token(alice);
    String[] parts = valid.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String forged =
        Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(payload.replace(alice, "mallory").getBytes(StandardCharsets.UTF_8));
    String tampered = parts[0] + "." + forged + "." + parts[2];
    Map<String, String> invalid =
        Map.of(
            "wrong secret", token("another-secret-0123456789abcdef-0123456789", alice, b -> b),
            "expired",
                token(
                    alice,
                    b ->
                        b.issueTime(Date.from(Instant.now().minus(Duration.ofHours(2))))
                            .expirationTime(Date.from(Instant.now().minus(Duration.ofHours(1))))),
            "wrong issuer", token(alice, b -> b.issuer("https://evil.test")),
            "wrong audience", token(alice, b -> b.audience("someone-else")),
            "no subject", token(alice, b -> b.subject(null)),
            "alg none", Tokens.dev(alice),
            "alg none as admin", Tokens.dev(alice, Tokens.ADMIN),
            "tampered", tampered,
            "garbage", "garbage");
    for (Map.Entry<String, String> bad : invalid.entrySet()) {
      Reply join = http.put(member(ch, alice), bad.getValue());
      assertThat(join.status()).as("%s: %s", bad.getKey(), join).isEqualTo(401);
      join.error(401, "UNAUTHENTICATED");
      http.get(users(ch), bad.getValue()).error(401, "UNAUTHENTICATED");
      assertWebSocketRefused(bad.getKey(), bad.getValue());
    }
    assertThat(http.get(channel(ch), valid).okJson().path("occupancy").asInt())
        .as("no refused token joined")
        .isZero();
    assertThat(http.get(userChannels("mallory"), valid).okJson().path("channels")).isEmpty();
  }

  private void assertWebSocketRefused(String what, String token) {
    WsClient client;
    try {
      client = WsClient.open(http, token, false);
    } catch (IllegalStateException e) {
      assertThat(e.getCause()).as(what).isInstanceOf(WebSocketHandshakeException.class);
      assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode())
          .as(what)
          .isEqualTo(401);
      return;
    }
    try (client) {
      String ch = Names.unique("wsbad");
      try {
        JsonNode reply = client.request(Json.object("type", "join", "channel", ch));
        WsClient.assertError(reply, "UNAUTHENTICATED", what);
      } catch (IllegalStateException | AssertionError e) {
        assertThat(client.closed()).as("%s: %s", what, e).isDone();
      }
    }
  }

  @Test
  @DisplayName(
      "issue #10 item 8: HS384 and HS512 tokens signed with the configured 40-byte secret get a 401"
          + " that names the secret length as the reason, over REST and at a WebSocket connect")
  void hmacAlgorithmsTheSecretIsTooShortFor() throws Exception {
    String ch = Names.unique("jwtlen");
    String alice = Names.unique("alice");
    assertThat(SECRET.getBytes(StandardCharsets.UTF_8)).hasSize(40);
    for (String[] alg :
        List.of(
            new String[] {"HS384", "HmacSHA384", "48"},
            new String[] {"HS512", "HmacSHA512", "64"})) {
      String token = hmacByHand(alg[0], alg[1], alice);
      Reply refused = http.put(member(ch, alice), token).error(401, "UNAUTHENTICATED");
      assertThat(refused.json().path("error").path("message").asText())
          .as("message for %s", alg[0])
          .contains("tokens signed with " + alg[0] + " are not accepted here")
          .contains("HMAC secret is shorter than the " + alg[2] + " bytes " + alg[0] + " needs")
          .contains("sign with HS256")
          .doesNotContain("signature is not valid");
      assertWebSocketRefused(alg[0] + " at a WebSocket connect", token);
    }
    http.put(member(ch, alice), hmacByHand("HS256", "HmacSHA256", alice)).ok();
    http.delete(member(ch, alice), token(alice)).ok();
  }

  /** A token signed by hand with the suite's secret: nimbus refuses keys shorter than the hash. */
  private static String hmacByHand(String alg, String javaAlg, String sub) throws Exception {
    Instant now = Instant.now();
    String claims =
        Json.write(
            Map.of(
                "sub", sub,
                "iss", ISSUER,
                "aud", AUDIENCE,
                "exp", now.plus(Duration.ofMinutes(10)).getEpochSecond()));
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String input =
        b64.encodeToString(
                ("{\"alg\":\"" + alg + "\",\"typ\":\"JWT\"}").getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance(javaAlg);
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), javaAlg));
    return input + "." + b64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  @DisplayName("an admin token (groups or roles) may act for another user; others get 403")
  void adminInJwtMode() {
    String ch = Names.unique("jwtadmin");
    String bob = Names.unique("bob");
    String alice = token(Names.unique("alice"));
    http.put(member(ch, bob), alice).error(403, "FORBIDDEN");
    String groupsAdmin =
        token(Names.unique("admin"), b -> b.claim("groups", List.of(Tokens.ADMIN)));
    String rolesAdmin = token(Names.unique("admin"), b -> b.claim("roles", List.of(Tokens.ADMIN)));
    http.put(member(ch, bob), groupsAdmin).ok();
    http.put(attributes(ch, bob), rolesAdmin, "{\"by\":\"admin\"}").ok();
    assertThat(Json.stringMap(http.get(attributes(ch, bob), alice).okJson()))
        .isEqualTo(Map.of("by", "admin"));
    http.delete(member(ch, bob), rolesAdmin).ok();
  }

  @Test
  @DisplayName(
      "channel users may be cached for the TTL with Cache-Control and a matching seq; other reads never")
  void responseCache() {
    String ch = Names.unique("cache");
    String first = Names.unique("first");
    String second = Names.unique("second");
    String reader = token(Names.unique("reader"));
    http.put(member(ch, first), token(first)).ok();
    Reply initial = http.get(users(ch), reader).ok();
    assertThat(initial.header("Cache-Control"))
        .as("Cache-Control of channel users")
        .contains("max-age=" + CACHE_TTL.toSeconds());
    long seq = initial.json().path("seq").asLong();

    http.put(member(ch, second), token(second)).ok();
    // Other reads are never cached: they see the join at once.
    JsonNode occupancy = http.get(channel(ch), reader).okJson();
    assertThat(occupancy.path("occupancy").asInt()).isEqualTo(2);
    assertThat(occupancy.path("seq").asLong()).isEqualTo(seq + 1);
    assertThat(RestApiIT.texts(http.get(userChannels(second), reader).okJson().path("channels")))
        .containsExactly(ch);
    assertThat(Json.stringMap(http.get(attributes(ch, second), reader).okJson())).isEmpty();
    for (Reply other :
        List.of(http.get(channel(ch), reader), http.get(userChannels(second), reader))) {
      String cacheControl = other.header("Cache-Control");
      if (cacheControl != null) {
        assertThat(cacheControl).as("%s", other).doesNotMatch(".*max-age=[1-9].*");
      }
    }

    // A cached page is consistent: its seq says what it reflects.
    JsonNode maybeCached = http.get(users(ch), reader).okJson();
    List<String> listed = RestApiIT.userIds(maybeCached);
    if (listed.size() == 1) {
      assertThat(maybeCached.path("seq").asLong()).isEqualTo(seq);
      assertThat(maybeCached.path("occupancy").asInt()).isEqualTo(1);
    } else {
      assertThat(listed).containsExactlyInAnyOrder(first, second);
      assertThat(maybeCached.path("seq").asLong()).isEqualTo(seq + 1);
    }
    // Never older than the TTL.
    await()
        .atMost(CACHE_TTL.plusSeconds(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> RestApiIT.userIds(http.get(users(ch), reader).okJson()).size() == 2);
    http.delete(member(ch, first), token(first)).ok();
    http.delete(member(ch, second), token(second)).ok();
  }
}
