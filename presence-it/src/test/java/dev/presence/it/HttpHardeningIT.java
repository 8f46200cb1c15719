package dev.presence.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.it.support.Http;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * The HTTP surface against hostile and sloppy clients (issue #10, items 1-3), on the container
 * {@code payara-micro-hardening} of arquillian.xml: development mode, {@code
 * presence.http.body-timeout} {@value #BODY_TIMEOUT_SECONDS}s, {@code presence.query.cache-ttl}
 * {@value #CACHE_TTL_SECONDS}s, {@code presence.limits.channels-per-user} {@value
 * #CHANNELS_PER_USER}. All load stays on 127.0.0.1 and ends by itself (the server answers every
 * slow body within the body timeout; the sockets are closed in any case).
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HttpHardeningIT {

  /** These must match the container's options in arquillian.xml. */
  static final int BODY_TIMEOUT_SECONDS = 5;

  static final int CACHE_TTL_SECONDS = 2;
  static final int CHANNELS_PER_USER = 20;

  /** RestBeans.MAX_BODY_READS_PER_USER and CACHE_MAX_PER_CHANNEL. */
  static final int BODY_READS_PER_USER = 8;

  static final int CACHE_MAX_PER_CHANNEL = 100;

  /** Payara's HTTP thread pool has 200 threads: more slow bodies than that. */
  static final int SLOW_USERS = 50;

  static final int SLOW_PER_USER = 5;

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-hardening")
  static WebArchive war() {
    return PresenceWar.create();
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
    Warmup.once(http);
  }

  @Test
  @DisplayName(
      "250 slow bodies hold no thread: health and REST answer at once, the slow ones get 408 after"
          + " the body timeout, nothing is stored; a user's 9th body at once is 429")
  void slowBodies() throws Exception {
    String channel = Names.unique("slow");
    List<String> users = new ArrayList<>();
    for (int i = 0; i < SLOW_USERS; i++) {
      String user = Names.unique("slow");
      users.add(user);
      http.put(Http.member(channel, user), Tokens.dev(user)).ok();
    }
    String greedy = Names.unique("greedy");
    http.put(Http.member(channel, greedy), Tokens.dev(greedy)).ok();
    List<SlowBody> slow = new ArrayList<>();
    try {
      for (String user : users) {
        for (int j = 0; j < SLOW_PER_USER; j++) {
          slow.add(SlowBody.open(http, channel, user, true));
        }
      }
      // One user's bodies over the bound: one is refused at once (the server takes the requests
      // of different connections in any order, so not necessarily the last one).
      List<SlowBody> greedyBodies = new ArrayList<>();
      for (int j = 0; j <= BODY_READS_PER_USER; j++) {
        greedyBodies.add(SlowBody.open(http, channel, greedy, true));
      }
      long opened = System.nanoTime();
      int held = slow.size() + BODY_READS_PER_USER;
      assertThat(held).isGreaterThan(200 + BODY_READS_PER_USER);
      slow.addAll(greedyBodies);
      await()
          .atMost(Duration.ofSeconds(BODY_TIMEOUT_SECONDS - 1))
          .until(() -> greedyBodies.stream().anyMatch(SlowBody::answered));
      List<SlowBody> refused = greedyBodies.stream().filter(SlowBody::answered).toList();
      assertThat(refused).hasSize(1);
      String refusal = refused.get(0).response(Duration.ofSeconds(1));
      refused.get(0).close();
      slow.remove(refused.get(0));
      assertThat(refusal).startsWith("HTTP/1.1 429").contains("RATE_LIMITED");
      assertThat(refusal.toLowerCase(java.util.Locale.ROOT)).contains("retry-after: ");

      // While every slow body is held (the timeout has not run out yet), the node answers.
      await().atMost(Duration.ofSeconds(3)).until(() -> bodyReads() == held);
      long t0 = System.nanoTime();
      assertThat(http.get("health/ready", null).status()).isEqualTo(200);
      assertThat(http.get("health/live", null).status()).isEqualTo(200);
      String other = Names.unique("other");
      http.put(Http.member(channel, other), Tokens.dev(other)).ok();
      http.put(Http.attributes(channel, other), Tokens.dev(other), "{\"k\":\"v\"}").ok();
      Duration answered = Duration.ofNanos(System.nanoTime() - t0);
      Duration sinceOpened = Duration.ofNanos(System.nanoTime() - opened);
      assertThat(sinceOpened)
          .as("the checks ran while the slow bodies were held")
          .isLessThan(Duration.ofSeconds(BODY_TIMEOUT_SECONDS));
      assertThat(answered).isLessThan(Duration.ofSeconds(3));
      assertThat(slow).noneMatch(SlowBody::answered);

      // Every slow body is answered 408 INVALID_ARGUMENT (none was before the checks above).
      for (SlowBody s : slow) {
        String r = s.response(Duration.ofSeconds(BODY_TIMEOUT_SECONDS + 20));
        assertThat(r).startsWith("HTTP/1.1 408").contains("INVALID_ARGUMENT");
        Http.assertNoInternals("408 body", r.substring(r.indexOf("\r\n\r\n")));
      }
    } finally {
      slow.forEach(SlowBody::close);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> bodyReads() == 0);
    for (String user : users) {
      assertThat(http.get(Http.attributes(channel, user), Tokens.dev(user)).okJson().size())
          .as("nothing of a slow body is stored")
          .isZero();
    }
  }

  @Test
  @DisplayName(
      "bodies received concurrently by many clients: each is answered and stored as sent, and no"
          + " body read is left open")
  void concurrentBodies() throws Exception {
    int clients = 8;
    int rounds = 60;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(clients);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        String channel = Names.unique("bodies");
        Http own = new Http(base);
        done.add(
            pool.submit(
                () -> {
                  // A new user each round (attribute changes are rate limited per user); requests
                  // with and without a body alternate on one keep-alive connection.
                  for (int i = 0; i < rounds; i++) {
                    String user = Names.unique("body");
                    String token = Tokens.dev(user);
                    own.put(Http.member(channel, user), token).ok();
                    own.put(Http.attributes(channel, user), token, "{\"n\":\"" + i + "\"}").ok();
                    assertThat(
                            own.get(Http.attributes(channel, user), token)
                                .okJson()
                                .path("n")
                                .asText())
                        .isEqualTo(Integer.toString(i));
                    own.delete(Http.member(channel, user), token).ok();
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get(2, java.util.concurrent.TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> bodyReads() == 0);
  }

  @Test
  @DisplayName("a slow body without a valid token is answered 401 at once")
  void slowBodyWithoutToken() throws Exception {
    try (SlowBody s = SlowBody.open(http, Names.unique("anon"), Names.unique("anon"), false)) {
      String reply = s.response(Duration.ofSeconds(BODY_TIMEOUT_SECONDS - 1));
      assertThat(reply).startsWith("HTTP/1.1 401").contains("UNAUTHENTICATED");
    }
  }

  @Test
  @DisplayName(
      "5,000 minted cursors: the response cache stays under its per-channel bound and is empty"
          + " after the TTL")
  void mintedCursors() throws Exception {
    String channel = Names.unique("cursors");
    String user = Names.unique("reader");
    String token = Tokens.dev(user);
    http.put(Http.member(channel, user), token).ok();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int from = t * 1250;
        done.add(
            pool.submit(
                () -> {
                  for (int i = from; i < from + 1250; i++) {
                    String cursor =
                        "u1."
                            + Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(("minted-" + i).getBytes(StandardCharsets.UTF_8));
                    http.get(Http.users(channel) + "?limit=10&cursor=" + cursor, token).ok();
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    int entries = metric("presence_query_cache_entries");
    assertThat(entries).isBetween(1, CACHE_MAX_PER_CHANNEL);
    await()
        .atMost(Duration.ofSeconds(CACHE_TTL_SECONDS + 10))
        .until(() -> metric("presence_query_cache_entries") == 0);
  }

  @Test
  @DisplayName(
      "a user may be in at most channels-per-user channels through REST; one more is 413"
          + " TOO_LARGE, a heartbeat is not refused, a leave frees a place")
  void channelsPerUser() {
    String user = Names.unique("many");
    String token = Tokens.dev(user);
    List<String> channels = new ArrayList<>();
    for (int i = 0; i < CHANNELS_PER_USER; i++) {
      String c = Names.unique("many");
      channels.add(c);
      http.put(Http.member(c, user), token).ok();
    }
    String over = Names.unique("many");
    http.put(Http.member(over, user), token).error(413, "TOO_LARGE");
    http.put(Http.member(channels.get(0), user), token).ok();
    assertThat(http.get(Http.userChannels(user), token).okJson().get("channels").size())
        .isEqualTo(CHANNELS_PER_USER);
    http.delete(Http.member(channels.get(0), user), token).ok();
    http.put(Http.member(over, user), token).ok();
    assertThat(http.get(Http.userChannels(user), token).okJson().get("channels").size())
        .isEqualTo(CHANNELS_PER_USER);
    for (String c : channels) {
      http.delete(Http.member(c, user), token);
    }
    http.delete(Http.member(over, user), token);
  }

  private int bodyReads() {
    return metric("presence_http_body_reads");
  }

  private int metric(String name) {
    String metrics = http.get("metrics", null).ok().body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith(name + " ")) {
        return (int) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("no " + name + " in /metrics");
  }

  /**
   * A raw HTTP/1.1 request that declares a 60,000-byte attributes body and sends one byte of it.
   */
  static final class SlowBody implements AutoCloseable {
    private final Socket socket;
    private @Nullable String response;

    private SlowBody(Socket socket) {
      this.socket = socket;
    }

    static SlowBody open(Http http, String channel, String user, boolean withToken)
        throws IOException {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", http.base().getPort()), 10_000);
      String head =
          "PUT "
              + http.uri(Http.attributes(channel, user)).getRawPath()
              + " HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + http.base().getPort()
              + "\r\n"
              + (withToken ? "Authorization: Bearer " + Tokens.dev(user) + "\r\n" : "")
              + "Content-Type: application/json\r\n"
              + "Content-Length: 60000\r\n"
              + "\r\n"
              + "{";
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new SlowBody(socket);
    }

    /** Whether the server has sent something (without waiting). */
    boolean answered() {
      try {
        return response != null || socket.getInputStream().available() > 0;
      } catch (IOException e) {
        return true;
      }
    }

    /** The whole response (status line, headers, body) once the server has answered. */
    String response(Duration within) throws IOException {
      if (response != null) {
        return response;
      }
      long deadline = System.nanoTime() + within.toNanos();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[4096];
      while (!complete(got)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          throw new AssertionError("no complete response within " + within + ": " + got);
        }
        socket.setSoTimeout((int) left);
        int n;
        try {
          n = in.read(buffer);
        } catch (SocketTimeoutException e) {
          continue;
        }
        if (n < 0) {
          break;
        }
        got.write(buffer, 0, n);
      }
      response = got.toString(StandardCharsets.UTF_8);
      return response;
    }

    private static boolean complete(ByteArrayOutputStream got) {
      String text = got.toString(StandardCharsets.UTF_8);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        return false;
      }
      for (String line : text.substring(0, end).split("\r\n")) {
        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          int length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
          return text.getBytes(StandardCharsets.UTF_8).length >= end + 4 + length;
        }
      }
      return false;
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing
      }
    }
  }
}
