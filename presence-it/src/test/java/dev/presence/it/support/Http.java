package dev.presence.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A small REST client for {@code /api/v1} over {@link HttpClient}. Every call is synchronous and
 * returns the whole {@link Reply}; nothing here asserts success, so tests can look at errors.
 */
public final class Http {

  /** Class and package names, stack frames: what an error body must never contain. */
  private static final Pattern INTERNALS =
      Pattern.compile(
          "(?i)(exception|\\bat [a-z_$][\\w$]*\\.[\\w$.]+\\(|\\.java:\\d+|\\bjava\\.|\\bjakarta\\."
              + "|\\bjavax\\.|\\borg\\.glassfish|\\bcom\\.hazelcast|\\bdev\\.presence\\.|\\bcaused by)");

  private final HttpClient client;
  private final URI base;

  /**
   * A client for the application at {@code base} (the deployment's root URL), speaking HTTP/1.1 as
   * browsers do over plain HTTP. (The JDK client's default is an h2c upgrade; over it, Payara stops
   * granting flow-control window to a request body it refused early, and the client then waits for
   * the rest of its own body to be sent: a 413 for a body over the limit never arrives.)
   */
  public Http(URL base) {
    this(
        base,
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build());
  }

  /**
   * A client for the application at {@code base} using {@code client}. The host is replaced by
   * {@code 127.0.0.1}: Payara Micro reports its first network interface, and the tests talk over
   * loopback only.
   */
  public Http(URL base, HttpClient client) {
    String path = base.getPath().endsWith("/") ? base.getPath() : base.getPath() + "/";
    this.base = URI.create("http://127.0.0.1:" + base.getPort() + path);
    this.client = client;
  }

  /**
   * A client for the application at {@code base} exactly as given, host included (for a node
   * reached over another interface, such as one inside a network namespace), speaking HTTP/1.1.
   */
  public static Http keepingHost(URI base) {
    return new Http(
        base.toString().endsWith("/") ? base : URI.create(base + "/"),
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build());
  }

  private Http(URI base, HttpClient client) {
    this.base = base;
    this.client = client;
  }

  /** The application's root URI, ending with a slash. */
  public URI base() {
    return base;
  }

  /** The underlying client. */
  public HttpClient client() {
    return client;
  }

  /** The URI of {@code path} (relative, no leading slash) under the application root. */
  public URI uri(String path) {
    return base.resolve(path);
  }

  /**
   * The value of a metric (a line {@code name value}; for a labelled one, {@code name} includes the
   * labels as written, e.g. {@code m{k="v"}}) in the application's {@code /metrics}.
   *
   * @throws AssertionError if {@code /metrics} does not answer 200 or has no such line
   */
  public long metric(String name) {
    for (String line : get("metrics", null).ok().body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    throw new AssertionError("no " + name + " in /metrics of " + base);
  }

  /** {@code GET path}. */
  public Reply get(String path, @Nullable String token) {
    return send("GET", path, token, null);
  }

  /** {@code PUT path} without a body. */
  public Reply put(String path, @Nullable String token) {
    return send("PUT", path, token, null);
  }

  /** {@code PUT path} with a JSON body. */
  public Reply put(String path, @Nullable String token, String json) {
    return send("PUT", path, token, json);
  }

  /** {@code DELETE path}. */
  public Reply delete(String path, @Nullable String token) {
    return send("DELETE", path, token, null);
  }

  /** Any request; {@code body} is sent as {@code application/json} when not null. */
  public Reply send(String method, String path, @Nullable String token, @Nullable String body) {
    return sendBytes(
        method, path, token, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
  }

  /** Any request with raw body bytes sent as {@code application/json} when not null. */
  public Reply sendBytes(
      String method, String path, @Nullable String token, byte @Nullable [] body) {
    return send(request(method, path, token, body));
  }

  private HttpRequest request(
      String method, String path, @Nullable String token, byte @Nullable [] body) {
    BodyPublisher publisher =
        body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body);
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, publisher)
            .header("Accept", "application/json");
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request.build();
  }

  /** Any request, sent without waiting; {@code body} is sent as {@code application/json}. */
  public CompletableFuture<Reply> sendAsync(
      String method, String path, @Nullable String token, @Nullable String body) {
    HttpRequest request =
        request(method, path, token, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    return client
        .sendAsync(request, BodyHandlers.ofString(StandardCharsets.UTF_8))
        .thenApply(
            r ->
                new Reply(
                    request.method() + " " + request.uri(), r.statusCode(), r.headers(), r.body()));
  }

  /** Sends a prepared request. */
  public Reply send(HttpRequest request) {
    try {
      var response = client.send(request, BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new Reply(
          request.method() + " " + request.uri(),
          response.statusCode(),
          response.headers(),
          response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Percent-encodes one path segment (everything but unreserved characters). */
  public static String seg(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append(c);
      } else {
        out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  /** {@code api/v1/channels/{channel}/users/{user}}. */
  public static String member(String channel, String user) {
    return "api/v1/channels/" + seg(channel) + "/users/" + seg(user);
  }

  /** {@code api/v1/channels/{channel}/users/{user}/attributes}. */
  public static String attributes(String channel, String user) {
    return member(channel, user) + "/attributes";
  }

  /** {@code api/v1/channels/{channel}/users}. */
  public static String users(String channel) {
    return "api/v1/channels/" + seg(channel) + "/users";
  }

  /** {@code api/v1/channels/{channel}}. */
  public static String channel(String channel) {
    return "api/v1/channels/" + seg(channel);
  }

  /** {@code api/v1/users/{user}/channels}. */
  public static String userChannels(String user) {
    return "api/v1/users/" + seg(user) + "/channels";
  }

  /**
   * One HTTP exchange.
   *
   * @param request method and URI, for messages
   * @param status the status code
   * @param headers the response headers
   * @param body the body as text
   */
  public record Reply(String request, int status, java.net.http.HttpHeaders headers, String body) {

    /** The body parsed as JSON. */
    public JsonNode json() {
      return Json.parse(body);
    }

    /** The first value of a header, or null. */
    public @Nullable String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** Asserts a 2xx status and returns this reply. */
    public Reply ok() {
      assertThat(status)
          .as("%s -> %s %s", request, status, Json.abbreviate(body))
          .isBetween(200, 299);
      return this;
    }

    /** Asserts a 2xx status and returns the JSON body. */
    public JsonNode okJson() {
      return ok().json();
    }

    /**
     * Asserts the error of SPEC 4.4: this status, a JSON body {@code {"error":{"code","message"}}}
     * with this code and a non-blank message, and no internals (class names, stack frames).
     */
    public Reply error(int expectedStatus, String expectedCode) {
      String what = toString();
      assertThat(status).as(what).isEqualTo(expectedStatus);
      assertErrorBody(what, expectedCode);
      return this;
    }

    /**
     * Asserts an error body with this code whatever the status (used where the status is known).
     */
    public void assertErrorBody(String what, String expectedCode) {
      assertThat(header("Content-Type"))
          .as("content type of " + what)
          .startsWith("application/json");
      JsonNode json = Json.parse(body);
      assertThat(json.path("error").path("code").asText()).as(what).isEqualTo(expectedCode);
      assertThat(json.path("error").path("message").asText()).as(what).isNotBlank();
      assertNoInternals(what, body);
    }

    @Override
    public String toString() {
      return request + " -> " + status + " " + headers.map() + " " + Json.abbreviate(body);
    }
  }

  /** Asserts that a text shows no class name, package or stack frame. */
  public static void assertNoInternals(String what, String text) {
    assertThat(INTERNALS.matcher(text).find())
        .as("internal detail in %s: %s", what, Json.abbreviate(text))
        .isFalse();
  }
}
