package dev.presence.web.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.AttributesUpdated;
import dev.presence.event.Joined;
import dev.presence.event.Left;
import dev.presence.event.TimedOut;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WebhookEventTest {

  private static final ChannelId C = ChannelId.of("room");
  private static final UserId U = UserId.of("alice");
  private static final Attributes A = new Attributes(Map.of("mood", "happy \"quoted\" \u00e9"));
  private static final Instant T = Instant.ofEpochMilli(1_700_000_000_123L);

  private static List<String> json(dev.presence.event.PresenceEvent e) {
    return WebhookEvent.of(e).stream().map(w -> w.toJson().toString()).toList();
  }

  @Test
  void theFirstJoinOccupiesTheChannelThenAddsTheMember() {
    assertThat(json(new Joined(C, U, A, 1, 7, T)))
        .containsExactly(
            "{\"name\":\"channel_occupied\",\"channel\":\"room\",\"seq\":7,\"occupancy\":1,"
                + "\"timeMs\":1700000000123}",
            "{\"name\":\"member_added\",\"channel\":\"room\",\"userId\":\"alice\",\"seq\":7,"
                + "\"attributes\":{\"mood\":\"happy \\\"quoted\\\" \u00e9\"},\"occupancy\":1,"
                + "\"timeMs\":1700000000123}");
    assertThat(WebhookEvent.of(new Joined(C, U, A, 2, 8, T)))
        .extracting(WebhookEvent::name)
        .containsExactly("member_added");
  }

  @Test
  void leaveAndTimeoutRemoveTheMemberWithAReasonAndTheLastOneVacates() {
    assertThat(WebhookEvent.of(new Left(C, U, A, 0, 9, T)))
        .extracting(WebhookEvent::name, WebhookEvent::reason, WebhookEvent::seq)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("member_removed", "leave", 9L),
            org.assertj.core.groups.Tuple.tuple("channel_vacated", null, 9L));
    assertThat(WebhookEvent.of(new TimedOut(C, U, Attributes.EMPTY, 3, 10, T)))
        .extracting(WebhookEvent::name, WebhookEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("member_removed", "timeout"));
    assertThat(WebhookEvent.of(new Left(C, U, A, 2, 11, T, true)))
        .extracting(WebhookEvent::name, WebhookEvent::reason)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("member_removed", "kicked"));
    assertThat(json(new TimedOut(C, U, Attributes.EMPTY, 3, 10, T)).get(0))
        .isEqualTo(
            "{\"name\":\"member_removed\",\"channel\":\"room\",\"userId\":\"alice\",\"seq\":10,"
                + "\"attributes\":{},\"reason\":\"timeout\",\"occupancy\":3,"
                + "\"timeMs\":1700000000123}");
  }

  @Test
  void anAttributesChangeIsAttributesUpdated() {
    assertThat(WebhookEvent.of(new AttributesUpdated(C, U, A, 1, 11, T)))
        .singleElement()
        .satisfies(
            w -> {
              assertThat(w.name()).isEqualTo("attributes_updated");
              assertThat(w.attributes()).isEqualTo(A);
              assertThat(w.reason()).isNull();
            });
  }
}
