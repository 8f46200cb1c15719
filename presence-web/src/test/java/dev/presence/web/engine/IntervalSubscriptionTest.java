package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.Subscription;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Subscriptions of large channels: intervals and occupancy (SPEC 13.3)")
class IntervalSubscriptionTest extends EngineTestSupport {

  static final Duration INTERVAL = Duration.ofSeconds(5);
  final ChannelId room = ch("room");

  static final class Recorder implements IntervalListener {
    final ObserveMode mode;
    final List<Object> got = new CopyOnWriteArrayList<>();

    Recorder(ObserveMode mode) {
      this.mode = mode;
    }

    @Override
    public ObserveMode mode() {
      return mode;
    }

    @Override
    public void onInterval(Interval interval) {
      got.add(interval);
    }

    @Override
    public void onOccupancy(ChannelId channel, int occupancy, long seq) {
      got.add(new OccupancyTick(channel, seq, occupancy));
    }

    @Override
    public void onEvent(PresenceEvent event) {
      got.add(event);
    }

    @Override
    public void onResync(ChannelId channel) {
      got.add("resync");
    }
  }

  PresenceEngine engine2() {
    return engine(config().withIntervals(2, INTERVAL));
  }

  /** Closes the current period on the fake clock: past its end plus the reorder window. */
  void endPeriod(PresenceEngine engine, long routed) {
    eventually(() -> assertThat(engine.router().lastRouted(room)).isEqualTo(routed));
    endPeriod(engine);
  }

  void endPeriod(PresenceEngine engine) {
    clock.advance(INTERVAL.plus(EngineConfig.defaults().reorderWindow()));
    engine.tick();
  }

  @Test
  @DisplayName(
      "over announce-max an observer gets intervals; a plain listener still gets every event")
  void intervalsAndPlainListeners() {
    PresenceEngine engine = engine2();
    Recorder observer = new Recorder(ObserveMode.EVENTS);
    RecordingListener plain = new RecordingListener();
    engine.subscribe(room, observer);
    engine.subscribe(room, plain);
    engine.join(room, user("u1"));
    engine.join(room, user("u2"));
    engine.join(room, user("u3"));
    engine.setAttributes(room, user("u1"), Attributes.of(Map.of("mood", "x")));
    engine.join(room, user("tmp"));
    engine.leave(room, user("tmp"));
    eventually(() -> assertThat(plain.events).hasSize(6));
    eventually(() -> assertThat(observer.got).hasSize(2));
    endPeriod(engine, 6);
    eventually(() -> assertThat(observer.got).hasSize(3));
    Interval i = (Interval) observer.got.get(2);
    assertThat(i.fromSeq()).isEqualTo(3);
    assertThat(i.toSeq()).isEqualTo(6);
    assertThat(i.occupancy()).isEqualTo(3);
    assertThat(i.join()).containsExactly(user("u3"));
    assertThat(i.attributes()).containsOnlyKeys(user("u1"));
    // down to the threshold: the event goes as an event
    engine.leave(room, user("u3"));
    eventually(() -> assertThat(observer.got).hasSize(4));
    assertThat(observer.got.get(3)).isInstanceOf(PresenceEvent.class);
    assertThat(((PresenceEvent) observer.got.get(3)).seq()).isEqualTo(7);
  }

  @Test
  @DisplayName("a snapshot taken inside an open interval gets only the part after its seq")
  void partialFirstInterval() {
    PresenceEngine engine = engine2();
    Recorder early = new Recorder(ObserveMode.EVENTS);
    engine.subscribe(room, early);
    for (int n = 1; n <= 4; n++) {
      engine.join(room, user("u" + n));
    }
    Recorder late = new Recorder(ObserveMode.EVENTS);
    Subscription s = engine.subscribe(room, late);
    assertThat(s.snapshot().seq()).isEqualTo(4);
    engine.join(room, user("u5"));
    endPeriod(engine, 5);
    eventually(() -> assertThat(late.got).hasSize(1));
    eventually(() -> assertThat(early.got).hasSize(3));
    Interval full = (Interval) early.got.get(2);
    Interval part = (Interval) late.got.get(0);
    assertThat(full.fromSeq()).isEqualTo(3);
    assertThat(part.fromSeq()).isEqualTo(5);
    assertThat(part.toSeq()).isEqualTo(full.toSeq());
    assertThat(part.join()).containsExactly(user("u5"));
  }

  @Test
  @DisplayName(
      "occupancy mode: a snapshot without users, then the occupancy once per period when it changed")
  void occupancyMode() {
    PresenceEngine engine = engine2();
    engine.join(room, user("u1"));
    Recorder counter = new Recorder(ObserveMode.OCCUPANCY);
    Subscription s = engine.subscribe(room, counter);
    ChannelUsers snapshot = s.snapshot();
    assertThat(snapshot.users()).isEmpty();
    assertThat(snapshot.occupancy()).isEqualTo(1);
    assertThat(snapshot.seq()).isEqualTo(1);
    engine.join(room, user("u2"));
    engine.join(room, user("u3"));
    engine.join(room, user("u4"));
    endPeriod(engine, 4);
    eventually(() -> assertThat(counter.got).containsExactly(new OccupancyTick(room, 4, 4)));
    // a period whose changes cancel out says nothing
    engine.join(room, user("u5"));
    engine.leave(room, user("u5"));
    endPeriod(engine, 6);
    engine.leave(room, user("u4"));
    endPeriod(engine, 7);
    eventually(() -> assertThat(counter.got).hasSize(2));
    assertThat(counter.got.get(1)).isEqualTo(new OccupancyTick(room, 7, 3));
  }

  @Test
  @DisplayName("two nodes' observers get the same intervals for the same seq range")
  void twoNodes() {
    PresenceEngine a = engine(node("node-a"), config().withIntervals(2, INTERVAL));
    PresenceEngine b = engine(node("node-b"), config().withIntervals(2, INTERVAL));
    Recorder onA = new Recorder(ObserveMode.EVENTS);
    Recorder onB = new Recorder(ObserveMode.EVENTS);
    a.subscribe(room, onA);
    b.subscribe(room, onB);
    for (int n = 1; n <= 6; n++) {
      (n % 2 == 0 ? a : b).join(room, UserId.of("u" + n));
    }
    clock.advance(INTERVAL);
    a.leave(room, user("u1"));
    b.join(room, user("u7"));
    eventually(() -> assertThat(b.router().lastRouted(room)).isEqualTo(8));
    endPeriod(a, 8);
    b.tick();
    eventually(() -> assertThat(onA.got).hasSize(4));
    eventually(() -> assertThat(onB.got).isEqualTo(onA.got));
    assertThat(((Interval) onA.got.get(2)).toSeq()).isEqualTo(6);
    assertThat(((Interval) onA.got.get(3)).fromSeq()).isEqualTo(7);
  }
}
