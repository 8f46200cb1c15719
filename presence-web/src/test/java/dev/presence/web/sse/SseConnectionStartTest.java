package dev.presence.web.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PresenceService;
import dev.presence.Subscription;
import dev.presence.UnavailableException;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PresenceEngine;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Starting an SSE stream whose snapshot fails, against the real engine. */
class SseConnectionStartTest {

  static final ChannelId ROOM = ChannelId.of("room");

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
  void aSnapshotThatFailsEndsTheSubscription() {
    AtomicBoolean closed = new AtomicBoolean();
    PresenceService failingSnapshots = failingSnapshots(engine, closed);
    SseConnection c =
        new SseConnection(
            ROOM,
            new SseConnectionTest.RecordingSink(),
            new SseConnectionTest.FakeSse(),
            executor,
            16,
            () -> {},
            () -> {});

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
}
