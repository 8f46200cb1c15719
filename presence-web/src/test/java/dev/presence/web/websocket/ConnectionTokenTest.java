package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.spi.Action;
import dev.presence.spi.AuthorizationDecision;
import dev.presence.spi.PresenceAuthorizer;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PresenceEngine;
import jakarta.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Connection: tokens expire on an open connection unless reauthenticated (SPEC 13.2)")
class ConnectionTokenTest {

  private static final String SECRET = "a-connection-test-secret-of-32-bytes!";
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final Duration LEEWAY = Duration.ofSeconds(TokenVerifier.LEEWAY_SECONDS);
  private static final ChannelId ROOM = ChannelId.of("room");

  private final AtomicReference<Instant> now = new AtomicReference<>(START);
  private final InstantSource clock = now::get;
  private final InMemoryPresenceBackend backend = new InMemoryPresenceBackend("node-a");
  // A presence timeout far above the token lifetimes: only the token ends a connection here.
  private final PresenceEngine engine =
      new PresenceEngine(
          backend,
          EngineConfig.defaults()
              .withTimeout(Duration.ofHours(2))
              .withGrace(Duration.ZERO)
              .withTickInterval(Duration.ofHours(1)),
          clock,
          List.of());
  private final TokenVerifier jwt =
      new TokenVerifier(PresenceConfig.of(Map.of("presence.auth.hmac-secret", SECRET)), clock);
  private final List<PresenceAuthorizer> authorizers = new ArrayList<>();
  private final EventTexts texts = new EventTexts();

  {
    engine.start();
  }

  @AfterEach
  void close() {
    engine.close();
    backend.close();
  }

  /** An HS256 token for {@code sub}, issued now, expiring after {@link #LIFETIME}. */
  private String token(String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
    return token(SECRET, sub, edit);
  }

  private String token(String secret, String sub, UnaryOperator<JWTClaimsSet.Builder> edit) {
    JWTClaimsSet.Builder claims =
        new JWTClaimsSet.Builder()
            .subject(sub)
            .issueTime(Date.from(now.get()))
            .expirationTime(Date.from(now.get().plus(LIFETIME)));
    try {
      SignedJWT signed =
          new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), edit.apply(claims).build());
      signed.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return signed.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private String token(String sub) {
    return token(sub, b -> b);
  }

  private void advanceTo(Instant t) {
    now.set(t);
  }

  /** One connection opened with a token; requests are answered on the calling thread. */
  private final class Client {
    final FakeTransport transport = new FakeTransport(true);
    final Connection connection;
    private int ids;
    private long nanos = 1;

    Client(TokenVerifier verifier, String token) {
      connection =
          new Connection(
              verifier.verifyToken(token),
              verifier,
              engine,
              new AccessControl(authorizers),
              transport,
              Runnable::run,
              texts,
              new Connection.Settings(
                  1024,
                  65536,
                  Duration.ofHours(2),
                  Duration.ofMinutes(40),
                  Duration.ofSeconds(30),
                  3,
                  Outbox.DEFAULT_WINDOW_CHARS,
                  1000),
              () -> nanos,
              c -> {});
      connection.open();
    }

    Client(String token) {
      this(jwt, token);
    }

    List<JsonObject> messages() {
      return Frames.messages(transport.frames());
    }

    /** Sends a request with a fresh id; returns the reply with that id, or null if none came. */
    JsonObject send(String json) {
      String id = "r" + ++ids;
      connection.onText("{\"id\":\"" + id + "\"," + json.substring(1));
      // The executor is direct and the transport completes sends at once: a reply is there now.
      return messages().stream()
          .filter(m -> id.equals(m.getString("id", null)))
          .findFirst()
          .orElse(null);
    }

    JsonObject reply(String json, String type) {
      JsonObject reply = send(json);
      assertThat(reply).as("a reply to %s", json).isNotNull();
      assertThat(reply.getString("type")).as("%s -> %s", json, reply).isEqualTo(type);
      return reply;
    }

    JsonObject reauthenticate(String token) {
      JsonObject reply = send("{\"type\":\"reauthenticate\",\"token\":\"" + token + "\"}");
      assertThat(reply).as("a reply to reauthenticate").isNotNull();
      return reply;
    }

    /** The runtime's periodic check. */
    void check() {
      nanos += Duration.ofSeconds(1).toNanos();
      connection.check(nanos);
    }

    void assertOpen() {
      assertThat(transport.closeCode()).as("close code; frames %s", transport.frames()).isZero();
      assertThat(connection.isEnded()).isFalse();
    }

    void assertClosedExpired() {
      assertThat(transport.closeCode()).isEqualTo(1008);
      assertThat(transport.closeReason()).isEqualTo("UNAUTHENTICATED: token expired");
      List<JsonObject> messages = messages();
      JsonObject last = messages.get(messages.size() - 1);
      assertThat(last.toString())
          .isEqualTo(
              "{\"type\":\"error\",\"code\":\"UNAUTHENTICATED\",\"message\":\"token expired\"}");
      assertThat(connection.isEnded()).isTrue();
    }
  }

  @Nested
  @DisplayName("expiry")
  class Expiry {

    @Test
    @DisplayName(
        "at exp + the verifier's leeway the check sends the token-expired error and closes with"
            + " 1008; the session ends")
    void expiresAtTheCheck() {
      Instant exp = START.plus(LIFETIME);
      Client alice = new Client(token("alice"));
      alice.reply("{\"type\":\"join\",\"channel\":\"room\"}", "ok");

      advanceTo(exp.plus(LEEWAY).minusMillis(1));
      alice.check();
      alice.assertOpen();
      alice.reply("{\"type\":\"channelUsers\",\"channel\":\"room\"}", "ok");

      advanceTo(exp.plus(LEEWAY));
      alice.check();
      alice.assertClosedExpired();
      engine.tick(); // the grace period is 0
      assertThat(engine.userChannels(UserId.of("alice"))).isEmpty();
    }

    @Test
    @DisplayName("a request after the expiry is not served, even before the check ran")
    void requestAfterExpiryIsNotServed() {
      Client alice = new Client(token("alice"));
      advanceTo(START.plus(LIFETIME).plus(LEEWAY));
      assertThat(alice.send("{\"type\":\"join\",\"channel\":\"room\"}")).isNull();
      alice.assertClosedExpired();
      engine.tick(); // the grace period is 0
      assertThat(engine.userChannels(UserId.of("alice"))).isEmpty();
      assertThat(alice.transport.closes()).isEqualTo(1);
    }

    @Test
    @DisplayName("a token without exp (development mode) never expires on the connection")
    void noExpNeverExpires() {
      TokenVerifier dev =
          new TokenVerifier(PresenceConfig.of(Map.of("presence.auth.mode", "dev")), clock);
      String unsigned = b64("{\"alg\":\"none\"}") + "." + b64("{\"sub\":\"alice\"}") + ".";
      Client alice = new Client(dev, unsigned);
      advanceTo(START.plus(Duration.ofDays(400)));
      alice.check();
      alice.assertOpen();
      alice.reply("{\"type\":\"join\",\"channel\":\"room\"}", "ok");
    }
  }

  @Nested
  @DisplayName("reauthenticate")
  class Reauthenticate {

    @Test
    @DisplayName(
        "a valid token for the same sub before exp is answered ok and extends the connection")
    void extends_() {
      Client alice = new Client(token("alice"));
      alice.reply("{\"type\":\"join\",\"channel\":\"room\"}", "ok");
      advanceTo(START.plus(LIFETIME).minusSeconds(10));
      Instant secondExp = now.get().plus(LIFETIME);
      JsonObject reply = alice.reauthenticate(token("alice"));
      assertThat(reply.getString("type")).as("%s", reply).isEqualTo("ok");
      assertThat(reply.getString("id")).isNotBlank();

      advanceTo(START.plus(LIFETIME).plus(LEEWAY).plusSeconds(5)); // past the first token's end
      alice.check();
      alice.assertOpen();
      alice.reply("{\"type\":\"getAttributes\",\"channel\":\"room\",\"userId\":\"alice\"}", "ok");
      assertThat(engine.userChannels(UserId.of("alice"))).containsExactly(ROOM);

      advanceTo(secondExp.plus(LEEWAY)); // the new token ends the same way
      alice.check();
      alice.assertClosedExpired();
    }

    @Test
    @DisplayName("a token for another sub is FORBIDDEN and closes with 1008")
    void anotherSub() {
      Client alice = new Client(token("alice"));
      alice.reply("{\"type\":\"join\",\"channel\":\"room\"}", "ok");
      JsonObject reply = alice.reauthenticate(token("mallory"));
      assertThat(reply.getString("type")).isEqualTo("error");
      assertThat(reply.getString("code")).isEqualTo("FORBIDDEN");
      assertThat(reply.getString("message")).contains("another user");
      assertThat(alice.transport.closeCode()).isEqualTo(1008);
      assertThat(alice.transport.closeReason()).startsWith("FORBIDDEN");
      assertThat(alice.connection.isEnded()).isTrue();
      engine.tick(); // the grace period is 0
      assertThat(engine.userChannels(UserId.of("mallory"))).isEmpty();
      assertThat(engine.userChannels(UserId.of("alice"))).isEmpty();
    }

    @Test
    @DisplayName(
        "a token that is not valid is UNAUTHENTICATED; the connection stays until the current"
            + " token's exp")
    void invalidToken() {
      Client alice = new Client(token("alice"));
      Instant past = now.get().minus(Duration.ofHours(1));
      Map<String, String> invalid =
          Map.of(
              "wrong secret", token("another-secret-of-at-least-32-bytes!!", "alice", b -> b),
              "expired",
                  token(
                      "alice",
                      b ->
                          b.issueTime(Date.from(past.minusSeconds(60)))
                              .expirationTime(Date.from(past))),
              "no exp", token("alice", b -> b.expirationTime(null)),
              "alg none", b64("{\"alg\":\"none\"}") + "." + b64("{\"sub\":\"alice\"}") + ".",
              "garbage", "garbage");
      for (Map.Entry<String, String> bad : invalid.entrySet()) {
        JsonObject reply = alice.reauthenticate(bad.getValue());
        assertThat(reply.getString("type")).as(bad.getKey()).isEqualTo("error");
        assertThat(reply.getString("code")).as(bad.getKey()).isEqualTo("UNAUTHENTICATED");
        assertThat(reply.getString("message")).as(bad.getKey()).isNotBlank();
        alice.assertOpen();
      }
      assertThat(alice.send("{\"type\":\"reauthenticate\"}").getString("code"))
          .as("no token")
          .isEqualTo("INVALID_ARGUMENT");

      alice.reply("{\"type\":\"join\",\"channel\":\"room\"}", "ok");
      advanceTo(START.plus(LIFETIME).plus(LEEWAY));
      alice.check();
      alice.assertClosedExpired();
    }

    @Test
    @DisplayName("after the expiry a reauthenticate comes too late: error and 1008")
    void tooLate() {
      Client alice = new Client(token("alice"));
      advanceTo(START.plus(LIFETIME).plus(LEEWAY));
      String fresh = token("alice");
      assertThat(alice.send("{\"type\":\"reauthenticate\",\"token\":\"" + fresh + "\"}")).isNull();
      alice.assertClosedExpired();
    }

    @Test
    @DisplayName("the new token's groups take effect for later requests")
    void newRolesApply() {
      authorizers.add(
          request ->
              request.action() != Action.OBSERVE || request.caller().roles().contains("staff")
                  ? AuthorizationDecision.allow()
                  : AuthorizationDecision.deny("observing needs the staff group"));
      Client alice = new Client(token("alice"));
      assertThat(
              alice
                  .reply("{\"type\":\"subscribe\",\"channel\":\"room\"}", "error")
                  .getString("code"))
          .isEqualTo("FORBIDDEN");
      assertThat(
              alice
                  .reauthenticate(token("alice", b -> b.claim("groups", List.of("staff"))))
                  .getString("type"))
          .isEqualTo("ok");
      alice.reply("{\"type\":\"subscribe\",\"channel\":\"room\"}", "snapshot");
      assertThat(alice.connection.caller().roles()).containsExactly("staff");
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
