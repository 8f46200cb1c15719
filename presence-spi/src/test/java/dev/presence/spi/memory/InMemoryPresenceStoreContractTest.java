package dev.presence.spi.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.SessionLease;
import dev.presence.spi.tck.PresenceStoreContract;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Runs the store contract against the in-memory backend, plus what is specific to it. */
class InMemoryPresenceStoreContractTest extends PresenceStoreContract {

  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
  private static final ChannelId CHANNEL = ChannelId.of("room");
  private static final UserId USER = UserId.of("alice");

  @Override
  protected PresenceBackend createBackend() {
    return new InMemoryPresenceBackend("memory-test");
  }

  @Test
  @DisplayName("an emptied channel continues its sequence instead of starting again at 1")
  void emptiedChannelContinuesSequence() {
    SessionLease session = SessionLease.nodeBound(SessionId.of("s1"), "memory-test");
    for (int round = 0; round < 3; round++) {
      store.join(CHANNEL, USER, session, 10, NOW);
      store.setAttributes(CHANNEL, USER, Attributes.of(java.util.Map.of("r", "" + round)), NOW);
      store.leave(CHANNEL, USER, session.id(), NOW);
    }

    assertThat(store.occupancy(CHANNEL)).isEqualTo(new Occupancy(CHANNEL, 0, 9));
    assertThat(store.users(CHANNEL, PageRequest.FIRST).seq()).isEqualTo(9);
    assertThat(store.join(CHANNEL, USER, session, 10, NOW).orElseThrow().seq()).isEqualTo(10);
  }

  @Test
  @DisplayName("a closed backend's store is unavailable and the backend says so")
  void closedStoreIsUnavailable() {
    store.join(CHANNEL, USER, SessionLease.nodeBound(SessionId.of("s1"), "n"), 10, NOW);

    backend.close();

    assertThat(backend.isAvailable()).isFalse();
    assertThatThrownBy(() -> store.occupancy(CHANNEL)).isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> store.expire(NOW, Duration.ZERO))
        .isInstanceOf(UnavailableException.class);
    assertThatThrownBy(
            () -> store.release(CHANNEL, USER, SessionId.of("s1"), CloseReason.LOST, NOW, NOW))
        .isInstanceOf(UnavailableException.class);
  }

  @Test
  @DisplayName("a sweep with nothing due returns nothing; one sweep ends many channels")
  void sweepOfManyChannels() {
    for (int i = 0; i < 2_000; i++) {
      store.join(
          ChannelId.of("c" + i),
          USER,
          SessionLease.leaseBound(SessionId.of("rest-" + i), NOW.plusSeconds(60 + i % 7)),
          10,
          NOW);
    }

    assertThat(store.expire(NOW.plusSeconds(59), Duration.ofSeconds(5))).isEmpty();
    assertThat(store.expire(NOW.plusSeconds(100), Duration.ofSeconds(5))).hasSize(2_000);
    assertThat(store.channelsOf(USER)).isEmpty();
    assertThat(store.expire(NOW.plusSeconds(200), Duration.ofSeconds(5))).isEmpty();
  }

  @Test
  @DisplayName(
      "a cursor whose bytes are not UTF-8 is refused, not read with replacement characters")
  void cursorNotUtf8() {
    store.join(CHANNEL, USER, SessionLease.nodeBound(SessionId.of("s1"), "n"), 10, NOW);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    byte[] prefix = "u1:a".getBytes(StandardCharsets.US_ASCII);

    for (byte[] bad :
        List.of(
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // an encoded lone surrogate
            new byte[] {(byte) 0xff},
            new byte[] {(byte) 0xc3})) {
      byte[] bytes = Arrays.copyOf(prefix, prefix.length + bad.length);
      System.arraycopy(bad, 0, bytes, prefix.length, bad.length);
      assertThatThrownBy(
              () -> store.users(CHANNEL, new PageRequest(10, b64.encodeToString(bytes), true)))
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessageContaining("cursor is not valid");
    }
  }
}
