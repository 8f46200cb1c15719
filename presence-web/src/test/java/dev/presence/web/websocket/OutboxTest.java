package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Outbox: one bounded queue per connection, one send in flight, batches, resync")
class OutboxTest {

  private static final ChannelId A = ChannelId.of("a");
  private static final ChannelId B = ChannelId.of("b");
  private static final ChannelId C = ChannelId.of("c");

  private final ManualExecutor executor = new ManualExecutor();
  private final FakeTransport transport = new FakeTransport(false);
  private final AtomicLong nanos = new AtomicLong(1_000);
  private final RecordingListener listener = new RecordingListener();

  private Outbox outbox(int capacity) {
    return new Outbox(
        transport, executor, capacity, Outbox.DEFAULT_WINDOW_CHARS, nanos::get, listener);
  }

  private static String reply(int n) {
    return "{\"id\":\"" + n + "\",\"type\":\"ok\"}";
  }

  private static String event(ChannelId channel, long seq) {
    return "{\"type\":\"event\",\"channel\":\"" + channel + "\",\"seq\":" + seq + "}";
  }

  private List<JsonObject> received() {
    return Frames.messages(transport.frames());
  }

  private Outbox.Stream live(Outbox outbox, ChannelId channel, long snapshotSeq) {
    Outbox.Stream s = outbox.open(channel);
    outbox.live(s, "{\"type\":\"snapshot\",\"channel\":\"" + channel + "\"}", snapshotSeq);
    return s;
  }

  /** Lets everything queued go out: completes sends and runs drains until nothing is left. */
  private void flush() {
    transport.auto();
    executor.runAll();
  }

  @Nested
  @DisplayName("delivery")
  class Delivery {

    @Test
    @DisplayName("a lone message goes out as it is, not in a batch")
    void loneMessage() {
      Outbox outbox = outbox(16);
      outbox.offer(reply(1));
      executor.runAll();
      assertThat(transport.frames()).containsExactly(reply(1));
    }

    @Test
    @DisplayName("offering only queues: nothing is sent on the offering thread")
    void offeringDoesNotSend() {
      Outbox outbox = outbox(16);
      outbox.offer(reply(1));
      assertThat(transport.frames()).isEmpty();
      assertThat(executor.pending()).isEqualTo(1);
    }

    @Test
    @DisplayName("messages queued behind a send in flight leave as one batch, in order")
    void batchBehindInFlight() {
      Outbox outbox = outbox(16);
      outbox.offer(reply(1));
      executor.runAll();
      for (int i = 2; i <= 5; i++) {
        outbox.offer(reply(i));
      }
      executor.runAll();
      assertThat(transport.frames()).hasSize(1); // one send at a time
      transport.completeNext();
      executor.runAll();
      assertThat(transport.frames()).hasSize(2);
      assertThat(Frames.isBatch(transport.frames().get(1))).isTrue();
      assertThat(received())
          .extracting(m -> m.getString("id"))
          .containsExactly("1", "2", "3", "4", "5");
    }

    @Test
    @DisplayName("a batch holds at most 256 messages and about 60 KiB; a larger message goes alone")
    void batchBounds() {
      Outbox outbox = outbox(10_000);
      outbox.offer(reply(0));
      executor.runAll();
      for (int i = 1; i <= 600; i++) {
        outbox.offer(reply(i));
      }
      String big = "{\"type\":\"ok\",\"pad\":\"" + "x".repeat(100 * 1024) + "\"}";
      outbox.offer(big);
      String mid = "{\"type\":\"ok\",\"pad\":\"" + "y".repeat(20 * 1024) + "\"}";
      for (int i = 0; i < 6; i++) {
        outbox.offer(mid);
      }
      flush();
      List<String> frames = transport.frames();
      for (String f : frames) {
        if (Frames.isBatch(f)) {
          assertThat(Frames.parse(f).getJsonArray("messages")).hasSizeLessThanOrEqualTo(256);
          assertThat(f.length()).isLessThanOrEqualTo(Outbox.MAX_BATCH_CHARS + 2);
        }
      }
      assertThat(frames).contains(big);
      List<JsonObject> all = received();
      assertThat(all).hasSize(1 + 600 + 1 + 6);
      for (int i = 0; i <= 600; i++) {
        assertThat(all.get(i).getString("id")).isEqualTo(String.valueOf(i));
      }
      // 601 small replies need at least 4 frames: 1 alone, then 256 + 256 + 89
      assertThat(frames.size()).isGreaterThanOrEqualTo(1 + 3 + 1 + 3);
    }

    @Test
    @DisplayName("a drain sends at most 16 frames in a row, then yields its thread")
    void drainYields() {
      FakeTransport sync = new FakeTransport(true);
      Outbox outbox = new Outbox(sync, executor, 10_000, 1L << 40, nanos::get, listener);
      String big = "{\"pad\":\"" + "z".repeat(Outbox.MAX_BATCH_CHARS) + "\"}";
      for (int i = 0; i < 40; i++) {
        outbox.offer(big); // each too large to share a frame
      }
      assertThat(executor.pending()).isEqualTo(1);
      executor.runOne();
      assertThat(sync.frames()).hasSize(Outbox.MAX_FRAMES_PER_TURN);
      assertThat(executor.pending()).isEqualTo(1);
      executor.runAll();
      assertThat(sync.frames()).hasSize(40);
    }

    @Test
    @DisplayName("the time a send has been in flight is reported, so a stuck client can be closed")
    void stuckSend() {
      Outbox outbox = outbox(16);
      assertThat(outbox.stalledNanos(nanos.get())).isZero();
      outbox.offer(reply(1));
      executor.runAll();
      nanos.addAndGet(5_000_000_000L);
      assertThat(outbox.stalledNanos(nanos.get())).isEqualTo(5_000_000_000L);
      transport.completeNext();
      executor.runAll();
      assertThat(outbox.stalledNanos(nanos.get())).isZero();
    }

    @Test
    @DisplayName("a failed send closes the outbox and tells the connection once")
    void failedSend() {
      Outbox outbox = outbox(16);
      outbox.offer(reply(1));
      executor.runAll();
      outbox.offer(reply(2));
      transport.failNext(new IOException("reset"));
      executor.runAll();
      assertThat(listener.failures).hasSize(1);
      assertThat(outbox.isClosed()).isTrue();
      outbox.offer(reply(3));
      executor.runAll();
      assertThat(transport.frames()).containsExactly(reply(1));
    }

    @Test
    @DisplayName("close drops what is queued and sends nothing more")
    void close() {
      Outbox outbox = outbox(16);
      outbox.offer(reply(1));
      executor.runAll();
      outbox.offer(reply(2));
      outbox.close();
      transport.completeNext();
      executor.runAll();
      outbox.offer(reply(3));
      executor.runAll();
      assertThat(transport.frames()).containsExactly(reply(1));
      assertThat(outbox.queued()).isZero();
    }
  }

  @Nested
  @DisplayName("subscriptions")
  class Subscriptions {

    @Test
    @DisplayName(
        "events offered before the snapshot is queued are held, then follow it; older ones are dropped")
    void snapshotFirst() {
      Outbox outbox = outbox(16);
      Outbox.Stream s = outbox.open(A);
      outbox.offerEvent(s, 4, event(A, 4));
      outbox.offerEvent(s, 5, event(A, 5));
      outbox.offerEvent(s, 6, event(A, 6));
      executor.runAll();
      assertThat(transport.frames()).isEmpty();
      outbox.live(s, "{\"id\":\"7\",\"type\":\"snapshot\",\"seq\":4}", 4);
      outbox.offerEvent(s, 7, event(A, 7));
      flush();
      assertThat(received())
          .extracting(
              m -> m.getString("type") + (m.containsKey("seq") ? m.get("seq").toString() : ""))
          .containsExactly("snapshot4", "event5", "event6", "event7");
    }

    @Test
    @DisplayName("events the snapshot already reflects are dropped after it too")
    void oldEventsDropped() {
      Outbox outbox = outbox(16);
      Outbox.Stream s = live(outbox, A, 10);
      outbox.offerEvent(s, 10, event(A, 10));
      outbox.offerEvent(s, 11, event(A, 11));
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "event");
    }

    @Test
    @DisplayName(
        "an engine resync queues a resync message after the stream's queued events, then drops its events")
    void engineResync() {
      Outbox outbox = outbox(16);
      Outbox.Stream s = live(outbox, A, 0);
      outbox.offerEvent(s, 1, event(A, 1));
      outbox.resync(s);
      outbox.offerEvent(s, 3, event(A, 3));
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "event", "resync");
      assertThat(received().get(2).getString("channel")).isEqualTo("a");
      assertThat(s.state()).isEqualTo(Outbox.StreamState.STALE);
      assertThat(listener.stale).containsExactly(List.of(s));
    }

    @Test
    @DisplayName("a resync while the snapshot is pending sends the snapshot, then the resync")
    void resyncWhilePending() {
      Outbox outbox = outbox(16);
      Outbox.Stream s = outbox.open(A);
      outbox.offerEvent(s, 1, event(A, 1));
      outbox.resync(s);
      outbox.live(s, "{\"type\":\"snapshot\"}", 0);
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "resync");
      assertThat(s.state()).isEqualTo(Outbox.StreamState.STALE);
    }

    @Test
    @DisplayName(
        "after unsubscribe, queued events still go out before the reply, later ones do not")
    void end() {
      Outbox outbox = outbox(16);
      Outbox.Stream s = live(outbox, A, 0);
      outbox.offerEvent(s, 1, event(A, 1));
      outbox.end(s);
      outbox.offer(reply(9));
      outbox.offerEvent(s, 2, event(A, 2));
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "event", "ok");
    }
  }

  @Nested
  @DisplayName("acknowledgement window")
  class Window {

    private final FakeTransport sync = new FakeTransport(true);

    private Outbox windowed(long window) {
      return new Outbox(sync, executor, 1000, window, nanos::get, listener);
    }

    private String message(int chars) {
      return "{\"pad\":\"" + "w".repeat(chars - 10) + "\"}";
    }

    private void send(Outbox outbox, int count, int chars) {
      for (int i = 0; i < count; i++) {
        outbox.offer(message(chars));
        executor.runAll();
      }
    }

    @Test
    @DisplayName("a ping with a fresh mark follows every quarter window sent")
    void marks() {
      Outbox outbox = windowed(1000);
      send(outbox, 1, 300);
      assertThat(sync.pings()).isEqualTo(1);
      assertThat(sync.lastPing().remaining()).isEqualTo(8);
      send(outbox, 1, 100);
      assertThat(sync.pings()).isEqualTo(1);
      send(outbox, 1, 200);
      assertThat(sync.pings()).isEqualTo(2);
      assertThat(sync.ping(0)).isNotEqualTo(sync.ping(1));
    }

    @Test
    @DisplayName(
        "without pongs, no more than the window is sent; the wait is reported; a pong resumes")
    void blocksWithoutPongs() {
      Outbox outbox = windowed(1000);
      send(outbox, 4, 300); // 1200 sent, over the window
      assertThat(sync.frames()).hasSize(4);
      send(outbox, 3, 300);
      assertThat(sync.frames()).hasSize(4);
      assertThat(outbox.queued()).isEqualTo(3);
      assertThat(executor.pending()).isZero(); // no busy waiting
      nanos.addAndGet(7_000_000_000L);
      assertThat(outbox.stalledNanos(nanos.get())).isEqualTo(7_000_000_000L);

      outbox.pong(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})); // not a mark
      outbox.pong(ByteBuffer.allocate(0)); // an unsolicited empty pong
      executor.runAll();
      assertThat(sync.frames()).hasSize(4);

      outbox.pong(sync.lastPing());
      executor.runAll();
      assertThat(sync.frames()).hasSize(5); // the three queued went out as one batch
      assertThat(Frames.messages(sync.frames())).hasSize(7);
      assertThat(outbox.stalledNanos(nanos.get())).isZero();
      assertThat(outbox.unacknowledged()).isEqualTo(sync.frames().get(4).length());
    }

    @Test
    @DisplayName("the pong of an older mark acknowledges what was sent before it")
    void olderMark() {
      Outbox outbox = windowed(1000);
      send(outbox, 4, 300);
      assertThat(sync.pings()).isEqualTo(4);
      outbox.pong(sync.ping(1)); // acknowledges the first 600
      assertThat(outbox.unacknowledged()).isEqualTo(600);
      outbox.pong(sync.ping(0)); // already settled: nothing changes
      assertThat(outbox.unacknowledged()).isEqualTo(600);
    }

    @Test
    @DisplayName("the liveness ping carries a mark too")
    void livenessPing() {
      Outbox outbox = windowed(1000);
      send(outbox, 1, 100);
      outbox.ping();
      outbox.pong(sync.lastPing());
      assertThat(outbox.unacknowledged()).isZero();
    }
  }

  @Nested
  @DisplayName("slow consumers")
  class SlowConsumers {

    @Test
    @DisplayName(
        "an overflow drops queued events, resyncs each channel that lost some, and keeps replies")
    void overflow() {
      Outbox outbox = outbox(8);
      Outbox.Stream a = live(outbox, A, 0);
      executor.runAll(); // the first snapshot is in flight, the client is not reading
      Outbox.Stream b = live(outbox, B, 0);
      Outbox.Stream c = live(outbox, C, 0);
      outbox.offer(reply(1)); // queue: snapshot b, snapshot c, reply 1
      outbox.offerEvent(a, 1, event(A, 1));
      outbox.offerEvent(b, 1, event(B, 1));
      outbox.offerEvent(a, 2, event(A, 2));
      outbox.offerEvent(a, 3, event(A, 3));
      outbox.offerEvent(b, 2, event(B, 2)); // 8 queued now
      assertThat(outbox.queued()).isEqualTo(8);
      outbox.offerEvent(a, 4, event(A, 4)); // overflow
      assertThat(listener.stale).hasSize(1);
      assertThat(listener.stale.get(0)).containsExactlyInAnyOrder(a, b);
      assertThat(a.state()).isEqualTo(Outbox.StreamState.STALE);
      assertThat(b.state()).isEqualTo(Outbox.StreamState.STALE);
      assertThat(c.state()).isEqualTo(Outbox.StreamState.LIVE);
      outbox.offerEvent(a, 5, event(A, 5)); // dropped: stale
      outbox.offerEvent(c, 1, event(C, 1)); // c is still live
      flush();
      List<JsonObject> got = received();
      assertThat(got)
          .extracting(
              m -> m.getString("type") + ":" + m.getString("channel", m.getString("id", "")))
          .containsExactly(
              "snapshot:a", "snapshot:b", "snapshot:c", "ok:1", "resync:a", "resync:b", "event:c");
      assertThat(listener.tooSlow).isEmpty();
      assertThat(outbox.isClosed()).isFalse();
    }

    @Test
    @DisplayName("after a resync the client subscribes again: the new stream is live")
    void resubscribe() {
      Outbox outbox = outbox(2);
      Outbox.Stream a = live(outbox, A, 0);
      executor.runAll();
      outbox.offerEvent(a, 1, event(A, 1));
      outbox.offerEvent(a, 2, event(A, 2));
      outbox.offerEvent(a, 3, event(A, 3)); // overflow
      assertThat(a.state()).isEqualTo(Outbox.StreamState.STALE);
      flush();
      Outbox.Stream again = live(outbox, A, 3);
      outbox.offerEvent(again, 4, event(A, 4));
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "resync", "snapshot", "event");
    }

    @Test
    @DisplayName("a reply that finds the queue full makes room by resyncing the streams")
    void replyMakesRoom() {
      Outbox outbox = outbox(4);
      Outbox.Stream a = live(outbox, A, 0);
      executor.runAll();
      for (int i = 1; i <= 4; i++) {
        outbox.offerEvent(a, i, event(A, i));
      }
      outbox.offer(reply(1));
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "resync", "ok");
      assertThat(listener.tooSlow).isEmpty();
    }

    @Test
    @DisplayName("a queue full of replies (nothing to drop) closes the outbox as too slow")
    void tooSlow() {
      Outbox outbox = outbox(4);
      outbox.offer(reply(0));
      executor.runAll(); // in flight, never completed
      for (int i = 1; i <= 4; i++) {
        outbox.offer(reply(i));
      }
      assertThat(listener.tooSlow).isEmpty();
      outbox.offer(reply(5));
      assertThat(listener.tooSlow).hasSize(1);
      assertThat(listener.tooSlow.get(0)).contains("4");
      assertThat(outbox.isClosed()).isTrue();
      flush();
      assertThat(transport.frames()).containsExactly(reply(0));
    }

    @Test
    @DisplayName(
        "events held for a pending snapshot are bounded: an overflow there ends in a resync")
    void heldOverflow() {
      Outbox outbox = outbox(4);
      Outbox.Stream s = outbox.open(A);
      for (int i = 1; i <= 10; i++) {
        outbox.offerEvent(s, i, event(A, i));
      }
      outbox.live(s, "{\"type\":\"snapshot\"}", 0);
      flush();
      assertThat(received())
          .extracting(m -> m.getString("type"))
          .containsExactly("snapshot", "resync");
    }
  }

  private static final class RecordingListener implements Outbox.Listener {
    final List<List<Outbox.Stream>> stale = new ArrayList<>();
    final List<String> tooSlow = new ArrayList<>();
    final List<@Nullable Throwable> failures = new ArrayList<>();

    @Override
    public synchronized void stale(List<Outbox.Stream> streams) {
      stale.add(List.copyOf(streams));
    }

    @Override
    public synchronized void tooSlow(String reason) {
      tooSlow.add(reason);
    }

    @Override
    public synchronized void sendFailed(Throwable failure) {
      failures.add(failure);
    }
  }
}
