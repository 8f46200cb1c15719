package dev.presence.it;

import static dev.presence.it.support.Http.attributes;
import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.users;

import dev.presence.it.support.Http;
import dev.presence.it.support.Json;
import dev.presence.it.support.Names;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.net.URI;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Runs every request path a few times against a freshly started server, so that class loading and
 * JIT warm-up do not eat into the presence timeout of the first test that holds a presence (on a
 * cold server a first request can take longer than T = 3 s). It asserts nothing: on a cold server
 * even its own REST presence may time out between two requests.
 */
final class Warmup {

  private static final Set<URI> DONE = new HashSet<>();

  private Warmup() {}

  static synchronized void once(Http http) {
    if (!DONE.add(http.base())) {
      return;
    }
    String ch = Names.unique("warmup");
    String user = Names.unique("warm");
    String token = Tokens.dev(user);
    for (int i = 0; i < 5; i++) {
      http.put(member(ch, user), token);
      http.put(attributes(ch, user), token, "{\"n\":\"" + i + "\"}");
      http.get(attributes(ch, user), token);
      http.get(users(ch), token);
      http.put(member(ch, "x y"), token);
      http.delete(member(ch, user), token);
    }
    try (WsClient ws = WsClient.connect(http, token)) {
      for (int i = 0; i < 5; i++) {
        ws.request(Json.object("type", "subscribe", "channel", ch));
        ws.request(Json.object("type", "join", "channel", ch));
        ws.setAttributes(ch, Map.of("n", Integer.toString(i)));
        ws.request(Json.object("type", "leave", "channel", ch));
        ws.request(Json.object("type", "unsubscribe", "channel", ch));
      }
    }
  }
}
