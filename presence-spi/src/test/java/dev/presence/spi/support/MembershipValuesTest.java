package dev.presence.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.NotJoinedException;
import dev.presence.PresentUser;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The conversions between the machine's plain data and API values, and the error texts. */
class MembershipValuesTest {

  private static final ChannelId ROOM = ChannelId.of("room");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00.123456789Z");

  @Test
  @DisplayName("attributes flatten in key order and come back equal")
  void attributes() {
    Attributes attributes = Attributes.of(Map.of("b", "2", "a", "1", "c", ""));

    String[] flat = MembershipValues.flatten(attributes);

    assertThat(flat).containsExactly("a", "1", "b", "2", "c", "");
    assertThat(MembershipValues.attributes(flat)).isEqualTo(attributes);
    assertThat(MembershipValues.flatten(Attributes.EMPTY)).isEmpty();
    assertThat(MembershipValues.attributes(new String[0])).isSameAs(Attributes.EMPTY);
  }

  @Test
  @DisplayName("every event kind has a code and back; close reasons map to CLEAN and LOST")
  void kindsAndReasons() {
    for (EventKind kind : EventKind.values()) {
      assertThat(MembershipValues.kind(MembershipValues.code(kind))).isEqualTo(kind);
    }
    assertThatThrownBy(() -> MembershipValues.kind(0)).isInstanceOf(IllegalStateException.class);
    assertThat(MembershipValues.reason(CloseReason.CLEAN)).isEqualTo(MembershipMachine.CLEAN);
    assertThat(MembershipValues.reason(CloseReason.LOST)).isEqualTo(MembershipMachine.LOST);
  }

  @Test
  @DisplayName("a machine event becomes the presence event of its channel, at the command's time")
  void event() {
    MembershipEvent e =
        new MembershipEvent(MembershipMachine.ATTRIBUTES, "alice", new String[] {"a", "1"}, 3, 7);

    assertThat(MembershipValues.events(ROOM, List.of(e), NOW))
        .containsExactly(
            PresenceEvent.of(
                EventKind.ATTRIBUTES_UPDATE,
                ROOM,
                UserId.of("alice"),
                Attributes.of(Map.of("a", "1")),
                3,
                7,
                NOW));
  }

  @Test
  @DisplayName("a page becomes channel users with the cursor of its last user if more follow")
  void channelUsers() {
    MembershipPage withMore =
        new MembershipPage(
            5, 9, List.of("a", "b"), List.of(new String[] {"k", "v"}, new String[0]), "b");
    MembershipPage without = new MembershipPage(2, 4, List.of("a", "b"), List.of(), null);

    assertThat(MembershipValues.channelUsers(ROOM, withMore))
        .isEqualTo(
            new ChannelUsers(
                ROOM,
                5,
                9,
                List.of(
                    new PresentUser(UserId.of("a"), Attributes.of(Map.of("k", "v"))),
                    new PresentUser(UserId.of("b"), Attributes.EMPTY)),
                PageCursors.encode("b")));
    assertThat(MembershipValues.channelUsers(ROOM, without).users())
        .extracting(PresentUser::attributes)
        .containsOnly(Attributes.EMPTY);
    assertThat(MembershipValues.channelUsers(ROOM, without).next()).isNull();
  }

  @Test
  @DisplayName("a refused status throws the one error of its kind, naming the channel")
  void errors() {
    assertThatCode(() -> MembershipValues.check(MembershipStatus.OK, ROOM, 3))
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> MembershipValues.check(MembershipStatus.FULL, ROOM, 3))
        .isExactlyInstanceOf(ChannelFullException.class)
        .hasMessage("channel 'room' is full: at most 3 users may be present in it at once");
    assertThatThrownBy(() -> MembershipValues.check(MembershipStatus.NOT_JOINED, ROOM, 3))
        .isExactlyInstanceOf(NotJoinedException.class)
        .hasMessage("join channel 'room' before setting attributes in it");
    assertThatThrownBy(() -> MembershipValues.check(MembershipStatus.ofCode(99), ROOM, 3))
        .isInstanceOf(IllegalStateException.class);
  }
}
