package dev.presence.spi.tck;

import static dev.presence.spi.tck.TckSupport.NO_LIMIT;
import static dev.presence.spi.tck.TckSupport.T0;
import static dev.presence.spi.tck.TckSupport.assertReplayMatchesStore;
import static dev.presence.spi.tck.TckSupport.at;
import static dev.presence.spi.tck.TckSupport.attrs;
import static dev.presence.spi.tck.TckSupport.event;
import static dev.presence.spi.tck.TckSupport.newChannel;
import static dev.presence.spi.tck.TckSupport.newSession;
import static dev.presence.spi.tck.TckSupport.newUser;
import static dev.presence.spi.tck.TckSupport.of;
import static dev.presence.spi.tck.TckSupport.runConcurrently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.InvalidArgumentException;
import dev.presence.NotJoinedException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresentUser;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.Registration;
import dev.presence.spi.SessionLease;
import dev.presence.spi.support.MembershipValues;
import dev.presence.spi.support.PageCursors;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The contract of a clustered backend: two members of one cluster share state, sequence and events,
 * split hook ownership, and survive the abrupt loss of a third member.
 *
 * <p><b>How to use it.</b> Extend this class and implement {@link #startMember()} (start a new
 * backend that joins the one cluster of this test class, and wait until it has joined) and {@link
 * #kill(PresenceBackend)} (end a member abruptly, as a crash would: no handover, no graceful leave;
 * for Hazelcast, {@code getLifecycleService().terminate()}). Optionally override {@link
 * #stopMember(PresenceBackend)} and {@link #clusterTimeout()}.
 *
 * <p>The class has one instance for all its tests ({@link TestInstance.Lifecycle#PER_CLASS}): it
 * starts members A and B once, before the first test, and stops them after the last. The last test
 * starts a third member C and kills it. The cluster must contain only the members this class
 * starts, and must keep a backup of every entry, so that the loss of one member loses no state.
 *
 * <p>Backends without {@link Capability#CLUSTERED} skip every test (an assumption, checked on the
 * first member); the node loss tests also need {@link Capability#NODE_LOSS_DETECTION}. A test class
 * that can cut a member off for a while overrides {@link #isolate} and {@link #reconnect}: then the
 * kit also checks that a member the others declared lost comes back under a new node id and reports
 * {@link ClusterListener#merged()} (skipped otherwise). Anything that crosses members is awaited
 * with Awaitility for at most {@link #clusterTimeout()}.
 *
 * @since 0.1
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public abstract class ClusteredBackendContract {

  /** Member A, started before the first test. */
  protected @Nullable PresenceBackend memberA;

  /** Member B, started before the first test. */
  protected @Nullable PresenceBackend memberB;

  /** Creates the contract; subclasses need a no-argument constructor, as any JUnit test. */
  protected ClusteredBackendContract() {}

  /**
   * Starts a new member of the cluster used by this test class and returns once it has joined.
   *
   * @return the member
   */
  protected abstract PresenceBackend startMember();

  /**
   * Ends a member abruptly, as a crash would: it does not release its sessions or tell the others.
   *
   * @param member a member from {@link #startMember()}
   */
  protected abstract void kill(PresenceBackend member);

  /**
   * Stops a member after the tests; closes it by default.
   *
   * @param member a member from {@link #startMember()}
   */
  protected void stopMember(PresenceBackend member) {
    member.close();
  }

  /**
   * Cuts a member off from the cluster, as a frozen process or a network partition would, until
   * {@link #reconnect}: the others must come to consider it lost. The default cannot, and the test
   * that needs it is skipped.
   *
   * @param member a member from {@link #startMember()}
   * @return true if the member was cut off; false if this test class cannot do that
   */
  protected boolean isolate(PresenceBackend member) {
    return false;
  }

  /**
   * Ends the cut of {@link #isolate}; the member rejoins the cluster.
   *
   * @param member a member cut off by {@link #isolate}
   */
  protected void reconnect(PresenceBackend member) {}

  /**
   * How long to wait for anything that crosses members: events, ownership, node loss.
   *
   * @return 30 seconds by default
   */
  protected Duration clusterTimeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeAll
  void startCluster() {
    memberA = startMember();
    assumeTrue(
        memberA.isSupported(Capability.CLUSTERED),
        "the backend is not clustered: this contract does not apply");
    memberB = startMember();
  }

  @AfterAll
  void stopCluster() {
    if (memberB != null) {
      stopMember(memberB);
    }
    if (memberA != null) {
      stopMember(memberA);
    }
  }

  private PresenceBackend a() {
    return java.util.Objects.requireNonNull(memberA);
  }

  private PresenceBackend b() {
    return java.util.Objects.requireNonNull(memberB);
  }

  private static SessionLease sessionOf(PresenceBackend member) {
    return SessionLease.nodeBound(newSession(), member.nodeId());
  }

  @Test
  @Order(1)
  @DisplayName("the members have different node ids")
  void distinctNodeIds() {
    assertThat(a().nodeId()).isNotEqualTo(b().nodeId());
    assertThat(a().isAvailable()).isTrue();
    assertThat(b().isAvailable()).isTrue();
  }

  @Test
  @Order(2)
  @DisplayName("state written through one member is read on the other, in one sequence")
  void stateIsShared() {
    PresenceStore storeA = a().store();
    PresenceStore storeB = b().store();
    ChannelId channel = newChannel();
    UserId alice = newUser();
    UserId bob = newUser();

    assertThat(storeA.join(channel, alice, sessionOf(a()), NO_LIMIT, at(1)))
        .contains(event(EventKind.JOIN, channel, alice, Attributes.EMPTY, 1, 1, at(1)));
    assertThat(storeB.join(channel, bob, sessionOf(b()), NO_LIMIT, at(2)))
        .contains(event(EventKind.JOIN, channel, bob, Attributes.EMPTY, 2, 2, at(2)));
    assertThat(storeA.setAttributes(channel, alice, attrs("a", "1"), at(3)))
        .contains(event(EventKind.ATTRIBUTES_UPDATE, channel, alice, attrs("a", "1"), 2, 3, at(3)));
    assertThat(storeB.setAttributes(channel, alice, attrs("a", "1"), at(4))).isEmpty();

    assertThat(storeB.occupancy(channel)).isEqualTo(new Occupancy(channel, 2, 3));
    assertThat(storeB.attributes(channel, alice)).contains(attrs("a", "1"));
    assertThat(storeB.channelsOf(alice)).containsExactly(channel);
    assertThat(storeA.channelsOf(bob)).containsExactly(channel);
    List<PresentUser> expected =
        List.of(new PresentUser(alice, attrs("a", "1")), new PresentUser(bob, Attributes.EMPTY));
    assertThat(storeB.snapshot(channel))
        .isEqualTo(
            new ChannelUsers(
                channel,
                2,
                3,
                expected.stream().sorted((x, y) -> x.userId().compareTo(y.userId())).toList(),
                null));
    ChannelUsers page = storeA.users(channel, new PageRequest(1, null, true));
    ChannelUsers next = storeB.users(channel, new PageRequest(1, page.next(), true));
    assertThat(next.users()).hasSize(1);
    assertThat(next.next()).isNull();
  }

  @Test
  @Order(3)
  @DisplayName("writers on both members produce one gap-free sequence that replays to the state")
  void concurrentWritesOnBothMembers() {
    ChannelId channel = newChannel();
    List<UserId> users = IntStream.range(0, 10).mapToObj(i -> newUser()).toList();
    ConcurrentLinkedQueue<PresenceEvent> events = new ConcurrentLinkedQueue<>();

    runConcurrently(
        8,
        t -> {
          PresenceBackend member = t % 2 == 0 ? a() : b();
          PresenceStore store = member.store();
          Random random = new Random(17L * t);
          SessionLease session = sessionOf(member);
          for (int i = 0; i < 100; i++) {
            UserId user = users.get(random.nextInt(users.size()));
            switch (random.nextInt(4)) {
              case 0, 1 -> store.join(channel, user, session, NO_LIMIT, T0).ifPresent(events::add);
              case 2 -> store.leave(channel, user, session.id(), T0).ifPresent(events::add);
              default -> {
                try {
                  store
                      .setAttributes(channel, user, attrs("t", Integer.toString(t)), T0)
                      .ifPresent(events::add);
                } catch (NotJoinedException e) {
                  // not present at that moment: nothing stored
                }
              }
            }
          }
        });

    assertThat(events).isNotEmpty();
    assertReplayMatchesStore(a().store(), channel, 0, events);
    assertReplayMatchesStore(b().store(), channel, 0, events);
  }

  @Test
  @Order(4)
  @DisplayName("events published on one member reach listeners on both, in publish order")
  void eventsReachEveryMember() {
    ChannelId channel = newChannel();
    CopyOnWriteArrayList<PresenceEvent> onA = new CopyOnWriteArrayList<>();
    CopyOnWriteArrayList<PresenceEvent> onB = new CopyOnWriteArrayList<>();
    List<PresenceEvent> fromA = new ArrayList<>();
    for (int i = 1; i <= 30; i++) {
      fromA.add(event(EventKind.JOIN, channel, newUser(), Attributes.EMPTY, i, i, at(i)));
    }
    Registration ra = a().eventBus().subscribe(e -> onA.addAll(of(channel, e)));
    Registration rb = b().eventBus().subscribe(e -> onB.addAll(of(channel, e)));
    try {
      for (int i = 0; i < fromA.size(); i += 2) {
        a().eventBus().publish(fromA.subList(i, i + 2));
      }

      await()
          .atMost(clusterTimeout())
          .untilAsserted(
              () -> {
                assertThat(onA).hasSameSizeAs(fromA);
                assertThat(onB).hasSameSizeAs(fromA);
              });
      assertThat(onA).containsExactlyElementsOf(fromA);
      assertThat(onB).containsExactlyElementsOf(fromA);
    } finally {
      ra.close();
      rb.close();
    }
  }

  @Test
  @Order(5)
  @DisplayName("exactly one of the two members owns the hooks of each channel")
  void oneHookOwnerPerChannel() {
    List<ChannelId> channels = IntStream.range(0, 100).mapToObj(i -> newChannel()).toList();

    await()
        .atMost(clusterTimeout())
        .untilAsserted(
            () ->
                assertThat(channels)
                    .allSatisfy(
                        c ->
                            assertThat(a().eventBus().isHookOwner(c))
                                .as("owner of %s is A xor B", c)
                                .isNotEqualTo(b().eventBus().isHookOwner(c))));
    Map<Boolean, Long> byOwner =
        channels.stream()
            .collect(
                Collectors.partitioningBy(
                    c -> a().eventBus().isHookOwner(c), Collectors.counting()));
    assertThat(byOwner.get(true)).as("channels owned by A (of 100)").isPositive();
    assertThat(byOwner.get(false)).as("channels owned by B (of 100)").isPositive();
  }

  @Test
  @Order(6)
  @DisplayName(
      "both members refuse a mistake in the same words, and a cursor made on one pages on the"
          + " other")
  void sameFormsOnBothMembers() {
    PresenceStore storeA = a().store();
    PresenceStore storeB = b().store();
    ChannelId channel = newChannel();
    List<UserId> users =
        IntStream.range(0, 3).mapToObj(i -> newUser()).sorted().collect(Collectors.toList());
    for (UserId user : users) {
      storeA.join(channel, user, sessionOf(a()), 3, at(1));
    }

    for (PresenceStore store : List.of(storeA, storeB)) {
      assertThatThrownBy(() -> store.join(channel, newUser(), sessionOf(b()), 3, at(2)))
          .isExactlyInstanceOf(ChannelFullException.class)
          .hasMessage(MembershipValues.channelFull(channel, 3).getMessage());
      assertThatThrownBy(() -> store.setAttributes(channel, newUser(), attrs("a", "1"), at(2)))
          .isExactlyInstanceOf(NotJoinedException.class)
          .hasMessage(MembershipValues.notJoined(channel).getMessage());
      assertThatThrownBy(() -> store.users(channel, new PageRequest(1, "u1.$$$", true)))
          .isExactlyInstanceOf(InvalidArgumentException.class)
          .hasMessage(PageCursors.invalid().getMessage());
    }
    ChannelUsers first = storeA.users(channel, new PageRequest(1, null, false));
    assertThat(first.next()).isEqualTo(PageCursors.encode(users.get(0).value()));
    ChannelUsers second = storeB.users(channel, new PageRequest(1, first.next(), false));
    assertThat(second.users()).extracting(PresentUser::userId).containsExactly(users.get(1));
    assertThat(second.next()).isEqualTo(PageCursors.encode(users.get(1).value()));
    assertThat(storeB.occupancy(channel)).isEqualTo(new Occupancy(channel, 3, 3));
  }

  @Test
  @Order(6)
  @DisplayName("when both members sweep, each expired membership is reported exactly once")
  void sweepersOnBothMembersReportOnce() {
    List<ChannelId> channels = IntStream.range(0, 6).mapToObj(i -> newChannel()).toList();
    int perChannel = 10;
    for (ChannelId channel : channels) {
      for (int i = 0; i < perChannel; i++) {
        PresenceStore store = i % 2 == 0 ? a().store() : b().store();
        store.join(channel, newUser(), SessionLease.leaseBound(newSession(), at(1)), NO_LIMIT, T0);
      }
    }
    int expected = channels.size() * perChannel;
    ConcurrentLinkedQueue<PresenceEvent> events = new ConcurrentLinkedQueue<>();
    Instant deadline = Instant.now().plus(clusterTimeout());

    runConcurrently(
        4,
        t -> {
          PresenceStore store = t % 2 == 0 ? a().store() : b().store();
          // A store may sweep only its share per call: sweep until everything was reported.
          do {
            events.addAll(of(channels, store.expire(at(10), Duration.ZERO)));
          } while (events.size() < expected && Instant.now().isBefore(deadline));
          for (int i = 0; i < 3; i++) {
            events.addAll(of(channels, store.expire(at(10), Duration.ZERO)));
          }
        });

    assertThat(events).hasSize(expected);
    assertThat(events).extracting(PresenceEvent::kind).containsOnly(EventKind.TIMEOUT);
    for (ChannelId channel : channels) {
      List<PresenceEvent> mine = of(channel, events);
      assertThat(mine)
          .extracting(PresenceEvent::userId)
          .doesNotHaveDuplicates()
          .hasSize(perChannel);
      assertThat(mine.stream().map(PresenceEvent::seq).sorted().toList())
          .containsExactlyElementsOf(
              IntStream.rangeClosed(perChannel + 1, 2 * perChannel)
                  .mapToObj(Long::valueOf)
                  .toList());
      assertThat(a().store().occupancy(channel))
          .isEqualTo(new Occupancy(channel, 0, 2L * perChannel));
    }
  }

  @Test
  @Order(7)
  @DisplayName("the loss of a member is reported to the others, and releaseNode ends its sessions")
  void memberLoss() {
    assumeTrue(
        a().isSupported(Capability.NODE_LOSS_DETECTION), "the backend does not detect node loss");
    CopyOnWriteArrayList<String> lostSeenByA = new CopyOnWriteArrayList<>();
    CopyOnWriteArrayList<String> lostSeenByB = new CopyOnWriteArrayList<>();
    PresenceBackend memberC = startMember();
    String nodeC = memberC.nodeId();
    ChannelId channel = newChannel();
    ChannelId other = newChannel();
    UserId onlyOnC = newUser();
    UserId onAandC = newUser();
    UserId onlyOnA = newUser();
    UserId leaseViaC = newUser();
    PresenceStore storeC = memberC.store();
    SessionLease sessionC = sessionOf(memberC);

    Registration ra = a().addClusterListener(recorder(lostSeenByA));
    Registration rb = b().addClusterListener(recorder(lostSeenByB));
    try {
      storeC.join(channel, onlyOnC, sessionC, NO_LIMIT, T0);
      storeC.join(other, onlyOnC, sessionC, NO_LIMIT, T0);
      storeC.join(channel, onAandC, sessionOf(memberC), NO_LIMIT, T0);
      a().store().join(channel, onAandC, sessionOf(a()), NO_LIMIT, T0);
      a().store().join(channel, onlyOnA, sessionOf(a()), NO_LIMIT, T0);
      storeC.join(channel, leaseViaC, SessionLease.leaseBound(newSession(), at(600)), NO_LIMIT, T0);
      storeC.setAttributes(channel, onlyOnC, attrs("on", "c"), T0);

      kill(memberC);

      await()
          .atMost(clusterTimeout())
          .untilAsserted(
              () -> {
                assertThat(lostSeenByA).contains(nodeC);
                assertThat(lostSeenByB).contains(nodeC);
              });
      assertThat(lostSeenByA).doesNotContain(a().nodeId(), b().nodeId());
      assertThat(a().store().occupancy(channel))
          .as("nothing is lost with the member")
          .isEqualTo(new Occupancy(channel, 4, 5));

      List<PresenceEvent> ended = a().store().releaseNode(nodeC, at(1), at(1));
      List<PresenceEvent> again = b().store().releaseNode(nodeC, at(1), at(1));

      assertThat(of(List.of(channel, other), ended))
          .containsExactlyInAnyOrder(
              event(EventKind.TIMEOUT, channel, onlyOnC, attrs("on", "c"), 3, 6, at(1)),
              event(EventKind.TIMEOUT, other, onlyOnC, Attributes.EMPTY, 0, 2, at(1)));
      assertThat(of(List.of(channel, other), again)).isEmpty();
      assertThat(b().store().users(channel, PageRequest.FIRST).users())
          .extracting(PresentUser::userId)
          .containsExactlyInAnyOrder(onAandC, onlyOnA, leaseViaC);
      assertThat(b().store().channelsOf(onlyOnC)).isEmpty();
    } finally {
      ra.close();
      rb.close();
    }
  }

  @Test
  @Order(8)
  @DisplayName(
      "a member cut off until the others declare it lost comes back under a new node id and"
          + " reports merged(), and its sessions are released once")
  void lostMemberComesBackUnderNewId() {
    assumeTrue(
        a().isSupported(Capability.NODE_LOSS_DETECTION), "the backend does not detect node loss");
    PresenceBackend memberD = startMember();
    try {
      String oldId = memberD.nodeId();
      ChannelId channel = newChannel();
      UserId user = newUser();
      memberD.store().join(channel, user, sessionOf(memberD), NO_LIMIT, T0);
      CopyOnWriteArrayList<String> lostSeenByA = new CopyOnWriteArrayList<>();
      AtomicInteger mergesOfD = new AtomicInteger();
      Registration ra = a().addClusterListener(recorder(lostSeenByA));
      Registration rd =
          memberD.addClusterListener(
              new ClusterListener() {
                @Override
                public void nodeLost(String nodeId) {}

                @Override
                public void merged() {
                  mergesOfD.incrementAndGet();
                }
              });
      try {
        assumeTrue(isolate(memberD), "this test class cannot cut a member off");
        try {
          await().atMost(clusterTimeout()).until(() -> lostSeenByA.contains(oldId));
          List<PresenceEvent> ended = a().store().releaseNode(oldId, at(1), at(1));
          assertThat(of(channel, ended))
              .containsExactly(
                  event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 2, at(1)));
          assertThat(b().store().releaseNode(oldId, at(1), at(1))).isEmpty();
        } finally {
          reconnect(memberD);
        }

        await()
            .atMost(clusterTimeout())
            .untilAsserted(
                () -> {
                  assertThat(mergesOfD).hasPositiveValue();
                  assertThat(memberD.nodeId()).isNotEqualTo(oldId);
                });
        assertThat(memberD.nodeId()).isNotIn(a().nodeId(), b().nodeId());
        assertThat(
                memberD
                    .store()
                    .join(channel, user, sessionOf(memberD), NO_LIMIT, at(2))
                    .map(PresenceEvent::seq))
            .as("the engine re-asserts the session under the new id")
            .contains(3L);
        assertThat(lostSeenByA).doesNotContain(memberD.nodeId());
      } finally {
        ra.close();
        rd.close();
      }
    } finally {
      stopMember(memberD);
    }
  }

  private static ClusterListener recorder(List<String> lost) {
    return lost::add;
  }

  @Test
  @Order(6)
  @DisplayName(
      "with ADMINISTRATION: a kick, the listing and the totals are cluster-wide, and a close signal"
          + " reaches the other member")
  void administrationAcrossMembers() {
    assumeTrue(
        a().isSupported(Capability.ADMINISTRATION), "the backend does not support administration");
    String prefix = newChannel().value() + ".";
    ChannelId x = ChannelId.of(prefix + "x");
    ChannelId y = ChannelId.of(prefix + "y");
    UserId alice = newUser();
    UserId bob = newUser();
    dev.presence.spi.PresenceTotals before = b().store().totals();
    a().store().join(x, alice, sessionOf(a()), NO_LIMIT, at(1));
    b().store().join(x, bob, sessionOf(b()), NO_LIMIT, at(1));
    b().store().join(y, alice, sessionOf(b()), NO_LIMIT, at(1));

    dev.presence.spi.ChannelPage first = b().store().channels(prefix, 1, null);
    assertThat(first.channels()).containsExactly(new dev.presence.spi.ChannelOccupancy(x, 2));
    dev.presence.spi.ChannelPage second = a().store().channels(prefix, 1, first.next());
    assertThat(second.channels()).containsExactly(new dev.presence.spi.ChannelOccupancy(y, 1));
    assertThat(second.next()).isNull();
    assertThat(a().store().totals())
        .isEqualTo(
            new dev.presence.spi.PresenceTotals(before.presentUsers() + 2, before.channels() + 2));

    assertThat(b().store().kick(x, alice, at(2)))
        .contains(new dev.presence.event.Left(x, alice, Attributes.EMPTY, 1, 3, at(2), true));
    assertThat(a().store().occupancy(x)).isEqualTo(new Occupancy(x, 1, 3));

    CopyOnWriteArrayList<UserId> closedOnA = new CopyOnWriteArrayList<>();
    Registration r =
        a().eventBus()
            .subscribe(
                new dev.presence.spi.PresenceEventBus.Listener() {
                  @Override
                  public void onEvents(List<PresenceEvent> events) {}

                  @Override
                  public void onCloseConnections(UserId user) {
                    if (user.equals(alice)) {
                      closedOnA.add(user);
                    }
                  }
                });
    try {
      b().eventBus().closeConnections(alice);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(closedOnA).containsExactly(alice));
    } finally {
      r.close();
    }
    b().store().kick(x, bob, at(3));
    a().store().kick(y, alice, at(3));
    assertThat(b().store().totals()).isEqualTo(before);
  }
}
