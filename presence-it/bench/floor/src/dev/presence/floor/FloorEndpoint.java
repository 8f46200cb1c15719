package dev.presence.floor;

import jakarta.websocket.OnClose;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.SendHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor of issue #9's benchmarks: the least a Jakarta WebSocket application can do to answer
 * ws-bench.mjs's scenarios (paced, idle, receive) on a container, with no store, no engine, no
 * JSON library, no authentication and no queue per connection. Measured beside Presence and
 * soketi, it shows what the container costs by itself. Not a product: a benchmark fixture.
 *
 * <p>Speaks just enough of Presence's protocol for the driver: {@code join}, {@code leave}
 * (replied {@code ok}, and an {@code event} to every subscriber of the channel, sent on the
 * receiving thread), {@code subscribe} (an empty {@code snapshot}), {@code heartbeat} and anything
 * else with an id ({@code ok}). The user is the {@code sub} of the unsigned token in the query.
 */
@ServerEndpoint("/ws/v1")
public class FloorEndpoint {

  private static final ConcurrentHashMap<String, Set<Session>> SUBSCRIBERS =
      new ConcurrentHashMap<>();
  private static final AtomicLong SEQ = new AtomicLong();
  private static final SendHandler IGNORE = result -> {};

  private String user = "?";

  @OnOpen
  public void open(Session session) {
    List<String> tokens = session.getRequestParameterMap().get("access_token");
    if (tokens != null && !tokens.isEmpty()) {
      String[] parts = tokens.get(0).split("\\.");
      if (parts.length > 1) {
        String payload =
            new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        String sub = field(payload, "sub");
        if (sub != null) {
          user = sub;
        }
      }
    }
  }

  @OnMessage
  public void message(String text, Session session) {
    String id = field(text, "id");
    String type = field(text, "type");
    String channel = field(text, "channel");
    if (type == null) {
      return;
    }
    switch (type) {
      case "subscribe" -> {
        SUBSCRIBERS.computeIfAbsent(channel, c -> ConcurrentHashMap.newKeySet()).add(session);
        reply(session, "{\"id\":\"" + id + "\",\"type\":\"snapshot\",\"channel\":\"" + channel
            + "\",\"seq\":0,\"occupancy\":0,\"users\":[]}");
      }
      case "join", "leave" -> {
        reply(session, "{\"id\":\"" + id + "\",\"type\":\"ok\"}");
        Set<Session> subscribers = SUBSCRIBERS.get(channel);
        if (subscribers != null) {
          String event = "{\"type\":\"event\",\"event\":\"" + type + "\",\"channel\":\"" + channel
              + "\",\"userId\":\"" + user + "\",\"attributes\":{},\"occupancy\":1,\"seq\":"
              + SEQ.incrementAndGet() + "}";
          for (Session s : subscribers) {
            if (s.isOpen()) {
              s.getAsyncRemote().sendText(event, IGNORE);
            }
          }
        }
      }
      default -> {
        if (id != null) {
          reply(session, "{\"id\":\"" + id + "\",\"type\":\"ok\"}");
        }
      }
    }
  }

  @OnClose
  public void close(Session session) {
    for (Set<Session> subscribers : SUBSCRIBERS.values()) {
      subscribers.remove(session);
    }
  }

  private static void reply(Session session, String text) {
    session.getAsyncRemote().sendText(text, IGNORE);
  }

  /** The string value of a top-level "name":"value" pair, by scanning (the driver's JSON only). */
  private static String field(String json, String name) {
    String key = "\"" + name + "\":\"";
    int start = json.indexOf(key);
    if (start < 0) {
      return null;
    }
    start += key.length();
    int end = json.indexOf('"', start);
    return end < 0 ? null : json.substring(start, end);
  }
}
