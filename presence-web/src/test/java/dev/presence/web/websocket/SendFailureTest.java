package dev.presence.web.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.spi.Caller;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.engine.EngineConfig;
import dev.presence.web.engine.PresenceEngine;
import jakarta.json.JsonObject;
import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.MalformedInputException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Issue #9 / SPEC 13.1 "the server never sends text it cannot encode": a send that fails in any
 * way, {@link Error}s included (Tyrus throws {@code java.lang.Error} wrapping a {@code
 * MalformedInputException} for text it cannot encode), closes that one connection with 1011, is
 * counted, and leaves nothing waiting behind it.
 */
@DisplayName("Failed sends: any Throwable closes only that connection with 1011")
class SendFailureTest {

  /** What Tyrus throws from {@code sendText} for text that is not valid Unicode. */
  private static Error encodingError() {
    return new Error(new MalformedInputException(1));
  }

  @Nested
  @DisplayName("Outbox")
  class OutboxFailures {

    private final ManualExecutor executor = new ManualExecutor();
    private final AtomicLong nanos = new AtomicLong(1_000);
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();

    private Outbox outbox(Transport transport) {
      return new Outbox(
          transport,
          executor,
          16,
          Outbox.DEFAULT_WINDOW_CHARS,
          nanos::get,
          new Outbox.Listener() {
            @Override
            public void stale(List<Outbox.Stream> streams) {}

            @Override
            public void tooSlow(String reason) {}

            @Override
            public void sendFailed(Throwable failure) {
              failures.add(failure);
            }
          });
    }

    @Test
    @DisplayName(
        "a send that throws an Error closes the outbox, tells the listener once, and waits"
            + " for nothing")
    void sendThrowsError() {
      ThrowingTransport transport = new ThrowingTransport(text -> text.contains("poison"));
      Outbox outbox = outbox(transport);
      outbox.offer("{\"type\":\"ok\",\"id\":\"1\"}");
      executor.runAll();
      outbox.offer("{\"type\":\"ok\",\"id\":\"poison\"}");

      executor.runAll(); // the drain task ends normally: the Error does not escape it

      assertThat(failures).hasSize(1);
      assertThat(failures.get(0)).isInstanceOf(Error.class);
      assertThat(outbox.isClosed()).isTrue();
      assertThat(outbox.stalledNanos(nanos.addAndGet(60_000_000_000L))).isZero();
      outbox.offer("{\"type\":\"ok\",\"id\":\"3\"}");
      executor.runAll();
      assertThat(transport.sent).containsExactly("{\"type\":\"ok\",\"id\":\"1\"}");
      assertThat(executor.pending()).isZero();
    }

    @Test
    @DisplayName(
        "a send whose callback reports an Error closes the outbox and tells the listener" + " once")
    void callbackReportsError() {
      FakeTransport transport = new FakeTransport(false);
      Outbox outbox = outbox(transport);
      outbox.offer("{\"type\":\"ok\",\"id\":\"1\"}");
      executor.runAll();
      outbox.offer("{\"type\":\"ok\",\"id\":\"2\"}");

      transport.failNext(encodingError());
      executor.runAll();

      assertThat(failures).hasSize(1);
      assertThat(outbox.isClosed()).isTrue();
      assertThat(outbox.stalledNanos(nanos.get())).isZero();
      assertThat(transport.frames()).containsExactly("{\"type\":\"ok\",\"id\":\"1\"}");
    }
  }

  @Nested
  @DisplayName("Connection")
  class Connections {

    private static final ChannelId ROOM = ChannelId.of("room");

    private final InMemoryPresenceBackend backend = new InMemoryPresenceBackend("node-a");
    private final PresenceEngine engine =
        new PresenceEngine(backend, EngineConfig.defaults(), InstantSource.system(), List.of());
    private final EventTexts texts = new EventTexts();

    {
      engine.start();
    }

    @AfterEach
    void stop() {
      engine.close();
      backend.close();
    }

    private Connection connect(String user, Transport transport, AtomicInteger ends) {
      Connection c =
          new Connection(
              new VerifiedToken(new Caller(UserId.of(user), Set.of()), null),
              new TokenVerifier(
                  PresenceConfig.of(Map.of("presence.auth.mode", "dev")), InstantSource.system()),
              engine,
              new AccessControl(List.of()),
              transport,
              Runnable::run,
              texts,
              new Connection.Settings(
                  256,
                  65536,
                  Duration.ofSeconds(60),
                  Duration.ofSeconds(20),
                  Duration.ofSeconds(30),
                  8,
                  Outbox.DEFAULT_WINDOW_CHARS,
                  1000),
              System::nanoTime,
              x -> ends.incrementAndGet());
      c.open();
      return c;
    }

    @Test
    @DisplayName(
        "the observer whose send throws is closed with 1011 and counted; another observer"
            + " of the same events keeps receiving them")
    void onlyTheFailingConnectionCloses() {
      // The failing observer's container throws for frames about carol, as Tyrus does for text it
      // cannot encode; the other observer's container takes everything.
      ThrowingTransport failing = new ThrowingTransport(text -> text.contains("\"carol\""));
      AtomicInteger counted = new AtomicInteger();
      Transport counting = new CountingTransport(failing, counted::incrementAndGet);
      FakeTransport healthy = new FakeTransport(true);
      AtomicInteger failingEnds = new AtomicInteger();
      AtomicInteger healthyEnds = new AtomicInteger();
      Connection bad = connect("bad", counting, failingEnds);
      Connection good = connect("good", healthy, healthyEnds);
      bad.onText("{\"id\":\"s\",\"type\":\"subscribe\",\"channel\":\"room\"}");
      good.onText("{\"id\":\"s\",\"type\":\"subscribe\",\"channel\":\"room\"}");
      await().atMost(Duration.ofSeconds(5)).until(() -> failing.sent.size() == 1);

      engine.join(ROOM, UserId.of("carol"));

      await().atMost(Duration.ofSeconds(5)).until(() -> failing.closeCode == 1011);
      assertThat(failing.closes).isEqualTo(1);
      assertThat(counted).hasValue(1);
      await().atMost(Duration.ofSeconds(5)).until(bad::isEnded);
      assertThat(failingEnds).hasValue(1);

      engine.join(ROOM, UserId.of("dave"));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> userIdsOfEvents(healthy), list -> list.equals(List.of("carol", "dave")));
      assertThat(good.isEnded()).isFalse();
      assertThat(healthy.closes()).isZero();
      assertThat(failing.sent).hasSize(1); // the snapshot; nothing after the failed send
    }

    private List<String> userIdsOfEvents(FakeTransport transport) {
      List<String> users = new ArrayList<>();
      for (JsonObject m : Frames.messages(transport.frames())) {
        if ("event".equals(m.getString("type"))) {
          users.add(m.getString("userId"));
        }
      }
      return users;
    }
  }

  @Nested
  @DisplayName("SessionTransport over a Jakarta WebSocket session")
  class OverSession {

    private final List<String> handedToContainer = new CopyOnWriteArrayList<>();
    private final List<CloseReason> closes = new CopyOnWriteArrayList<>();
    private final List<@Nullable Throwable> results = new CopyOnWriteArrayList<>();
    private @Nullable Error throwOnSend;
    private @Nullable Error throwOnClose;
    private boolean failInHandlerToo;

    private Session session() {
      RemoteEndpoint.Async async =
          (RemoteEndpoint.Async)
              Proxy.newProxyInstance(
                  getClass().getClassLoader(),
                  new Class<?>[] {RemoteEndpoint.Async.class},
                  (proxy, method, args) -> {
                    if (method.getName().equals("sendText") && args.length == 2) {
                      handedToContainer.add((String) args[0]);
                      if (failInHandlerToo) {
                        ((SendHandler) args[1]).onResult(new SendResult(new IOException("x")));
                      }
                      Error e = throwOnSend;
                      if (e != null) {
                        throw e;
                      }
                      ((SendHandler) args[1]).onResult(new SendResult());
                    }
                    return null;
                  });
      return (Session)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {Session.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "getAsyncRemote" -> async;
                    case "isOpen" -> true;
                    case "close" -> {
                      closes.add((CloseReason) args[0]);
                      Error e = throwOnClose;
                      if (e != null) {
                        throw e;
                      }
                      yield null;
                    }
                    default -> null;
                  });
    }

    @Test
    @DisplayName("an Error thrown by sendText reaches the callback as a failure, not the caller")
    void errorFromSendText() {
      throwOnSend = encodingError();
      SessionTransport transport = new SessionTransport(session());

      transport.send("{\"type\":\"ok\"}", results::add);

      assertThat(results).hasSize(1);
      assertThat(results.get(0)).isSameAs(throwOnSend);
    }

    @Test
    @DisplayName("text that cannot be encoded is never handed to the container; the send fails")
    void unencodableTextNotHanded() {
      SessionTransport transport = new SessionTransport(session());

      transport.send("{\"mood\":\"\uD800\"}", results::add);
      transport.send("{\"mood\":\"\uD83D\uDE00\"}", results::add);

      assertThat(handedToContainer).containsExactly("{\"mood\":\"\uD83D\uDE00\"}");
      assertThat(results).hasSize(2);
      assertThat(results.get(0)).isInstanceOf(MalformedInputException.class);
      assertThat(results.get(1)).isNull();
    }

    @Test
    @DisplayName("a failure reported by the handler and thrown as well reaches the callback once")
    void callbackOnce() {
      failInHandlerToo = true;
      throwOnSend = encodingError();
      SessionTransport transport = new SessionTransport(session());

      transport.send("{}", results::add);

      assertThat(results).hasSize(1);
    }

    @Test
    @DisplayName("a close reason is sent as valid text, and an Error from close is not thrown on")
    void closeReason() {
      throwOnClose = encodingError();
      SessionTransport transport = new SessionTransport(session());

      transport.close(1008, "UNAUTHENTICATED: tokens signed with HS\uD800 are not accepted");

      assertThat(closes).hasSize(1);
      assertThat(closes.get(0).getCloseCode().getCode()).isEqualTo(1008);
      assertThat(closes.get(0).getReasonPhrase())
          .isEqualTo("UNAUTHENTICATED: tokens signed with HS\uFFFD are not accepted");
    }
  }

  @Test
  @DisplayName("CountingTransport counts failures reported to the callback and thrown sends")
  void counting() {
    AtomicInteger counted = new AtomicInteger();
    FakeTransport fake = new FakeTransport(false);
    CountingTransport transport = new CountingTransport(fake, counted::incrementAndGet);
    List<@Nullable Throwable> results = new ArrayList<>();

    transport.send("a", results::add);
    transport.send("b", results::add);
    fake.completeNext();
    fake.failNext(new IOException("reset"));

    assertThat(results).hasSize(2);
    assertThat(results.get(0)).isNull();
    assertThat(counted).hasValue(1);

    CountingTransport throwing =
        new CountingTransport(new ThrowingTransport(text -> true), counted::incrementAndGet);
    Throwable thrown = null;
    try {
      throwing.send("c", results::add);
    } catch (Error e) {
      thrown = e;
    }
    assertThat(thrown).isNotNull();
    assertThat(counted).hasValue(2);
    throwing.ping(new byte[8]);
    throwing.close(1000, "bye");
  }

  /**
   * A container that throws {@code java.lang.Error} from the send itself for some texts (as Tyrus
   * does for text it cannot encode) and completes the others at once.
   */
  private static final class ThrowingTransport implements Transport {
    final List<String> sent = new CopyOnWriteArrayList<>();
    final Predicate<String> poison;
    volatile int closeCode;
    volatile int closes;

    ThrowingTransport(Predicate<String> poison) {
      this.poison = poison;
    }

    @Override
    public void send(String text, SendCallback callback) {
      if (poison.test(text)) {
        throw encodingError();
      }
      sent.add(text);
      callback.done(null);
    }

    @Override
    public void ping(byte[] payload) {
      // pings are not part of these tests
    }

    @Override
    public synchronized void close(int code, String reason) {
      closes++;
      if (closeCode == 0) {
        closeCode = code;
      }
    }
  }
}
