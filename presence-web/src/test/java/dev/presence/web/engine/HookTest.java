package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.ChannelId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceEventHook;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Event hooks (SPEC section 8)")
class HookTest extends EngineTestSupport {

  final ChannelId room = ch("room");

  /** Records events and threads. */
  static class RecordingHook implements PresenceEventHook {
    final List<PresenceEvent> events = new CopyOnWriteArrayList<>();
    final List<String> threads = new CopyOnWriteArrayList<>();

    @Override
    public void onEvent(PresenceEvent event) {
      threads.add(Thread.currentThread().getName());
      events.add(event);
    }

    List<Long> seqs() {
      return events.stream().map(PresenceEvent::seq).toList();
    }
  }

  @Test
  @DisplayName("hooks get every event in seq order, off the caller's thread")
  void inOrderOffThread() {
    TestBackend backend = node("node-a");
    RecordingHook hook = new RecordingHook();
    PresenceEngine engine = engine(backend, config(), hook);

    backend.bus().holding = true;
    for (int i = 1; i <= 5; i++) {
      engine.join(room, user("u" + i));
    }
    backend.bus().release(4, 2, 0, 3, 1);

    eventually(() -> assertThat(hook.seqs()).containsExactly(1L, 2L, 3L, 4L, 5L));
    assertThat(hook.threads).containsOnly("presence-hook-1");
  }

  @Test
  @DisplayName("a slow, failing hook delays only itself and drops its oldest events when full")
  void slowHookIsolated() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    RecordingHook slow =
        new RecordingHook() {
          @Override
          public void onEvent(PresenceEvent event) {
            super.onEvent(event);
            entered.countDown();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("hook bug");
          }
        };
    RecordingHook fast = new RecordingHook();
    PresenceEngine engine = engine(node("node-a"), config().withHookQueueCapacity(4), slow, fast);

    engine.join(room, user("u1"));
    assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
    for (int i = 2; i <= 10; i++) {
      engine.join(room, user("u" + i));
      long seq = i;
      eventually(() -> assertThat(fast.seqs()).endsWith(seq)); // keeps the fast queue short
    }
    assertThat(fast.seqs()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    assertThat(slow.seqs()).containsExactly(1L);
    assertThat(engine.metrics().hookDrops()).isEqualTo(5); // 2..10 into 4 places

    release.countDown();
    eventually(() -> assertThat(slow.seqs()).containsExactly(1L, 7L, 8L, 9L, 10L));
    eventually(() -> assertThat(engine.metrics().hookFailures()).isEqualTo(5));
    assertThat(fast.threads).containsOnly("presence-hook-2");
  }

  @Test
  @DisplayName("hooks run only for channels whose hooks this node owns")
  void onlyOwnedChannels() {
    TestBackend backend = node("node-a");
    backend.bus().hookOwner = c -> c.value().equals("mine");
    RecordingHook hook = new RecordingHook();
    PresenceEngine engine = engine(backend, config(), hook);

    engine.join(ch("theirs"), user("u1"));
    engine.join(ch("mine"), user("u1"));

    eventually(() -> assertThat(hook.events).hasSize(1));
    assertThat(hook.events.get(0).channel()).isEqualTo(ch("mine"));
  }

  @Test
  @DisplayName("two nodes: the hooks of a channel run once, on the owner, for events of both")
  void onceInTheCluster() {
    TestBackend a = node("node-a");
    TestBackend b = node("node-b");
    a.bus().hookOwner = c -> true;
    b.bus().hookOwner = c -> false;
    RecordingHook onA = new RecordingHook();
    RecordingHook onB = new RecordingHook();
    PresenceEngine engineA = engine(a, config(), onA);
    PresenceEngine engineB = engine(b, config(), onB);

    engineA.join(room, user("u1"));
    engineB.join(room, user("u2"));
    engineB.openSession(user("u3")).join(room);

    eventually(() -> assertThat(onA.seqs()).containsExactly(1L, 2L, 3L));
    assertThat(onB.events).isEmpty();
  }
}
