package dev.presence.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Json;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.ServerUnderTest;
import dev.presence.it.support.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue #10 item 5: errors outside the application's JSON, on the real WAR on Payara Micro
 * (container {@code payara-micro-rest}, development mode). Every request is written on a raw socket
 * (the JDK's HttpClient refuses several of them), with {@code Connection: close}, and read to the
 * end. Errors the application can shape (its error pages, JAX-RS) must have the JSON body of SPEC
 * 4.4; errors the server answers before the application sees the request must be exactly what
 * presence-web/README.md ("Errors") says, so that the README stays true. Run on WildFly (profile
 * wildfly), the few answers of the server itself that differ are asserted as README "Other servers"
 * describes them ({@link ServerUnderTest}); GlassFish (profile glassfish) answers as Payara. No
 * body names a class, a stack frame or a server product or version, and the server is healthy
 * afterwards.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class ContainerErrorsIT {

  /** Over the 8 KiB request head of Payara's HTTP listener. */
  private static final int OVER_HEAD = 9000;

  /** Payara Micro reports its first network interface; the tests talk over loopback only. */
  private static final String LOOPBACK = "127.0.0.1";

  @ArquillianResource private URL base;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-rest")
  static WebArchive war() {
    return PresenceWar.create();
  }

  /** One HTTP/1.1 response as read from the socket. */
  record Raw(int status, Map<String, String> headers, String body) {

    @Nullable String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }

    JsonNode error() {
      return Json.parse(body).path("error");
    }
  }

  /** The context root without its trailing slash ("" at the root). */
  private String context() {
    String p = base.getPath();
    return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  /** Sends {@code requestLine} and {@code headers} as they are, and reads the whole response. */
  private Raw send(String requestLine, String... headers) throws IOException {
    StringBuilder head = new StringBuilder(requestLine).append("\r\n");
    head.append("Host: 127.0.0.1:").append(base.getPort()).append("\r\n");
    head.append("Connection: close\r\n");
    for (String h : headers) {
      head.append(h).append("\r\n");
    }
    head.append("\r\n");
    try (Socket s = new Socket(LOOPBACK, base.getPort())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      return parse(all.toString(StandardCharsets.ISO_8859_1));
    }
  }

  private static Raw parse(String response) {
    int end = response.indexOf("\r\n\r\n");
    assertThat(end).as("a complete response head in %s", response).isPositive();
    String[] lines = response.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(
          lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
          lines[i].substring(colon + 1).trim());
    }
    String body =
        new String(
            response.substring(end + 4).getBytes(StandardCharsets.ISO_8859_1),
            StandardCharsets.UTF_8);
    return new Raw(status, headers, body);
  }

  private Raw get(String path, String... headers) throws IOException {
    return send("GET " + context() + path + " HTTP/1.1", headers);
  }

  private static String bearer() {
    return "Authorization: Bearer " + Tokens.dev("container-errors");
  }

  /** The JSON error body of SPEC 4.4, with {@code status} and {@code code}. */
  private static void assertJsonError(Raw r, int status, String code) {
    assertThat(r.status()).as("status of %s", r).isEqualTo(status);
    assertThat(r.header("Content-Type")).as("type of %s", r).startsWith("application/json");
    assertThat(r.error().path("code").asText()).as("code of %s", r).isEqualTo(code);
    assertThat(r.error().path("message").asText()).as("message of %s", r).isNotBlank();
    assertNoInternals(r);
  }

  /** An answer of the server itself: the status and an empty body, nothing else. */
  private static void assertEmpty(Raw r, int status) {
    assertThat(r.status()).as("status of %s", r).isEqualTo(status);
    assertThat(r.body()).as("body of %s", r).isEmpty();
    assertThat(r.header("Content-Length")).as("length of %s", r).isEqualTo("0");
  }

  private static void assertNoInternals(Raw r) {
    assertThat(r.body())
        .as("body of %s", r)
        .doesNotContainIgnoringCase("exception")
        .doesNotContainIgnoringCase("payara")
        .doesNotContainIgnoringCase("glassfish")
        .doesNotContainIgnoringCase("grizzly")
        .doesNotContainIgnoringCase("jersey")
        .doesNotContainIgnoringCase("wadl")
        .doesNotContain("\tat ")
        .doesNotContain("dev.presence.")
        .doesNotContain("<html");
  }

  @AfterEach
  void healthyAfterwards() throws IOException {
    Raw r = get("/health/live");
    assertThat(r.status()).as("health after the test").isEqualTo(200);
    assertThat(Json.parse(r.body()).path("status").asText()).isEqualTo("UP");
  }

  @Test
  @DisplayName("an unknown path outside /api/v1 is 404 with the JSON error body, not HTML")
  void unknownPathOutsideTheApi() throws IOException {
    assertJsonError(get("/nope"), 404, "INVALID_ARGUMENT");
    assertJsonError(get("/nope/deeper.html"), 404, "INVALID_ARGUMENT");
  }

  @Test
  @DisplayName("an unknown path under /api/v1 is 404 with the JSON error body")
  void unknownPathInTheApi() throws IOException {
    assertJsonError(get("/api/v1/nope"), 404, "INVALID_ARGUMENT");
  }

  @Test
  @DisplayName("WADL is off: /api/v1/application.wadl is a 404 like any unknown path")
  void noWadl() throws IOException {
    assertJsonError(get("/api/v1/application.wadl"), 404, "INVALID_ARGUMENT");
    assertJsonError(get("/api/v1/application.wadl?detail=true"), 404, "INVALID_ARGUMENT");
  }

  @Test
  @DisplayName("OPTIONS without Origin answers 200 with Allow and no WADL")
  void optionsWithoutWadl() throws IOException {
    Raw r = send("OPTIONS " + context() + "/api/v1/channels/c/users HTTP/1.1");
    assertThat(r.status()).as("status of %s", r).isEqualTo(200);
    assertThat(r.header("Allow")).as("Allow of %s", r).contains("GET").contains("OPTIONS");
    assertNoInternals(r);
    Raw json =
        send(
            "OPTIONS " + context() + "/api/v1/channels/c/users HTTP/1.1",
            "Accept: application/json");
    assertThat(json.status()).as("status of %s", json).isIn(200, 204);
    assertThat(json.header("Allow")).as("Allow of %s", json).contains("GET");
    assertNoInternals(json);
  }

  @Test
  @DisplayName("a method the resource does not have is 405 JSON with Allow")
  void unknownMethod() throws IOException {
    Raw r = send("FOO " + context() + "/api/v1/channels/c/users HTTP/1.1", bearer());
    assertJsonError(r, 405, "INVALID_ARGUMENT");
    assertThat(r.header("Allow")).contains("GET");
  }

  @Test
  @DisplayName(
      "a method that is not an HTTP token is 400 JSON (Payara alone answers 500); WildFly's parser"
          + " answers an empty 400 itself")
  void methodNotAToken() throws IOException {
    Raw r = send("G(T " + context() + "/health/live HTTP/1.1");
    if (ServerUnderTest.current() == ServerUnderTest.WILDFLY) {
      assertEmpty(r, 400);
    } else {
      assertJsonError(r, 400, "INVALID_ARGUMENT");
    }
  }

  @Test
  @DisplayName("an encoded slash in a path segment reaches the application: 400 JSON, not HTML")
  void encodedSlash() throws IOException {
    assertJsonError(get("/api/v1/channels/a%2Fb/users", bearer()), 400, "INVALID_ARGUMENT");
    assertJsonError(get("/a%2Fb"), 404, "INVALID_ARGUMENT");
  }

  @Test
  @DisplayName(
      "README: TRACE is 405 from the server itself, with an empty body, and on Payara with Allow")
  void trace() throws IOException {
    Raw r = send("TRACE " + context() + "/api/v1/channels/c/users HTTP/1.1", bearer());
    assertEmpty(r, 405);
    if (ServerUnderTest.current() == ServerUnderTest.WILDFLY) {
      assertThat(r.header("Allow")).as("Allow of %s", r).isNull();
    } else {
      assertThat(r.header("Allow")).as("Allow of %s", r).isNotBlank().doesNotContain("TRACE");
    }
    assertEmpty(send("TRACE " + context() + "/ HTTP/1.1"), 405);
  }

  @Test
  @DisplayName(
      "README: %00 and %5C in a path are 400 from Payara with an empty body; WildFly passes them to"
          + " the application: 400 JSON")
  void invalidUri() throws IOException {
    for (String channel : new String[] {"a%00b", "a%5Cb"}) {
      Raw r = get("/api/v1/channels/" + channel + "/users", bearer());
      if (ServerUnderTest.current() == ServerUnderTest.WILDFLY) {
        assertJsonError(r, 400, "INVALID_ARGUMENT");
      } else {
        assertEmpty(r, 400);
      }
    }
  }

  @Test
  @DisplayName(
      "README: a request line or header over 8 KiB is 400 from Payara, empty body; WildFly takes"
          + " heads up to its max-header-size (1 MiB)")
  void oversizedHead() throws IOException {
    if (ServerUnderTest.current() == ServerUnderTest.WILDFLY) {
      assertThat(get("/health/live", "X-Big: " + "a".repeat(OVER_HEAD)).status()).isEqualTo(200);
      assertJsonError(
          get("/api/v1/channels/" + "a".repeat(OVER_HEAD) + "/users", bearer()),
          400,
          "INVALID_ARGUMENT");
    } else {
      assertEmpty(get("/health/live", "X-Big: " + "a".repeat(OVER_HEAD)), 400);
      assertEmpty(get("/api/v1/channels/" + "a".repeat(OVER_HEAD) + "/users", bearer()), 400);
    }
    assertThat(get("/health/live", "X-Big: " + "a".repeat(4000)).status()).isEqualTo(200);
  }

  @Test
  @DisplayName(
      "README: an unknown HTTP version is 505 from the server (WildFly: 400), with an empty body")
  void badVersion() throws IOException {
    assertEmpty(
        send("GET " + context() + "/health/live HTTP/9.9"),
        ServerUnderTest.current() == ServerUnderTest.WILDFLY ? 400 : 505);
  }

  @Test
  @DisplayName(
      "README: a path ending in a literal '/.' is an empty 200 from Grizzly or JSON (WildFly passes"
          + " the channel '.' to the application, which refuses it: 400)")
  void trailingDotSegment() throws IOException {
    for (Raw r :
        new Raw[] {
          get("/api/v1/channels/.", bearer()), get("/api/v1/channels/."), get("/nope/."),
        }) {
      if (r.status() == 200) {
        assertEmpty(r, 200);
      } else {
        assertThat(r.status()).as("status of %s", r).isIn(400, 401, 404);
        assertThat(r.header("Content-Type")).as("type of %s", r).startsWith("application/json");
        assertNoInternals(r);
      }
    }
  }
}
