package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.NotJoinedException;
import dev.presence.NotPresentException;
import dev.presence.PageRequest;
import dev.presence.PresenceLimits;
import dev.presence.PresenceSession;
import dev.presence.RateLimitedException;
import dev.presence.TooLargeException;
import dev.presence.UnavailableException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Limits and errors (SPEC sections 4.4 and 7)")
class LimitsAndErrorsTest extends EngineTestSupport {

  final ChannelId room = ch("room");

  static PresenceLimits limits(int channelsPerSession, int sessionsPerUser, int usersPerChannel) {
    PresenceLimits d = PresenceLimits.DEFAULTS;
    return new PresenceLimits(
        d.channelLength(),
        d.userIdLength(),
        d.attributeKeys(),
        d.attributeKeyLength(),
        d.attributeValueLength(),
        d.attributesBytes(),
        channelsPerSession,
        sessionsPerUser,
        usersPerChannel,
        d.attributeSetsPerSecond(),
        d.attributeSetsBurst());
  }

  @Nested
  @DisplayName("limits")
  class Limits {

    @Test
    @DisplayName("a session may join at most channels-per-session channels")
    void channelsPerSession() {
      PresenceEngine engine = engine(config().withLimits(limits(2, 64, 100)));
      PresenceSession s = engine.openSession(user("alice"));
      s.join(ch("a"));
      s.join(ch("b"));
      assertThatThrownBy(() -> s.join(ch("c")))
          .isInstanceOf(TooLargeException.class)
          .hasMessageContaining("at most 2 channels");
      s.join(ch("a")); // already joined: fine
      assertThat(engine.userChannels(user("alice"))).containsExactly(ch("a"), ch("b"));
      s.leave(ch("a"));
      s.join(ch("c"));
      assertThat(engine.userChannels(user("alice"))).containsExactly(ch("b"), ch("c"));
    }

    @Test
    @DisplayName("a user may be in at most channels-per-user channels through REST sessions")
    void channelsPerUserThroughRest() {
      PresenceEngine engine = engine(config().withChannelsPerUser(2));
      engine.join(ch("a"), user("alice"));
      engine.join(ch("b"), user("alice"));
      assertThatThrownBy(() -> engine.join(ch("c"), user("alice")))
          .isInstanceOf(TooLargeException.class)
          .hasMessageContaining("at most 2 channels through REST");
      assertThat(engine.userChannels(user("alice"))).containsExactly(ch("a"), ch("b"));
      engine.join(ch("a"), user("alice")); // a heartbeat of a counted channel: fine
      engine.join(ch("c"), user("bob")); // another user: own count
      engine.leave(ch("a"), user("alice"));
      engine.join(ch("c"), user("alice"));
      assertThat(engine.userChannels(user("alice"))).containsExactly(ch("b"), ch("c"));
      assertThat(engine.apiChannelCount(user("alice"))).isEqualTo(2);
    }

    @Test
    @DisplayName("channels-per-user: a REST lease that ran out frees its place")
    void channelsPerUserLeaseEnds() {
      PresenceEngine engine = engine(config().withChannelsPerUser(2));
      engine.join(ch("a"), user("alice"));
      clock.advance(T.dividedBy(2));
      engine.join(ch("b"), user("alice"));
      assertThatThrownBy(() -> engine.join(ch("c"), user("alice")))
          .isInstanceOf(TooLargeException.class);
      clock.advance(T.dividedBy(2));
      engine.tick(); // the lease of a ended: a timed out
      assertThat(engine.apiChannelCount(user("alice"))).isEqualTo(1);
      engine.join(ch("c"), user("alice"));
      clock.advance(G);
      engine.tick(); // the grace period of a ended
      assertThat(engine.userChannels(user("alice"))).containsExactly(ch("b"), ch("c"));
    }

    @Test
    @DisplayName("channels-per-user: a leave through another node frees the place here")
    void channelsPerUserLeaveElsewhere() {
      PresenceEngine here = engine(node("node-a"), config().withChannelsPerUser(2));
      PresenceEngine there = engine(node("node-b"), config().withChannelsPerUser(2));
      here.join(ch("a"), user("alice"));
      here.join(ch("b"), user("alice"));
      there.leave(ch("a"), user("alice"));
      here.join(ch("c"), user("alice"));
      assertThat(here.userChannels(user("alice"))).containsExactly(ch("b"), ch("c"));
    }

    @Test
    @DisplayName("channels-per-user: WebSocket joins do not count, and a refused join counts not")
    void channelsPerUserCountsOnlyRest() {
      PresenceEngine engine =
          engine(config().withChannelsPerUser(1).withLimits(limits(200, 64, 1)));
      PresenceSession s = engine.openSession(user("alice"));
      s.join(ch("ws1"));
      s.join(ch("ws2"));
      engine.join(ch("full"), user("bob"));
      assertThatThrownBy(() -> engine.join(ch("full"), user("alice")))
          .isInstanceOf(ChannelFullException.class);
      assertThat(engine.apiChannelCount(user("alice"))).isZero();
      engine.join(ch("a"), user("alice"));
      assertThat(engine.userChannels(user("alice"))).contains(ch("a"), ch("ws1"), ch("ws2"));
    }

    @Test
    @DisplayName("a user may have at most sessions-per-user sessions on a node")
    void sessionsPerUser() {
      PresenceEngine engine = engine(config().withLimits(limits(200, 2, 100)));
      PresenceSession first = engine.openSession(user("alice"));
      engine.openSession(user("alice"));
      assertThatThrownBy(() -> engine.openSession(user("alice")))
          .isInstanceOf(TooLargeException.class);
      engine.openSession(user("bob"));
      first.close();
      engine.openSession(user("alice"));
      assertThat(engine.metrics().localSessions()).isEqualTo(3);
    }

    @Test
    @DisplayName("a channel holds at most users-per-channel users; present users may re-join")
    void usersPerChannel() {
      PresenceEngine engine = engine(config().withLimits(limits(200, 64, 2)));
      engine.join(room, user("a"));
      engine.openSession(user("b")).join(room);
      PresenceSession c = engine.openSession(user("c"));
      assertThatThrownBy(() -> c.join(room)).isInstanceOf(ChannelFullException.class);
      assertThatThrownBy(() -> engine.join(room, user("c")))
          .isInstanceOf(ChannelFullException.class);
      assertThat(c.isClosed()).isFalse();
      engine.join(room, user("a"));
      engine.openSession(user("b")).join(room);
      assertThat(engine.occupancy(room).occupancy()).isEqualTo(2);
      assertThat(engine.userChannels(user("c"))).isEmpty();
    }

    @Test
    @DisplayName("attributes over a size limit are refused and nothing is stored")
    void attributeSizes() {
      PresenceEngine engine = engine();
      engine.join(room, user("alice"));
      Map<String, String> many = new HashMap<>();
      for (int i = 0; i < 33; i++) {
        many.put("k" + i, "v");
      }
      assertThatThrownBy(() -> engine.setAttributes(room, user("alice"), Attributes.of(many)))
          .isInstanceOf(TooLargeException.class);
      Attributes longValue = Attributes.of(Map.of("k", "x".repeat(1025)));
      assertThatThrownBy(() -> engine.setAttributes(room, user("alice"), longValue))
          .isInstanceOf(TooLargeException.class);
      Attributes longKey = Attributes.of(Map.of("k".repeat(65), "v"));
      assertThatThrownBy(() -> engine.setAttributes(room, user("alice"), longKey))
          .isInstanceOf(TooLargeException.class);
      Map<String, String> big = new HashMap<>();
      for (int i = 0; i < 9; i++) {
        big.put("k" + i, "x".repeat(1000));
      }
      assertThatThrownBy(() -> engine.setAttributes(room, user("alice"), Attributes.of(big)))
          .isInstanceOf(TooLargeException.class);
      assertThat(engine.attributes(room, user("alice"))).isEqualTo(Attributes.EMPTY);
      assertThat(engine.occupancy(room).seq()).isEqualTo(1);
    }

    @Test
    @DisplayName("attribute sets are rate limited per user with a token bucket and retryAfter")
    void attributeRate() {
      PresenceEngine engine = engine(); // 10 per second, bursts of 20
      engine.join(room, user("alice"));
      engine.join(room, user("bob"));
      for (int i = 0; i < 20; i++) {
        engine.setAttributes(room, user("alice"), Attributes.of(Map.of("n", "" + i)));
      }
      RateLimitedException limited =
          catchThrowableOfType(
              RateLimitedException.class,
              () -> engine.setAttributes(room, user("alice"), Attributes.of(Map.of("n", "x"))));
      assertThat(limited.retryAfter()).isEqualTo(Duration.ofMillis(100));
      assertThat(engine.attributes(room, user("alice")).values()).containsEntry("n", "19");

      engine.setAttributes(room, user("bob"), Attributes.of(Map.of("n", "1"))); // own bucket

      clock.advance(Duration.ofMillis(40));
      RateLimitedException again =
          catchThrowableOfType(
              RateLimitedException.class,
              () -> engine.setAttributes(room, user("alice"), Attributes.of(Map.of("n", "x"))));
      assertThat(again.retryAfter()).isEqualTo(Duration.ofMillis(60));
      clock.advance(Duration.ofMillis(60));
      engine.setAttributes(room, user("alice"), Attributes.of(Map.of("n", "20")));
      assertThatThrownBy(
              () -> engine.setAttributes(room, user("alice"), Attributes.of(Map.of("n", "x"))))
          .isInstanceOf(RateLimitedException.class);

      clock.advance(Duration.ofSeconds(2)); // refilled to the burst
      engine.tick();
      for (int i = 0; i < 20; i++) {
        engine.setAttributes(room, user("alice"), Attributes.of(Map.of("m", "" + i)));
      }
    }

    @Test
    @DisplayName("ids over the configured lengths are refused at every entry point")
    void idLengths() {
      PresenceEngine engine = engine();
      ChannelId longChannel = ch("c".repeat(201));
      var longUser = user("u".repeat(129));
      assertThatThrownBy(() -> engine.openSession(longUser))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.join(longChannel, user("a")))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.join(room, longUser))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.openSession(user("a")).join(longChannel))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.subscribe(longChannel, e -> {}))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.occupancy(longChannel))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.userChannels(longUser))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.channelUsers(longChannel, PageRequest.FIRST))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.attributes(room, longUser))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.setAttributes(longChannel, user("a"), Attributes.EMPTY))
          .isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> engine.leave(longChannel, user("a")))
          .isInstanceOf(InvalidArgumentException.class);
      engine.join(ch("c".repeat(200)), user("u".repeat(128)));
    }
  }

  @Nested
  @DisplayName("errors")
  class Errors {

    @Test
    @DisplayName("setting attributes before joining is NOT_JOINED; reading them is NOT_PRESENT")
    void notJoinedNotPresent() {
      PresenceEngine engine = engine();
      assertThatThrownBy(
              () -> engine.setAttributes(room, user("alice"), Attributes.of(Map.of("a", "b"))))
          .isInstanceOf(NotJoinedException.class);
      assertThatThrownBy(() -> engine.attributes(room, user("alice")))
          .isInstanceOf(NotPresentException.class)
          .hasMessageContaining("alice");
    }

    @Test
    @DisplayName(
        "a store outage leaves the engine unavailable but not failed; a backend failed for good"
            + " makes it failed")
    void failedForGood() {
      TestBackend backend = node("node-a");
      PresenceEngine engine = engine(backend, config());
      assertThat(engine.isFailed()).isFalse();
      backend.storeFailure = new IllegalStateException("store down for a while");
      assertThat(engine.isAvailable()).isFalse();
      assertThat(engine.isFailed()).isFalse();

      backend.storeFailure = null;
      backend.failed = true; // e.g. Hazelcast's out-of-memory handler terminated the member
      assertThat(engine.isAvailable()).isFalse();
      assertThat(engine.isFailed()).isTrue();
      assertThat(engine.isFailed()).as("asked again (logged once)").isTrue();
    }

    @Test
    @DisplayName("an unexpected backend failure becomes UNAVAILABLE without internals")
    void unexpectedFailureIsUnavailable() {
      TestBackend backend = node("node-a");
      PresenceEngine engine = engine(backend, config());
      PresenceSession s = engine.openSession(user("alice"));
      backend.storeFailure = new IllegalStateException("secret internal detail");
      assertThat(engine.isAvailable()).isFalse();

      for (Runnable call :
          new Runnable[] {
            () -> engine.join(room, user("alice")),
            () -> s.join(room),
            () -> engine.occupancy(room),
            () -> engine.subscribe(room, e -> {}),
            () -> engine.setAttributes(room, user("alice"), Attributes.EMPTY),
          }) {
        assertThatThrownBy(call::run)
            .isInstanceOf(UnavailableException.class)
            .message()
            .doesNotContain("secret")
            .doesNotContain("IllegalStateException");
      }
      assertThat(engine.metrics().localSubscriptions()).isZero();

      UnavailableException original = new UnavailableException("store down");
      backend.storeFailure = original;
      assertThatThrownBy(() -> engine.occupancy(room)).isSameAs(original);

      backend.storeFailure = null;
      s.join(room);
      assertThat(engine.occupancy(room).occupancy()).isEqualTo(1);
    }

    @Test
    @DisplayName("a session end that cannot reach the store is retried by the ticker")
    void failedReleaseIsRetried() {
      TestBackend backend = node("node-a");
      PresenceEngine engine = engine(backend, config());
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      backend.storeFailure = new IllegalStateException("down");
      s.close();
      assertThat(s.isClosed()).isTrue();
      clock.advance(G.plus(MS));
      engine.tick(); // still down: nothing happens, nothing thrown
      backend.storeFailure = null;
      engine.tick(); // released with the grace that began at the close: already over
      engine.tick();
      assertThat(engine.occupancy(room).occupancy()).isZero();
    }
  }
}
