package dev.presence.web.engine;

import static dev.presence.event.EventKind.JOIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.PageRequest;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The cluster recovery collaborators on their own, without an engine or a ticker: {@link
 * LostNodes}, {@link MergeRecovery} and {@link SplitMemory}, wired as the engine wires them over
 * one node of a shared in-memory store, on a fake clock. Each test calls {@code tick(now)} itself
 * and looks at the store directly ({@link #direct}, which the node's failure switch does not
 * reach).
 */
@DisplayName("Cluster recovery: lost nodes, merges, what is held through a split")
class ClusterRecoveryTest extends EngineTestSupport {

  private final ChannelId room = ch("room");
  private final TestBackend node = node("node-a");
  private final PresenceStore direct = shared.store();

  /** Two users per channel: a re-assert into a full channel fails (ChannelFullException). */
  private final StoreGateway store = new StoreGateway(node, 2, G);

  private final SessionRegistry sessions =
      new SessionRegistry(store, new SessionReleases(store, G), config().limits(), clock, T);
  private final SplitMemory memory = new SplitMemory(store, sessions);
  private final EventRouter router =
      new EventRouter(node.eventBus(), clock, Duration.ofSeconds(1), List.of());
  private final LostNodes lostNodes = new LostNodes(store, memory);
  private final MergeRecovery merges = new MergeRecovery(store, sessions, memory, router);
  private final ExecutorService listeners = Executors.newSingleThreadExecutor();

  @AfterEach
  void stopListeners() {
    listeners.shutdownNow();
  }

  private Instant now() {
    return clock.instant();
  }

  private PresenceSession connected(String user) {
    PresenceSession session = sessions.open(user(user));
    session.join(room);
    return session;
  }

  private PresenceSession connected(String user, Attributes attributes) {
    PresenceSession session = connected(user);
    store.setAttributes(room, user(user), attributes, now());
    return session;
  }

  /** A membership of another node, as if joined there. */
  private void joinedOn(String nodeId, String user) {
    SessionLease lease = SessionLease.nodeBound(SessionId.of("s:" + user), nodeId);
    direct.join(room, user(user), lease, 100, now());
  }

  private List<String> inRoom() {
    return direct.users(room, PageRequest.FIRST).users().stream()
        .map(u -> u.userId().value())
        .toList();
  }

  private Attributes attributesOf(String user) {
    return direct.attributes(room, user(user)).orElseThrow();
  }

  /** What the store ends at {@code now} (grace periods and leases that ran out). */
  private List<String> expired() {
    return direct.expire(now(), G).stream().map(e -> e.userId().value()).toList();
  }

  private static Attributes mood(String mood) {
    return Attributes.of(Map.of("mood", mood));
  }

  @Nested
  @DisplayName("lost nodes")
  class Lost {

    @Test
    @DisplayName("a lost node's sessions are released for G on the next tick, not before")
    void releasedForGrace() {
      joinedOn("node-b", "bea");
      lostNodes.nodeLost("node-b");
      assertThat(inRoom()).as("queued until the tick").containsExactly("bea");

      lostNodes.tick(now());
      assertThat(inRoom()).as("held for G").containsExactly("bea");
      assertThat(expired()).isEmpty();
      clock.advance(G);
      assertThat(expired()).containsExactly("bea");
    }

    @Test
    @DisplayName("a report of this node's own id releases nothing")
    void ownIdIgnored() {
      connected("ann");
      lostNodes.nodeLost("node-a");
      lostNodes.tick(now());
      clock.advance(G);
      assertThat(expired()).isEmpty();
      assertThat(inRoom()).containsExactly("ann");
    }

    @Test
    @DisplayName("a release the store refuses stays queued and is retried on the next tick")
    void retried() {
      joinedOn("node-b", "bea");
      lostNodes.nodeLost("node-b");
      node.storeFailure = new IllegalStateException("store down");
      assertThatThrownBy(() -> lostNodes.tick(now())).isInstanceOf(UnavailableException.class);
      node.storeFailure = null;

      lostNodes.tick(now());
      clock.advance(G);
      assertThat(expired()).containsExactly("bea");
    }

    @Test
    @DisplayName("a loss starts holding the attributes of local memberships; no loss, no holding")
    void lossStartsHolding() {
      connected("ann", mood("calm"));
      lostNodes.tick(now());
      assertThat(memory.isHolding()).isFalse();

      lostNodes.nodeLost("node-b");
      lostNodes.tick(now());
      assertThat(memory.isHolding()).isTrue();
      assertThat(memory.held(room, user("ann"))).contains(mood("calm"));
    }
  }

  @Nested
  @DisplayName("merges")
  class Merges {

    @Test
    @DisplayName("nothing happens without a merge report")
    void nothingWithoutReport() {
      connected("ann");
      direct.releaseNode("node-a", now(), now()); // as the other side's copy would have it
      merges.tick(now());
      assertThat(inRoom()).isEmpty();
    }

    @Test
    @DisplayName("after a report, local sessions are joined again with a join event, once")
    void reasserted() {
      List<PresenceEvent> events = new CopyOnWriteArrayList<>();
      shared.eventBus().subscribe(events::addAll);
      connected("ann");
      connected("bob");
      direct.releaseNode("node-a", now(), now());

      merges.merged();
      merges.merged();
      merges.tick(now());
      assertThat(inRoom()).containsExactly("ann", "bob");
      eventually(
          () ->
              assertThat(events.stream().map(PresenceEvent::kind).toList())
                  .containsExactly(JOIN, JOIN, JOIN, JOIN));

      // Handled: another tick without a report re-asserts nothing.
      direct.releaseNode("node-a", now(), now());
      merges.tick(now());
      assertThat(inRoom()).isEmpty();
    }

    @Test
    @DisplayName("every local subscription is told to resync")
    void resyncs() {
      RecordingListener listener = new RecordingListener();
      new EngineSubscription(room, listener, router, listeners, store::snapshot).start();
      merges.merged();
      merges.tick(now());
      eventually(() -> assertThat(listener.resyncs).hasValue(1));
    }

    @Test
    @DisplayName("a failed re-assert throws, is retried, and only then is the old id released")
    void failedReassertRetried() {
      connected("ann");
      direct.releaseNode("node-a", now(), now()); // the other side timed ann out
      joinedOn("node-a", "ghost"); // under the old id, of a session gone from this node
      joinedOn("node-b", "zed"); // and the room is full
      node.changeNodeId("node-a2");
      merges.merged();
      assertThatThrownBy(() -> merges.tick(now())).isInstanceOf(UnavailableException.class);
      clock.advance(G);
      assertThat(expired()).as("the old id is not released yet").isEmpty();

      direct.leave(room, user("zed"), SessionId.of("s:zed"), now());
      merges.tick(now());
      assertThat(inRoom()).as("ghost held for G").containsExactly("ann", "ghost");
      clock.advance(G);
      assertThat(expired()).containsExactly("ghost");
      assertThat(direct.releaseNode("node-a2", now(), now()))
          .as("ann is stored under the new id")
          .extracting(e -> e.userId().value())
          .containsExactly("ann");
    }

    @Test
    @DisplayName("a change of the node id alone is handled as a merge after UNREPORTED_MERGE")
    void unreportedIdChange() {
      connected("ann");
      node.changeNodeId("node-a2");
      merges.tick(now());
      clock.advance(MergeRecovery.UNREPORTED_MERGE.minus(MS));
      merges.tick(now());
      assertThat(direct.releaseNode("node-a2", now(), now()))
          .as("not re-asserted under the new id yet")
          .isEmpty();

      clock.advance(MS);
      merges.tick(now());
      assertThat(direct.releaseNode("node-a2", now(), now()))
          .extracting(e -> e.userId().value())
          .containsExactly("ann");
    }
  }

  @Nested
  @DisplayName("what is held through a split")
  class Held {

    @Test
    @DisplayName("attributes lost with the other side's copy come back at the re-assert")
    void lostAttributesComeBack() {
      PresenceSession ann = connected("ann", mood("calm"));
      memory.hold(now());
      direct.leave(room, user("ann"), ann.id(), now()); // the other side timed ann out

      merges.merged();
      merges.tick(now());
      assertThat(attributesOf("ann")).isEqualTo(mood("calm"));
      assertThat(memory.held(room, user("ann"))).as("forgotten once set").isEmpty();
    }

    @Test
    @DisplayName(
        "attributes followed from the events come back when the store lost everything without a"
            + " node loss (Redis restarted empty); a leave forgets them")
    void followedAttributesComeBackAfterAnEmptyStore() {
      connected("ann");
      connected("bob");
      memory.observed(
          direct.setAttributes(room, user("ann"), mood("calm"), now()).stream().toList());
      memory.observed(
          direct.setAttributes(room, user("bob"), mood("calm"), now()).stream().toList());
      memory.observed(
          List.of(
              new dev.presence.event.Left(
                  room, user("bob"), mood("calm"), 1, 9, now()))); // bob left, then came back
      memory.observed(
          List.of(
              new dev.presence.event.Joined(room, user("bob"), Attributes.EMPTY, 2, 10, now())));
      assertThat(memory.followed(room, user("ann"))).contains(mood("calm"));
      assertThat(memory.followed(room, user("bob"))).isEmpty();
      // The store loses everything, no event tells of it, no node is lost.
      direct.releaseNode("node-a", now(), now());
      assertThat(inRoom()).isEmpty();

      merges.merged();
      merges.tick(now());
      assertThat(inRoom()).containsExactly("ann", "bob");
      assertThat(attributesOf("ann")).isEqualTo(mood("calm"));
      assertThat(attributesOf("bob")).isEqualTo(Attributes.EMPTY);
      // The re-join's own join event (no attributes) does not wipe what is followed.
      memory.observed(
          List.of(new dev.presence.event.Joined(room, user("ann"), Attributes.EMPTY, 1, 1, now())));
      assertThat(memory.followed(room, user("ann"))).contains(mood("calm"));
    }

    @Test
    @DisplayName("a user still present keeps the kept copy's value unless it changed here")
    void changedHereWins() {
      connected("ann", mood("calm"));
      connected("bob", mood("calm"));
      memory.hold(now());
      memory.attributesSet(room, user("bob"), mood("split"));
      // The kept copy is the other side's, where both were still present.
      direct.setAttributes(room, user("ann"), mood("other side"), now());
      direct.setAttributes(room, user("bob"), mood("other side"), now());

      merges.merged();
      merges.tick(now());
      assertThat(attributesOf("ann")).isEqualTo(mood("other side"));
      assertThat(attributesOf("bob")).isEqualTo(mood("split"));
    }

    @Test
    @DisplayName("changes are held only while holding, and only for users connected here")
    void changesHeldOnlyWhileHolding() {
      connected("ann");
      memory.attributesSet(room, user("ann"), mood("before"));
      assertThat(memory.held(room, user("ann"))).isEmpty();

      memory.hold(now());
      memory.attributesSet(room, user("ann"), mood("split"));
      memory.attributesSet(room, user("rest"), mood("split"));
      assertThat(memory.held(room, user("ann"))).contains(mood("split"));
      assertThat(memory.held(room, user("rest"))).isEmpty();

      memory.mergeHandled();
      memory.attributesSet(room, user("ann"), mood("after"));
      assertThat(memory.held(room, user("ann"))).contains(mood("split"));
    }

    @Test
    @DisplayName("a change made here is not overwritten by a later loss's read")
    void laterLossKeepsChange() {
      connected("ann", mood("calm"));
      memory.hold(now());
      memory.attributesSet(room, user("ann"), mood("split"));
      memory.hold(now()); // a second node is lost
      assertThat(memory.held(room, user("ann"))).contains(mood("split"));
    }

    @Test
    @DisplayName("REST operations are journaled while holding and replayed once")
    void journalReplayed() {
      memory.journal(room, user("before"), now().plus(T));
      assertThat(memory.journaled()).as("not holding yet").isZero();
      memory.hold(now());
      store.joinApi(room, user("left"), now().plus(T), now());
      memory.journal(room, user("left"), null);
      memory.journal(room, user("joined"), now().plus(T));
      memory.journal(room, user("expired"), now().plus(Duration.ofSeconds(1)));
      assertThat(memory.journaled()).isEqualTo(3);

      clock.advance(Duration.ofSeconds(1));
      memory.replay(now());
      assertThat(inRoom()).containsExactly("joined");
      assertThat(memory.journaled()).isZero();
    }

    @Test
    @DisplayName("without a merge, everything held is forgotten MAX_HOLD after the last loss")
    void forgottenAfterMaxHold() {
      connected("ann", mood("calm"));
      memory.hold(now());
      memory.journal(room, user("rest"), null);
      clock.advance(SplitMemory.MAX_HOLD.minus(MS));
      memory.forgetIfStale(now());
      assertThat(memory.isHolding()).isTrue();
      assertThat(memory.held(room, user("ann"))).isPresent();

      clock.advance(MS);
      memory.forgetIfStale(now());
      assertThat(memory.isHolding()).isFalse();
      assertThat(memory.held(room, user("ann"))).isEmpty();
      assertThat(memory.journaled()).isZero();
    }

    @Test
    @DisplayName("the first loss after a handled merge starts afresh")
    void freshAfterMerge() {
      connected("ann");
      memory.hold(now());
      memory.attributesSet(room, user("ann"), mood("split"));
      memory.journal(room, user("rest"), null);
      memory.mergeHandled();

      store.setAttributes(room, user("ann"), mood("now"), now());
      memory.hold(now());
      assertThat(memory.held(room, user("ann"))).contains(mood("now"));
      assertThat(memory.journaled()).isZero();
    }

    @Test
    @DisplayName("at most MAX_HELD entries are held; one held already is still updated")
    void bounded() {
      memory.hold(now());
      for (int i = 0; i < SplitMemory.MAX_HELD + 5; i++) {
        memory.journal(room, user("u" + i), null);
      }
      assertThat(memory.journaled()).isEqualTo(SplitMemory.MAX_HELD);
      memory.journal(room, user("u0"), now().plus(T));
      assertThat(memory.journaled()).isEqualTo(SplitMemory.MAX_HELD);
      memory.replay(now());
      assertThat(inRoom()).as("u0's last operation, a join, was kept").containsExactly("u0");
    }
  }

  @Test
  @DisplayName("a loss, a split and a merge, end to end through the three collaborators")
  void splitAndMerge() {
    PresenceSession ann = connected("ann", mood("calm"));
    lostNodes.nodeLost("node-b");
    lostNodes.tick(now());
    memory.journal(room, user("rest"), now().plus(T));
    store.joinApi(room, user("rest"), now().plus(T), now());
    // The merge keeps the other side's copy: ann timed out there, rest never joined.
    direct.leave(room, user("ann"), ann.id(), now());
    direct.leave(room, user("rest"), StoreGateway.apiSessionId(room, user("rest")), now());
    node.changeNodeId("node-a2");

    merges.merged();
    merges.tick(now());
    assertThat(inRoom()).containsExactly("ann", "rest");
    assertThat(attributesOf("ann")).isEqualTo(mood("calm"));
    assertThat(memory.isHolding()).isFalse();
    clock.advance(G);
    assertThat(expired()).as("nothing was left under the old id").isEmpty();
  }
}
