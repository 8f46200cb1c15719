package dev.presence.web.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PresenceService;
import dev.presence.Subscription;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.json.PresenceJson;
import jakarta.json.JsonObject;
import jakarta.ws.rs.core.GenericType;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** An SSE stream against the real engine on the in-memory backend, with a recording sink. */
class SseConnectionTest {

  static final ChannelId ROOM = ChannelId.of("room");
  static final long STUCK = TimeUnit.SECONDS.toNanos(SseConnection.STUCK_SECONDS);

  InMemoryPresenceBackend backend;
  PresenceEngine engine;
  ExecutorService executor;

  @BeforeEach
  void start() {
    backend = new InMemoryPresenceBackend();
    engine =
        new PresenceEngine(backend, EngineConfig.defaults(), InstantSource.system(), List.of());
    engine.start();
    executor = Executors.newCachedThreadPool();
  }

  @AfterEach
  void stop() {
    executor.shutdownNow();
    engine.close();
    backend.close();
  }

  @Test
  void sendsTheSnapshotThenEveryEventInOrder() {
    engine.join(ROOM, UserId.of("early"));
    RecordingSink sink = new RecordingSink();
    AtomicInteger closed = new AtomicInteger();
    SseConnection c =
        new SseConnection(
            ROOM, sink, new FakeSse(), executor, 64, closed::incrementAndGet, () -> {});
    c.start(engine);
    engine.join(ROOM, UserId.of("alice"));
    engine.setAttributes(
        ROOM, UserId.of("alice"), dev.presence.Attributes.of(java.util.Map.of("m", "x")));
    engine.leave(ROOM, UserId.of("alice"));

    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events.size() >= 4);
    List<String> names = sink.events.stream().map(FakeEvent::name).toList();
    assertThat(names).containsExactly("snapshot", "join", "attributesUpdate", "leave");
    JsonObject snapshot = PresenceJson.readObject(sink.events.get(0).data());
    assertThat(snapshot.getInt("occupancy")).isEqualTo(1);
    assertThat(snapshot.getJsonArray("users").getJsonObject(0).getString("userId"))
        .isEqualTo("early");
    long seq = snapshot.getJsonNumber("seq").longValue();
    for (int i = 1; i < 4; i++) {
      JsonObject e = PresenceJson.readObject(sink.events.get(i).data());
      assertThat(e.getString("event")).isEqualTo(sink.events.get(i).name());
      assertThat(e.getJsonNumber("seq").longValue()).isEqualTo(seq + i);
    }
    c.close();
    assertThat(closed).hasValue(1);
    assertThat(sink.closed).isTrue();
    assertThat(engine.metrics().localSubscriptions()).isZero();
  }

  @Test
  void aSlowClientIsResyncedAndEndsWithTheRightState() throws Exception {
    RecordingSink sink = new RecordingSink();
    CountDownLatch gate = new CountDownLatch(1);
    sink.gate = gate;
    SseConnection c =
        new SseConnection(ROOM, sink, new FakeSse(), executor, 16, () -> {}, () -> {});
    c.start(engine);
    engine.join(ROOM, UserId.of("u0"));
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.blocked.get());
    int users = 200;
    for (int i = 1; i < users; i++) {
      engine.join(ROOM, UserId.of("u" + i));
    }
    gate.countDown();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> reconstruct(sink.events).size() == users && sink.names().contains("resync"));
    List<String> names = sink.names();
    int resync = names.indexOf("resync");
    assertThat(names.get(resync + 1)).isEqualTo("snapshot");
    assertThat(names.size())
        .as("events of the overflowed queue were dropped, not sent")
        .isLessThan(users + 2);
    c.close();
  }

  @Test
  void aFailedWriteClosesTheStreamAndItsSubscription() {
    RecordingSink sink = new RecordingSink();
    AtomicInteger closed = new AtomicInteger();
    SseConnection c =
        new SseConnection(
            ROOM, sink, new FakeSse(), executor, 64, closed::incrementAndGet, () -> {});
    c.start(engine);
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events.size() == 1);
    sink.fail.set(true);
    engine.join(ROOM, UserId.of("alice"));
    await().atMost(Duration.ofSeconds(10)).until(c::isClosed);
    assertThat(closed).hasValue(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> engine.metrics().localSubscriptions() == 0);
  }

  @Test
  void aWriteThatThrowsAnErrorClosesOnlyThatStreamAndIsCounted() {
    RecordingSink bad = new RecordingSink();
    RecordingSink good = new RecordingSink();
    AtomicInteger failures = new AtomicInteger();
    AtomicInteger otherFailures = new AtomicInteger();
    SseConnection b =
        new SseConnection(
            ROOM, bad, new FakeSse(), executor, 64, () -> {}, failures::incrementAndGet);
    SseConnection g =
        new SseConnection(
            ROOM, good, new FakeSse(), executor, 64, () -> {}, otherFailures::incrementAndGet);
    b.start(engine);
    g.start(engine);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> bad.events.size() == 1 && good.events.size() == 1);
    // What Tyrus and Jersey throw for text they cannot encode.
    bad.error = new Error(new java.nio.charset.MalformedInputException(1));
    engine.join(ROOM, UserId.of("alice"));

    await().atMost(Duration.ofSeconds(10)).until(b::isClosed);
    assertThat(failures).hasValue(1);
    assertThat(bad.closed).isTrue();
    engine.leave(ROOM, UserId.of("alice"));
    await().atMost(Duration.ofSeconds(10)).until(() -> good.events.size() == 3);
    assertThat(good.names()).containsExactly("snapshot", "join", "leave");
    assertThat(g.isClosed()).isFalse();
    assertThat(otherFailures).hasValue(0);
    g.close();
  }

  @Test
  void keepAliveIsAComment() {
    RecordingSink sink = new RecordingSink();
    SseConnection c =
        new SseConnection(ROOM, sink, new FakeSse(), executor, 64, () -> {}, () -> {});
    c.start(engine);
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events.size() == 1);
    c.keepAlive();
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events.size() == 2);
    assertThat(sink.events.get(1).comment()).isEqualTo("keep-alive");
    assertThat(sink.events.get(1).name()).isNull();
    c.close();
  }

  @Test
  void aStuckWriteIsClosedOnceAfterTheLimitAndItsThreadIsFreed() {
    AtomicLong clock = new AtomicLong();
    RecordingSink sink = new RecordingSink();
    CountDownLatch gate = new CountDownLatch(1);
    sink.gate = gate;
    AtomicInteger closed = new AtomicInteger();
    SseConnection c =
        new SseConnection(
            ROOM,
            sink,
            new FakeSse(),
            executor,
            64,
            closed::incrementAndGet,
            () -> {},
            clock::get,
            STUCK);
    c.start(engine);
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events.size() == 1);
    assertThat(c.closeIfStuck(STUCK)).as("no write in progress").isFalse();
    engine.join(ROOM, UserId.of("alice"));
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.blocked.get());

    clock.addAndGet(STUCK);
    assertThat(c.closeIfStuck(STUCK)).as("blocked exactly the limit").isFalse();
    clock.incrementAndGet();
    assertThat(c.closeIfStuck(STUCK)).isTrue();
    assertThat(c.isClosed()).isTrue();
    assertThat(closed).hasValue(1);
    assertThat(engine.metrics().localSubscriptions()).isZero();
    // The interrupted write fails, its thread closes the sink and leaves.
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.closed);
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.interrupted.get());
    assertThat(c.closeIfStuck(STUCK)).isFalse();
    c.close();
    assertThat(closed).as("onClose ran once").hasValue(1);
    assertThat(sink.closes).hasValue(1);
    assertThat(sink.events).hasSize(1);
  }

  @Test
  void aWriteThatIgnoresTheInterruptKeepsItsThreadButTheStreamEndsAtOnce() {
    AtomicLong clock = new AtomicLong();
    RecordingSink sink = new RecordingSink();
    CountDownLatch gate = new CountDownLatch(1);
    sink.gate = gate;
    sink.uninterruptible = true;
    AtomicInteger closed = new AtomicInteger();
    SseConnection c =
        new SseConnection(
            ROOM,
            sink,
            new FakeSse(),
            executor,
            64,
            closed::incrementAndGet,
            () -> {},
            clock::get,
            STUCK);
    c.start(engine);
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.events.size() == 1);
    engine.join(ROOM, UserId.of("alice"));
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.blocked.get());
    clock.addAndGet(STUCK + 1);
    assertThat(c.closeIfStuck(STUCK)).isTrue();
    assertThat(closed).hasValue(1);
    assertThat(engine.metrics().localSubscriptions()).isZero();
    assertThat(sink.closed).as("the sink is closed by the writing thread").isFalse();

    gate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> sink.closed);
    assertThat(closed).hasValue(1);
    assertThat(sink.closes).hasValue(1);
  }

  /** The users present after applying the last snapshot and the events after it. */
  static Set<String> reconstruct(List<FakeEvent> events) {
    Set<String> users = new TreeSet<>();
    long seq = -1;
    for (FakeEvent e : new ArrayList<>(events)) {
      if (e.name() == null || e.name().equals("resync")) {
        continue;
      }
      JsonObject o = PresenceJson.readObject(e.data());
      if (e.name().equals("snapshot")) {
        users.clear();
        o.getJsonArray("users").forEach(u -> users.add(u.asJsonObject().getString("userId")));
        seq = o.getJsonNumber("seq").longValue();
        continue;
      }
      long s = o.getJsonNumber("seq").longValue();
      assertThat(s).as("no gap or duplicate after a snapshot").isEqualTo(seq + 1);
      seq = s;
      if (e.name().equals("join")) {
        users.add(o.getString("userId"));
      } else if (e.name().equals("leave") || e.name().equals("timeout")) {
        users.remove(o.getString("userId"));
      }
    }
    return users;
  }

  record FakeEvent(String name, String data, String comment) {}

  @Test
  void aSnapshotThatFailsEndsTheSubscription() {
    AtomicBoolean closed = new AtomicBoolean();
    PresenceService failingSnapshots = failingSnapshots(engine, closed);
    SseConnection c =
        new SseConnection(
            ROOM, new RecordingSink(), new FakeSse(), executor, 16, () -> {}, () -> {});

    assertThatThrownBy(() -> c.start(failingSnapshots)).isInstanceOf(UnavailableException.class);

    assertThat(closed).as("the subscription was closed").isTrue();
    assertThat(engine.metrics().localSubscriptions()).as("subscriptions left").isZero();
  }

  /** The engine, except that its subscriptions' snapshots fail; records their close. */
  private static PresenceService failingSnapshots(PresenceEngine engine, AtomicBoolean closed) {
    return (PresenceService)
        Proxy.newProxyInstance(
            PresenceService.class.getClassLoader(),
            new Class<?>[] {PresenceService.class},
            (proxy, method, args) -> {
              Object result;
              try {
                result = method.invoke(engine, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
              if (!method.getName().equals("subscribe")) {
                return result;
              }
              Subscription real = (Subscription) result;
              return new Subscription() {
                @Override
                public ChannelId channel() {
                  return real.channel();
                }

                @Override
                public ChannelUsers snapshot() {
                  throw new UnavailableException("the store cannot be reached");
                }

                @Override
                public ChannelUsers resync() {
                  return real.resync();
                }

                @Override
                public void close() {
                  closed.set(true);
                  real.close();
                }
              };
            });
  }

  static final class RecordingSink implements SseEventSink {
    final List<FakeEvent> events = new CopyOnWriteArrayList<>();
    final AtomicBoolean fail = new AtomicBoolean();
    volatile Error error;
    final AtomicBoolean blocked = new AtomicBoolean();
    final AtomicBoolean interrupted = new AtomicBoolean();
    final AtomicInteger closes = new AtomicInteger();
    volatile CountDownLatch gate;
    volatile boolean uninterruptible;
    volatile boolean closed;

    List<String> names() {
      return events.stream().map(FakeEvent::name).filter(n -> n != null).toList();
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public CompletionStage<?> send(OutboundSseEvent event) {
      if (fail.get()) {
        return CompletableFuture.failedFuture(new java.io.IOException("broken pipe"));
      }
      Error thrown = error;
      if (thrown != null) {
        throw thrown;
      }
      CountDownLatch g = gate;
      if (g != null && !events.isEmpty()) {
        blocked.set(true);
        boolean wasInterrupted = false;
        while (true) {
          try {
            g.await(30, TimeUnit.SECONDS);
            break;
          } catch (InterruptedException e) {
            interrupted.set(true);
            if (!uninterruptible) {
              // as Grizzly's blocking write: the connection is closed, the write fails
              return CompletableFuture.failedFuture(new java.io.IOException("closed", e));
            }
            wasInterrupted = true;
          }
        }
        if (wasInterrupted) {
          Thread.currentThread().interrupt();
        }
      }
      events.add(
          new FakeEvent(
              event.getName(),
              event.getData() == null ? null : event.getData().toString(),
              event.getComment()));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
      closes.incrementAndGet();
      closed = true;
    }
  }

  static final class FakeSse implements Sse {
    @Override
    public OutboundSseEvent.Builder newEventBuilder() {
      return new Builder();
    }

    @Override
    public SseBroadcaster newBroadcaster() {
      throw new UnsupportedOperationException();
    }
  }

  static final class Builder implements OutboundSseEvent.Builder {
    String name;
    Object data;
    String comment;

    @Override
    public OutboundSseEvent.Builder id(String id) {
      return this;
    }

    @Override
    public OutboundSseEvent.Builder name(String name) {
      this.name = name;
      return this;
    }

    @Override
    public OutboundSseEvent.Builder reconnectDelay(long milliseconds) {
      return this;
    }

    @Override
    public OutboundSseEvent.Builder mediaType(MediaType mediaType) {
      return this;
    }

    @Override
    public OutboundSseEvent.Builder comment(String comment) {
      this.comment = comment;
      return this;
    }

    @Override
    @SuppressWarnings("rawtypes") // as declared by the interface
    public OutboundSseEvent.Builder data(Class type, Object data) {
      this.data = data;
      return this;
    }

    @Override
    @SuppressWarnings("rawtypes") // as declared by the interface
    public OutboundSseEvent.Builder data(GenericType type, Object data) {
      this.data = data;
      return this;
    }

    @Override
    public OutboundSseEvent.Builder data(Object data) {
      this.data = data;
      return this;
    }

    @Override
    public OutboundSseEvent build() {
      String n = name;
      Object d = data;
      String c = comment;
      return new OutboundSseEvent() {
        @Override
        public Class<?> getType() {
          return String.class;
        }

        @Override
        public Type getGenericType() {
          return String.class;
        }

        @Override
        public MediaType getMediaType() {
          return MediaType.TEXT_PLAIN_TYPE;
        }

        @Override
        public Object getData() {
          return d;
        }

        @Override
        public String getId() {
          return null;
        }

        @Override
        public String getName() {
          return n;
        }

        @Override
        public String getComment() {
          return c;
        }

        @Override
        public long getReconnectDelay() {
          return -1;
        }

        @Override
        public boolean isReconnectDelaySet() {
          return false;
        }
      };
    }
  }
}
