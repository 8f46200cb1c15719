package dev.presence.it;

import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.WsClient;
import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
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
 * A token expires on an open WebSocket (SPEC 13.2, issue #9), against the real WAR in JWT mode
 * (arquillian.xml, container {@code payara-micro-jwt}; tokens as in {@link JwtModeIT}).
 *
 * <p>Timing: the server judges {@code exp} with the verifier's fixed leeway of {@value
 * #LEEWAY_SECONDS} s (not configurable), at connect and on the open connection alike. So a token
 * that the server stops accepting a few seconds from now has an {@code exp} that lies {@code LEEWAY
 * - a few} seconds in the past: it is accepted at connect (inside the leeway), and ends at {@code
 * exp + leeway}. The server notices within a second (its periodic check) or at the next frame.
 * Waiting is done with Awaitility on conditions (a close, the clock passing that instant).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class TokenExpiryIT {

  /** {@code TokenVerifier.LEEWAY_SECONDS} of the server. */
  static final int LEEWAY_SECONDS = 30;

  /** What the server sends before it closes a connection whose token expired. */
  static final String EXPIRED =
      "{\"type\":\"error\",\"code\":\"UNAUTHENTICATED\",\"message\":\"token expired\"}";

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

  /** When a token for {@code seconds} from now ends on the server: a whole second ({@code exp}). */
  private static Instant endIn(int seconds) {
    return Instant.now().plusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS);
  }

  /** A valid token for {@code sub} that the server accepts until {@code end} and not after. */
  private static String tokenEndingAt(String sub, Instant end) {
    Instant exp = end.minusSeconds(LEEWAY_SECONDS);
    return JwtModeIT.token(
        sub, b -> b.issueTime(Date.from(exp.minusSeconds(60))).expirationTime(Date.from(exp)));
  }

  private static void awaitPast(Instant end) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Instant.now().isAfter(end));
  }

  private List<String> members(String channel) {
    return RestApiIT.userIds(
        http.get(users(channel) + "?attributes=false", JwtModeIT.token(Names.unique("reader")))
            .okJson());
  }

  @Test
  @DisplayName(
      "without reauthenticate: the token-expired error, then close 1008 and the user is gone; a"
          + " connection that reauthenticated keeps working past the first token's end")
  void expiresUnlessReauthenticated() {
    String ch = Names.unique("expiry");
    String alice = Names.unique("alice");
    String bob = Names.unique("bob");
    Instant end = endIn(4);
    try (WsClient a = WsClient.connect(http, tokenEndingAt(alice, end));
        WsClient b = WsClient.connect(http, tokenEndingAt(bob, end))) {
      a.join(ch);
      b.join(ch);
      assertThat(members(ch)).containsExactlyInAnyOrder(alice, bob);
      JsonNode renewed = b.ok(Json.object("type", "reauthenticate", "token", JwtModeIT.token(bob)));
      assertThat(renewed.path("id").asText()).isNotBlank();

      await()
          .atMost(Duration.between(Instant.now(), end).plusSeconds(15))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> a.closed().isDone());
      Instant closedAt = Instant.now();
      assertThat(a.closed().join()).isEqualTo(1008);
      assertThat(closedAt).as("closed at the token's end, not before").isAfterOrEqualTo(end);
      assertThat(a.closeReason()).isEqualTo("UNAUTHENTICATED: token expired");
      List<JsonNode> received = a.messages();
      assertThat(received).isNotEmpty();
      assertThat(Json.write(received.get(received.size() - 1))).isEqualTo(EXPIRED);

      // Past alice's end (the same as bob's first token's): bob is served, alice's session ended.
      awaitPast(end.plusSeconds(1));
      b.ok(Json.object("type", "channelUsers", "channel", ch));
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> members(ch), m -> m.equals(List.of(bob)));
      assertThat(b.closed()).isNotDone();
      b.leave(ch);
    }
  }

  @Test
  @DisplayName("a request sent after the token's end is not served; the connection is closed 1008")
  void requestAfterExpiryIsNotServed() {
    String ch = Names.unique("late");
    String carol = Names.unique("carol");
    Instant end = endIn(3);
    // No heartbeats: the next frame after the end is the join (the JDK client answers pings).
    try (WsClient c = WsClient.open(http, tokenEndingAt(carol, end), false)) {
      c.ok(Json.object("type", "channelUsers", "channel", ch));
      awaitPast(end);
      // Either this frame finds the token expired, or the periodic check closed the socket first.
      assertThatThrownBy(() -> c.request(Json.object("type", "join", "channel", ch)))
          .isInstanceOf(IllegalStateException.class);
      await().atMost(Duration.ofSeconds(10)).until(() -> c.closed().isDone());
      assertThat(c.closed().join()).isEqualTo(1008);
      assertThat(c.closeReason()).isEqualTo("UNAUTHENTICATED: token expired");
      assertThat(c.messages().stream().map(Json::write)).contains(EXPIRED);
      assertThat(members(ch)).isEmpty();
    }
  }

  @Test
  @DisplayName(
      "reauthenticate: an invalid token is UNAUTHENTICATED and the connection stays; a token for"
          + " another user is FORBIDDEN and closes 1008")
  void reauthenticateRefusals() {
    String ch = Names.unique("reauth");
    String dave = Names.unique("dave");
    try (WsClient d = WsClient.connect(http, JwtModeIT.token(dave))) {
      d.join(ch);
      String wrongSecret =
          JwtModeIT.token("another-secret-0123456789abcdef-0123456789", dave, b -> b);
      String wrongAudience = JwtModeIT.token(dave, b -> b.audience("someone-else"));
      String expired =
          JwtModeIT.token(
              dave,
              b ->
                  b.issueTime(Date.from(Instant.now().minus(Duration.ofHours(2))))
                      .expirationTime(Date.from(Instant.now().minus(Duration.ofHours(1)))));
      for (String bad : List.of(wrongSecret, wrongAudience, expired, "garbage")) {
        d.error(Json.object("type", "reauthenticate", "token", bad), "UNAUTHENTICATED");
      }
      assertThat(d.closed()).isNotDone();
      d.ok(Json.object("type", "channelUsers", "channel", ch));

      JsonNode forbidden =
          d.request(
              Json.object("type", "reauthenticate", "token", JwtModeIT.token(Names.unique("eve"))));
      WsClient.assertError(forbidden, "FORBIDDEN", "reauthenticate as another user");
      await().atMost(Duration.ofSeconds(10)).until(() -> d.closed().isDone());
      assertThat(d.closed().join()).isEqualTo(1008);
      assertThat(d.closeReason()).startsWith("FORBIDDEN");
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> members(ch), List::isEmpty);
    }
  }
}
