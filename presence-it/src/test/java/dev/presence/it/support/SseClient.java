package dev.presence.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A Server-Sent Events client of {@code GET /api/v1/channels/{channel}/events}: reads the stream
 * line by line on its own thread and keeps the JSON of every {@code data} field.
 */
public final class SseClient implements AutoCloseable {

  private final List<JsonNode> data = new ArrayList<>();
  private final List<String> eventNames = new ArrayList<>();
  private final HttpResponse<InputStream> response;
  private final Thread reader;

  private SseClient(HttpResponse<InputStream> response) {
    this.response = response;
    this.reader = new Thread(this::read, "sse-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Opens the stream and waits for the response head; asserts 200 and {@code text/event-stream}.
   */
  public static SseClient open(Http http, String channel, String token) {
    return open(http, channel, token, "");
  }

  /**
   * Like {@link #open(Http, String, String)} with a query string ({@code ?mode=occupancy}), or ""
   * for none.
   */
  public static SseClient open(Http http, String channel, String token, String query) {
    HttpRequest request =
        HttpRequest.newBuilder(http.uri(Http.channel(channel) + "/events" + query))
            .header("Accept", "text/event-stream")
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    HttpResponse<InputStream> response;
    try {
      response =
          http.client().sendAsync(request, BodyHandlers.ofInputStream()).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("SSE request failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("no SSE response head within 20 s for " + request.uri(), e);
    }
    assertThat(response.statusCode()).as("SSE status of %s", request.uri()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .as("SSE content type")
        .startsWith("text/event-stream");
    return new SseClient(response);
  }

  private void read() {
    try (BufferedReader lines =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      StringBuilder payload = new StringBuilder();
      String name = "message";
      String line;
      while ((line = lines.readLine()) != null) {
        if (line.isEmpty()) {
          if (payload.length() > 0) {
            JsonNode json = Json.parse(payload.toString());
            synchronized (data) {
              data.add(json);
              eventNames.add(name);
            }
          }
          payload.setLength(0);
          name = "message";
        } else if (line.startsWith("data:")) {
          if (payload.length() > 0) {
            payload.append('\n');
          }
          payload.append(stripOneSpace(line.substring(5)));
        } else if (line.startsWith("event:")) {
          name = stripOneSpace(line.substring(6));
        }
      }
    } catch (IOException e) {
      // closed by close() or by the server
    }
  }

  private static String stripOneSpace(String value) {
    return value.startsWith(" ") ? value.substring(1) : value;
  }

  /** Whether the stream has ended (the server closed it, or it failed). */
  public boolean ended() {
    return !reader.isAlive();
  }

  /** The JSON of every {@code data} field so far, in order. */
  public List<JsonNode> data() {
    synchronized (data) {
      return List.copyOf(data);
    }
  }

  /** The {@code event:} names of every message so far (default {@code message}), in order. */
  public List<String> eventNames() {
    synchronized (data) {
      return List.copyOf(eventNames);
    }
  }

  /** The data objects that are presence events (they have an {@code event} field), in order. */
  public List<JsonNode> events() {
    return data().stream().filter(d -> d.has("event") && d.has("seq")).toList();
  }

  /** Waits for a presence event that matches. */
  public JsonNode awaitEvent(Predicate<JsonNode> match, Duration timeout) {
    return await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(() -> events().stream().filter(match).findFirst().orElse(null), e -> e != null);
  }

  @Override
  public void close() {
    try {
      response.body().close();
    } catch (IOException e) {
      // already closed
    }
  }
}
