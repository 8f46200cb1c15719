package dev.presence.web.engine;

import static dev.presence.event.EventKind.JOIN;
import static dev.presence.event.EventKind.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.ChannelId;
import dev.presence.PresenceSession;
import dev.presence.UnavailableException;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The graceful handover of a stopping node ({@link PresenceEngine#handOver()}, also run by {@link
 * PresenceEngine#close()}): two engines over one store, node A stopping, an observer on node B.
 */
@DisplayName("Shutdown handover (SIGTERM, rolling restart)")
class ShutdownHandoverTest extends EngineTestSupport {

  final ChannelId room = ch("room");
  TestBackend nodeA;
  TestBackend nodeB;
  PresenceEngine a;
  PresenceEngine b;
  RecordingListener onB;

  @BeforeEach
  void setUp() {
    nodeA = node("node-a");
    nodeB = node("node-b");
    a = engine(nodeA, config());
    b = engine(nodeB, config());
    onB = new RecordingListener();
    b.subscribe(room, onB);
  }

  void tickBAfter(Duration d) {
    clock.advance(d);
    b.tick();
  }

  @Test
  @DisplayName("a user who reconnects to another node within G sees no event; the others time out")
  void reconnectWithinGraceEmitsNothing() {
    PresenceSession alice = a.openSession(user("alice"));
    alice.join(room);
    PresenceSession bob = a.openSession(user("bob"));
    bob.join(room);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN, JOIN));

    a.handOver();
    assertThat(alice.isClosed()).isTrue();
    assertThat(bob.isClosed()).isTrue();
    assertThat(a.metrics().localSessions()).isZero();
    assertThat(b.occupancy(room).occupancy()).as("held for the grace period").isEqualTo(2);

    tickBAfter(G.minus(MS.multipliedBy(100)));
    PresenceSession aliceOnB = b.openSession(user("alice"));
    aliceOnB.join(room);

    tickBAfter(MS.multipliedBy(100));
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN, JOIN, TIMEOUT));
    assertThat(onB.users()).containsExactly("alice", "bob", "bob");
    tickBAfter(T.plus(G));
    assertThat(b.occupancy(room).occupancy()).isEqualTo(1);
    assertThat(onB.kinds()).as("nothing for alice").containsExactly(JOIN, JOIN, TIMEOUT);
  }

  @Test
  @DisplayName("nothing happens before G ends")
  void nothingBeforeGraceEnds() {
    a.openSession(user("carol")).join(room);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN));
    long seq = b.occupancy(room).seq();

    a.handOver();
    tickBAfter(G.minus(MS));
    assertThat(b.occupancy(room).seq()).isEqualTo(seq);
    tickBAfter(MS);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN, TIMEOUT));
  }

  @Test
  @DisplayName("a stopping node refuses new sessions and joins, and the handover runs once")
  void stoppingNodeRefusesNewWork() {
    PresenceSession early = a.openSession(user("dave"));
    a.handOver();
    assertThat(a.isHandingOver()).isTrue();
    assertThat(early.isClosed()).isTrue();
    assertThatThrownBy(() -> a.openSession(user("erin")))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("shutting down");
    assertThatThrownBy(() -> early.join(room)).isInstanceOf(RuntimeException.class);
    a.handOver(); // again: nothing
    assertThat(b.occupancy(room).occupancy()).isZero();
    // Queries and API-session joins still work while the node drains.
    a.join(room, user("frank"));
    assertThat(a.occupancy(room).occupancy()).isEqualTo(1);
  }

  @Test
  @DisplayName("with G = 0 the timeouts are published by the stopping node at once")
  void zeroGracePublishesAtOnce() {
    PresenceEngine zero = engine(node("node-z"), config().withGrace(Duration.ZERO));
    zero.openSession(user("gina")).join(room);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN));

    zero.handOver();
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN, TIMEOUT));
    assertThat(b.occupancy(room).occupancy()).isZero();
  }

  @Test
  @DisplayName("close() hands the sessions over before it stops the engine")
  void closeHandsOver() {
    PresenceSession hugo = a.openSession(user("hugo"));
    hugo.join(room);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN));

    a.close();
    assertThat(hugo.isClosed()).isTrue();
    tickBAfter(G);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN, TIMEOUT));
  }

  @Test
  @DisplayName(
      "releases the store refuses are left to the cluster, and the handover does not throw")
  void failedReleasesAreLeftToTheCluster() {
    PresenceSession ivy = a.openSession(user("ivy"));
    ivy.join(room);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN));
    nodeA.storeFailure = new IllegalStateException("store down");

    a.handOver();
    assertThat(ivy.isClosed()).isTrue();
    nodeA.storeFailure = null;
    // The other node releases the stopped node's sessions when it is reported lost.
    nodeB.clusterListeners.forEach(l -> l.nodeLost("node-a"));
    b.tick();
    tickBAfter(G);
    eventually(() -> assertThat(onB.kinds()).containsExactly(JOIN, TIMEOUT));
  }
}
