package dev.presence.web.engine;

import static dev.presence.event.EventKind.ATTRIBUTES_UPDATE;
import static dev.presence.event.EventKind.JOIN;
import static dev.presence.event.EventKind.LEAVE;
import static dev.presence.event.EventKind.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceSession;
import dev.presence.event.EventKind;
import dev.presence.spi.ClusterListener;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("Liveness rules (SPEC section 3)")
class LivenessTest extends EngineTestSupport {

  final ChannelId room = ch("room");
  PresenceEngine engine;
  RecordingListener events;

  @BeforeEach
  void setUp() {
    engine = engine();
    events = new RecordingListener();
    engine.subscribe(room, events);
  }

  long seq() {
    return engine.occupancy(room).seq();
  }

  int occupancy() {
    return engine.occupancy(room).occupancy();
  }

  void tickAfter(java.time.Duration d) {
    clock.advance(d);
    engine.tick();
  }

  void awaitKinds(EventKind... kinds) {
    eventually(() -> assertThat(events.kinds()).containsExactly(kinds));
  }

  @Nested
  @DisplayName("connection sessions")
  class Sessions {

    @Test
    @DisplayName("a session silent for T is lost, held for G, then the user times out")
    void silentSessionTimesOut() {
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      awaitKinds(JOIN);

      tickAfter(T.minus(MS));
      assertThat(s.isClosed()).isFalse();
      tickAfter(MS);
      assertThat(s.isClosed()).isTrue();
      assertThat(occupancy()).as("held for the grace period").isEqualTo(1);

      tickAfter(G.minus(MS));
      assertThat(seq()).as("nothing before the grace ends").isEqualTo(1);
      tickAfter(MS);
      awaitKinds(JOIN, TIMEOUT);
      assertThat(occupancy()).isZero();
      assertThat(events.events.get(1).timestamp()).isEqualTo(clock.instant());
      assertThat(engine.metrics().localSessions()).isZero();
    }

    @Test
    @DisplayName("heartbeats and calls keep a session alive")
    void heartbeatKeepsAlive() {
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      for (int i = 0; i < 5; i++) {
        tickAfter(T.dividedBy(2));
        s.heartbeat();
      }
      tickAfter(T.minus(MS));
      assertThat(s.isClosed()).isFalse();
      s.join(room); // any call counts
      tickAfter(T.minus(MS));
      assertThat(s.isClosed()).isFalse();
      tickAfter(MS);
      assertThat(s.isClosed()).isTrue();
    }

    @Test
    @DisplayName("a clean close is held for G, then the user leaves")
    void cleanCloseLeavesAfterGrace() {
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      s.close();
      assertThat(occupancy()).isEqualTo(1);
      tickAfter(G.minus(MS));
      assertThat(seq()).isEqualTo(1);
      tickAfter(MS);
      awaitKinds(JOIN, LEAVE);
      assertThat(occupancy()).isZero();
    }

    @Test
    @DisplayName(
        "a new session of the user inside the grace period emits nothing and keeps"
            + " the attributes")
    void rejoinInsideGrace() {
      PresenceSession first = engine.openSession(user("alice"));
      first.join(room);
      engine.setAttributes(room, user("alice"), Attributes.of(Map.of("mood", "happy")));
      first.close(CloseReason.LOST);
      tickAfter(G.minus(MS));

      PresenceSession second = engine.openSession(user("alice"));
      second.join(room);
      assertThat(seq()).as("no event for the re-join").isEqualTo(2);
      tickAfter(G.multipliedBy(3));
      assertThat(seq()).as("no event after the grace either").isEqualTo(2);
      assertThat(engine.attributes(room, user("alice")).values()).containsEntry("mood", "happy");

      second.leave(room);
      awaitKinds(JOIN, ATTRIBUTES_UPDATE, LEAVE);
      assertThat(events.events.get(2).attributes().values()).containsEntry("mood", "happy");
    }

    @Test
    @DisplayName("two sessions of one user: one join, and one leave after the last ends")
    void twoSessionsOneJoinOneLeave() {
      PresenceSession a = engine.openSession(user("alice"));
      PresenceSession b = engine.openSession(user("alice"));
      a.join(room);
      b.join(room);
      a.join(room);
      assertThat(seq()).isEqualTo(1);

      a.close();
      tickAfter(G.plus(MS));
      assertThat(seq()).as("the other session still holds the user").isEqualTo(1);

      b.leave(room);
      awaitKinds(JOIN, LEAVE);
      assertThat(occupancy()).isZero();
    }

    @Test
    @DisplayName("an explicit leave ends the presence at once")
    void explicitLeaveIsImmediate() {
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      s.leave(room);
      awaitKinds(JOIN, LEAVE);
      s.leave(room); // leaving again does nothing
      s.close();
      tickAfter(G.plus(MS));
      assertThat(seq()).isEqualTo(2);
      assertThat(s.isClosed()).isTrue();
    }

    @Test
    @DisplayName("an ended session refuses calls; closing again does nothing")
    void endedSessionRefusesCalls() {
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      s.close();
      s.close(CloseReason.LOST);
      assertThatThrownBy(s::heartbeat)
          .isInstanceOf(InvalidArgumentException.class)
          .hasMessage("session has ended");
      assertThatThrownBy(() -> s.join(room)).isInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> s.leave(room)).isInstanceOf(InvalidArgumentException.class);
      tickAfter(G);
      awaitKinds(JOIN, LEAVE); // the first close decided: clean
    }

    @Test
    @DisplayName("session ids are unique and use only the id alphabet")
    void sessionIds() {
      PresenceSession a = engine.openSession(user("alice"));
      PresenceSession b = engine.openSession(user("alice"));
      assertThat(a.id()).isNotEqualTo(b.id());
      assertThat(a.id().value()).matches("[A-Za-z0-9._:@-]+").contains("node-a");
      assertThat(a.userId()).isEqualTo(user("alice"));
    }
  }

  @Nested
  @DisplayName("API (REST) sessions")
  class ApiSessions {

    @Test
    @DisplayName("an unrefreshed API session times out after T + G")
    void unrefreshedTimesOut() {
      engine.join(room, user("bob"));
      awaitKinds(JOIN);
      tickAfter(T);
      assertThat(occupancy()).isEqualTo(1);
      tickAfter(G.minus(MS));
      assertThat(seq()).isEqualTo(1);
      tickAfter(MS);
      awaitKinds(JOIN, TIMEOUT);
    }

    @Test
    @DisplayName("a refreshed API session stays; repeated joins emit nothing")
    void refreshedStays() {
      engine.join(room, user("bob"));
      for (int i = 0; i < 4; i++) {
        tickAfter(T.dividedBy(2));
        engine.join(room, user("bob"));
      }
      tickAfter(T.minus(MS));
      assertThat(seq()).isEqualTo(1);
      assertThat(engine.userChannels(user("bob"))).containsExactly(room);
    }

    @Test
    @DisplayName("an API leave ends the presence at once; repeating it does nothing")
    void apiLeave() {
      engine.join(room, user("bob"));
      engine.leave(room, user("bob"));
      engine.leave(room, user("bob"));
      awaitKinds(JOIN, LEAVE);
      assertThat(seq()).isEqualTo(2);
    }

    @Test
    @DisplayName("an API leave does not end presence held by a connection of the same user")
    void apiLeaveKeepsConnection() {
      PresenceSession s = engine.openSession(user("bob"));
      s.join(room);
      engine.join(room, user("bob"));
      engine.leave(room, user("bob"));
      assertThat(seq()).isEqualTo(1);
      assertThat(occupancy()).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName("node loss")
  class NodeLoss {

    @Test
    @DisplayName("a lost node's users time out after G unless they have another session")
    void lostNodeTimesOutItsUsers() {
      TestBackend nodeB = node("node-b");
      PresenceEngine other = engine(nodeB, config());
      ChannelId lobby = ch("lobby");

      other.openSession(user("carol")).join(room);
      other.openSession(user("dave")).join(room);
      other.openSession(user("carol")).join(lobby);
      engine.openSession(user("dave")).join(room); // dave also through this node
      engine.join(lobby, user("erin")); // an API session is not held by a node
      awaitKinds(JOIN, JOIN);

      TestBackend nodeA = (TestBackend) engine.backend();
      for (ClusterListener l : nodeA.clusterListeners) {
        l.nodeLost("node-b");
      }
      engine.tick();
      assertThat(occupancy()).as("held for the grace period").isEqualTo(2);
      tickAfter(G.minus(MS));
      assertThat(seq()).isEqualTo(2);
      tickAfter(MS);

      awaitKinds(JOIN, JOIN, TIMEOUT);
      assertThat(events.events.get(2).userId()).isEqualTo(user("carol"));
      assertThat(engine.channelUsers(room, dev.presence.PageRequest.FIRST).users())
          .extracting(u -> u.userId().value())
          .containsExactly("dave");
      assertThat(engine.channelUsers(lobby, dev.presence.PageRequest.FIRST).users())
          .extracting(u -> u.userId().value())
          .containsExactly("erin");
      assertThat(engine.metrics().events(TIMEOUT)).isEqualTo(2); // carol in room and lobby
    }

    @Test
    @DisplayName("after a partition heals, local sessions are joined again and observers resync")
    void mergeReassertsSessions() {
      PresenceSession s = engine.openSession(user("alice"));
      s.join(room);
      // The other side of a split released this node and the grace ran out there.
      Instant now = clock.instant();
      engine.backend().eventBus().publish(engine.backend().store().releaseNode("node-a", now, now));
      awaitKinds(JOIN, TIMEOUT);

      TestBackend nodeA = (TestBackend) engine.backend();
      nodeA.clusterListeners.forEach(ClusterListener::merged);
      engine.tick();
      eventually(() -> assertThat(events.resyncs).hasValue(1));
      awaitKinds(JOIN, TIMEOUT); // the re-join is in the state the resync reads (MergeTest)
      assertThat(occupancy()).isEqualTo(1);
      assertThat(seq()).isEqualTo(3);
      assertThat(s.isClosed()).isFalse();
    }
  }
}
