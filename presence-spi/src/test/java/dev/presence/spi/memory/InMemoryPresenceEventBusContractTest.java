package dev.presence.spi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.tck.PresenceEventBusContract;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the event bus contract against the in-memory backend, plus what is specific to it. */
class InMemoryPresenceEventBusContractTest extends PresenceEventBusContract {

  private static PresenceEvent join(long seq) {
    return PresenceEvent.of(
        EventKind.JOIN,
        ChannelId.of("room"),
        UserId.of("u" + seq),
        Attributes.EMPTY,
        (int) seq,
        seq,
        Instant.EPOCH);
  }

  @Override
  protected PresenceBackend createBackend() {
    return new InMemoryPresenceBackend();
  }

  @Test
  @DisplayName("a failing listener does not stop delivery to itself or to others")
  void failingListener() {
    CopyOnWriteArrayList<PresenceEvent> failing = new CopyOnWriteArrayList<>();
    CopyOnWriteArrayList<PresenceEvent> healthy = new CopyOnWriteArrayList<>();
    bus.subscribe(
        events -> {
          failing.addAll(events);
          throw new IllegalStateException("listener failure, as a test expects");
        });
    bus.subscribe(healthy::addAll);

    bus.publish(List.of(join(1)));
    bus.publish(List.of(join(2)));

    await().untilAsserted(() -> assertThat(healthy).containsExactly(join(1), join(2)));
    await().untilAsserted(() -> assertThat(failing).containsExactly(join(1), join(2)));
  }

  @Test
  @DisplayName("a closed bus refuses to publish, and empty publishes are ignored")
  void closedBus() {
    bus.publish(List.of());

    backend.close();

    assertThatThrownBy(() -> bus.publish(List.of(join(1))))
        .isInstanceOf(UnavailableException.class);
  }
}
