package dev.presence.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PresenceEventTest {

  private static final ChannelId CHANNEL = ChannelId.of("room");
  private static final UserId USER = UserId.of("alice");
  private static final Attributes MOOD = Attributes.of(Map.of("mood", "happy"));
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00.5Z");

  @ParameterizedTest(name = "of({0}) makes the record of that kind with the given values")
  @EnumSource(EventKind.class)
  void ofMakesKind(EventKind kind) {
    PresenceEvent event = PresenceEvent.of(kind, CHANNEL, USER, MOOD, 3, 17, NOW);

    assertThat(event.kind()).isSameAs(kind);
    assertThat(event.channel()).isEqualTo(CHANNEL);
    assertThat(event.userId()).isEqualTo(USER);
    assertThat(event.attributes()).isEqualTo(MOOD);
    assertThat(event.occupancy()).isEqualTo(3);
    assertThat(event.seq()).isEqualTo(17);
    assertThat(event.timestamp()).isEqualTo(NOW);
    assertThat(event)
        .isInstanceOf(
            switch (kind) {
              case JOIN -> Joined.class;
              case LEAVE -> Left.class;
              case TIMEOUT -> TimedOut.class;
              case ATTRIBUTES_UPDATE -> AttributesUpdated.class;
            });
  }

  @Test
  @DisplayName("events are equal by value, and differ by kind")
  void equality() {
    assertThat(PresenceEvent.of(EventKind.JOIN, CHANNEL, USER, MOOD, 1, 1, NOW))
        .isEqualTo(new Joined(CHANNEL, USER, Attributes.of(Map.of("mood", "happy")), 1, 1, NOW));
    assertThat(new Left(CHANNEL, USER, MOOD, 0, 2, NOW))
        .isNotEqualTo(new TimedOut(CHANNEL, USER, MOOD, 0, 2, NOW));
  }

  @Test
  @DisplayName("a leave is not a kick unless it says so; a kick is a leave and differs from one")
  void kickedLeave() {
    Left plain = new Left(CHANNEL, USER, MOOD, 0, 2, NOW);
    Left kicked = new Left(CHANNEL, USER, MOOD, 0, 2, NOW, true);
    assertThat(plain.kicked()).isFalse();
    assertThat(((Left) PresenceEvent.of(EventKind.LEAVE, CHANNEL, USER, MOOD, 0, 2, NOW)).kicked())
        .isFalse();
    assertThat(kicked.kind()).isEqualTo(EventKind.LEAVE);
    assertThat(kicked).isNotEqualTo(plain);
    assertThatThrownBy(() -> new Left(CHANNEL, USER, MOOD, 0, 0, NOW, true))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}: refuses negative occupancy and seq below 1")
  @EnumSource(EventKind.class)
  void validation(EventKind kind) {
    assertThat(PresenceEvent.of(kind, CHANNEL, USER, MOOD, 0, 1, NOW).occupancy()).isZero();
    assertThatThrownBy(() -> PresenceEvent.of(kind, CHANNEL, USER, MOOD, -1, 1, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("occupancy");
    assertThatThrownBy(() -> PresenceEvent.of(kind, CHANNEL, USER, MOOD, 0, 0, NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("seq");
  }
}
