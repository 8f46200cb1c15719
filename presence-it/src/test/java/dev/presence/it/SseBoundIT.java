package dev.presence.it;

import static dev.presence.it.support.Events.assertConsecutive;
import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.Names;
import dev.presence.it.support.PresenceWar;
import dev.presence.it.support.SseClient;
import dev.presence.it.support.Tokens;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
 * Server-Sent Events clients that never read (issue #9 item 6) against the real WAR on Payara Micro
 * (container {@code payara-micro-rest}): while events flow to 100 of them, the streams use at most
 * the bounded sender pool ({@code presence_sse_sender_threads}), REST keeps answering, and a
 * reading client gets every event in order; once the idle clients go away, their streams end.
 *
 * <p>The traffic (about 2.4 MB for each stream) stays below what the loopback sockets buffer, so no
 * write blocks here: on Payara 6 a write to a client that does not read does not block until the
 * socket's send buffer (up to {@code net.ipv4.tcp_wmem}'s maximum) is full, and then Grizzly queues
 * further writes in the heap instead. The watchdog for blocked writes is covered by {@code
 * SseStreamsTest} with sinks that block.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class SseBoundIT {

  private static final int IDLE = 100;

  /** Users whose attribute updates (about 8 KB each) make the traffic, 2 per second each. */
  private static final int FILLERS = 8;

  /** Updates in all: 300 x 8 KB to each stream. */
  private static final int UPDATES = 300;

  private static final int BOUND = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

  @ArquillianResource private URL base;

  private Http http;

  @Deployment(testable = false)
  @TargetsContainer("payara-micro-rest")
  static WebArchive war() {
    return PresenceWar.create();
  }

  @BeforeEach
  void setUp() {
    http = new Http(base);
    Warmup.once(http);
  }

  @Test
  @DisplayName("100 streams that never read: bounded threads, REST answers, a reader gets it all")
  void idleStreamsUseABoundedPool() throws Exception {
    String ch = Names.unique("sse-bound");
    List<String> fillers = new ArrayList<>();
    for (int i = 0; i < FILLERS; i++) {
      String user = Names.unique("filler");
      fillers.add(user);
      http.put(member(ch, user), Tokens.dev(user)).ok();
      http.put(attributes(ch, user), Tokens.dev(user), bigAttributes(0)).ok();
    }
    // REST presences last T = 10 s: keep the fillers present (a repeated join emits nothing).
    ScheduledExecutorService keeper = Executors.newSingleThreadScheduledExecutor();
    keeper.scheduleWithFixedDelay(
        () -> fillers.forEach(u -> put(member(ch, u), u, null)), 2, 2, TimeUnit.SECONDS);
    ScheduledExecutorService load = Executors.newScheduledThreadPool(FILLERS);
    List<Socket> idle = new ArrayList<>();
    try (SseClient reader = SseClient.open(http, ch, Tokens.dev(Names.unique("reader")))) {
      for (int i = 0; i < IDLE; i++) {
        idle.add(openIdle(ch, Names.unique("idle")));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> gauge("presence_sse_streams") == IDLE + 1);

      AtomicInteger tick = new AtomicInteger();
      AtomicInteger sent = new AtomicInteger();
      for (String f : fillers) {
        load.scheduleAtFixedRate(
            () -> {
              if (sent.get() < UPDATES
                  && put(attributes(ch, f), f, bigAttributes(tick.incrementAndGet()))) {
                sent.incrementAndGet();
              }
            },
            0,
            500,
            TimeUnit.MILLISECONDS);
      }
      AtomicLong slowestRest = new AtomicLong();
      AtomicInteger mostThreads = new AtomicInteger();
      AtomicInteger fewestStreams = new AtomicInteger(Integer.MAX_VALUE);
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                long before = System.nanoTime();
                http.get(users(ch), Tokens.dev(fillers.get(0))).ok();
                slowestRest.accumulateAndGet(System.nanoTime() - before, Math::max);
                mostThreads.accumulateAndGet(gauge("presence_sse_sender_threads"), Math::max);
                fewestStreams.accumulateAndGet(gauge("presence_sse_streams"), Math::min);
                return sent.get() >= UPDATES;
              });
      load.shutdownNow();

      String last = fillers.get(0);
      http.put(attributes(ch, last), Tokens.dev(last), bigAttributes(-1)).ok();
      reader.awaitEvent(
          e ->
              e.path("event").asText().equals("attributesUpdate")
                  && e.path("userId").asText().equals(last)
                  && e.path("attributes").path("tick").asText().equals("-1"),
          Duration.ofSeconds(30));
      System.out.printf(
          "SseBoundIT: bound %d, most sender threads %d, slowest REST read %d ms, fewest streams"
              + " %d, reader got %d messages%n",
          BOUND,
          mostThreads.get(),
          slowestRest.get() / 1_000_000,
          fewestStreams.get(),
          reader.eventNames().size());
      assertThat(mostThreads.get()).isBetween(1, BOUND);
      assertThat(Duration.ofNanos(slowestRest.get())).isLessThan(Duration.ofSeconds(5));
      assertThat(reader.eventNames()).as("the reader never fell behind").doesNotContain("resync");
      List<JsonNode> data = reader.data();
      assertThat(reader.eventNames().get(0)).isEqualTo("snapshot");
      List<JsonNode> events = reader.events();
      assertThat(events).hasSizeGreaterThan(UPDATES);
      assertConsecutive(events, data.get(0).path("seq").asLong() + 1);

      for (Socket s : idle) {
        s.close();
      }
      AtomicInteger more = new AtomicInteger();
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofSeconds(1))
          .until(
              () -> {
                // the server notices a client gone at its next write
                put(attributes(ch, last), last, bigAttributes(-2 - more.incrementAndGet()));
                return gauge("presence_sse_streams") == 1;
              });
    } finally {
      load.shutdownNow();
      keeper.shutdownNow();
      for (Socket s : idle) {
        s.close();
      }
    }
  }

  /** About 8 KB: 8 values of 1000 characters, one of them {@code tick}. */
  private static String bigAttributes(int tick) {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("tick", Integer.toString(tick));
    for (int i = 0; i < 7; i++) {
      map.put("a" + i, Character.toString('a' + i).repeat(1000));
    }
    return Json.write(map);
  }

  /** A PUT that may fail (a rate limit, a slow server): whether it succeeded. */
  private boolean put(String path, String user, @Nullable String body) {
    try {
      Http.Reply reply =
          body == null ? http.put(path, Tokens.dev(user)) : http.put(path, Tokens.dev(user), body);
      return reply.status() / 100 == 2;
    } catch (RuntimeException | AssertionError e) {
      return false;
    }
  }

  /** Opens an event stream that is never read, with a small receive buffer. */
  private Socket openIdle(String ch, String user) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", http.base().getPort()), 10_000);
    String path = http.uri(Http.channel(ch) + "/events").getRawPath();
    String request =
        "GET "
            + path
            + " HTTP/1.1\r\nHost: 127.0.0.1:"
            + http.base().getPort()
            + "\r\nAccept: text/event-stream\r\nAuthorization: Bearer "
            + Tokens.dev(user)
            + "\r\n\r\n";
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return s;
  }

  /** A gauge from {@code /metrics}, or -1 if it is not there. */
  private int gauge(String name) {
    for (String line : http.get("metrics", null).ok().body().split("\n")) {
      if (line.startsWith(name + " ")) {
        return (int) Double.parseDouble(line.substring(name.length() + 1).trim());
      }
    }
    return -1;
  }
}
