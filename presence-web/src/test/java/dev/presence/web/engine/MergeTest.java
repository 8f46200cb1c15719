package dev.presence.web.engine;

import static dev.presence.event.EventKind.JOIN;
import static dev.presence.event.EventKind.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.Subscription;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.SessionLease;
import dev.presence.spi.memory.InMemoryPresenceBackend;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What an engine does when its backend reports that a partition healed ({@link
 * ClusterListener#merged()}): observers resync, sessions are re-asserted under the node's current
 * id, and what is left under an old id is released.
 */
class MergeTest extends EngineTestSupport {

  private final ChannelId room = ch("room");
  private TestBackend nodeA;
  private PresenceEngine engine;

  @BeforeEach
  void setUp() {
    nodeA = node("node-a");
    engine = engine(nodeA, config());
  }

  private void merged() {
    nodeA.clusterListeners.forEach(ClusterListener::merged);
  }

  private List<String> users(ChannelUsers page) {
    return page.users().stream().map(u -> u.userId().value()).toList();
  }

  /** Publishes events as the other side's kept state would, and waits until they are delivered. */
  private void publish(List<PresenceEvent> events) {
    nodeA.eventBus().publish(events);
    awaitBus();
  }

  /**
   * Waits until the bus has delivered everything published so far to every listener: the in-memory
   * bus delivers on one thread in order, so a close signal sent now reaches a listener added now
   * after all of it.
   */
  private void awaitBus() {
    java.util.concurrent.CountDownLatch delivered = new java.util.concurrent.CountDownLatch(1);
    var registration =
        nodeA
            .eventBus()
            .subscribe(
                new dev.presence.spi.PresenceEventBus.Listener() {
                  @Override
                  public void onEvents(List<PresenceEvent> events) {}

                  @Override
                  public void onCloseConnections(dev.presence.UserId user) {
                    delivered.countDown();
                  }
                });
    try {
      nodeA.eventBus().closeConnections(user("nobody-" + System.nanoTime()));
      eventually(() -> assertThat(delivered.getCount()).isZero());
    } finally {
      registration.close();
    }
  }

  @Test
  @DisplayName("after a merge every local subscription is told to resync, and then follows again")
  void mergeResyncsEverySubscription() {
    RecordingListener inRoom = new RecordingListener();
    RecordingListener inHall = new RecordingListener();
    Subscription roomSub = engine.subscribe(room, inRoom);
    engine.subscribe(ch("hall"), inHall);
    engine.join(room, user("ann"));
    eventually(() -> assertThat(inRoom.kinds()).containsExactly(JOIN));
    assertThat(engine.router().lastRouted(room)).isEqualTo(1);

    merged();
    engine.tick();
    eventually(
        () -> {
          assertThat(inRoom.resyncs).hasValue(1);
          assertThat(inHall.resyncs).hasValue(1);
        });
    assertThat(engine.router().lastRouted(room))
        .as("the position of the sequence is forgotten")
        .isEqualTo(-1);
    // Stale until resynced: an event now is not delivered.
    engine.join(room, user("bob"));
    ChannelUsers snapshot = roomSub.resync();
    assertThat(users(snapshot)).containsExactly("ann", "bob");
    assertThat(snapshot.seq()).isEqualTo(2);
    engine.join(room, user("cid"));
    eventually(() -> assertThat(inRoom.users()).containsExactly("ann", "cid"));
    assertThat(inRoom.seqs()).containsExactly(1L, 3L);
    assertThat(engine.metrics().resyncs()).isEqualTo(2);
  }

  @Test
  @DisplayName("a merge resyncs once, however often it is reported before the ticker runs")
  void reportsCoalesce() {
    RecordingListener listener = new RecordingListener();
    engine.subscribe(room, listener);
    merged();
    merged();
    engine.tick();
    engine.tick();
    eventually(() -> assertThat(listener.resyncs).hasValue(1));
    assertThat(engine.metrics().resyncs()).isEqualTo(1);
  }

  @Test
  @DisplayName("a user the other side timed out comes back with a join while the connection lives")
  void reassertsSessionsTheOtherSideEnded() {
    RecordingListener listener = new RecordingListener();
    Subscription sub = engine.subscribe(room, listener);
    PresenceSession ann = engine.openSession(user("ann"));
    ann.join(room);
    engine.openSession(user("bob")).join(room);
    // The kept copy is the other side's, which lost this node and whose grace ran out.
    Instant now = clock.instant();
    publish(nodeA.store().releaseNode("node-a", now, now));
    eventually(() -> assertThat(engine.occupancy(room).occupancy()).isZero());

    merged();
    engine.tick();
    // As a connection does: resync once told to (told asynchronously, on a listener thread).
    eventually(() -> assertThat(listener.resyncs).hasValue(1));
    sub.resync();
    assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
        .containsExactly("ann", "bob");
    assertThat(engine.occupancy(room).seq()).isEqualTo(6); // 2 joins, 2 timeouts, 2 joins
    assertThat(ann.isClosed()).isFalse();
  }

  @Test
  @DisplayName("with a new node id, sessions move to it and what is left under the old id ends")
  void newNodeIdAfterMerge() {
    RecordingListener listener = new RecordingListener();
    Subscription sub = engine.subscribe(room, listener);
    engine.openSession(user("ann")).join(room);
    // A membership stored under this node's old id that no local session holds any more (its end
    // was written to the copy the merge discarded).
    Instant now = clock.instant();
    publish(
        List.of(
            nodeA
                .store()
                .join(
                    room,
                    user("ghost"),
                    SessionLease.nodeBound(SessionId.of("s:gone"), "node-a"),
                    100,
                    now)
                .orElseThrow()));
    eventually(() -> assertThat(listener.users()).containsExactly("ann", "ghost"));

    nodeA.changeNodeId("node-a2");
    merged();
    engine.tick();
    // As a connection does: resync once told to (told asynchronously, on a listener thread).
    eventually(() -> assertThat(listener.resyncs).hasValue(1));
    sub.resync();
    assertThat(engine.occupancy(room).occupancy()).as("the ghost is held for G").isEqualTo(2);
    clock.advance(G);
    engine.tick();
    eventually(() -> assertThat(listener.kinds()).containsExactly(JOIN, JOIN, TIMEOUT));
    assertThat(listener.users()).containsExactly("ann", "ghost", "ghost");
    assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
        .containsExactly("ann");

    // ann is stored under the new id: if this node is lost later, the others release her.
    Instant later = clock.instant();
    assertThat(nodeA.store().releaseNode("node-a", later, later)).isEmpty();
    assertThat(nodeA.store().releaseNode("node-a2", later, later))
        .extracting(e -> e.userId().value())
        .containsExactly("ann");
  }

  @Test
  @DisplayName("a re-assert that fails is retried, and the old id is released only after it")
  void reassertIsRetried() {
    engine.openSession(user("ann")).join(room);
    Instant now = clock.instant();
    publish(nodeA.store().releaseNode("node-a", now, now)); // the other side timed ann out
    nodeA.changeNodeId("node-a2");
    merged();
    nodeA.storeFailure = new IllegalStateException("cluster still settling");
    engine.tick();
    nodeA.storeFailure = null;
    assertThat(engine.occupancy(room).occupancy()).as("not re-asserted yet").isZero();

    engine.tick();
    assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
        .containsExactly("ann");
    clock.advance(G.plus(Duration.ofSeconds(1)));
    engine.tick();
    assertThat(engine.occupancy(room).occupancy()).as("ann stays").isEqualTo(1);
  }

  @Test
  @DisplayName("attributes come back with users the other side ended; changes made here win")
  void attributesComeBack() {
    Map<String, PresenceSession> sessions = new java.util.HashMap<>();
    for (String user : List.of("ann", "bob", "cid")) {
      PresenceSession session = engine.openSession(user(user));
      session.join(room);
      sessions.put(user, session);
    }
    engine.setAttributes(room, user("ann"), calm());
    engine.setAttributes(room, user("bob"), calm());
    engine.setAttributes(room, user("cid"), calm());
    nodeA.clusterListeners.forEach(l -> l.nodeLost("node-b")); // the split begins
    engine.tick();
    engine.setAttributes(room, user("bob"), Attributes.of(Map.of("mood", "split")));
    engine.setAttributes(room, user("cid"), Attributes.of(Map.of("mood", "split")));
    // The kept copy is the other side's: ann and bob timed out there; cid was still held (a
    // short split) with the attributes of before.
    Instant now = clock.instant();
    for (String user : List.of("ann", "bob")) {
      SessionId id = sessions.get(user).id();
      publish(List.of(nodeA.store().leave(room, user(user), id, now).orElseThrow()));
    }
    nodeA.store().setAttributes(room, user("cid"), calm(), now);

    merged();
    engine.tick();
    assertThat(engine.attributes(room, user("ann"))).isEqualTo(calm());
    assertThat(engine.attributes(room, user("bob")))
        .isEqualTo(Attributes.of(Map.of("mood", "split")));
    assertThat(engine.attributes(room, user("cid")))
        .isEqualTo(Attributes.of(Map.of("mood", "split")));

    // Once handled, later changes are not reverted by another report of the same merge.
    engine.setAttributes(room, user("bob"), Attributes.of(Map.of("mood", "after")));
    merged();
    engine.tick();
    assertThat(engine.attributes(room, user("bob")))
        .isEqualTo(Attributes.of(Map.of("mood", "after")));
  }

  @Test
  @DisplayName("without a merge, attributes are held for a limited time after a node loss")
  void heldAttributesAreForgotten() {
    PresenceSession ann = engine.openSession(user("ann"));
    ann.join(room);
    engine.setAttributes(room, user("ann"), calm());
    nodeA.clusterListeners.forEach(l -> l.nodeLost("node-b")); // a crash: no merge follows
    engine.tick();
    clock.advance(PresenceEngine.MAX_HOLD);
    ann.heartbeat();
    engine.tick();
    // A merge much later finds nothing held: ann comes back without the old attributes.
    Instant now = clock.instant();
    publish(List.of(nodeA.store().leave(room, user("ann"), ann.id(), now).orElseThrow()));
    merged();
    engine.tick();
    assertThat(engine.attributes(room, user("ann"))).isEqualTo(Attributes.EMPTY);
  }

  @Test
  @DisplayName("REST joins and leaves made here during a split are replayed after the merge")
  void restOperationsAreReplayed() {
    engine.join(room, user("left-here")); // before the split: on both sides' copies
    nodeA.clusterListeners.forEach(l -> l.nodeLost("node-b")); // the split begins
    engine.tick();
    engine.leave(room, user("left-here"));
    engine.join(room, user("expired-here"));
    clock.advance(Duration.ofSeconds(2));
    engine.join(room, user("joined-here"));
    // The kept copy is the other side's: left-here is still there (its lease runs), the joins
    // made here never happened.
    Instant now = clock.instant();
    Duration t = engine.config().timeout();
    SessionId leftHere = PresenceEngine.apiSessionId(room, user("left-here"));
    publish(
        nodeA
            .store()
            .join(
                room,
                user("left-here"),
                SessionLease.leaseBound(leftHere, now.plus(t.multipliedBy(3))),
                100,
                now)
            .stream()
            .toList());
    for (String user : List.of("joined-here", "expired-here")) {
      SessionId id = PresenceEngine.apiSessionId(room, user(user));
      nodeA.store().leave(room, user(user), id, now).ifPresent(e -> publish(List.of(e)));
    }
    // By the time the merge is handled expired-here's lease (T after its join) has run out,
    // joined-here's (2 s later) has not.
    clock.advance(t.minusSeconds(1));

    merged();
    engine.tick();
    assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
        .containsExactly("joined-here");

    // Handled once: a later report of the same merge replays nothing.
    engine.join(room, user("left-here"));
    merged();
    engine.tick();
    assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
        .containsExactly("joined-here", "left-here");
  }

  @Test
  @DisplayName(
      "a kick after a merge ends the membership the merge re-joined, though the kept copy's seqs"
          + " are lower than this side's")
  void kickAfterMergeReachesTheReassertedSession() {
    AdministrationTest.Recorder recorder = new AdministrationTest.Recorder();
    engine.addAdminListener(recorder);
    for (String user : List.of("bob", "cid", "dan", "eve")) {
      engine.join(room, user(user));
    }
    PresenceSession ann = engine.openSession(user("ann"));
    ann.join(room);
    assertThat(engine.occupancy(room).seq()).as("ann joined at seq 5 here").isEqualTo(5);
    // The kept copy is the other side's: the split began before these joins, and there the room
    // saw only bob's join (seq 1).
    try (InMemoryPresenceBackend otherSide = new InMemoryPresenceBackend("node-b")) {
      Instant now = clock.instant();
      SessionId bob = PresenceEngine.apiSessionId(room, user("bob"));
      otherSide
          .store()
          .join(
              room,
              user("bob"),
              SessionLease.leaseBound(bob, now.plus(Duration.ofMinutes(5))),
              100,
              now);
      nodeA.keepOtherCopy(otherSide.store());

      merged();
      engine.tick();
      assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
          .containsExactly("ann", "bob");
      assertThat(engine.occupancy(room).seq()).as("ann re-joined at seq 2 there").isEqualTo(2);

      assertThat(engine.kick(room, user("ann"))).isTrue(); // its leave has seq 3
      eventually(() -> assertThat(recorder.calls).containsExactly("kicked room ann"));
      // ann's session forgot the channel: joining again makes a new membership.
      ann.join(room);
      assertThat(users(engine.channelUsers(room, dev.presence.PageRequest.FIRST)))
          .containsExactly("ann", "bob");
      assertThat(engine.occupancy(room).seq()).isEqualTo(4);
    }
  }

  private static Attributes calm() {
    return Attributes.of(Map.of("mood", "calm"));
  }

  @Test
  @DisplayName("a change of the node id not reported as a merge is handled as one after a while")
  void idChangeAloneCountsAsMerge() {
    RecordingListener listener = new RecordingListener();
    engine.subscribe(room, listener);
    engine.openSession(user("ann")).join(room);
    nodeA.changeNodeId("node-a2");
    engine.tick();
    clock.advance(PresenceEngine.UNREPORTED_MERGE.minus(MS));
    engine.tick();
    assertThat(listener.resyncs).as("a merge report may still come").hasValue(0);
    clock.advance(MS);
    engine.tick();
    eventually(() -> assertThat(listener.resyncs).hasValue(1));
    Instant now = clock.instant();
    assertThat(nodeA.store().releaseNode("node-a2", now, now))
        .extracting(e -> e.userId().value())
        .containsExactly("ann");
  }
}
