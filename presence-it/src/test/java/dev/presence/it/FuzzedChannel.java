package dev.presence.it;

import static dev.presence.it.support.Http.member;
import static dev.presence.it.support.Http.users;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.presence.it.support.Events;
import dev.presence.it.support.Http;
import dev.presence.it.support.Names;
import dev.presence.it.support.Tokens;
import dev.presence.it.support.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.assertj.core.api.SoftAssertions;

/**
 * The frame around a fuzz run: a channel held by WebSocket sessions that each set an attribute, an
 * observer subscribed to it, the fuzz, and then the proof that nothing changed (the server is
 * ready, the channel's users and seq are as before, no fuzzed connection was closed, and the next
 * event the observer sees is a marker's join with the next seq).
 */
final class FuzzedChannel {

  /** Runs the fuzz cases against the channel and returns each failed case, by kind. */
  interface Cases {
    /**
     * @param channel the channel's name
     * @param holders the users holding it
     * @param sessions their WebSocket sessions, in the order of {@code holders}
     * @return for each kind of case (such as "REST"), the cases without the right error
     */
    Map<String, List<String>> run(String channel, List<String> holders, List<WsClient> sessions);
  }

  private FuzzedChannel() {}

  /**
   * Runs a fuzz against a fresh channel and asserts that it changed nothing.
   *
   * @param http the client of the node
   * @param prefix the prefix of the channel's and its users' names
   * @param holderCount how many sessions hold the channel
   * @param eventWait how long the observer waits for the marker's join
   * @param cases the fuzz
   */
  static void fuzz(Http http, String prefix, int holderCount, Duration eventWait, Cases cases) {
    String ch = Names.unique(prefix);
    List<String> holders =
        IntStream.range(0, holderCount).mapToObj(i -> Names.unique(prefix + "h")).toList();
    String reader = Tokens.dev(Names.unique("reader"));
    List<WsClient> sessions = new ArrayList<>();
    try (WsClient observer = WsClient.connect(http, Tokens.dev(Names.unique(prefix + "watch")))) {
      for (String holder : holders) {
        WsClient session = WsClient.connect(http, Tokens.dev(holder));
        sessions.add(session);
        session.join(ch);
        assertThat(session.setAttributes(ch, Map.of("holder", holder)).path("type").asText())
            .isEqualTo("ok");
      }
      long seq = observer.subscribe(ch).path("seq").asLong();
      JsonNode before = http.get(users(ch), reader).okJson();
      assertThat(before.path("seq").asLong()).isEqualTo(seq);
      assertThat(before.path("occupancy").asInt()).isEqualTo(holders.size());

      Map<String, List<String>> failures = cases.run(ch, holders, sessions);

      SoftAssertions softly = new SoftAssertions();
      failures.forEach(
          (kind, failed) ->
              softly.assertThat(failed).as(kind + " cases without the right error").isEmpty());
      softly
          .assertThat(http.get("health/ready", null).status())
          .as("ready after fuzz")
          .isEqualTo(200);
      JsonNode after = http.get(users(ch), reader).okJson();
      softly
          .assertThat(after.path("users"))
          .as("channel users after fuzz")
          .isEqualTo(before.path("users"));
      softly.assertThat(after.path("seq").asLong()).as("seq after fuzz").isEqualTo(seq);
      for (WsClient session : sessions) {
        softly.assertThat(session.closed().isDone()).as("a fuzzed connection was closed").isFalse();
      }
      // Nothing was emitted: the next event is the marker's, with the next seq.
      String marker = Names.unique("marker");
      http.put(member(ch, marker), Tokens.dev(marker)).ok();
      JsonNode next = observer.awaitEvent(ch, e -> true, eventWait);
      softly
          .assertThat(Events.kindsAndUsers(observer.events(ch)))
          .as("events during the fuzz: only the marker's join")
          .containsExactly("join:" + marker);
      softly.assertThat(next.path("seq").asLong()).isEqualTo(seq + 1);
      http.delete(member(ch, marker), Tokens.dev(marker)).ok();
      softly.assertAll();
    } finally {
      sessions.forEach(WsClient::close);
    }
  }
}
