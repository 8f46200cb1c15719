package dev.presence.web.engine;

import static dev.presence.web.engine.LimitChecks.Check.ATTRIBUTES;
import static dev.presence.web.engine.LimitChecks.Check.CHANNEL;
import static dev.presence.web.engine.LimitChecks.Check.USER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.PageRequest;
import dev.presence.PresenceLimits;
import dev.presence.PresenceSession;
import dev.presence.TooLargeException;
import dev.presence.UserId;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("LimitChecks: each id and attribute check runs once per call, on either face")
class LimitChecksTest {

  private static final ChannelId ROOM = ChannelId.of("room");
  private static final UserId ALICE = UserId.of("alice");
  private static final Attributes MOOD = Attributes.of(Map.of("mood", "calm"));

  private final InMemoryPresenceBackend backend = new InMemoryPresenceBackend("node-a");
  private final PresenceEngine engine =
      new PresenceEngine(backend, EngineConfig.defaults(), InstantSource.system(), List.of());
  private final List<LimitChecks.Check> seen = new CopyOnWriteArrayList<>();

  {
    engine.start();
    engine.checks().observe(seen::add);
  }

  @AfterEach
  void close() {
    engine.close();
    backend.close();
  }

  /** The checks one call made. */
  private List<LimitChecks.Check> checksOf(Runnable call) {
    seen.clear();
    call.run();
    return List.copyOf(seen);
  }

  @Test
  @DisplayName("the PresenceService face checks every id once and the attributes once")
  void checkedFace() {
    assertThat(checksOf(() -> engine.join(ROOM, ALICE))).containsExactly(CHANNEL, USER);
    assertThat(checksOf(() -> engine.setAttributes(ROOM, ALICE, MOOD)))
        .containsExactly(CHANNEL, USER, ATTRIBUTES);
    assertThat(checksOf(() -> engine.attributes(ROOM, ALICE))).containsExactly(CHANNEL, USER);
    assertThat(checksOf(() -> engine.channelUsers(ROOM, PageRequest.FIRST)))
        .containsExactly(CHANNEL);
    assertThat(checksOf(() -> engine.userChannels(ALICE))).containsExactly(USER);
    assertThat(checksOf(() -> engine.occupancy(ROOM))).containsExactly(CHANNEL);
    assertThat(checksOf(() -> engine.subscribe(ROOM, e -> {}).close())).containsExactly(CHANNEL);
    assertThat(checksOf(() -> engine.leave(ROOM, ALICE))).containsExactly(CHANNEL, USER);

    PresenceSession[] session = new PresenceSession[1];
    assertThat(checksOf(() -> session[0] = engine.openSession(ALICE))).containsExactly(USER);
    assertThat(checksOf(() -> session[0].join(ROOM))).containsExactly(CHANNEL);
    assertThat(checksOf(() -> session[0].leave(ROOM))).containsExactly(CHANNEL);
    assertThat(checksOf(session[0]::heartbeat)).isEmpty();
  }

  @Test
  @DisplayName("the prechecked path checks no id again, and the attributes once")
  void precheckedPath() {
    PrecheckedPresence presence = engine.prechecked();
    assertThat(checksOf(() -> presence.join(ROOM, ALICE))).isEmpty();
    assertThat(checksOf(() -> presence.setAttributes(ROOM, ALICE, MOOD)))
        .containsExactly(ATTRIBUTES);
    assertThat(checksOf(() -> presence.attributes(ROOM, ALICE))).isEmpty();
    assertThat(checksOf(() -> presence.channelUsers(ROOM, PageRequest.FIRST))).isEmpty();
    assertThat(checksOf(() -> presence.userChannels(ALICE))).isEmpty();
    assertThat(checksOf(() -> presence.occupancy(ROOM))).isEmpty();
    assertThat(checksOf(() -> presence.subscribe(ROOM, e -> {}).close())).isEmpty();
    assertThat(checksOf(() -> presence.leave(ROOM, ALICE))).isEmpty();

    PresenceSession[] session = new PresenceSession[1];
    assertThat(checksOf(() -> session[0] = presence.openSession(ALICE))).isEmpty();
    assertThat(checksOf(() -> session[0].join(ROOM))).isEmpty();
    assertThat(checksOf(() -> session[0].leave(ROOM))).isEmpty();
  }

  @Test
  @DisplayName("the checked face still refuses ids over the configured length, storing nothing")
  void checkedFaceRefuses() {
    ChannelId longChannel = ChannelId.of("c".repeat(201));
    UserId longUser = UserId.of("u".repeat(129));
    assertThatThrownBy(() -> engine.join(longChannel, ALICE))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("channel name must be 1 to 200 characters");
    assertThatThrownBy(() -> engine.join(ROOM, longUser))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("user id must be 1 to 128 characters");
    assertThatThrownBy(() -> engine.openSession(longUser))
        .isInstanceOf(InvalidArgumentException.class);
    PresenceSession session = engine.openSession(ALICE);
    assertThatThrownBy(() -> session.join(longChannel))
        .isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> engine.subscribe(longChannel, e -> {}))
        .isInstanceOf(InvalidArgumentException.class);
    assertThat(engine.occupancy(ROOM).occupancy()).isZero();
  }

  @Test
  @DisplayName("the prechecked path still enforces the attribute and membership limits")
  void precheckedPathKeepsTheOtherLimits() {
    PrecheckedPresence presence = engine.prechecked();
    presence.join(ROOM, ALICE);
    Map<String, String> tooMany = new HashMap<>();
    for (int i = 0; i <= PresenceLimits.DEFAULTS.attributeKeys(); i++) {
      tooMany.put("k" + i, "v");
    }
    assertThatThrownBy(() -> presence.setAttributes(ROOM, ALICE, Attributes.of(tooMany)))
        .isInstanceOf(TooLargeException.class);
    PresenceSession session = presence.openSession(ALICE);
    for (int i = 0; i < PresenceLimits.DEFAULTS.channelsPerSession(); i++) {
      session.join(ChannelId.of("c" + i));
    }
    assertThatThrownBy(() -> session.join(ChannelId.of("one-more")))
        .isInstanceOf(TooLargeException.class);
  }

  @Test
  @DisplayName("an id's characters are checked when it is made; the limit checks only its length")
  void lengthOnly() {
    LimitChecks checks = new LimitChecks(PresenceLimits.DEFAULTS);
    assertThat(checks.channel("room:1@x").value()).isEqualTo("room:1@x");
    assertThatThrownBy(() -> checks.channel("a/b"))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessageContaining("may contain only");
    assertThatThrownBy(() -> checks.channel(".")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> checks.user("")).isInstanceOf(InvalidArgumentException.class);
    assertThatThrownBy(() -> checks.user("u".repeat(129)))
        .isInstanceOf(InvalidArgumentException.class)
        .hasMessage("user id must be 1 to 128 characters of A-Z a-z 0-9 . _ - : @");
  }
}
