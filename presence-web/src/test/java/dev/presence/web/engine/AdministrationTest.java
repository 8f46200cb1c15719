package dev.presence.web.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.Left;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.PresenceTotals;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Administration (SPEC 13.4): kick, close, listing and totals across nodes")
class AdministrationTest extends EngineTestSupport {

  final ChannelId room = ch("room");
  final UserId alice = user("alice");

  /** Records what the engine asks a front end to do. */
  static final class Recorder implements PresenceEngine.AdminListener {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void kicked(ChannelId channel, UserId user, SessionId session) {
      calls.add("kicked " + channel.value() + " " + user.value());
    }

    @Override
    public void closeConnections(UserId user) {
      calls.add("close " + user.value());
    }
  }

  @Test
  @DisplayName(
      "a kick ends the user's presence in every session on every node, observers see a kicked"
          + " leave, each node's front ends are told, and the user may join again")
  void kickAcrossNodes() {
    PresenceEngine a = engine(node("node-a"), config());
    PresenceEngine b = engine(node("node-b"), config());
    Recorder onA = new Recorder();
    Recorder onB = new Recorder();
    a.addAdminListener(onA);
    b.addAdminListener(onB);
    RecordingListener observer = new RecordingListener();
    b.subscribe(room, observer);
    PresenceSession sessionA = a.openSession(alice);
    PresenceSession sessionB = b.openSession(alice);
    sessionA.join(room);
    sessionB.join(room);
    a.join(room, alice); // a REST session too
    b.join(room, user("bob"));

    assertThat(a.kick(room, alice)).isTrue();

    eventually(
        () -> {
          assertThat(observer.kinds())
              .containsExactly(EventKind.JOIN, EventKind.JOIN, EventKind.LEAVE);
          assertThat(onA.calls).containsExactly("kicked room alice");
          assertThat(onB.calls).containsExactly("kicked room alice");
        });
    Left left = (Left) observer.events.get(2);
    assertThat(left.kicked()).isTrue();
    assertThat(left.userId()).isEqualTo(alice);
    assertThat(left.occupancy()).isEqualTo(1);
    assertThat(b.occupancy(room).occupancy()).isEqualTo(1);
    assertThat(a.kick(room, alice)).isFalse();

    // the sessions forgot the channel: a join goes to the store again and makes alice present
    sessionB.join(room);
    eventually(() -> assertThat(observer.kinds()).hasSize(4));
    assertThat(observer.kinds().get(3)).isEqualTo(EventKind.JOIN);
    // closing the other session later changes nothing (its membership was removed by the kick)
    sessionA.close(dev.presence.CloseReason.LOST);
    clock.advance(Duration.ofSeconds(30));
    a.tick();
    assertThat(a.occupancy(room).occupancy()).isEqualTo(2);
  }

  @Test
  @DisplayName(
      "a session that joins on another node after the kick, but before the kick's leave reaches"
          + " that node, keeps its new membership (and releases it when it ends: no ghost)")
  void joinBetweenKickAndItsArrival() {
    TestBackend nodeA = node("node-a");
    PresenceEngine a = engine(nodeA, config());
    PresenceEngine b = engine(node("node-b"), config());
    Recorder onB = new Recorder();
    b.addAdminListener(onB);
    PresenceSession first = b.openSession(alice);
    first.join(room);

    nodeA.bus().holding = true; // the kick's leave has not reached node-b yet
    assertThat(a.kick(room, alice)).isTrue();
    assertThat(b.occupancy(room).occupancy()).isZero();
    PresenceSession second = b.openSession(alice); // alice comes back on node-b at once
    second.join(room);
    PresenceSession third = b.openSession(alice); // and once more: no event (already present)
    third.join(room);
    assertThat(b.occupancy(room).occupancy()).isEqualTo(1);
    nodeA.bus().release(0); // now the kick's leave arrives
    eventually(() -> assertThat(onB.calls).containsExactly("kicked room alice"));

    // the first session was kicked; the later ones are still in the channel and release it
    assertThat(b.occupancy(room).occupancy()).isEqualTo(1);
    second.close(dev.presence.CloseReason.CLEAN);
    third.close(dev.presence.CloseReason.CLEAN);
    first.close(dev.presence.CloseReason.CLEAN);
    clock.advance(G.plus(MS));
    b.tick();
    assertThat(b.occupancy(room).occupancy()).isZero();
  }

  @Test
  @DisplayName("closing a user's connections reaches the front ends of every node")
  void closeAcrossNodes() {
    PresenceEngine a = engine(node("node-a"), config());
    PresenceEngine b = engine(node("node-b"), config());
    Recorder onA = new Recorder();
    Recorder onB = new Recorder();
    a.addAdminListener(onA);
    var registration = b.addAdminListener(onB);

    b.closeConnections(alice);
    eventually(
        () -> {
          assertThat(onA.calls).containsExactly("close alice");
          assertThat(onB.calls).containsExactly("close alice");
        });
    registration.close();
    a.closeConnections(user("bob"));
    eventually(() -> assertThat(onA.calls).containsExactly("close alice", "close bob"));
    assertThat(onB.calls).containsExactly("close alice");
  }

  @Test
  @DisplayName("the listing pages occupied channels by name; totals are cached for five seconds")
  void listingAndTotals() {
    PresenceEngine a = engine(node("node-a"), config());
    PresenceEngine b = engine(node("node-b"), config());
    a.join(ch("x.2"), alice);
    b.join(ch("x.1"), user("bob"));
    b.join(ch("x.1"), alice);
    b.join(ch("y"), alice);

    var first = a.channels("x.", 1, null);
    assertThat(first.channels()).containsExactly(new ChannelOccupancy(ch("x.1"), 2));
    var second = b.channels("x.", 1, first.next());
    assertThat(second.channels()).containsExactly(new ChannelOccupancy(ch("x.2"), 1));
    assertThat(second.next()).isNull();
    assertThatThrownBy(() -> a.channels("y", 1, first.next()))
        .isInstanceOf(InvalidArgumentException.class);

    assertThat(a.totals()).isEqualTo(new PresenceTotals(2, 3));
    b.leave(ch("y"), alice);
    assertThat(a.totals()).isEqualTo(new PresenceTotals(2, 3)); // cached
    clock.advance(Duration.ofSeconds(5));
    assertThat(a.totals()).isEqualTo(new PresenceTotals(2, 2));
  }

  @Test
  @DisplayName("a backend without ADMINISTRATION answers UNAVAILABLE and changes nothing")
  void unsupported() {
    TestBackend plain = node("node-plain");
    plain.administration = false;
    PresenceEngine engine = engine(plain, config());
    engine.join(room, alice);
    assertThatThrownBy(() -> engine.kick(room, alice)).isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> engine.closeConnections(alice))
        .isInstanceOf(UnavailableException.class);
    assertThatThrownBy(() -> engine.channels("", 10, null))
        .isInstanceOf(UnavailableException.class);
    assertThatThrownBy(engine::totals).isInstanceOf(UnavailableException.class);
    assertThat(engine.attributes(room, alice)).isEqualTo(Attributes.EMPTY);
  }
}
