package dev.presence.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A WebSocket client of {@code /ws/v1} on {@link java.net.http.WebSocket}: sends requests with
 * fresh ids and waits for the reply with the same id, unpacks {@code batch} envelopes in order,
 * records every other message, and can heartbeat on its own.
 */
public final class WsClient implements AutoCloseable {

  /** How long a request waits for its reply. */
  public static final Duration REPLY_TIMEOUT = Duration.ofSeconds(15);

  private static final ScheduledExecutorService HEARTBEATS =
      Executors.newScheduledThreadPool(
          1,
          r -> {
            Thread t = new Thread(r, "ws-heartbeats");
            t.setDaemon(true);
            return t;
          });

  private final String name;
  private final List<JsonNode> messages = new ArrayList<>();
  private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger frames = new AtomicInteger();
  private final AtomicInteger batchFrames = new AtomicInteger();
  private final AtomicInteger heartbeatsSent = new AtomicInteger();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private volatile @Nullable String closeReason;
  private final StringBuilder partial = new StringBuilder();
  private volatile @Nullable WebSocket socket;
  private volatile CompletableFuture<JsonNode> unsolicitedError = new CompletableFuture<>();
  private @Nullable ScheduledFuture<?> heartbeat;

  private WsClient(String name) {
    this.name = name;
  }

  /** The WebSocket URI of an application root ({@code http://host:port/ctx/}). */
  public static URI endpoint(URI httpBase) {
    String s = httpBase.toString().replaceFirst("^http", "ws");
    return URI.create((s.endsWith("/") ? s : s + "/") + "ws/v1");
  }

  /** Connects with {@code ?access_token=} and starts heartbeating every second. */
  public static WsClient connect(Http http, String token) {
    WsClient c = open(http, token, false);
    c.startHeartbeats(Duration.ofSeconds(1));
    return c;
  }

  /**
   * Connects; the token goes in the query ({@code access_token}) or, with {@code header}, in an
   * {@code Authorization} header. No heartbeats are started.
   *
   * @throws IllegalStateException if the handshake fails, with the cause
   */
  public static WsClient open(Http http, @Nullable String token, boolean header) {
    URI uri = endpoint(http.base());
    WebSocket.Builder builder = http.client().newWebSocketBuilder();
    if (token != null && header) {
      builder.header("Authorization", "Bearer " + token);
    } else if (token != null) {
      uri = URI.create(uri + "?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8));
    }
    WsClient client = new WsClient(token == null ? "anonymous" : token);
    try {
      client.socket =
          builder
              .connectTimeout(Duration.ofSeconds(10))
              .buildAsync(uri, client.new Listener())
              .get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      String detail = String.valueOf(e.getCause());
      if (e.getCause() instanceof WebSocketHandshakeException refused) {
        detail =
            "status " + refused.getResponse().statusCode() + " " + refused.getResponse().body();
      }
      throw new IllegalStateException(
          "WebSocket handshake to " + uri + " failed: " + detail, e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException("WebSocket handshake to " + uri + " failed", e);
    }
    return client;
  }

  /** Sends {@code {"type":"heartbeat"}} every {@code period} until closed or stopped. */
  public synchronized void startHeartbeats(Duration period) {
    stopHeartbeats();
    heartbeat =
        HEARTBEATS.scheduleAtFixedRate(
            () -> {
              if (!closed.isDone()) {
                try {
                  send("{\"type\":\"heartbeat\"}");
                  heartbeatsSent.incrementAndGet();
                } catch (RuntimeException e) {
                  // The connection is going away; the test looks at closed().
                }
              }
            },
            period.toMillis(),
            period.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Sends a WebSocket ping (and nothing else) every {@code period} until closed or stopped. */
  public synchronized void startPings(Duration period) {
    stopHeartbeats();
    heartbeat =
        HEARTBEATS.scheduleAtFixedRate(
            () -> {
              WebSocket ws = socket;
              if (ws != null && !closed.isDone()) {
                try {
                  synchronized (this) {
                    ws.sendPing(ByteBuffer.wrap(new byte[] {1})).get(20, TimeUnit.SECONDS);
                  }
                  heartbeatsSent.incrementAndGet();
                } catch (ExecutionException | TimeoutException | RuntimeException e) {
                  // The connection is going away; the test looks at closed().
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            },
            period.toMillis(),
            period.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  /** Stops the heartbeats or pings. */
  public synchronized void stopHeartbeats() {
    if (heartbeat != null) {
      heartbeat.cancel(false);
      heartbeat = null;
    }
  }

  /** Heartbeats (or pings) sent so far. */
  public int heartbeatsSent() {
    return heartbeatsSent.get();
  }

  /** Sends one text frame, waiting until it is written. */
  public synchronized void send(String text) {
    WebSocket ws = socket;
    if (ws == null) {
      throw new IllegalStateException("not connected");
    }
    try {
      ws.sendText(text, true).get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(name + ": send failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IllegalStateException(name + ": send failed", e);
    }
  }

  /** A fresh request id. */
  public String nextId() {
    return "r" + ids.incrementAndGet();
  }

  /** Sends {@code request} with a fresh id and returns the reply with that id. */
  public JsonNode request(ObjectNode request) {
    String id = nextId();
    request.put("id", id);
    return requestRaw(id, Json.write(request));
  }

  /** Sends all requests (fresh ids) without waiting in between, then returns their replies. */
  public List<JsonNode> pipeline(List<ObjectNode> requests) {
    List<CompletableFuture<JsonNode>> replies = new ArrayList<>();
    List<String> sent = new ArrayList<>();
    try {
      for (ObjectNode request : requests) {
        String id = nextId();
        request.put("id", id);
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        replies.add(reply);
        sent.add(id);
        send(Json.write(request));
      }
      List<JsonNode> out = new ArrayList<>();
      for (CompletableFuture<JsonNode> reply : replies) {
        out.add(reply.get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
      }
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(name + ": missing replies to " + requests.size() + " requests");
    } finally {
      sent.forEach(pending::remove);
    }
  }

  /** Sends a raw frame carrying {@code id} and returns the reply with that id. */
  public JsonNode requestRaw(String id, String frame) {
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    pending.put(id, reply);
    send(frame);
    try {
      return reply.get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(
          name
              + ": no reply with id "
              + id
              + " to "
              + Json.abbreviate(frame)
              + "; closed="
              + closed);
    } finally {
      pending.remove(id);
    }
  }

  /**
   * Sends a frame that must be refused and returns the error: the reply with {@code id} (when the
   * frame carries one) or the next error message without an id (for frames whose id the server
   * cannot read).
   */
  public JsonNode exchangeError(@Nullable String id, String frame) {
    CompletableFuture<JsonNode> reply = new CompletableFuture<>();
    CompletableFuture<JsonNode> anonymous = new CompletableFuture<>();
    unsolicitedError = anonymous;
    if (id != null) {
      pending.put(id, reply);
    }
    send(frame);
    try {
      return (JsonNode)
          CompletableFuture.anyOf(reply, anonymous)
              .get(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError(
          name
              + ": no error reply (id "
              + id
              + ") to "
              + Json.abbreviate(frame)
              + "; closed="
              + closed);
    } finally {
      if (id != null) {
        pending.remove(id);
      }
    }
  }

  /** Sends a request and asserts an {@code ok} reply; returns it. */
  public JsonNode ok(ObjectNode request) {
    JsonNode reply = request(request);
    assertThat(reply.path("type").asText()).as("reply to %s: %s", request, reply).isEqualTo("ok");
    return reply;
  }

  /** Sends a request and asserts an {@code error} reply with this code; returns it. */
  public JsonNode error(ObjectNode request, String code) {
    JsonNode reply = request(request);
    assertError(reply, code, request.toString());
    return reply;
  }

  /** Asserts an error reply of SPEC 5: type, code, a message, no internals. */
  public static void assertError(JsonNode reply, String code, String what) {
    assertThat(reply.path("type").asText()).as("reply to %s: %s", what, reply).isEqualTo("error");
    assertThat(reply.path("code").asText()).as("reply to %s: %s", what, reply).isEqualTo(code);
    assertThat(reply.path("message").asText()).as("reply to %s: %s", what, reply).isNotBlank();
    Http.assertNoInternals("reply to " + what, reply.toString());
  }

  /** {@code join} and assert ok. */
  public JsonNode join(String channel) {
    return ok(Json.object("type", "join", "channel", channel));
  }

  /** {@code leave} and assert ok. */
  public JsonNode leave(String channel) {
    return ok(Json.object("type", "leave", "channel", channel));
  }

  /** {@code setAttributes} and return the reply (not asserted). */
  public JsonNode setAttributes(String channel, Map<String, String> attributes) {
    ObjectNode request = Json.object("type", "setAttributes", "channel", channel);
    request.set("attributes", Json.MAPPER.valueToTree(attributes));
    return request(request);
  }

  /** {@code subscribe}, assert a snapshot reply and return it. */
  public JsonNode subscribe(String channel) {
    JsonNode reply = request(Json.object("type", "subscribe", "channel", channel));
    assertThat(reply.path("type").asText())
        .as("reply to subscribe: %s", reply)
        .isEqualTo("snapshot");
    return reply;
  }

  /** Every message received that was not a reply to a request, in order (batches unpacked). */
  public List<JsonNode> messages() {
    synchronized (messages) {
      return List.copyOf(messages);
    }
  }

  /** The {@code event} messages of a channel received so far, in order. */
  public List<JsonNode> events(String channel) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode m : messages()) {
      if ("event".equals(m.path("type").asText()) && channel.equals(m.path("channel").asText())) {
        out.add(m);
      }
    }
    return out;
  }

  /** Waits for an event of the channel that matches, and returns it. */
  public JsonNode awaitEvent(String channel, Predicate<JsonNode> match, Duration timeout) {
    return await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(20))
        .until(
            () -> events(channel).stream().filter(match).findFirst().orElse(null), e -> e != null);
  }

  /** Waits for the event of the channel with this {@code seq}. */
  public JsonNode awaitSeq(String channel, long seq, Duration timeout) {
    return awaitEvent(channel, e -> e.path("seq").asLong() == seq, timeout);
  }

  /** Frames received (a batch counts once). */
  public int frames() {
    return frames.get();
  }

  /** Batch frames received. */
  public int batchFrames() {
    return batchFrames.get();
  }

  /** Completes with the close status code when the server closes or the connection ends. */
  public CompletableFuture<Integer> closed() {
    return closed;
  }

  /** The reason of the server's close frame, or null before it (or without one). */
  public @Nullable String closeReason() {
    return closeReason;
  }

  /** Drops the TCP connection without a close frame. */
  public void abort() {
    stopHeartbeats();
    WebSocket ws = socket;
    if (ws != null) {
      ws.abort();
    }
  }

  /** Closes cleanly (status 1000) and waits briefly for the server's close frame. */
  @Override
  public void close() {
    stopHeartbeats();
    WebSocket ws = socket;
    if (ws == null || closed.isDone()) {
      return;
    }
    try {
      synchronized (this) {
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
      }
      closed.get(5, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      ws.abort();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ws.abort();
    }
  }

  private void onMessage(String text) {
    frames.incrementAndGet();
    JsonNode message = Json.parse(text);
    if ("batch".equals(message.path("type").asText())) {
      batchFrames.incrementAndGet();
      assertThat(message.path("messages").isArray()).as("batch: %s", text).isTrue();
      for (JsonNode inner : message.path("messages")) {
        dispatch(inner);
      }
    } else {
      dispatch(message);
    }
  }

  private void dispatch(JsonNode message) {
    JsonNode id = message.get("id");
    if (id != null && id.isTextual()) {
      CompletableFuture<JsonNode> reply = pending.get(id.asText());
      if (reply != null) {
        reply.complete(message);
        return;
      }
    }
    synchronized (messages) {
      messages.add(message);
    }
    if ("error".equals(message.path("type").asText())) {
      unsolicitedError.complete(message);
    }
  }

  private final class Listener implements WebSocket.Listener {
    @Override
    public @Nullable CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        String text = partial.toString();
        partial.setLength(0);
        try {
          onMessage(text);
        } catch (RuntimeException | AssertionError e) {
          synchronized (messages) {
            messages.add(Json.object("type", "clientError", "message", String.valueOf(e)));
          }
        }
      }
      ws.request(1);
      return null;
    }

    @Override
    public @Nullable CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closeReason = reason;
      closed.complete(statusCode);
      IllegalStateException gone = new IllegalStateException("closed with " + statusCode);
      pending.values().forEach(f -> f.completeExceptionally(gone));
      unsolicitedError.completeExceptionally(gone);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(-1);
      pending.values().forEach(f -> f.completeExceptionally(error));
      unsolicitedError.completeExceptionally(error);
    }
  }
}
