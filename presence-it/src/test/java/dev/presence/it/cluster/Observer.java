package dev.presence.it.cluster;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket observer of one channel on one node. It subscribes, heartbeats every second, and
 * records every message of the channel with the {@link System#nanoTime()} at which it arrived, so
 * the test can measure delivery latency.
 */
final class Observer implements AutoCloseable {

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
    URI uri =
        URI.create(
            WsClient.endpoint(base)
                + "?access_token="
                + URLEncoder.encode(token, StandardCharsets.UTF_8));
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    try {
      socket =
          client.newWebSocketBuilder().buildAsync(uri, new Listener()).get(20, TimeUnit.SECONDS);
      send(Json.write(Json.object("id", "sub", "type", "subscribe", "channel", channel)));
      JsonNode reply = snapshot.get(15, TimeUnit.SECONDS);
      assertThat(reply.path("type").asText()).as("subscribe reply %s", reply).isEqualTo("snapshot");
    } catch (ExecutionException e) {
      throw new IllegalStateException("observer of " + channel + " at " + uri, e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("observer of " + channel + " at " + uri, e);
    }
    heartbeats =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "observer-heartbeat-" + channel);
              t.setDaemon(true);
              return t;
            });
    heartbeats.scheduleAtFixedRate(
        () -> {
          try {
            send("{\"type\":\"heartbeat\"}");
          } catch (RuntimeException e) {
            // The connection is gone; the test sees missing events.
          }
        },
        1,
        1,
        TimeUnit.SECONDS);
  }

  private synchronized void send(String text) {
    try {
      socket.sendText(text, true).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("send failed", e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("send failed", e);
    }
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
    try {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      socket.abort();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      socket.abort();
    }
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

  private void onMessage(String text, long nanos) {
    JsonNode message = Json.parse(text);
    if ("batch".equals(message.path("type").asText())) {
      for (JsonNode inner : message.path("messages")) {
        dispatch(inner, nanos);
      }
    } else {
      dispatch(message, nanos);
    }
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

  private final class Listener implements WebSocket.Listener {
    @Override
    public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      long now = System.nanoTime();
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        onMessage(text, now);
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
