package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Json;
import dev.presence.it.support.WsClient;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket observer of one channel on one node. It subscribes, heartbeats every second, and
 * records every message of the channel with the {@link System#nanoTime()} at which it arrived, so
 * the test can measure delivery latency.
 */
final class Observer implements AutoCloseable {

  /** What an observer sends every second. */
  static final String HEARTBEAT = "{\"type\":\"heartbeat\"}";

  /** One message and the {@link System#nanoTime()} at which it arrived. */
  record Arrival(JsonNode message, long nanos) {}

  private final String channel;
  private final List<Arrival> received = new ArrayList<>();
  private final CompletableFuture<JsonNode> snapshot = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private final ScheduledExecutorService heartbeats;
  private final WebSocket socket;

  Observer(URI base, String token, String channel) {
    this.channel = channel;
    URI uri = socketUri(base, token);
    socket = connect(uri, channel, new Listener());
    send(Json.write(Json.object("id", "sub", "type", "subscribe", "channel", channel)));
    awaitSnapshot(snapshot, uri, channel);
    heartbeats = heartbeats("observer-heartbeat-" + channel, () -> send(HEARTBEAT));
  }

  private synchronized void send(String text) {
    sendText(socket, text);
  }

  /** The seq of the subscribe snapshot. */
  long snapshotSeq() {
    return snapshot.join().path("seq").asLong();
  }

  /** The channel's events received so far with their arrival times, in order. */
  List<Arrival> arrivals() {
    synchronized (received) {
      return received.stream()
          .filter(a -> "event".equals(a.message().path("type").asText()))
          .toList();
    }
  }

  /** The channel's events received so far, in order. */
  List<JsonNode> events() {
    return arrivals().stream().map(Arrival::message).toList();
  }

  /** Messages other than events (resync, errors), for diagnostics. */
  List<JsonNode> others() {
    synchronized (received) {
      return received.stream()
          .map(Arrival::message)
          .filter(m -> !"event".equals(m.path("type").asText()))
          .toList();
    }
  }

  /**
   * Waits (polling every 20 ms) until an event after the first {@code skip} ones matches, and
   * returns the first such with its arrival time.
   */
  Arrival awaitEvent(String alias, Duration atMost, int skip, Predicate<JsonNode> match) {
    JsonNode event =
        await(alias)
            .atMost(atMost)
            .pollInterval(Duration.ofMillis(20))
            .until(
                () -> events().stream().skip(skip).filter(match).findFirst().orElse(null),
                e -> e != null);
    return arrivals().stream().filter(x -> x.message().equals(event)).findFirst().orElseThrow();
  }

  /**
   * Asserts that the events received so far carry consecutive seqs right after the snapshot's (no
   * gap, no duplicate) and that nothing else (a resync, an error) arrived.
   */
  void assertGapFree() {
    List<JsonNode> events = events();
    long first = snapshotSeq() + 1;
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).path("seq").asLong())
          .as("seq of event %d of %s (snapshot seq %d)", i, describe(events), first - 1)
          .isEqualTo(first + i);
    }
    assertThat(others()).as("non-event messages to the observer of %s", channel).isEmpty();
  }

  @Override
  public void close() {
    heartbeats.shutdownNow();
    closeSocket(socket);
  }

  /** {@code seq:kind:user{attributes}} for each event, for messages. */
  static String describe(List<JsonNode> events) {
    List<String> out = new ArrayList<>();
    for (JsonNode e : events) {
      out.add(
          e.path("seq").asLong()
              + ":"
              + e.path("event").asText()
              + ":"
              + e.path("userId").asText()
              + Json.write(e.path("attributes")));
    }
    return out.toString();
  }

  private void dispatch(JsonNode message, long nanos) {
    if ("sub".equals(message.path("id").asText())) {
      snapshot.complete(message);
      return;
    }
    if (message.has("channel") && !channel.equals(message.path("channel").asText())) {
      return;
    }
    synchronized (received) {
      received.add(new Arrival(message, nanos));
    }
  }

  // ---- the WebSocket plumbing, shared with PartitionIT.Mirror ----

  /** A node's WebSocket endpoint with an access token. */
  static URI socketUri(URI base, String token) {
    return URI.create(
        WsClient.endpoint(base)
            + "?access_token="
            + URLEncoder.encode(token, StandardCharsets.UTF_8));
  }

  /** Opens a WebSocket (20 s at most) for the observer of a channel. */
  static WebSocket connect(URI uri, String channel, WebSocket.Listener listener) {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    try {
      return client.newWebSocketBuilder().buildAsync(uri, listener).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("observer of " + channel + " at " + uri, e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("observer of " + channel + " at " + uri, e);
    }
  }

  /** Waits (15 s at most) for the reply to the first subscribe, and asserts it is a snapshot. */
  static void awaitSnapshot(CompletableFuture<JsonNode> first, URI uri, String channel) {
    try {
      JsonNode reply = first.get(15, TimeUnit.SECONDS);
      assertThat(reply.path("type").asText()).as("subscribe reply %s", reply).isEqualTo("snapshot");
    } catch (ExecutionException e) {
      throw new IllegalStateException("observer of " + channel + " at " + uri, e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("observer of " + channel + " at " + uri, e);
    }
  }

  /** Runs {@code send} every second on a daemon thread, ignoring its failures. */
  static ScheduledExecutorService heartbeats(String threadName, Runnable send) {
    ScheduledExecutorService heartbeats =
        Executors.newSingleThreadScheduledExecutor(daemon(threadName));
    heartbeats.scheduleAtFixedRate(
        () -> {
          try {
            send.run();
          } catch (RuntimeException e) {
            // The connection is gone; the test sees what is missing.
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
    return heartbeats;
  }

  /** Makes daemon threads of this name. */
  static ThreadFactory daemon(String threadName) {
    return r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    };
  }

  /** Sends a text message (20 s at most). */
  static void sendText(WebSocket socket, String text) {
    try {
      socket.sendText(text, true).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("send failed", e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("send failed", e);
    }
  }

  /** Closes normally (5 s at most), else aborts. */
  static void closeSocket(WebSocket socket) {
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      socket.abort();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      socket.abort();
    }
  }

  /**
   * Adds a fragment to {@code partial}; returns the whole message on its last fragment (and empties
   * {@code partial}), else null.
   */
  static @Nullable String whole(StringBuilder partial, CharSequence data, boolean last) {
    partial.append(data);
    if (!last) {
      return null;
    }
    String text = partial.toString();
    partial.setLength(0);
    return text;
  }

  /** Parses a message and hands it, or each message of a batch, to {@code dispatch}. */
  static void forEachMessage(String text, Consumer<JsonNode> dispatch) {
    JsonNode message = Json.parse(text);
    if ("batch".equals(message.path("type").asText())) {
      for (JsonNode inner : message.path("messages")) {
        dispatch.accept(inner);
      }
    } else {
      dispatch.accept(message);
    }
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      long now = System.nanoTime();
      String text = whole(partial, data, last);
      if (text != null) {
        forEachMessage(text, m -> dispatch(m, now));
      }
      ws.request(1);
      return null;
    }

    @Override
    public @Nullable CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      synchronized (received) {
        received.add(
            new Arrival(
                Json.object("type", "closed", "status", Integer.toString(statusCode)),
                System.nanoTime()));
      }
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      synchronized (received) {
        received.add(
            new Arrival(
                Json.object("type", "wsError", "message", String.valueOf(error)),
                System.nanoTime()));
      }
      snapshot.completeExceptionally(error);
    }
  }
}
