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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Interval mode of one channel (SPEC 13.3): ChannelIntervals and Interval")
class ChannelIntervalsTest {

  static final ChannelId C = ChannelId.of("c");
  static final Duration INTERVAL = Duration.ofSeconds(5);
  static final Duration WINDOW = Duration.ofSeconds(2);
  static final int MAX = 3;

  FakeClock clock;
  ChannelIntervals intervals;
  List<Object> out;
  long seq;
  int occupancy;

  @BeforeEach
  void setUp() {
    clock = new FakeClock(Instant.parse("2026-01-01T00:00:00Z")); // a period boundary
    intervals = new ChannelIntervals(C, MAX, INTERVAL, WINDOW);
    out = new ArrayList<>();
    seq = 0;
    occupancy = 0;
  }

  PresenceEvent event(EventKind kind, String user, Map<String, String> attrs) {
    switch (kind) {
      case JOIN -> occupancy++;
      case LEAVE, TIMEOUT -> occupancy--;
      case ATTRIBUTES_UPDATE -> {
        // unchanged
      }
    }
    return PresenceEvent.of(
        kind, C, UserId.of(user), Attributes.of(attrs), occupancy, ++seq, clock.instant());
  }

  PresenceEvent offer(EventKind kind, String user) {
    return offer(kind, user, Map.of());
  }

  PresenceEvent offer(EventKind kind, String user, Map<String, String> attrs) {
    PresenceEvent e = event(kind, user, attrs);
    intervals.offer(e, out);
    return e;
  }

  /** Four users present: the channel is over the threshold of 3 from the fourth join. */
  void fill() {
    for (int i = 1; i <= 3; i++) {
      offer(EventKind.JOIN, "base" + i);
    }
    out.clear();
  }

  Interval closeAndTakeInterval() {
    clock.advance(INTERVAL.plus(WINDOW));
    intervals.tick(clock.instant(), out);
    List<Interval> found =
        out.stream().filter(Interval.class::isInstance).map(Interval.class::cast).toList();
    assertThat(found).hasSize(1);
    out.clear();
    return found.get(0);
  }

  static List<String> ids(List<UserId> users) {
    return users.stream().map(UserId::value).toList();
  }

  @Test
  @DisplayName("at or under announce-max every event is passed on; each period ends with a tick")
  void underThreshold() {
    PresenceEvent a = offer(EventKind.JOIN, "a");
    PresenceEvent b = offer(EventKind.JOIN, "b");
    assertThat(out).containsExactly(a, b);
    out.clear();
    clock.advance(INTERVAL.plus(WINDOW).minusMillis(1));
    intervals.tick(clock.instant(), out);
    assertThat(out).isEmpty();
    clock.advance(Duration.ofMillis(1));
    intervals.tick(clock.instant(), out);
    assertThat(out).containsExactly(new OccupancyTick(C, 2, 2));
    out.clear();
    intervals.tick(clock.advance(INTERVAL.multipliedBy(3)), out);
    assertThat(out).as("a period without events has no tick").isEmpty();
  }

  @Test
  @DisplayName("the event that takes the channel over the threshold opens the first interval")
  void thresholdUp() {
    fill();
    PresenceEvent fourth = offer(EventKind.JOIN, "d");
    offer(EventKind.JOIN, "e");
    assertThat(out).as("held for the interval").isEmpty();
    Interval i = closeAndTakeInterval();
    assertThat(i.fromSeq()).isEqualTo(fourth.seq());
    assertThat(i.toSeq()).isEqualTo(5);
    assertThat(i.occupancy()).isEqualTo(5);
    assertThat(ids(i.join())).containsExactly("d", "e");
  }

  @Test
  @DisplayName(
      "an event that brings the channel to announce-max flushes the interval, then goes as an event")
  void thresholdDown() {
    fill();
    offer(EventKind.JOIN, "d");
    offer(EventKind.ATTRIBUTES_UPDATE, "base1", Map.of("mood", "x"));
    PresenceEvent down = offer(EventKind.LEAVE, "d");
    assertThat(out).hasSize(2);
    Interval i = (Interval) out.get(0);
    assertThat(i.fromSeq()).isEqualTo(4);
    assertThat(i.toSeq()).isEqualTo(5);
    assertThat(out.get(1)).isSameAs(down);
  }

  @Test
  @DisplayName("join and leave inside one interval: in neither list; join, leave, join: a join")
  void joinLeaveInside() {
    fill();
    offer(EventKind.JOIN, "d");
    offer(EventKind.JOIN, "x");
    offer(EventKind.LEAVE, "x");
    offer(EventKind.JOIN, "y", Map.of("k", "v"));
    offer(EventKind.TIMEOUT, "y");
    offer(EventKind.JOIN, "z");
    offer(EventKind.LEAVE, "z");
    offer(EventKind.JOIN, "z", Map.of("k", "2"));
    Interval i = closeAndTakeInterval();
    assertThat(ids(i.join())).containsExactly("d", "z");
    assertThat(i.leave()).isEmpty();
    assertThat(i.timeout()).isEmpty();
    assertThat(i.attributes()).containsOnlyKeys(UserId.of("z"));
    assertThat(i.attributes().get(UserId.of("z")).values()).containsEntry("k", "2");
  }

  @Test
  @DisplayName("leave then join of a present user: no list, attributes restated, even empty")
  void leaveThenJoin() {
    fill();
    offer(EventKind.JOIN, "d");
    offer(EventKind.JOIN, "e");
    offer(EventKind.LEAVE, "base1");
    offer(EventKind.JOIN, "base1");
    Interval i = closeAndTakeInterval();
    assertThat(ids(i.join())).containsExactly("d", "e");
    assertThat(i.leave()).isEmpty();
    assertThat(i.attributes()).containsOnlyKeys(UserId.of("base1"));
    assertThat(i.attributes().get(UserId.of("base1")).isEmpty()).isTrue();
  }

  @Test
  @DisplayName("leave vs timeout by the last removal; attribute change then leave: only the leave")
  void removals() {
    fill();
    offer(EventKind.JOIN, "d");
    offer(EventKind.JOIN, "e");
    offer(EventKind.JOIN, "f");
    offer(EventKind.ATTRIBUTES_UPDATE, "base1", Map.of("mood", "x"));
    offer(EventKind.LEAVE, "base1");
    offer(EventKind.LEAVE, "base2");
    offer(EventKind.JOIN, "base2");
    offer(EventKind.TIMEOUT, "base2");
    Interval i = closeAndTakeInterval();
    assertThat(ids(i.leave())).containsExactly("base1");
    assertThat(ids(i.timeout())).containsExactly("base2");
    assertThat(i.attributes()).isEmpty();
  }

  @Test
  @DisplayName("attributes hold the last value per user, joiners' only when not empty")
  void attributeCoalescing() {
    fill();
    offer(EventKind.JOIN, "d");
    offer(EventKind.ATTRIBUTES_UPDATE, "base1", Map.of("mood", "a"));
    offer(EventKind.ATTRIBUTES_UPDATE, "base2", Map.of("mood", "b"));
    offer(EventKind.ATTRIBUTES_UPDATE, "base1", Map.of("mood", "c"));
    offer(EventKind.JOIN, "e", Map.of("team", "red"));
    Interval i = closeAndTakeInterval();
    assertThat(ids(i.join())).containsExactly("d", "e");
    assertThat(i.attributes().keySet().stream().map(UserId::value).toList())
        .as("in the order of each user's last event")
        .containsExactly("base2", "base1", "e");
    assertThat(i.attributes().get(UserId.of("base1")).values())
        .containsExactly(Map.entry("mood", "c"));
    assertThat(i.attributes().get(UserId.of("e")).values()).containsEntry("team", "red");
  }

  @Test
  @DisplayName("an event of a later period closes the interval; periods follow store timestamps")
  void periodsByTimestamp() {
    fill();
    offer(EventKind.JOIN, "d");
    clock.advance(Duration.ofSeconds(4));
    offer(EventKind.JOIN, "e");
    assertThat(out).isEmpty();
    clock.advance(Duration.ofSeconds(1)); // the next period
    PresenceEvent f = offer(EventKind.JOIN, "f");
    assertThat(out).hasSize(2);
    assertThat(((Interval) out.get(0)).toSeq()).isEqualTo(5);
    assertThat(out.get(1)).isEqualTo(new OccupancyTick(C, 5, 5));
    out.clear();
    assertThat(closeAndTakeInterval().fromSeq()).isEqualTo(f.seq());
  }

  @Test
  @DisplayName(
      "an event stamped before the current period (a store member's clock behind) stays in it")
  void periodsNeverGoBack() {
    fill();
    clock.advance(Duration.ofSeconds(6));
    offer(EventKind.JOIN, "d");
    assertThat(out).containsExactly(new OccupancyTick(C, 3, 3));
    out.clear();
    PresenceEvent back =
        PresenceEvent.of(
            EventKind.JOIN,
            C,
            UserId.of("e"),
            Attributes.EMPTY,
            ++occupancy,
            ++seq,
            clock.instant().minusSeconds(3));
    intervals.offer(back, out);
    assertThat(out).isEmpty();
    assertThat(closeAndTakeInterval().toSeq()).isEqualTo(back.seq());
  }

  @Test
  @DisplayName("a straggler after the period was closed by the clock goes into the next interval")
  void straggler() {
    fill();
    Instant inFirst = clock.instant();
    offer(EventKind.JOIN, "d");
    Interval first = closeAndTakeInterval();
    assertThat(first.toSeq()).isEqualTo(4);
    PresenceEvent late =
        PresenceEvent.of(
            EventKind.JOIN, C, UserId.of("e"), Attributes.EMPTY, ++occupancy, ++seq, inFirst);
    intervals.offer(late, out);
    assertThat(out).isEmpty();
    Interval second = closeAndTakeInterval();
    assertThat(second.fromSeq()).isEqualTo(5);
  }

  @Test
  @DisplayName("a jump in seq closes the interval before it")
  void gapClosesInterval() {
    fill();
    offer(EventKind.JOIN, "d");
    seq++; // a lost event
    offer(EventKind.JOIN, "e");
    assertThat(out).hasSize(1);
    assertThat(((Interval) out.get(0)).toSeq()).isEqualTo(4);
  }

  @Test
  @DisplayName("after(seq) is the net change of the events after seq")
  void after() {
    fill();
    offer(EventKind.JOIN, "d");
    offer(EventKind.JOIN, "x");
    offer(EventKind.LEAVE, "x");
    Interval i = closeAndTakeInterval();
    assertThat(i.join()).extracting(UserId::value).containsExactly("d");
    Interval tail = i.after(5);
    assertThat(tail.fromSeq()).isEqualTo(6);
    assertThat(tail.join()).isEmpty();
    assertThat(tail.leave()).extracting(UserId::value).containsExactly("x");
    assertThat(i.after(3)).isSameAs(i);
  }

  @Test
  @DisplayName(
      "random churn: the output covers every seq exactly once, in order; two nodes ticking at different times cut the same intervals")
  void gapFreeAndDeterministic() {
    Random random = new Random(42);
    ChannelIntervals other = new ChannelIntervals(C, MAX, INTERVAL, WINDOW);
    List<Object> otherOut = new ArrayList<>();
    Set<String> present = new HashSet<>();
    Instant start = clock.instant();
    for (int n = 0; n < 2_000; n++) {
      clock.advance(Duration.ofMillis(random.nextInt(200)));
      String u = "u" + random.nextInt(12);
      EventKind kind;
      if (!present.contains(u)) {
        kind = EventKind.JOIN;
        present.add(u);
      } else {
        int r = random.nextInt(3);
        kind = r == 0 ? EventKind.LEAVE : r == 1 ? EventKind.TIMEOUT : EventKind.ATTRIBUTES_UPDATE;
        if (kind != EventKind.ATTRIBUTES_UPDATE) {
          present.remove(u);
        }
      }
      PresenceEvent e = event(kind, u, Map.of("n", Integer.toString(n)));
      intervals.offer(e, out);
      other.offer(e, otherOut);
      // this node ticks often; the other rarely (busy), both before a period end + window
      intervals.tick(clock.instant(), out);
      if (n % 7 == 0) {
        other.tick(clock.instant(), otherOut);
      }
    }
    clock.advance(INTERVAL.plus(WINDOW));
    intervals.tick(clock.instant(), out);
    other.tick(clock.instant(), otherOut);
    assertThat(out).isEqualTo(otherOut).isNotEmpty();
    long next = 1;
    int intervalsSeen = 0;
    for (Object o : out) {
      if (o instanceof PresenceEvent e) {
        assertThat(e.seq()).isEqualTo(next++);
      } else if (o instanceof Interval i) {
        intervalsSeen++;
        assertThat(i.fromSeq()).isEqualTo(next);
        next = i.toSeq() + 1;
        for (PresenceEvent e : i.events()) {
          assertThat(Math.floorDiv(e.timestamp().toEpochMilli(), INTERVAL.toMillis()))
              .as("one interval lies within one period")
              .isEqualTo(
                  Math.floorDiv(i.events().get(0).timestamp().toEpochMilli(), INTERVAL.toMillis()));
        }
      }
    }
    assertThat(next).isEqualTo(seq + 1);
    assertThat(intervalsSeen).isGreaterThan(10);
    assertThat(start).isBefore(clock.instant());
  }
}
