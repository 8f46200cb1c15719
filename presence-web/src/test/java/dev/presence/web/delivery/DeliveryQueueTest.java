package dev.presence.web.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.ChannelId;
import dev.presence.web.delivery.SubscriptionStream.State;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("DeliveryQueue and SubscriptionStream: the one slow-consumer policy")
class DeliveryQueueTest {

  private static final ChannelId A = ChannelId.of("a");
  private static final ChannelId B = ChannelId.of("b");
  private static final ChannelId C = ChannelId.of("c");

  private final DeliveryQueue.Outcome<SubscriptionStream<String>> out =
      new DeliveryQueue.Outcome<>();

  private static DeliveryQueue<String, SubscriptionStream<String>> queue(int capacity) {
    return new DeliveryQueue<>(capacity, channel -> "resync:" + channel.value());
  }

  private SubscriptionStream<String> live(
      DeliveryQueue<String, SubscriptionStream<String>> q, ChannelId channel, long seq) {
    SubscriptionStream<String> s = new SubscriptionStream<>(channel);
    q.live(s, "snapshot:" + channel.value(), seq, out);
    return s;
  }

  private static void event(
      DeliveryQueue<String, SubscriptionStream<String>> q,
      SubscriptionStream<String> s,
      long seq,
      DeliveryQueue.Outcome<SubscriptionStream<String>> out) {
    q.offerEvent(s, seq, s.channel().value() + seq, out);
  }

  private static List<String> drain(DeliveryQueue<String, SubscriptionStream<String>> q) {
    List<String> all = new ArrayList<>();
    for (String m = q.poll(); m != null; m = q.poll()) {
      all.add(m);
    }
    return all;
  }

  @Test
  @DisplayName("a queue needs room for at least one message")
  void capacity() {
    assertThatThrownBy(() -> queue(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Nested
  @DisplayName("one stream")
  class OneStream {

    private final DeliveryQueue<String, SubscriptionStream<String>> q = queue(16);

    @Test
    @DisplayName("a new stream is pending: its events are held aside, nothing is queued")
    void pending() {
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      assertThat(s.state()).isEqualTo(State.PENDING);
      assertThat(s.accepting()).isTrue();
      event(q, s, 1, out);
      assertThat(q.isEmpty()).isTrue();
      assertThat(q.peek()).isNull();
    }

    @Test
    @DisplayName("a paged snapshot: every page, then the held events after the last (SPEC 13.3)")
    void pagesFirst() {
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      event(q, s, 4, out);
      event(q, s, 5, out);
      q.livePages(s, List.of("page1", "page2", "page3"), 4, out);
      event(q, s, 6, out);
      assertThat(drain(q)).containsExactly("page1", "page2", "page3", "a5", "a6");
      assertThat(out.stale()).isEmpty();
      assertThat(out.tooSlow()).isNull();
    }

    @Test
    @DisplayName(
        "pages count against the capacity: they drop queued events, then close as too slow")
    void pagesCount() {
      DeliveryQueue<String, SubscriptionStream<String>> small = queue(5);
      SubscriptionStream<String> other = live(small, B, 0);
      event(small, other, 1, out);
      event(small, other, 2, out);
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      small.livePages(s, List.of("p1", "p2", "p3"), 0, out);
      assertThat(out.stale()).containsExactly(other);
      assertThat(drain(small)).containsExactly("snapshot:b", "p1", "p2", "resync:b", "p3");
      SubscriptionStream<String> big = new SubscriptionStream<>(C);
      small.livePages(big, List.of("q1", "q2", "q3", "q4", "q5", "q6"), 0, out);
      assertThat(out.tooSlow()).isNotNull();
      assertThat(small.isClosed()).isTrue();
    }

    @Test
    @DisplayName("live: the snapshot first, then the held events it does not reflect, in order")
    void snapshotFirst() {
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      for (int seq = 3; seq <= 6; seq++) {
        event(q, s, seq, out);
      }
      q.live(s, "snapshot:a", 4, out);
      event(q, s, 4, out); // reflected by the snapshot
      event(q, s, 7, out);
      assertThat(s.state()).isEqualTo(State.LIVE);
      assertThat(q.size()).isEqualTo(4);
      assertThat(drain(q)).containsExactly("snapshot:a", "a5", "a6", "a7");
      assertThat(out.stale()).isEmpty();
    }

    @Test
    @DisplayName("held events past the capacity are dropped: snapshot, then resync, then stale")
    void heldOverflow() {
      DeliveryQueue<String, SubscriptionStream<String>> small = queue(4);
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      for (int seq = 1; seq <= 10; seq++) {
        event(small, s, seq, out);
      }
      small.live(s, "snapshot:a", 0, out);
      event(small, s, 11, out);
      assertThat(drain(small)).containsExactly("snapshot:a", "resync:a");
      assertThat(s.state()).isEqualTo(State.STALE);
      assertThat(s.accepting()).isFalse();
      assertThat(out.stale()).containsExactly(s);
    }

    @Test
    @DisplayName("an engine resync of a live stream follows its queued events; later ones drop")
    void resyncLive() {
      SubscriptionStream<String> s = live(q, A, 0);
      event(q, s, 1, out);
      q.resync(s, out);
      q.resync(s, out); // nothing more to say
      event(q, s, 2, out);
      assertThat(drain(q)).containsExactly("snapshot:a", "a1", "resync:a");
      assertThat(out.stale()).containsExactly(s);
    }

    @Test
    @DisplayName("an engine resync while pending: the snapshot, then the resync")
    void resyncPending() {
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      event(q, s, 1, out);
      q.resync(s, out);
      q.live(s, "snapshot:a", 0, out);
      assertThat(drain(q)).containsExactly("snapshot:a", "resync:a");
      assertThat(s.state()).isEqualTo(State.STALE);
    }

    @Test
    @DisplayName("a stale stream that takes a new snapshot itself (SSE) goes live again")
    void restart() {
      SubscriptionStream<String> s = live(q, A, 0);
      q.resync(s, out);
      drain(q);
      q.restart(s);
      assertThat(s.state()).isEqualTo(State.PENDING);
      event(q, s, 5, out);
      event(q, s, 6, out);
      q.live(s, "snapshot:a", 5, out);
      assertThat(drain(q)).containsExactly("snapshot:a", "a6");
      assertThat(s.state()).isEqualTo(State.LIVE);
    }

    @Test
    @DisplayName("restart leaves a stream that is not stale as it is")
    void restartLive() {
      SubscriptionStream<String> s = live(q, A, 0);
      q.restart(s);
      assertThat(s.state()).isEqualTo(State.LIVE);
    }

    @Test
    @DisplayName("an ended stream's queued events still go out, later ones do not")
    void end() {
      SubscriptionStream<String> s = live(q, A, 0);
      event(q, s, 1, out);
      q.end(s);
      q.offer("ok", out);
      event(q, s, 2, out);
      assertThat(s.state()).isEqualTo(State.ENDED);
      assertThat(drain(q)).containsExactly("snapshot:a", "a1", "ok");
    }

    @Test
    @DisplayName("a snapshot for a stream ended meanwhile is queued; its held events are not")
    void endedBeforeLive() {
      SubscriptionStream<String> s = new SubscriptionStream<>(A);
      event(q, s, 1, out);
      q.end(s);
      q.live(s, "snapshot:a", 0, out);
      assertThat(drain(q)).containsExactly("snapshot:a");
      assertThat(s.state()).isEqualTo(State.ENDED);
    }

    @Test
    @DisplayName("a closed queue is empty and takes nothing more")
    void close() {
      SubscriptionStream<String> s = live(q, A, 0);
      q.close();
      q.offer("ok", out);
      event(q, s, 1, out);
      q.resync(s, out);
      assertThat(q.isClosed()).isTrue();
      assertThat(q.isEmpty()).isTrue();
      assertThat(out.stale()).isEmpty();
    }
  }

  @Nested
  @DisplayName("a full queue")
  class Full {

    @Test
    @DisplayName(
        "an event drops every queued event, keeps other messages, resyncs each stream once")
    void overflow() {
      DeliveryQueue<String, SubscriptionStream<String>> q = queue(8);
      SubscriptionStream<String> a = live(q, A, 0);
      SubscriptionStream<String> b = live(q, B, 0);
      SubscriptionStream<String> c = live(q, C, 0);
      q.offer("ok", out);
      event(q, a, 1, out);
      event(q, b, 1, out);
      event(q, a, 2, out);
      event(q, b, 2, out); // 8 queued
      event(q, a, 3, out); // overflow
      assertThat(out.stale()).containsExactly(a, b);
      assertThat(c.state()).isEqualTo(State.LIVE);
      event(q, a, 4, out); // dropped: stale
      event(q, c, 1, out);
      assertThat(drain(q))
          .containsExactly(
              "snapshot:a", "snapshot:b", "snapshot:c", "ok", "resync:a", "resync:b", "c1");
      assertThat(out.tooSlow()).isNull();
    }

    @Test
    @DisplayName("the stream whose event did not fit is resynced first, even with none queued")
    void offeringStream() {
      DeliveryQueue<String, SubscriptionStream<String>> q = queue(4);
      SubscriptionStream<String> a = live(q, A, 0);
      SubscriptionStream<String> b = live(q, B, 0);
      event(q, b, 1, out);
      event(q, b, 2, out);
      event(q, a, 1, out); // overflow
      assertThat(out.stale()).containsExactly(a, b);
      assertThat(drain(q)).containsExactly("snapshot:a", "snapshot:b", "resync:a", "resync:b");
    }

    @Test
    @DisplayName("no room even for the resyncs: too slow, closed and emptied")
    void noRoomForResyncs() {
      DeliveryQueue<String, SubscriptionStream<String>> q = queue(2);
      SubscriptionStream<String> a = live(q, A, 0);
      live(q, B, 0);
      event(q, a, 1, out);
      assertThat(out.tooSlow()).isNotNull();
      assertThat(out.stale()).isEmpty();
      assertThat(q.isClosed()).isTrue();
      assertThat(q.isEmpty()).isTrue();
    }

    @Test
    @DisplayName("a reply makes room by resyncing the streams")
    void replyMakesRoom() {
      DeliveryQueue<String, SubscriptionStream<String>> q = queue(4);
      SubscriptionStream<String> a = live(q, A, 0);
      drain(q);
      for (int seq = 1; seq <= 4; seq++) {
        event(q, a, seq, out);
      }
      q.offer("ok", out);
      assertThat(drain(q)).containsExactly("resync:a", "ok");
      assertThat(out.stale()).containsExactly(a);
      assertThat(out.tooSlow()).isNull();
    }

    @Test
    @DisplayName("a queue full of replies, nothing to drop: too slow, closed and emptied")
    void tooSlow() {
      DeliveryQueue<String, SubscriptionStream<String>> q = queue(4);
      for (int i = 1; i <= 4; i++) {
        q.offer("ok" + i, out);
      }
      assertThat(out.tooSlow()).isNull();
      q.offer("ok5", out);
      assertThat(out.tooSlow()).contains("4");
      assertThat(q.isClosed()).isTrue();
      assertThat(q.size()).isZero();
    }
  }
}
