package dev.presence.spi.tck;

import static dev.presence.spi.tck.TckSupport.T0;
import static dev.presence.spi.tck.TckSupport.attrs;
import static dev.presence.spi.tck.TckSupport.event;
import static dev.presence.spi.tck.TckSupport.newChannel;
import static dev.presence.spi.tck.TckSupport.newUser;
import static dev.presence.spi.tck.TckSupport.of;
import static dev.presence.spi.tck.TckSupport.runConcurrently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.Registration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link PresenceEventBus} on one node: delivery order, every subscriber, closing a
 * registration, exact values, one call at a time per listener, and hook ownership of a lone node.
 *
 * <p><b>How to use it.</b> Extend this class and implement {@link #createBackend()}, exactly as for
 * {@link PresenceStoreContract}; {@link #releaseBackend} closes the backend after each test unless
 * overridden to keep a shared instance. The backend must be the only member of its cluster. Each
 * test publishes events of channels of its own and looks only at those, so a shared backend may
 * carry other traffic. Delivery is awaited with Awaitility for at most {@link #deliveryTimeout()}.
 *
 * <p>The events published here are made up (no store is involved), so the bus must carry any valid
 * {@link PresenceEvent}, with its values exactly (nanoseconds of the timestamp, non-ASCII
 * attributes).
 *
 * @since 0.1
 */
public abstract class PresenceEventBusContract {

  /** The backend of the current test, from {@link #createBackend()}. */
  protected PresenceBackend backend;

  /** The bus of {@link #backend}. */
  protected PresenceEventBus bus;

  private final List<Registration> registrations = new ArrayList<>();

  /** Creates the contract; subclasses need a no-argument constructor, as any JUnit test. */
  protected PresenceEventBusContract() {}

  /**
   * Creates (or returns a shared instance of) the backend whose event bus is tested. Called before
   * each test.
   *
   * @return an open backend that is the only member of its cluster
   */
  protected abstract PresenceBackend createBackend();

  /**
   * Called after each test with the backend of {@link #createBackend()}, after the test's
   * registrations were closed; closes it. Override to keep a shared instance open.
   *
   * @param backend the backend
   */
  protected void releaseBackend(PresenceBackend backend) {
    backend.close();
  }

  /**
   * How long to wait for published events to arrive. Override for slow backends.
   *
   * @return 10 seconds by default
   */
  protected Duration deliveryTimeout() {
    return Duration.ofSeconds(10);
  }

  @BeforeEach
  void openBackend() {
    backend = createBackend();
    bus = backend.eventBus();
  }

  @AfterEach
  void closeBackend() {
    registrations.forEach(Registration::close);
    releaseBackend(backend);
  }

  /** Collects the events of some channels, checking that each call is non-empty. */
  private final class Recorder implements PresenceEventBus.Listener {
    final List<ChannelId> channels;
    final CopyOnWriteArrayList<PresenceEvent> events = new CopyOnWriteArrayList<>();
    final AtomicInteger emptyCalls = new AtomicInteger();
    final AtomicInteger active = new AtomicInteger();
    final AtomicInteger maxActive = new AtomicInteger();

    Recorder(ChannelId... channels) {
      this.channels = List.of(channels);
    }

    @Override
    public void onEvents(List<PresenceEvent> batch) {
      maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      try {
        if (batch.isEmpty()) {
          emptyCalls.incrementAndGet();
        }
        events.addAll(of(channels, batch));
      } finally {
        active.decrementAndGet();
      }
    }

    Recorder subscribe() {
      return subscribeTo(bus);
    }

    Recorder subscribeTo(PresenceEventBus target) {
      registrations.add(target.subscribe(this));
      return this;
    }

    void awaitEvents(List<PresenceEvent> expected) {
      await()
          .atMost(deliveryTimeout())
          .untilAsserted(() -> assertThat(events).hasSameSizeAs(expected));
      assertThat(events).containsExactlyElementsOf(expected);
      assertThat(emptyCalls).hasValue(0);
    }
  }

  private static List<PresenceEvent> joins(ChannelId channel, int count) {
    List<PresenceEvent> events = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      events.add(
          event(EventKind.JOIN, channel, newUser(), Attributes.EMPTY, i, i, T0.plusMillis(i)));
    }
    return events;
  }

  @Nested
  @DisplayName("Delivery")
  class Delivery {

    @Test
    @DisplayName("the events of one publish call arrive in their order")
    void oneCallInOrder() {
      ChannelId channel = newChannel();
      Recorder recorder = new Recorder(channel).subscribe();
      List<PresenceEvent> events = joins(channel, 20);

      bus.publish(events);

      recorder.awaitEvents(events);
    }

    @Test
    @DisplayName("the events of successive publish calls arrive in publish order")
    void successiveCallsInOrder() {
      ChannelId channel = newChannel();
      Recorder recorder = new Recorder(channel).subscribe();
      List<PresenceEvent> events = joins(channel, 100);

      for (int i = 0; i < events.size(); i += 3) {
        bus.publish(events.subList(i, Math.min(i + 3, events.size())));
      }

      recorder.awaitEvents(events);
    }

    @Test
    @DisplayName("every subscriber receives every event")
    void everySubscriber() {
      ChannelId channel = newChannel();
      Recorder first = new Recorder(channel).subscribe();
      Recorder second = new Recorder(channel).subscribe();
      List<PresenceEvent> events = joins(channel, 10);

      events.forEach(e -> bus.publish(List.of(e)));

      first.awaitEvents(events);
      second.awaitEvents(events);
    }

    @Test
    @DisplayName("events of every kind arrive with exactly their values")
    void valuesRoundTrip() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      Attributes attributes = attrs("mood", "\u00e9t\u00e9 \uD83C\uDF1E", "empty", "", "k", "v");
      Recorder recorder = new Recorder(channel).subscribe();
      List<PresenceEvent> events =
          List.of(
              event(EventKind.JOIN, channel, user, Attributes.EMPTY, 1, 1, T0),
              event(EventKind.ATTRIBUTES_UPDATE, channel, user, attributes, 1, 2, T0.plusNanos(1)),
              event(EventKind.LEAVE, channel, user, attributes, 0, 3, T0.plusSeconds(1)),
              event(EventKind.JOIN, channel, user, Attributes.EMPTY, 1, 4, T0.plusSeconds(2)),
              event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 5, T0.plusSeconds(3)));

      bus.publish(events);

      recorder.awaitEvents(events);
    }

    @Test
    @DisplayName("a listener is called one call at a time, even when several threads publish")
    void oneCallAtATime() {
      ChannelId channel = newChannel();
      Recorder recorder = new Recorder(channel).subscribe();
      List<PresenceEvent> events = joins(channel, 200);

      runConcurrently(
          4,
          t -> {
            for (int i = t; i < events.size(); i += 4) {
              bus.publish(List.of(events.get(i)));
            }
          });

      await()
          .atMost(deliveryTimeout())
          .untilAsserted(() -> assertThat(recorder.events).hasSize(events.size()));
      assertThat(recorder.events).containsExactlyInAnyOrderElementsOf(events);
      assertThat(recorder.maxActive).hasValue(1);
    }
  }

  @Nested
  @DisplayName("Registrations")
  class Registrations {

    @Test
    @DisplayName("a closed registration receives nothing more, and closing it again is harmless")
    void closedRegistrationStopsDelivery() {
      ChannelId channel = newChannel();
      Recorder closed = new Recorder(channel);
      Registration registration = bus.subscribe(closed);
      Recorder witness = new Recorder(channel).subscribe();
      List<PresenceEvent> events = joins(channel, 6);
      bus.publish(events.subList(0, 3));
      closed.awaitEvents(events.subList(0, 3));

      registration.close();
      registration.close();
      bus.publish(events.subList(3, 4));
      bus.publish(events.subList(4, 6));

      witness.awaitEvents(events);
      assertThat(closed.events).containsExactlyElementsOf(events.subList(0, 3));
    }

    @Test
    @DisplayName("a listener subscribed after a publish does not receive the earlier events")
    void noReplayToNewListeners() {
      ChannelId channel = newChannel();
      Recorder early = new Recorder(channel).subscribe();
      List<PresenceEvent> events = joins(channel, 4);
      bus.publish(events.subList(0, 2));
      early.awaitEvents(events.subList(0, 2));

      Recorder late = new Recorder(channel).subscribe();
      bus.publish(events.subList(2, 4));

      early.awaitEvents(events);
      late.awaitEvents(events.subList(2, 4));
    }
  }

  @Nested
  @DisplayName("Hook ownership")
  class HookOwnership {

    @Test
    @DisplayName("a node alone in its cluster owns the hooks of every channel")
    void loneNodeOwnsEveryChannel() {
      List<ChannelId> channels = IntStream.range(0, 50).mapToObj(i -> newChannel()).toList();

      await()
          .atMost(deliveryTimeout())
          .untilAsserted(() -> assertThat(channels).allMatch(bus::isHookOwner));
    }
  }

  @Test
  @DisplayName(
      "with ADMINISTRATION, a close signal reaches every listener, in order with the events, and a"
          + " kicked leave keeps its kick")
  void closeSignalAndKickedLeave() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        backend.isSupported(dev.presence.spi.Capability.ADMINISTRATION),
        "the backend does not support administration");
    ChannelId channel = newChannel();
    UserId alice = newUser();
    CopyOnWriteArrayList<Object> seen = new CopyOnWriteArrayList<>();
    CopyOnWriteArrayList<Object> seenToo = new CopyOnWriteArrayList<>();
    for (List<Object> sink : List.<List<Object>>of(seen, seenToo)) {
      registrations.add(
          bus.subscribe(
              new PresenceEventBus.Listener() {
                @Override
                public void onEvents(List<PresenceEvent> events) {
                  sink.addAll(of(channel, events));
                }

                @Override
                public void onCloseConnections(UserId user) {
                  if (user.equals(alice)) {
                    sink.add(user);
                  }
                }
              }));
    }
    PresenceEvent before = event(EventKind.JOIN, channel, alice, Attributes.EMPTY, 1, 1, T0);
    PresenceEvent kicked =
        new dev.presence.event.Left(channel, alice, attrs("é", "ü"), 0, 2, T0.plusNanos(1), true);
    bus.publish(List.of(before));
    bus.closeConnections(alice);
    bus.publish(List.of(kicked));

    for (List<Object> sink : List.<List<Object>>of(seen, seenToo)) {
      await().atMost(deliveryTimeout()).untilAsserted(() -> assertThat(sink).hasSize(3));
      assertThat(sink).containsExactly(before, alice, kicked);
      assertThat(((dev.presence.event.Left) sink.get(2)).kicked()).isTrue();
    }
  }
}
