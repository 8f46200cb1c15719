package dev.presence.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.it.support.Http;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cross-origin use from browsers (issue #10 item 7, SPEC 13.2) on the container {@code
 * payara-micro-cors} of arquillian.xml: development mode, {@code
 * presence.http.cors.allowed-origins} and {@code presence.ws.allowed-origins} both {@value #SITE}.
 * The origins are only header values here: no server runs at them. The real browser's view is
 * ClientJsIT's cross-origin test.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class CorsIT {

  /** The one allowed origin; must match arquillian.xml. */
  static final String SITE = "http://127.0.0.1:18081";

  static final String OTHER = "http://127.0.0.1:18082";

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-cors")
  static WebArchive war() {
    return PresenceWar.create();
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
    Warmup.once(http);
  }

  private Http.Reply preflight(String path, String origin, String method) {
    return http.send(
        HttpRequest.newBuilder(http.uri(path))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", "authorization,content-type")
            .timeout(Duration.ofSeconds(30))
            .build());
  }

  private Http.Reply get(String path, String origin, @Nullable String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(http.uri(path))
            .header("Origin", origin)
            .timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build());
  }

  @Test
  @DisplayName("a preflight from the listed origin is 204 with methods, headers and max age")
  void preflightAllowed() {
    String path = Http.member(Names.unique("c"), "alice");
    Http.Reply r = preflight(path, SITE, "PUT");
    assertThat(r.status()).as(r.toString()).isEqualTo(204);
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(SITE);
    assertThat(r.header("Access-Control-Allow-Methods"))
        .isEqualTo("GET, POST, PUT, DELETE, OPTIONS");
    assertThat(r.header("Access-Control-Allow-Headers")).isEqualTo("Authorization, Content-Type");
    assertThat(r.header("Access-Control-Max-Age")).isNotBlank();
    assertThat(r.headers().allValues("Vary")).anyMatch(v -> v.contains("Origin"));
    assertThat(r.header("Access-Control-Allow-Credentials")).isNull();
  }

  @Test
  @DisplayName("a preflight from another origin is 403 FORBIDDEN with the JSON error body")
  void preflightRefused() {
    Http.Reply r = preflight(Http.member(Names.unique("c"), "alice"), OTHER, "PUT");
    r.error(403, "FORBIDDEN");
    assertThat(r.header("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  @DisplayName("REST answers the listed origin with its origin and exposed headers, others without")
  void actualRequests() {
    String channel = Names.unique("c");
    String token = Tokens.dev("alice");
    Http.Reply allowed = get(Http.users(channel), SITE, token);
    assertThat(allowed.status()).as(allowed.toString()).isEqualTo(200);
    assertThat(allowed.header("Access-Control-Allow-Origin")).isEqualTo(SITE);
    assertThat(allowed.header("Access-Control-Expose-Headers"))
        .contains("Retry-After")
        .contains("X-Presence-Dev-Mode");
    assertThat(allowed.header("Access-Control-Allow-Credentials")).isNull();

    Http.Reply other = get(Http.users(channel), OTHER, token);
    assertThat(other.status()).isEqualTo(200);
    assertThat(other.header("Access-Control-Allow-Origin")).isNull();
    assertThat(other.header("Access-Control-Expose-Headers")).isNull();
  }

  @Test
  @DisplayName(
      "errors the body filter answers (413 for a streamed body) carry the CORS headers too")
  void bodyFilterErrors() {
    String channel = Names.unique("c");
    byte[] big = ("{\"k\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.UTF_8);
    HttpRequest request =
        HttpRequest.newBuilder(http.uri(Http.attributes(channel, "alice")))
            .PUT(
                HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofByteArray(big)))
            .header("Origin", SITE)
            .header("Authorization", "Bearer " + Tokens.dev("alice"))
            .header("Content-Type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .build();
    Http.Reply r = http.send(request);
    r.error(413, "TOO_LARGE");
    assertThat(r.header("Access-Control-Allow-Origin")).isEqualTo(SITE);
  }

  @Test
  @DisplayName("Server-Sent Events answer the listed origin with Access-Control-Allow-Origin")
  void sse() throws Exception {
    String channel = Names.unique("c");
    HttpRequest request =
        HttpRequest.newBuilder(
                http.uri(
                    Http.channel(channel)
                        + "/events?access_token="
                        + URLEncoder.encode(Tokens.dev("alice"), StandardCharsets.UTF_8)))
            .header("Origin", SITE)
            .header("Accept", "text/event-stream")
            .timeout(Duration.ofSeconds(30))
            .build();
    HttpResponse<InputStream> r =
        http.client().send(request, HttpResponse.BodyHandlers.ofInputStream());
    try {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).hasValue(SITE);
    } finally {
      r.body().close();
    }
  }

  @Test
  @DisplayName("presence.js and presence.d.ts are for every origin: Access-Control-Allow-Origin *")
  void clientLibrary() {
    for (String path : new String[] {"presence.js", "presence.d.ts"}) {
      Http.Reply r = get(path, OTHER, null);
      assertThat(r.status()).as(path).isEqualTo(200);
      assertThat(r.header("Access-Control-Allow-Origin")).as(path).isEqualTo("*");
    }
  }

  @Test
  @DisplayName("WebSocket: the listed origin and no Origin are upgraded, another origin gets 403")
  void webSocketOrigin() {
    assertThat(handshake(SITE)).startsWith("HTTP/1.1 101");
    assertThat(handshake(null)).startsWith("HTTP/1.1 101");
    assertThat(handshake(OTHER)).startsWith("HTTP/1.1 403");
  }

  /** Sends a WebSocket upgrade request and returns the response's head; closes the socket. */
  private String handshake(@Nullable String origin) {
    URI ws = WsClient.endpoint(http.base());
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(ws.getHost(), ws.getPort()), 10_000);
      socket.setSoTimeout(30_000);
      byte[] nonce = new byte[16];
      new java.util.Random().nextBytes(nonce);
      String request =
          "GET "
              + ws.getRawPath()
              + "?access_token="
              + URLEncoder.encode(Tokens.dev("alice"), StandardCharsets.UTF_8)
              + " HTTP/1.1\r\n"
              + "Host: "
              + ws.getHost()
              + ":"
              + ws.getPort()
              + "\r\n"
              + (origin == null ? "" : "Origin: " + origin + "\r\n")
              + "Upgrade: websocket\r\n"
              + "Connection: Upgrade\r\n"
              + "Sec-WebSocket-Key: "
              + Base64.getEncoder().encodeToString(nonce)
              + "\r\n"
              + "Sec-WebSocket-Version: 13\r\n\r\n";
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      int matched = 0;
      byte[] end = {'\r', '\n', '\r', '\n'};
      while (matched < 4) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection closed during the handshake: " + head);
        }
        head.write(b);
        matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      }
      return head.toString(StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
