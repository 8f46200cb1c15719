package dev.presence.web.engine;

import static dev.presence.event.EventKind.JOIN;
import static dev.presence.event.EventKind.LEAVE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.InvalidArgumentException;
import dev.presence.PresentUser;
import dev.presence.Subscription;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Subscriptions: order, gaps and resync (SPEC section 2)")
class SubscriptionTest extends EngineTestSupport {

  final ChannelId room = ch("room");
  static final Duration WINDOW = EngineConfig.defaults().reorderWindow();

  PresenceEvent fake(EventKind kind, ChannelId channel, String user, int occupancy, long seq) {
    return PresenceEvent.of(
        kind, channel, user(user), Attributes.EMPTY, occupancy, seq, clock.instant());
  }

  @Nested
  @DisplayName("order")
  class Order {

    @Test
    @DisplayName("events that arrive out of order are delivered in seq order")
    void reordersThroughTheBus() {
      TestBackend backend = node("node-a");
      PresenceEngine engine = engine(backend, config());
      RecordingListener listener = new RecordingListener();
      engine.subscribe(room, listener);

      backend.bus().holding = true;
      engine.join(room, user("u1"));
      engine.join(room, user("u2"));
      engine.openSession(user("u3")).join(room);
      engine.leave(room, user("u1"));
      assertThat(backend.bus().heldCount()).isEqualTo(4);
      backend.bus().release(3, 1, 0, 2);

      eventually(() -> assertThat(listener.seqs()).containsExactly(1L, 2L, 3L, 4L));
      assertThat(listener.users()).containsExactly("u1", "u2", "u3", "u1");
      assertThat(listener.kinds()).containsExactly(JOIN, JOIN, JOIN, LEAVE);
      assertThat(listener.threads).allMatch(name -> name.startsWith("presence-listener-"));
    }

    @Test
    @DisplayName("a repeated event is delivered once")
    void duplicatesDropped() {
      TestBackend backend = node("node-a");
      PresenceEngine engine = engine(backend, config());
      RecordingListener listener = new RecordingListener();
      engine.subscribe(room, listener);

      backend.bus().holding = true;
      engine.join(room, user("u1"));
      engine.join(room, user("u2"));
      backend.bus().release(0, 1, 0, 1, 0);
      engine.join(room, user("u3"));

      eventually(() -> assertThat(listener.seqs()).containsExactly(1L, 2L, 3L));
    }

    @Test
    @DisplayName("a subscription starts after its snapshot, without gap or duplicate")
    void snapshotThenEvents() {
      PresenceEngine engine = engine();
      engine.join(room, user("u1"));
      engine.join(room, user("u2"));
      RecordingListener listener = new RecordingListener();
      Subscription sub = engine.subscribe(room, listener);
      assertThat(sub.channel()).isEqualTo(room);
      assertThat(sub.snapshot().seq()).isEqualTo(2);
      assertThat(sub.snapshot().users())
          .extracting(u -> u.userId().value())
          .containsExactly("u1", "u2");
      engine.join(room, user("u3"));
      eventually(() -> assertThat(listener.seqs()).containsExactly(3L));
      assertThat(engine.metrics().localSubscriptions()).isEqualTo(1);
    }

    @Test
    @DisplayName("snapshots and events stay consistent under 8 threads of concurrent changes")
    void concurrentChanges() throws Exception {
      PresenceEngine engine = engine();
      int threads = 8;
      int opsPerThread = 300;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      CountDownLatch halfway = new CountDownLatch(threads * opsPerThread / 3);
      List<Future<?>> work = new ArrayList<>();
      try {
        for (int t = 0; t < threads; t++) {
          int thread = t;
          work.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < opsPerThread; i++) {
                      UserId u = user("u" + thread + "-" + (i % 7));
                      if ((i / 7) % 2 == 0) {
                        engine.join(room, u);
                      } else {
                        engine.leave(room, u);
                      }
                      halfway.countDown();
                    }
                  }));
        }
        RecordingListener early = new RecordingListener();
        Subscription earlySub = engine.subscribe(room, early);
        assertThat(halfway.await(20, TimeUnit.SECONDS)).isTrue();
        RecordingListener late = new RecordingListener();
        Subscription lateSub = engine.subscribe(room, late);
        for (Future<?> f : work) {
          f.get(30, TimeUnit.SECONDS);
        }
        ChannelUsers end = engine.backend().store().snapshot(room);
        record Observer(Subscription sub, RecordingListener listener) {}
        for (Observer observer :
            List.of(new Observer(earlySub, early), new Observer(lateSub, late))) {
          Subscription sub = observer.sub();
          RecordingListener listener = observer.listener();
          eventually(
              () ->
                  assertThat(listener.events.isEmpty() ? sub.snapshot().seq() : last(listener))
                      .isEqualTo(end.seq()));
          assertReplays(sub.snapshot(), listener.events, end);
          assertThat(listener.resyncs).hasValue(0);
        }
      } finally {
        pool.shutdownNow();
      }
    }

    private long last(RecordingListener listener) {
      return listener.events.get(listener.events.size() - 1).seq();
    }

    /** Applies the events to the snapshot; the result must be the end state, step by step. */
    private void assertReplays(ChannelUsers start, List<PresenceEvent> events, ChannelUsers end) {
      Set<UserId> present = new HashSet<>();
      start.users().forEach(u -> present.add(u.userId()));
      long seq = start.seq();
      for (PresenceEvent e : events) {
        assertThat(e.seq()).as("no gap, no duplicate").isEqualTo(seq + 1);
        seq = e.seq();
        if (e.kind() == JOIN) {
          assertThat(present.add(e.userId())).as("join of an absent user").isTrue();
        } else {
          assertThat(present.remove(e.userId())).as("leave of a present user").isTrue();
        }
        assertThat(e.occupancy()).isEqualTo(present.size());
      }
      assertThat(present)
          .containsExactlyInAnyOrderElementsOf(
              end.users().stream().map(PresentUser::userId).toList());
    }
  }

  @Nested
  @DisplayName("gaps and resync")
  class Gaps {

    @Test
    @DisplayName("a gap not filled within the reorder window makes the subscriber resync")
    void gapResyncs() {
      TestBackend backend = node("node-a");
      PresenceEngine engine = engine(backend, config());
      RecordingListener listener = new RecordingListener();
      Subscription sub = engine.subscribe(room, listener);

      engine.join(room, user("u1"));
      eventually(() -> assertThat(listener.seqs()).containsExactly(1L));
      backend.bus().dropping = true;
      engine.join(room, user("u2")); // lost on the way
      backend.bus().dropping = false;
      engine.join(room, user("u3"));
      eventually().until(() -> engine.router().waitingStreams() == 1);

      clock.advance(WINDOW.minus(MS));
      engine.tick();
      assertThat(engine.metrics().sequenceGaps()).isZero();
      assertThat(listener.resyncs).hasValue(0);
      clock.advance(MS);
      engine.tick();
      eventually(() -> assertThat(listener.resyncs).hasValue(1));
      assertThat(listener.seqs()).containsExactly(1L);
      assertThat(engine.metrics().sequenceGaps()).isEqualTo(1);
      assertThat(engine.metrics().resyncs()).isEqualTo(1);

      engine.join(room, user("u4")); // not delivered before resync()
      ChannelUsers snapshot = sub.resync();
      assertThat(snapshot.seq()).isEqualTo(4);
      assertThat(snapshot.users()).hasSize(4);
      engine.join(room, user("u5"));
      eventually(() -> assertThat(listener.seqs()).containsExactly(1L, 5L));
      assertThat(sub.snapshot()).isEqualTo(snapshot);
    }

    @Test
    @DisplayName("a listener that falls too far behind is resynced, not silently skipped")
    void slowListenerResyncs() throws Exception {
      PresenceEngine engine = engine();
      ChannelId fab = ch("fab");
      CountDownLatch blocked = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      RecordingListener listener =
          new RecordingListener() {
            @Override
            public void onEvent(PresenceEvent event) {
              super.onEvent(event);
              if (event.seq() == 1) {
                blocked.countDown();
                try {
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
            }
          };
      engine.subscribe(fab, listener);
      engine.backend().eventBus().publish(List.of(fake(JOIN, fab, "u", 1, 1)));
      assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
      int n = EngineSubscription.QUEUE_CAPACITY + 10;
      List<PresenceEvent> flood =
          LongStream.rangeClosed(2, n)
              .mapToObj(s -> fake(EventKind.ATTRIBUTES_UPDATE, fab, "u", 1, s))
              .toList();
      engine.backend().eventBus().publish(flood);
      eventually().until(() -> engine.router().lastRouted(fab) == n);
      release.countDown();
      eventually(() -> assertThat(listener.resyncs).hasValue(1));
      assertThat(listener.events.size()).isLessThan(n);
      assertThat(listener.seqs()).isSorted();
    }

    @Test
    @DisplayName("a sequence restarted at 1 after the channel emptied is followed")
    void restartedSequence() {
      PresenceEngine engine = engine();
      ChannelId fab = ch("fab");
      RecordingListener listener = new RecordingListener();
      engine.subscribe(fab, listener);
      engine
          .backend()
          .eventBus()
          .publish(
              List.of(
                  fake(JOIN, fab, "u", 1, 1),
                  fake(LEAVE, fab, "u", 0, 2),
                  fake(JOIN, fab, "v", 1, 1),
                  fake(JOIN, fab, "w", 2, 2)));
      eventually(() -> assertThat(listener.users()).containsExactly("u", "u", "v", "w"));
      assertThat(listener.resyncs).hasValue(0);
    }
  }

  @Nested
  @DisplayName("listeners")
  class Listeners {

    @Test
    @DisplayName("a listener that throws still gets the next events")
    void throwingListener() {
      PresenceEngine engine = engine();
      AtomicInteger calls = new AtomicInteger();
      engine.subscribe(
          room,
          e -> {
            calls.incrementAndGet();
            throw new IllegalStateException("listener bug");
          });
      engine.join(room, user("u1"));
      engine.join(room, user("u2"));
      eventually(() -> assertThat(calls).hasValue(2));
    }

    @Test
    @DisplayName("no event is delivered after close(); closing twice is fine")
    void closeStopsDelivery() {
      PresenceEngine engine = engine();
      RecordingListener closed = new RecordingListener();
      RecordingListener open = new RecordingListener();
      Subscription sub = engine.subscribe(room, closed);
      engine.subscribe(room, open);
      engine.join(room, user("u1"));
      eventually(() -> assertThat(closed.seqs()).containsExactly(1L));
      sub.close();
      sub.close();
      engine.join(room, user("u2"));
      eventually(() -> assertThat(open.seqs()).containsExactly(1L, 2L));
      assertThat(closed.seqs()).containsExactly(1L);
      assertThat(engine.metrics().localSubscriptions()).isEqualTo(1);
      assertThatThrownBy(sub::resync).isInstanceOf(InvalidArgumentException.class);
    }

    @Test
    @DisplayName("calls of one listener never overlap")
    void oneCallAtATime() throws Exception {
      PresenceEngine engine = engine();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger overlaps = new AtomicInteger();
      AtomicInteger seen = new AtomicInteger();
      engine.subscribe(
          room,
          e -> {
            if (inside.incrementAndGet() > 1) {
              overlaps.incrementAndGet();
            }
            Thread.yield();
            inside.decrementAndGet();
            seen.incrementAndGet();
          });
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int thread = t;
          work.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 50; i++) {
                      engine.join(room, user("t" + thread + "-" + i));
                    }
                  }));
        }
        for (Future<?> f : work) {
          f.get(30, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      eventually(() -> assertThat(seen).hasValue(200));
      assertThat(overlaps).hasValue(0);
    }
  }
}
