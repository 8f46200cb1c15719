package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The reorder buffer of one channel")
class ChannelStreamTest {

  static final ChannelId C = ChannelId.of("c");
  static final Duration WINDOW = Duration.ofSeconds(2);
  final Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
  final ChannelStream stream = new ChannelStream(C, t0);

  static PresenceEvent ev(long seq, int occupancy) {
    return PresenceEvent.of(
        EventKind.JOIN, C, UserId.of("u" + seq), Attributes.EMPTY, occupancy, seq, Instant.EPOCH);
  }

  static PresenceEvent ev(long seq) {
    return ev(seq, 1);
  }

  List<Long> offer(Instant now, PresenceEvent... events) {
    List<PresenceEvent> out = new ArrayList<>();
    for (PresenceEvent e : events) {
      stream.offer(e, now, out);
    }
    return out.stream().map(PresenceEvent::seq).toList();
  }

  List<Long> skip(Instant now) {
    List<PresenceEvent> out = new ArrayList<>();
    stream.skipExpiredGap(now, WINDOW, out);
    return out.stream().map(PresenceEvent::seq).toList();
  }

  @Test
  @DisplayName("passes events on in seq order, holding those that come early")
  void reorders() {
    assertThat(offer(t0, ev(1))).containsExactly(1L);
    assertThat(offer(t0, ev(3), ev(4))).isEmpty();
    assertThat(offer(t0, ev(2))).containsExactly(2L, 3L, 4L);
    assertThat(stream.holdsNothing()).isTrue();
  }

  @Test
  @DisplayName("drops events at or below the last one passed on")
  void dropsDuplicates() {
    offer(t0, ev(1), ev(2));
    List<PresenceEvent> out = new ArrayList<>();
    assertThat(stream.offer(ev(2), t0, out)).isFalse();
    assertThat(stream.offer(ev(1), t0, out)).isFalse();
    assertThat(out).isEmpty();
    assertThat(offer(t0, ev(4), ev(4), ev(3))).containsExactly(3L, 4L);
  }

  @Test
  @DisplayName("a stream that knows nothing starts at seq 1, at a snapshot, or after the window")
  void unknownStart() {
    assertThat(offer(t0, ev(6), ev(5))).isEmpty();
    assertThat(skip(t0.plus(WINDOW).minusMillis(1))).isEmpty();
    assertThat(skip(t0.plus(WINDOW))).containsExactly(5L, 6L);

    ChannelStream other = new ChannelStream(C, t0);
    List<PresenceEvent> out = new ArrayList<>();
    other.offer(ev(9), t0, out);
    other.offer(ev(7), t0, out);
    assertThat(out).isEmpty();
    other.startAt(7, 1, t0, out);
    assertThat(out).extracting(PresenceEvent::seq).containsExactly(7L);
    other.offer(ev(8), t0, out);
    assertThat(out).extracting(PresenceEvent::seq).containsExactly(7L, 8L, 9L);
    other.startAt(100, 1, t0, out); // known already: ignored
    assertThat(other.last()).isEqualTo(9);
  }

  @Test
  @DisplayName("a gap is skipped once it has been open for the window, counted from progress")
  void skipsGapAfterWindow() {
    offer(t0, ev(1));
    assertThat(offer(t0, ev(3))).isEmpty();
    assertThat(skip(t0.plusSeconds(1))).isEmpty();
    assertThat(offer(t0.plusSeconds(1), ev(5))).isEmpty();
    assertThat(skip(t0.plus(WINDOW))).containsExactly(3L);
    // 4 is missing now; its window started when 3 was passed on
    assertThat(skip(t0.plus(WINDOW).plusSeconds(1))).isEmpty();
    assertThat(skip(t0.plus(WINDOW).plus(WINDOW))).containsExactly(5L);
    assertThat(stream.holdsNothing()).isTrue();
  }

  @Test
  @DisplayName("follows a sequence that restarts at 1 after the channel emptied")
  void restart() {
    assertThat(offer(t0, ev(1, 1), ev(2, 0))).containsExactly(1L, 2L);
    assertThat(offer(t0, ev(1, 1), ev(2, 1))).containsExactly(1L, 2L);
    assertThat(offer(t0, ev(1, 2))).as("not after a non-empty event").isEmpty();
  }

  @Test
  @DisplayName("is idle once it holds nothing and saw no event for a while")
  void idle() {
    offer(t0, ev(1));
    assertThat(stream.isIdleSince(t0)).isFalse();
    assertThat(stream.isIdleSince(t0.plusMillis(1))).isTrue();
    offer(t0, ev(3));
    assertThat(stream.isIdleSince(t0.plusMillis(1))).isFalse();
  }
}
