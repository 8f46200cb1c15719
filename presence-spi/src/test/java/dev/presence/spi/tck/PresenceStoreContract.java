package dev.presence.spi.tck;

import static dev.presence.spi.tck.TckSupport.NO_LIMIT;
import static dev.presence.spi.tck.TckSupport.T0;
import static dev.presence.spi.tck.TckSupport.allPages;
import static dev.presence.spi.tck.TckSupport.assertReplayMatchesStore;
import static dev.presence.spi.tck.TckSupport.at;
import static dev.presence.spi.tck.TckSupport.attrs;
import static dev.presence.spi.tck.TckSupport.event;
import static dev.presence.spi.tck.TckSupport.newChannel;
import static dev.presence.spi.tck.TckSupport.newNodeId;
import static dev.presence.spi.tck.TckSupport.newSession;
import static dev.presence.spi.tck.TckSupport.newUser;
import static dev.presence.spi.tck.TckSupport.of;
import static dev.presence.spi.tck.TckSupport.runConcurrently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.presence.Attributes;
import dev.presence.ChannelFullException;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.NotJoinedException;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresentUser;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.Left;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.Capability;
import dev.presence.spi.ChannelOccupancy;
import dev.presence.spi.ChannelPage;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.PresenceTotals;
import dev.presence.spi.SessionLease;
import dev.presence.spi.support.MembershipValues;
import dev.presence.spi.support.PageCursors;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link PresenceStore}: what every backend's store must do, as its javadoc says.
 *
 * <p><b>How to use it.</b> Extend this class in a test of your backend and implement {@link
 * #createBackend()}:
 *
 * <pre>{@code
 * class MyPresenceStoreContractTest extends PresenceStoreContract {
 *   @Override
 *   protected PresenceBackend createBackend() {
 *     return new MyPresenceBackend(...);
 *   }
 * }
 * }</pre>
 *
 * <p>{@code createBackend()} is called before each test and {@link #releaseBackend} after it, which
 * closes the backend. A backend that is slow to start may return one shared instance from {@code
 * createBackend()} and override {@code releaseBackend} to keep it open (close it in an
 * {@code @AfterAll} of the subclass): every test uses channel, user, session and node names of its
 * own, and only looks at the events of its own channels, so tests do not disturb each other. The
 * backend must be the only member of its cluster (a clustered backend's store may leave part of the
 * work of {@link PresenceStore#expire} to other members).
 *
 * <p>Time is never waited for: each test passes the instants it needs as {@code now}, starting at a
 * fixed instant with nanoseconds (so timestamps must be stored exactly). Two tests run writers on 8
 * and sweepers on 4 threads at once.
 *
 * <p>What is pinned down beyond single calls: presence is per user, merged over sessions; join and
 * leave are idempotent; the grace period, lease expiry and node loss; the users-per-channel limit;
 * paging with cursors; per channel one gap-free sequence whose events, replayed, give the store's
 * state, under concurrency; and the forms every store shares (package {@code
 * dev.presence.spi.support}): the words of each refusal and the form of cursors.
 *
 * @since 0.1
 */
public abstract class PresenceStoreContract {

  /** The backend of the current test, from {@link #createBackend()}. */
  protected PresenceBackend backend;

  /** The store of {@link #backend}. */
  protected PresenceStore store;

  /** Creates the contract; subclasses need a no-argument constructor, as any JUnit test. */
  protected PresenceStoreContract() {}

  /**
   * Creates (or returns a shared instance of) the backend whose store is tested. Called before each
   * test.
   *
   * @return an open backend that is the only member of its cluster
   */
  protected abstract PresenceBackend createBackend();

  /**
   * Called after each test with the backend of {@link #createBackend()}; closes it. Override to
   * keep a shared instance open.
   *
   * @param backend the backend
   */
  protected void releaseBackend(PresenceBackend backend) {
    backend.close();
  }

  @BeforeEach
  void openBackend() {
    backend = createBackend();
    store = backend.store();
  }

  @AfterEach
  void closeBackend() {
    releaseBackend(backend);
  }

  // ---- helpers ----

  /** A new session held by this backend's node. */
  private SessionLease nodeSession() {
    return SessionLease.nodeBound(newSession(), backend.nodeId());
  }

  /** A new session held by another node. */
  private static SessionLease sessionOn(String nodeId) {
    return SessionLease.nodeBound(newSession(), nodeId);
  }

  /** A new lease-bound session. */
  private static SessionLease leaseUntil(Instant expiresAt) {
    return SessionLease.leaseBound(newSession(), expiresAt);
  }

  private Optional<PresenceEvent> join(ChannelId channel, UserId user, SessionLease session) {
    return store.join(channel, user, session, NO_LIMIT, T0);
  }

  private PresenceEvent joinNew(ChannelId channel, UserId user, SessionLease session) {
    return join(channel, user, session).orElseThrow();
  }

  private List<PresenceEvent> expireMine(ChannelId channel, Instant now, Duration grace) {
    return of(channel, store.expire(now, grace));
  }

  private List<UserId> userIds(ChannelUsers page) {
    return page.users().stream().map(PresentUser::userId).toList();
  }

  // ---- tests ----

  @Nested
  @DisplayName("Membership: presence is per user, merged over sessions")
  class Membership {

    @Test
    @DisplayName("the first session's join makes the user present, with a join event and seq 1")
    void firstJoinEmitsJoin() {
      ChannelId channel = newChannel();
      UserId user = newUser();

      Optional<PresenceEvent> event = store.join(channel, user, nodeSession(), NO_LIMIT, at(1));

      assertThat(event)
          .contains(event(EventKind.JOIN, channel, user, Attributes.EMPTY, 1, 1, at(1)));
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
      assertThat(store.attributes(channel, user)).contains(Attributes.EMPTY);
      assertThat(store.channelsOf(user)).containsExactly(channel);
    }

    @Test
    @DisplayName("a second session of a present user joins without an event")
    void secondSessionJoinsSilently() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());

      assertThat(join(channel, user, nodeSession())).isEmpty();
      assertThat(join(channel, user, leaseUntil(at(60)))).isEmpty();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
    }

    @Test
    @DisplayName("of two sessions, the first to leave emits nothing and the last emits leave")
    void lastSessionLeaveEmitsLeave() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease first = nodeSession();
      SessionLease second = nodeSession();
      joinNew(channel, user, first);
      join(channel, user, second);

      assertThat(store.leave(channel, user, first.id(), at(1))).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));

      assertThat(store.leave(channel, user, second.id(), at(2)))
          .contains(event(EventKind.LEAVE, channel, user, Attributes.EMPTY, 0, 2, at(2)));
      assertThat(store.occupancy(channel).occupancy()).isZero();
      assertThat(store.attributes(channel, user)).isEmpty();
      assertThat(store.channelsOf(user)).isEmpty();
    }

    @Test
    @DisplayName("joining again with the same session changes nothing and emits nothing")
    void repeatedJoinIsIdempotent() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);

      assertThat(join(channel, user, session)).isEmpty();
      assertThat(join(channel, user, session)).isEmpty();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
      // One leave of that session ends the presence: the repeats did not add sessions.
      assertThat(store.leave(channel, user, session.id(), T0)).isPresent();
    }

    @Test
    @DisplayName("leaving twice, with an unknown session, or from an unknown channel emits nothing")
    void repeatedLeaveIsIdempotent() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);

      assertThat(store.leave(channel, user, newSession(), T0)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));

      assertThat(store.leave(channel, user, session.id(), T0)).isPresent();
      assertThat(store.leave(channel, user, session.id(), T0)).isEmpty();
      assertThat(store.leave(channel, newUser(), session.id(), T0)).isEmpty();
      assertThat(store.leave(newChannel(), user, session.id(), T0)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 2));
    }

    @Test
    @DisplayName("occupancy counts users, not sessions")
    void occupancyCountsUsers() {
      ChannelId channel = newChannel();
      UserId alice = newUser();
      UserId bob = newUser();

      assertThat(joinNew(channel, alice, nodeSession()).occupancy()).isEqualTo(1);
      assertThat(join(channel, alice, nodeSession())).isEmpty();
      assertThat(joinNew(channel, bob, nodeSession()).occupancy()).isEqualTo(2);
      assertThat(join(channel, bob, leaseUntil(at(60)))).isEmpty();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 2, 2));
    }

    @Test
    @DisplayName("re-joining with a lease-bound session renews its lease")
    void rejoinRenewsLease() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionId session = newSession();
      joinNew(channel, user, SessionLease.leaseBound(session, at(10)));

      assertThat(join(channel, user, SessionLease.leaseBound(session, at(20)))).isEmpty();

      assertThat(expireMine(channel, at(15), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel).occupancy()).isEqualTo(1);
      assertThat(expireMine(channel, at(20), Duration.ZERO))
          .containsExactly(event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 2, at(20)));
    }

    @Test
    @DisplayName("presence in one channel is independent of presence in another")
    void channelsAreIndependent() {
      ChannelId first = newChannel();
      ChannelId second = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(first, user, session);
      joinNew(second, user, session);

      assertThat(store.leave(first, user, session.id(), T0)).isPresent();

      assertThat(store.occupancy(second)).isEqualTo(new Occupancy(second, 1, 1));
      assertThat(store.channelsOf(user)).containsExactly(second);
    }
  }

  @Nested
  @DisplayName("Attributes: replaced whole, only while present, dropped when presence ends")
  class AttributesOfUsers {

    @Test
    @DisplayName("setting replaces the whole map and emits attributesUpdate with the new map")
    void setReplacesWholeMap() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());

      assertThat(store.setAttributes(channel, user, attrs("a", "1", "b", "2"), at(1)))
          .contains(
              event(
                  EventKind.ATTRIBUTES_UPDATE,
                  channel,
                  user,
                  attrs("a", "1", "b", "2"),
                  1,
                  2,
                  at(1)));
      assertThat(store.setAttributes(channel, user, attrs("c", "3"), at(2)))
          .contains(
              event(EventKind.ATTRIBUTES_UPDATE, channel, user, attrs("c", "3"), 1, 3, at(2)));

      assertThat(store.attributes(channel, user)).contains(attrs("c", "3"));
      assertThat(store.setAttributes(channel, user, Attributes.EMPTY, at(3)))
          .contains(
              event(EventKind.ATTRIBUTES_UPDATE, channel, user, Attributes.EMPTY, 1, 4, at(3)));
      assertThat(store.attributes(channel, user)).contains(Attributes.EMPTY);
    }

    @Test
    @DisplayName("setting without presence throws NotJoinedException and stores nothing")
    void setRequiresPresence() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      UserId other = newUser();
      SessionLease session = nodeSession();

      assertThatThrownBy(() -> store.setAttributes(channel, user, attrs("a", "1"), T0))
          .isInstanceOf(NotJoinedException.class);
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 0));

      joinNew(channel, other, nodeSession());
      assertThatThrownBy(() -> store.setAttributes(channel, user, attrs("a", "1"), T0))
          .isInstanceOf(NotJoinedException.class);
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
      assertThat(store.attributes(channel, user)).isEmpty();

      assertThat(joinNew(channel, user, session).attributes()).isEqualTo(Attributes.EMPTY);
      assertThat(store.leave(channel, user, session.id(), T0)).isPresent();
      assertThatThrownBy(() -> store.setAttributes(channel, user, attrs("a", "1"), T0))
          .isInstanceOf(NotJoinedException.class);
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 3));
    }

    @Test
    @DisplayName("setting a map equal to the current one emits nothing")
    void equalMapEmitsNothing() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());

      assertThat(store.setAttributes(channel, user, Attributes.EMPTY, T0)).isEmpty();
      assertThat(store.setAttributes(channel, user, attrs("a", "1", "b", "2"), T0)).isPresent();
      assertThat(store.setAttributes(channel, user, attrs("b", "2", "a", "1"), T0)).isEmpty();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 2));
    }

    @Test
    @DisplayName("attributes end with presence: leave carries the last map, a re-join starts empty")
    void attributesDroppedWhenPresenceEnds() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.setAttributes(channel, user, attrs("mood", "happy"), T0);

      assertThat(store.leave(channel, user, session.id(), at(1)))
          .contains(event(EventKind.LEAVE, channel, user, attrs("mood", "happy"), 0, 3, at(1)));
      assertThat(store.attributes(channel, user)).isEmpty();

      PresenceEvent rejoin = store.join(channel, user, session, NO_LIMIT, at(2)).orElseThrow();
      assertThat(rejoin.attributes()).isEqualTo(Attributes.EMPTY);
      assertThat(store.attributes(channel, user)).contains(Attributes.EMPTY);
    }

    @Test
    @DisplayName("attributes are kept, silently, when the user is back within the grace period")
    void attributesKeptAcrossRejoinInGrace() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.setAttributes(channel, user, attrs("mood", "happy"), T0);
      store.release(channel, user, session.id(), CloseReason.LOST, at(5), T0);

      assertThat(store.join(channel, user, nodeSession(), NO_LIMIT, at(2))).isEmpty();

      assertThat(store.attributes(channel, user)).contains(attrs("mood", "happy"));
      assertThat(expireMine(channel, at(10), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 2));
    }

    @Test
    @DisplayName("attributes may be set while the membership is pending; its end carries them")
    void setWhilePending() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.release(channel, user, session.id(), CloseReason.CLEAN, at(5), T0);

      assertThat(store.setAttributes(channel, user, attrs("a", "1"), at(1))).isPresent();

      assertThat(expireMine(channel, at(5), Duration.ZERO))
          .containsExactly(event(EventKind.LEAVE, channel, user, attrs("a", "1"), 0, 3, at(5)));
    }

    @Test
    @DisplayName("reading the attributes of an absent user, or in an unknown channel, is empty")
    void readAttributesOfAbsentUser() {
      ChannelId channel = newChannel();
      joinNew(channel, newUser(), nodeSession());

      assertThat(store.attributes(channel, newUser())).isEmpty();
      assertThat(store.attributes(newChannel(), newUser())).isEmpty();
    }
  }

  @Nested
  @DisplayName("Grace period: a release holds the membership until its deadline")
  class Grace {

    @Test
    @DisplayName("after the last session's release the user is still present, counted and listed")
    void pendingMembershipIsPresent() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.setAttributes(channel, user, attrs("a", "1"), T0);

      assertThat(store.release(channel, user, session.id(), CloseReason.CLEAN, at(5), T0))
          .isEmpty();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 2));
      assertThat(userIds(store.users(channel, PageRequest.FIRST))).containsExactly(user);
      assertThat(store.snapshot(channel).users())
          .containsExactly(new PresentUser(user, attrs("a", "1")));
      assertThat(store.channelsOf(user)).containsExactly(channel);
      assertThat(store.attributes(channel, user)).contains(attrs("a", "1"));
    }

    @Test
    @DisplayName("expire before the deadline emits nothing")
    void expireBeforeDeadline() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.release(channel, user, session.id(), CloseReason.CLEAN, at(5), T0);

      assertThat(expireMine(channel, at(4), Duration.ZERO)).isEmpty();
      assertThat(expireMine(channel, at(5).minusNanos(1), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel).occupancy()).isEqualTo(1);
    }

    @Test
    @DisplayName("a clean close ends with one leave event when the deadline is reached")
    void cleanCloseEndsWithLeave() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.release(channel, user, session.id(), CloseReason.CLEAN, at(5), T0);

      assertThat(expireMine(channel, at(5), Duration.ZERO))
          .containsExactly(event(EventKind.LEAVE, channel, user, Attributes.EMPTY, 0, 2, at(5)));
      assertThat(expireMine(channel, at(6), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 2));
      assertThat(store.channelsOf(user)).isEmpty();
    }

    @Test
    @DisplayName("a lost session ends with one timeout event after the deadline")
    void lostSessionEndsWithTimeout() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.release(channel, user, session.id(), CloseReason.LOST, at(5), T0);

      assertThat(expireMine(channel, at(7), Duration.ZERO))
          .containsExactly(event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 2, at(7)));
      assertThat(expireMine(channel, at(8), Duration.ZERO)).isEmpty();
    }

    @Test
    @DisplayName("a deadline that is not after now ends the membership at once")
    void deadlineNotAfterNowEndsAtOnce() {
      ChannelId channel = newChannel();
      UserId clean = newUser();
      UserId lost = newUser();
      SessionLease cleanSession = nodeSession();
      SessionLease lostSession = nodeSession();
      joinNew(channel, clean, cleanSession);
      joinNew(channel, lost, lostSession);

      assertThat(store.release(channel, clean, cleanSession.id(), CloseReason.CLEAN, at(3), at(3)))
          .contains(event(EventKind.LEAVE, channel, clean, Attributes.EMPTY, 1, 3, at(3)));
      assertThat(store.release(channel, lost, lostSession.id(), CloseReason.LOST, at(1), at(4)))
          .contains(event(EventKind.TIMEOUT, channel, lost, Attributes.EMPTY, 0, 4, at(4)));
      assertThat(expireMine(channel, at(10), Duration.ZERO)).isEmpty();
    }

    @Test
    @DisplayName("releasing one of two sessions emits nothing and holds nothing")
    void releaseOfOneOfTwoSessions() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease first = nodeSession();
      SessionLease second = nodeSession();
      joinNew(channel, user, first);
      join(channel, user, second);

      assertThat(store.release(channel, user, first.id(), CloseReason.LOST, T0, T0)).isEmpty();
      assertThat(store.release(channel, user, first.id(), CloseReason.LOST, T0, T0)).isEmpty();

      assertThat(expireMine(channel, at(100), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
      assertThat(store.leave(channel, user, second.id(), at(101)))
          .contains(event(EventKind.LEAVE, channel, user, Attributes.EMPTY, 0, 2, at(101)));
    }

    @Test
    @DisplayName("a user back within the grace period cancels the pending end without an event")
    void rejoinCancelsPendingEnd() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.release(channel, user, session.id(), CloseReason.CLEAN, at(5), T0);

      assertThat(store.join(channel, user, session, NO_LIMIT, at(4))).isEmpty();

      assertThat(expireMine(channel, at(100), Duration.ZERO)).isEmpty();
      assertThat(store.leave(channel, user, session.id(), at(101)))
          .contains(event(EventKind.LEAVE, channel, user, Attributes.EMPTY, 0, 2, at(101)));
    }

    @Test
    @DisplayName(
        "a leave during the grace period changes nothing: the deadline ends the membership")
    void leaveWhilePendingChangesNothing() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      store.release(channel, user, session.id(), CloseReason.LOST, at(5), T0);

      assertThat(store.leave(channel, user, session.id(), at(1))).isEmpty();
      assertThat(store.leave(channel, user, newSession(), at(1))).isEmpty();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
      assertThat(expireMine(channel, at(5), Duration.ZERO))
          .containsExactly(event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 2, at(5)));
    }

    @Test
    @DisplayName("releasing a session that is not in the membership changes nothing")
    void releaseOfUnknownSession() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());

      assertThat(store.release(channel, user, newSession(), CloseReason.LOST, T0, T0)).isEmpty();
      assertThat(store.release(channel, newUser(), newSession(), CloseReason.LOST, T0, T0))
          .isEmpty();
      assertThat(store.release(newChannel(), user, newSession(), CloseReason.LOST, T0, T0))
          .isEmpty();

      assertThat(expireMine(channel, at(100), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
    }
  }

  @Nested
  @DisplayName("Leases: lease-bound sessions end by expire()")
  class Leases {

    @Test
    @DisplayName("an expired lease is held for the grace period, then times out once")
    void expiredLeaseIsPendingThenTimesOut() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, leaseUntil(at(60)));
      Duration grace = Duration.ofSeconds(5);

      assertThat(expireMine(channel, at(59), grace)).isEmpty();
      assertThat(expireMine(channel, at(60), grace)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
      assertThat(expireMine(channel, at(64), grace)).isEmpty();

      assertThat(expireMine(channel, at(65), grace))
          .containsExactly(event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 2, at(65)));
      assertThat(expireMine(channel, at(66), grace)).isEmpty();
    }

    @Test
    @DisplayName("an expired lease whose grace has passed too times out at once")
    void longExpiredLeaseTimesOutAtOnce() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, leaseUntil(at(60)));

      assertThat(expireMine(channel, at(100), Duration.ofSeconds(5)))
          .containsExactly(
              event(EventKind.TIMEOUT, channel, user, Attributes.EMPTY, 0, 2, at(100)));
    }

    @Test
    @DisplayName("a user back within the grace after a lease expired stays, without an event")
    void rejoinAfterLeaseExpiry() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionId session = newSession();
      joinNew(channel, user, SessionLease.leaseBound(session, at(60)));
      store.setAttributes(channel, user, attrs("a", "1"), T0);
      assertThat(expireMine(channel, at(61), Duration.ofSeconds(5))).isEmpty();

      assertThat(
              store.join(
                  channel, user, SessionLease.leaseBound(session, at(120)), NO_LIMIT, at(62)))
          .isEmpty();

      assertThat(expireMine(channel, at(100), Duration.ofSeconds(5))).isEmpty();
      assertThat(store.attributes(channel, user)).contains(attrs("a", "1"));
    }

    @Test
    @DisplayName("an expired lease of a user with another session emits nothing")
    void expiredLeaseWithOtherSession() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());
      join(channel, user, leaseUntil(at(60)));

      assertThat(expireMine(channel, at(100), Duration.ZERO)).isEmpty();
      assertThat(expireMine(channel, at(200), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
    }

    @Test
    @DisplayName("a lease-bound session that left explicitly does not expire later")
    void leftLeaseDoesNotExpire() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = leaseUntil(at(60));
      joinNew(channel, user, session);

      assertThat(store.leave(channel, user, session.id(), at(1))).isPresent();

      assertThat(expireMine(channel, at(100), Duration.ZERO)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 2));
    }
  }

  @Nested
  @DisplayName("Node loss: releaseNode() releases exactly that node's sessions")
  class NodeLoss {

    @Test
    @DisplayName("users held only by the lost node time out; users with another session stay")
    void releasesOnlyLostNodeSessions() {
      String lost = newNodeId();
      String alive = newNodeId();
      ChannelId channel = newChannel();
      ChannelId other = newChannel();
      UserId onlyLost = newUser();
      UserId lostAndAlive = newUser();
      UserId onlyAlive = newUser();
      UserId lostAndLease = newUser();
      SessionLease lostSession = sessionOn(lost);
      joinNew(channel, onlyLost, lostSession);
      joinNew(other, onlyLost, lostSession);
      joinNew(channel, lostAndAlive, sessionOn(lost));
      join(channel, lostAndAlive, sessionOn(alive));
      joinNew(channel, onlyAlive, sessionOn(alive));
      joinNew(channel, lostAndLease, sessionOn(lost));
      join(channel, lostAndLease, leaseUntil(at(60)));

      List<PresenceEvent> events = store.releaseNode(lost, at(1), at(1));

      assertThat(of(List.of(channel, other), events))
          .containsExactlyInAnyOrder(
              event(EventKind.TIMEOUT, channel, onlyLost, Attributes.EMPTY, 3, 5, at(1)),
              event(EventKind.TIMEOUT, other, onlyLost, Attributes.EMPTY, 0, 2, at(1)));
      assertThat(userIds(store.users(channel, PageRequest.FIRST)))
          .containsExactlyInAnyOrder(lostAndAlive, onlyAlive, lostAndLease);
      assertThat(expireMine(channel, at(59), Duration.ZERO)).isEmpty();
    }

    @Test
    @DisplayName("with a grace period, the lost node's users are pending and then time out")
    void lostNodeUsersArePendingFirst() {
      String lost = newNodeId();
      ChannelId channel = newChannel();
      UserId first = newUser();
      UserId second = newUser();
      joinNew(channel, first, sessionOn(lost));
      joinNew(channel, second, sessionOn(lost));

      assertThat(of(channel, store.releaseNode(lost, at(5), T0))).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 2, 2));

      List<PresenceEvent> ended = expireMine(channel, at(5), Duration.ZERO);
      assertThat(ended).extracting(PresenceEvent::kind).containsOnly(EventKind.TIMEOUT);
      assertThat(ended).extracting(PresenceEvent::userId).containsExactlyInAnyOrder(first, second);
      assertThat(ended).extracting(PresenceEvent::seq).containsExactly(3L, 4L);
      assertThat(ended).extracting(PresenceEvent::occupancy).containsExactly(1, 0);
    }

    @Test
    @DisplayName(
        "releasing a node again reports nothing more; events of a channel are in seq order")
    void releaseNodeTwice() {
      String lost = newNodeId();
      ChannelId channel = newChannel();
      List<UserId> users = IntStream.range(0, 5).mapToObj(i -> newUser()).toList();
      users.forEach(u -> joinNew(channel, u, sessionOn(lost)));

      List<PresenceEvent> first = of(channel, store.releaseNode(lost, T0, T0));
      List<PresenceEvent> second = of(channel, store.releaseNode(lost, T0, T0));

      assertThat(first).extracting(PresenceEvent::seq).containsExactly(6L, 7L, 8L, 9L, 10L);
      assertThat(first)
          .extracting(PresenceEvent::userId)
          .containsExactlyInAnyOrderElementsOf(users);
      assertThat(second).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 10));
    }
  }

  @Nested
  @DisplayName("Channel limit: at most maxUsers users are present")
  class ChannelLimit {

    @Test
    @DisplayName("a join over the limit throws ChannelFullException and stores nothing")
    void joinOverLimitThrows() {
      ChannelId channel = newChannel();
      UserId late = newUser();
      SessionLease session = nodeSession();
      store.join(channel, newUser(), nodeSession(), 2, T0);
      store.join(channel, newUser(), nodeSession(), 2, T0);

      assertThatThrownBy(() -> store.join(channel, late, session, 2, T0))
          .isInstanceOf(ChannelFullException.class);

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 2, 2));
      assertThat(store.channelsOf(late)).isEmpty();
      assertThat(store.attributes(channel, late)).isEmpty();
      // The refused session was not stored: its release and leave find nothing.
      assertThat(store.release(channel, late, session.id(), CloseReason.LOST, T0, T0)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 2, 2));
    }

    @Test
    @DisplayName("a present user may add a session to a full channel")
    void presentUserJoinsFullChannel() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      store.join(channel, user, nodeSession(), 1, T0);

      assertThat(store.join(channel, user, nodeSession(), 1, T0)).isEmpty();
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
    }

    @Test
    @DisplayName("a pending membership counts toward the limit; a user who left frees a place")
    void pendingCountsLeaveFrees() {
      ChannelId channel = newChannel();
      UserId first = newUser();
      UserId second = newUser();
      SessionLease session = nodeSession();
      store.join(channel, first, session, 1, T0);
      store.release(channel, first, session.id(), CloseReason.LOST, at(5), T0);

      assertThatThrownBy(() -> store.join(channel, second, nodeSession(), 1, at(1)))
          .isInstanceOf(ChannelFullException.class);

      assertThat(expireMine(channel, at(5), Duration.ZERO)).hasSize(1);
      assertThat(store.join(channel, second, nodeSession(), 1, at(6))).isPresent();
    }

    @Test
    @DisplayName("concurrent joins never exceed the limit")
    void concurrentJoinsRespectLimit() {
      ChannelId channel = newChannel();
      int limit = 10;
      AtomicInteger admitted = new AtomicInteger();
      AtomicInteger refused = new AtomicInteger();

      runConcurrently(
          8,
          t -> {
            for (int i = 0; i < 5; i++) {
              try {
                if (store.join(channel, newUser(), nodeSession(), limit, T0).isPresent()) {
                  admitted.incrementAndGet();
                }
              } catch (ChannelFullException e) {
                refused.incrementAndGet();
              }
            }
          });

      assertThat(admitted).hasValue(limit);
      assertThat(refused).hasValue(40 - limit);
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, limit, limit));
    }
  }

  @Nested
  @DisplayName("Reads: where-now, paging, occupancy and seq")
  class Reads {

    @Test
    @DisplayName("channelsOf lists a user's channels, pending ones included, by ascending name")
    void channelsOfSorted() {
      UserId user = newUser();
      List<ChannelId> channels = new ArrayList<>(List.of(newChannel(), newChannel(), newChannel()));
      Collections.reverse(channels);
      SessionLease session = nodeSession();
      channels.forEach(c -> joinNew(c, user, session));
      ChannelId pending = newChannel();
      joinNew(pending, user, session);
      store.release(pending, user, session.id(), CloseReason.CLEAN, at(5), T0);

      List<ChannelId> expected = new ArrayList<>(channels);
      expected.add(pending);
      Collections.sort(expected);
      assertThat(store.channelsOf(user)).containsExactlyElementsOf(expected);

      store.leave(channels.get(0), user, session.id(), T0);
      expected.remove(channels.get(0));
      assertThat(store.channelsOf(user)).containsExactlyElementsOf(expected);
      assertThat(store.channelsOf(newUser())).isEmpty();
    }

    @Test
    @DisplayName("pages list users in id order; chaining cursors covers every user exactly once")
    void cursorChainingCoversAll() {
      ChannelId channel = newChannel();
      List<UserId> users = IntStream.range(0, 25).mapToObj(i -> newUser()).toList();
      List<UserId> shuffled = new ArrayList<>(users);
      Collections.shuffle(shuffled, new Random(7));
      shuffled.forEach(u -> joinNew(channel, u, nodeSession()));
      List<UserId> sorted = users.stream().sorted().toList();

      List<ChannelUsers> pages = new ArrayList<>();
      String cursor = null;
      do {
        ChannelUsers page = store.users(channel, new PageRequest(7, cursor, true));
        pages.add(page);
        cursor = page.next();
      } while (cursor != null && pages.size() < 10);

      assertThat(pages).extracting(p -> p.users().size()).containsExactly(7, 7, 7, 4);
      assertThat(pages).allSatisfy(p -> assertThat(p.occupancy()).isEqualTo(25));
      assertThat(pages).allSatisfy(p -> assertThat(p.seq()).isEqualTo(25));
      assertThat(pages.get(3).next()).isNull();
      assertThat(pages.stream().flatMap(p -> p.users().stream()).map(PresentUser::userId))
          .containsExactlyElementsOf(sorted);
    }

    @Test
    @DisplayName("a last page that is exactly full has no next cursor; so does a single page")
    void exactlyFullLastPage() {
      ChannelId channel = newChannel();
      IntStream.range(0, 6).forEach(i -> joinNew(channel, newUser(), nodeSession()));

      ChannelUsers first = store.users(channel, new PageRequest(3, null, true));
      ChannelUsers second = store.users(channel, new PageRequest(3, first.next(), true));

      assertThat(first.next()).isNotNull();
      assertThat(second.users()).hasSize(3);
      assertThat(second.next()).isNull();
      assertThat(store.users(channel, new PageRequest(6, null, true)).next()).isNull();
      assertThat(store.users(channel, PageRequest.FIRST).users()).hasSize(6);
    }

    @Test
    @DisplayName("a cursor stays valid while the channel changes")
    void cursorSurvivesChanges() {
      ChannelId channel = newChannel();
      Map<UserId, SessionLease> sessions = new LinkedHashMap<>();
      List<UserId> users =
          IntStream.range(0, 10).mapToObj(i -> newUser()).sorted().collect(Collectors.toList());
      users.forEach(u -> sessions.put(u, nodeSession()));
      users.forEach(u -> joinNew(channel, u, sessions.get(u)));
      ChannelUsers first = store.users(channel, new PageRequest(3, null, false));
      assertThat(userIds(first)).containsExactlyElementsOf(users.subList(0, 3));

      UserId gone = users.get(5);
      store.leave(channel, gone, sessions.get(gone).id(), T0);
      UserId behind = UserId.of(users.get(0).value() + "0");
      UserId ahead = UserId.of(users.get(9).value() + "0");
      joinNew(channel, behind, nodeSession());
      joinNew(channel, ahead, nodeSession());

      ChannelUsers rest = store.users(channel, new PageRequest(100, first.next(), false));
      List<UserId> expected = new ArrayList<>(users.subList(3, 10));
      expected.remove(gone);
      expected.add(ahead);
      Collections.sort(expected);
      if (behind.compareTo(users.get(2)) > 0) {
        expected.add(behind);
        Collections.sort(expected);
      }
      assertThat(userIds(rest)).containsExactlyElementsOf(expected);
      assertThat(rest.next()).isNull();
      assertThat(rest.occupancy()).isEqualTo(11);
    }

    @Test
    @DisplayName("withAttributes=false omits attributes; true includes them")
    void withoutAttributes() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());
      store.setAttributes(channel, user, attrs("a", "1"), T0);

      assertThat(store.users(channel, new PageRequest(10, null, false)).users())
          .containsExactly(new PresentUser(user, Attributes.EMPTY));
      assertThat(store.users(channel, new PageRequest(10, null, true)).users())
          .containsExactly(new PresentUser(user, attrs("a", "1")));
      assertThat(allPages(store, channel, 1))
          .containsExactly(new PresentUser(user, attrs("a", "1")));
    }

    @Test
    @DisplayName("a cursor the store did not make is refused with InvalidArgumentException")
    void invalidCursor() {
      ChannelId channel = newChannel();
      IntStream.range(0, 3).forEach(i -> joinNew(channel, newUser(), nodeSession()));

      for (String cursor : List.of("!!not-a-cursor!!", "ZZZZ", "%00")) {
        assertThatThrownBy(() -> store.users(channel, new PageRequest(10, cursor, true)))
            .as("cursor %s", cursor)
            .isInstanceOf(InvalidArgumentException.class);
      }
    }

    @Test
    @DisplayName("occupancy, users and snapshot report the occupancy and seq of the last event")
    void readsMatchLastEvent() {
      ChannelId channel = newChannel();
      UserId alice = newUser();
      UserId bob = newUser();
      SessionLease aliceSession = nodeSession();
      joinNew(channel, alice, aliceSession);
      joinNew(channel, bob, nodeSession());
      store.setAttributes(channel, bob, attrs("x", "y"), T0);
      PresenceEvent last = store.leave(channel, alice, aliceSession.id(), T0).orElseThrow();

      assertThat(store.occupancy(channel))
          .isEqualTo(new Occupancy(channel, last.occupancy(), last.seq()));
      ChannelUsers page = store.users(channel, PageRequest.FIRST);
      assertThat(page.occupancy()).isEqualTo(last.occupancy());
      assertThat(page.seq()).isEqualTo(last.seq());
      ChannelUsers snapshot = store.snapshot(channel);
      assertThat(snapshot)
          .isEqualTo(
              new ChannelUsers(
                  channel, 1, last.seq(), List.of(new PresentUser(bob, attrs("x", "y"))), null));
    }

    @Test
    @DisplayName(
        "an unknown channel reads as empty with seq 0, and reading it makes nobody present")
    void unknownChannel() {
      ChannelId channel = newChannel();

      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 0));
      assertThat(store.users(channel, PageRequest.FIRST))
          .isEqualTo(new ChannelUsers(channel, 0, 0, List.of(), null));
      assertThat(store.snapshot(channel))
          .isEqualTo(new ChannelUsers(channel, 0, 0, List.of(), null));
      assertThat(joinNew(channel, newUser(), nodeSession()).seq()).isEqualTo(1);
    }
  }

  @Nested
  @DisplayName(
      "Shared forms: every store reports a mistake in the same words and pages with one cursor"
          + " form (those of dev.presence.spi.support)")
  class SharedForms {

    private final Base64.Encoder base64url = Base64.getUrlEncoder().withoutPadding();

    @Test
    @DisplayName("a join over the limit: ChannelFullException naming the channel and the limit")
    void channelFullText() {
      ChannelId channel = newChannel();
      store.join(channel, newUser(), nodeSession(), 1, T0);

      assertThatThrownBy(() -> store.join(channel, newUser(), nodeSession(), 1, T0))
          .isExactlyInstanceOf(ChannelFullException.class)
          .hasMessage(MembershipValues.channelFull(channel, 1).getMessage())
          .hasMessageContaining("'" + channel.value() + "'")
          .hasMessageContaining(" 1 ");
    }

    @Test
    @DisplayName(
        "attributes without presence, in a known or an unknown channel: NotJoinedException naming"
            + " the channel")
    void notJoinedText() {
      ChannelId known = newChannel();
      ChannelId unknown = newChannel();
      joinNew(known, newUser(), nodeSession());

      for (ChannelId channel : List.of(known, unknown)) {
        assertThatThrownBy(() -> store.setAttributes(channel, newUser(), attrs("a", "1"), T0))
            .as("channel %s", channel)
            .isExactlyInstanceOf(NotJoinedException.class)
            .hasMessage(MembershipValues.notJoined(channel).getMessage())
            .hasMessageContaining("'" + channel.value() + "'");
      }
    }

    @Test
    @DisplayName("a page's next cursor is PageCursors' form of its last user, and round-trips")
    void cursorRoundTrip() {
      ChannelId channel = newChannel();
      List<UserId> users =
          IntStream.range(0, 5).mapToObj(i -> newUser()).sorted().collect(Collectors.toList());
      users.forEach(u -> joinNew(channel, u, nodeSession()));

      ChannelUsers first = store.users(channel, new PageRequest(2, null, false));

      assertThat(first.next()).isEqualTo(PageCursors.encode(users.get(1).value()));
      assertThat(PageCursors.decode(first.next())).isEqualTo(users.get(1).value());
      assertThat(userIds(store.users(channel, new PageRequest(2, first.next(), false))))
          .containsExactly(users.get(2), users.get(3));
    }

    @Test
    @DisplayName(
        "a cursor names a position: one minted for an absent id pages from the next id after it")
    void mintedCursorIsAPosition() {
      ChannelId channel = newChannel();
      String prefix = newUser().value() + "-";
      List<UserId> users = List.of(UserId.of(prefix + "a"), UserId.of(prefix + "c"));
      users.forEach(u -> joinNew(channel, u, nodeSession()));

      ChannelUsers page =
          store.users(channel, new PageRequest(10, PageCursors.encode(prefix + "b"), false));

      assertThat(userIds(page)).containsExactly(users.get(1));
      assertThat(page.next()).isNull();
      assertThat(store.users(channel, new PageRequest(10, PageCursors.encode(prefix + "d"), true)))
          .isEqualTo(new ChannelUsers(channel, 2, 2, List.of(), null));
    }

    @Test
    @DisplayName(
        "a cursor of another form (another store's, not base64url, not UTF-8, not a user id) is"
            + " refused with InvalidArgumentException and one text, and changes nothing")
    void foreignCursorsRefused() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      joinNew(channel, user, nodeSession());
      List<String> foreign =
          List.of(
              // the form the in-memory store used to make, and the bare user id
              base64url.encodeToString(("u1:" + user.value()).getBytes(StandardCharsets.UTF_8)),
              user.value(),
              // another version's prefix
              "u2." + base64url.encodeToString(user.value().getBytes(StandardCharsets.UTF_8)),
              // the prefix, then not base64url, nothing, bytes that are not UTF-8, not a user id
              "u1.$$$",
              "u1.",
              "u1." + base64url.encodeToString(new byte[] {(byte) 0xff}),
              "u1." + base64url.encodeToString("a b".getBytes(StandardCharsets.UTF_8)));

      for (String cursor : foreign) {
        assertThatThrownBy(() -> store.users(channel, new PageRequest(10, cursor, true)))
            .as("cursor %s", cursor)
            .isExactlyInstanceOf(InvalidArgumentException.class)
            .hasMessage(PageCursors.invalid().getMessage());
      }
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
    }
  }

  @Nested
  @DisplayName("Events: content and sequence")
  class Events {

    @Test
    @DisplayName("each event carries kind, channel, user, attributes, occupancy, timestamp and seq")
    void eventContent() {
      ChannelId channel = newChannel();
      UserId alice = newUser();
      UserId bob = newUser();
      SessionLease aliceSession = nodeSession();
      SessionLease bobSession = nodeSession();
      Attributes mood = attrs("mood", "\u00e9t\u00e9 \uD83C\uDF1E", "score", "");

      List<PresenceEvent> events = new ArrayList<>();
      store.join(channel, alice, aliceSession, NO_LIMIT, at(1)).ifPresent(events::add);
      store.join(channel, bob, bobSession, NO_LIMIT, at(2)).ifPresent(events::add);
      store.setAttributes(channel, alice, mood, at(3)).ifPresent(events::add);
      store.leave(channel, bob, bobSession.id(), at(4)).ifPresent(events::add);
      store
          .release(channel, alice, aliceSession.id(), CloseReason.LOST, at(5), at(5))
          .ifPresent(events::add);

      assertThat(events)
          .containsExactly(
              event(EventKind.JOIN, channel, alice, Attributes.EMPTY, 1, 1, at(1)),
              event(EventKind.JOIN, channel, bob, Attributes.EMPTY, 2, 2, at(2)),
              event(EventKind.ATTRIBUTES_UPDATE, channel, alice, mood, 2, 3, at(3)),
              event(EventKind.LEAVE, channel, bob, Attributes.EMPTY, 1, 4, at(4)),
              event(EventKind.TIMEOUT, channel, alice, mood, 0, 5, at(5)));
    }

    @Test
    @DisplayName("a channel that empties and fills again never reuses a seq it reported")
    void refilledChannelSequence() {
      ChannelId channel = newChannel();
      UserId user = newUser();
      SessionLease session = nodeSession();
      joinNew(channel, user, session);
      long last = store.leave(channel, user, session.id(), T0).orElseThrow().seq();

      Occupancy empty = store.occupancy(channel);
      assertThat(empty.occupancy()).isZero();
      assertThat(empty.seq())
          .as("an emptied channel keeps its last seq, or is forgotten (seq 0)")
          .isIn(last, 0L);

      PresenceEvent rejoin = joinNew(channel, user, session);
      assertThat(rejoin.seq())
          .as("the first event after a read of seq %d", empty.seq())
          .isEqualTo(empty.seq() + 1);
    }
  }

  @Nested
  @DisplayName("Concurrency: per-channel atomicity")
  class Concurrency {

    @Test
    @DisplayName("8 concurrent writers produce one gap-free sequence that replays to the state")
    void gapFreeSequenceUnderConcurrentWrites() {
      ChannelId channel = newChannel();
      ChannelId second = newChannel();
      List<UserId> users = IntStream.range(0, 12).mapToObj(i -> newUser()).toList();
      ConcurrentLinkedQueue<PresenceEvent> events = new ConcurrentLinkedQueue<>();
      int threads = 8;
      int operations = 250;

      runConcurrently(
          threads,
          t -> {
            Random random = new Random(31L * t);
            SessionLease session = nodeSession();
            for (int i = 0; i < operations; i++) {
              ChannelId target = random.nextInt(4) == 0 ? second : channel;
              UserId user = users.get(random.nextInt(users.size()));
              switch (random.nextInt(5)) {
                case 0, 1 -> store.join(target, user, session, NO_LIMIT, T0).ifPresent(events::add);
                case 2 -> store.leave(target, user, session.id(), T0).ifPresent(events::add);
                case 3 ->
                    store
                        .release(target, user, session.id(), CloseReason.LOST, T0, T0)
                        .ifPresent(events::add);
                default -> {
                  try {
                    store
                        .setAttributes(
                            target, user, attrs("v", Integer.toString(random.nextInt(3))), T0)
                        .ifPresent(events::add);
                  } catch (NotJoinedException e) {
                    // the user was not present at that moment: nothing was stored
                  }
                }
              }
            }
          });

      assertThat(of(channel, events)).isNotEmpty();
      assertReplayMatchesStore(store, channel, 0, events);
      assertReplayMatchesStore(store, second, 0, events);
    }

    @Test
    @DisplayName("4 concurrent sweepers report each expired membership exactly once")
    void concurrentExpireReportsOnce() {
      List<ChannelId> channels = List.of(newChannel(), newChannel(), newChannel(), newChannel());
      Map<ChannelId, List<UserId>> leased = new LinkedHashMap<>();
      Map<ChannelId, List<UserId>> pending = new LinkedHashMap<>();
      for (ChannelId channel : channels) {
        for (int i = 0; i < 30; i++) {
          UserId user = newUser();
          joinNew(channel, user, leaseUntil(at(1 + i % 3)));
          leased.computeIfAbsent(channel, c -> new ArrayList<>()).add(user);
        }
        for (int i = 0; i < 20; i++) {
          UserId user = newUser();
          SessionLease session = nodeSession();
          joinNew(channel, user, session);
          store.release(channel, user, session.id(), CloseReason.CLEAN, at(2 + i % 3), T0);
          pending.computeIfAbsent(channel, c -> new ArrayList<>()).add(user);
        }
      }
      ConcurrentLinkedQueue<PresenceEvent> events = new ConcurrentLinkedQueue<>();

      runConcurrently(
          4,
          t -> {
            for (int s = 0; s <= 10; s++) {
              events.addAll(of(channels, store.expire(at(s), Duration.ofSeconds(1))));
            }
          });

      for (ChannelId channel : channels) {
        List<PresenceEvent> mine = of(channel, events);
        assertThat(mine).hasSize(50);
        Map<UserId, EventKind> kinds =
            mine.stream().collect(Collectors.toMap(PresenceEvent::userId, PresenceEvent::kind));
        assertThat(kinds).hasSize(50);
        leased.get(channel).forEach(u -> assertThat(kinds).containsEntry(u, EventKind.TIMEOUT));
        pending.get(channel).forEach(u -> assertThat(kinds).containsEntry(u, EventKind.LEAVE));
        assertReplayWithJoins(channel, mine);
      }
    }

    /** The sweep's events continue the 50 joins' sequence without a gap and empty the channel. */
    private void assertReplayWithJoins(ChannelId channel, List<PresenceEvent> ended) {
      List<Long> seqs = ended.stream().map(PresenceEvent::seq).sorted().toList();
      assertThat(seqs).containsExactlyElementsOf(LongRange.of(51, 100));
      Map<Long, PresenceEvent> bySeq =
          ended.stream().collect(Collectors.toMap(PresenceEvent::seq, Function.identity()));
      for (long seq = 51; seq <= 100; seq++) {
        assertThat(bySeq.get(seq).occupancy()).isEqualTo((int) (100 - seq));
      }
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 0, 100));
    }
  }

  /** Inclusive ranges of longs, for expected seqs. */
  private static final class LongRange {
    private LongRange() {}

    static List<Long> of(long first, long last) {
      List<Long> all = new ArrayList<>();
      for (long i = first; i <= last; i++) {
        all.add(i);
      }
      return all;
    }
  }

  // ---- administration (SPEC 13.4) ----

  /** A prefix no other test's channels start with. */
  private static String newPrefix() {
    return newChannel().value() + ".";
  }

  @Nested
  @DisplayName("administration: kick, channel listing, totals")
  class Administration {

    @BeforeEach
    void supported() {
      org.junit.jupiter.api.Assumptions.assumeTrue(
          backend.isSupported(Capability.ADMINISTRATION),
          "the backend does not support administration");
    }

    @Test
    @DisplayName("a kick ends the membership with every session at once, as a kicked leave")
    void kickEndsEverySession() {
      ChannelId channel = newChannel();
      UserId alice = newUser();
      UserId bob = newUser();
      SessionLease one = nodeSession();
      SessionLease two = SessionLease.leaseBound(newSession(), at(100));
      store.join(channel, alice, one, NO_LIMIT, at(1));
      store.join(channel, alice, two, NO_LIMIT, at(1));
      store.join(channel, bob, nodeSession(), NO_LIMIT, at(1));
      store.setAttributes(channel, alice, attrs("mood", "x"), at(2));

      Optional<PresenceEvent> kicked = store.kick(channel, alice, at(3));

      assertThat(kicked).contains(new Left(channel, alice, attrs("mood", "x"), 1, 4, at(3), true));
      assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 4));
      assertThat(store.attributes(channel, alice)).isEmpty();
      assertThat(store.channelsOf(alice)).isEmpty();
      // the removed sessions change nothing any more
      assertThat(store.leave(channel, alice, one.id(), at(4))).isEmpty();
      assertThat(store.release(channel, alice, two.id(), CloseReason.LOST, at(10), at(4)))
          .isEmpty();
      assertThat(of(channel, store.expire(at(200), Duration.ZERO))).isEmpty();
      // not a ban: the user may join again, with a new membership
      assertThat(store.join(channel, alice, nodeSession(), NO_LIMIT, at(5)))
          .contains(event(EventKind.JOIN, channel, alice, Attributes.EMPTY, 2, 5, at(5)));
    }

    @Test
    @DisplayName("a kick ends a pending membership, and changes nothing for a user not present")
    void kickPendingAndAbsent() {
      ChannelId channel = newChannel();
      UserId alice = newUser();
      SessionLease s = nodeSession();
      store.join(channel, alice, s, NO_LIMIT, at(1));
      store.release(channel, alice, s.id(), CloseReason.CLEAN, at(10), at(2));

      assertThat(store.kick(channel, alice, at(3)))
          .contains(new Left(channel, alice, Attributes.EMPTY, 0, 2, at(3), true));
      assertThat(of(channel, store.expire(at(20), Duration.ZERO))).isEmpty();
      assertThat(store.kick(channel, alice, at(4))).isEmpty();
      assertThat(store.kick(newChannel(), newUser(), at(4))).isEmpty();
      assertThat(store.occupancy(channel).seq()).isEqualTo(2);
    }

    @Test
    @DisplayName("channels lists occupied channels of a prefix by name, paged with cursors")
    void listsByPrefixInPages() {
      String prefix = newPrefix();
      List<ChannelId> channels =
          IntStream.range(0, 5)
              .mapToObj(i -> ChannelId.of(prefix + (char) ('e' - i) + "-" + i))
              .toList();
      for (int i = 0; i < channels.size(); i++) {
        for (int u = 0; u <= i; u++) {
          store.join(channels.get(i), newUser(), nodeSession(), NO_LIMIT, at(1));
        }
      }
      // another prefix, and a channel that emptied, are not listed
      store.join(
          ChannelId.of(prefix.substring(0, prefix.length() - 1) + "x"),
          newUser(),
          nodeSession(),
          NO_LIMIT,
          at(1));
      ChannelId emptied = ChannelId.of(prefix + "a-emptied");
      SessionLease gone = nodeSession();
      UserId leaver = newUser();
      store.join(emptied, leaver, gone, NO_LIMIT, at(1));
      store.leave(emptied, leaver, gone.id(), at(2));

      List<ChannelOccupancy> expected =
          IntStream.range(0, 5)
              .mapToObj(i -> new ChannelOccupancy(channels.get(i), i + 1))
              .sorted((x, y) -> x.channel().compareTo(y.channel()))
              .toList();
      ChannelPage all = store.channels(prefix, PageRequest.MAX_LIMIT, null);
      assertThat(all.channels()).containsExactlyElementsOf(expected);
      assertThat(all.next()).isNull();

      List<ChannelOccupancy> paged = new ArrayList<>();
      String cursor = null;
      int pages = 0;
      do {
        ChannelPage page = store.channels(prefix, 2, cursor);
        assertThat(page.channels()).hasSizeLessThanOrEqualTo(2);
        paged.addAll(page.channels());
        cursor = page.next();
        pages++;
      } while (cursor != null && pages < 10);
      assertThat(paged).containsExactlyElementsOf(expected);
      assertThat(pages).isEqualTo(3);
    }

    @Test
    @DisplayName("a cursor stays valid while channels change behind and ahead of it")
    void cursorSurvivesChanges() {
      String prefix = newPrefix();
      ChannelId b = ChannelId.of(prefix + "b");
      ChannelId d = ChannelId.of(prefix + "d");
      ChannelId f = ChannelId.of(prefix + "f");
      UserId dUser = newUser();
      SessionLease dSession = nodeSession();
      store.join(b, newUser(), nodeSession(), NO_LIMIT, at(1));
      store.join(d, dUser, dSession, NO_LIMIT, at(1));
      store.join(f, newUser(), nodeSession(), NO_LIMIT, at(1));
      ChannelPage first = store.channels(prefix, 1, null);
      assertThat(first.channels()).containsExactly(new ChannelOccupancy(b, 1));

      store.join(ChannelId.of(prefix + "a"), newUser(), nodeSession(), NO_LIMIT, at(2));
      store.join(ChannelId.of(prefix + "e"), newUser(), nodeSession(), NO_LIMIT, at(2));
      store.leave(d, dUser, dSession.id(), at(2));

      ChannelPage rest = store.channels(prefix, 10, first.next());
      assertThat(rest.channels())
          .extracting(ChannelOccupancy::channel)
          .containsExactly(ChannelId.of(prefix + "e"), f);
      assertThat(rest.next()).isNull();
    }

    @Test
    @DisplayName("a cursor not made by the store for this prefix is refused in the one wording")
    void badCursorsAreRefused() {
      String prefix = newPrefix();
      store.join(ChannelId.of(prefix + "a"), newUser(), nodeSession(), NO_LIMIT, at(1));
      store.join(ChannelId.of(prefix + "b"), newUser(), nodeSession(), NO_LIMIT, at(1));
      String good = store.channels(prefix, 1, null).next();
      assertThat(good).isNotNull();
      String b64 =
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString((prefix + "\nzz").getBytes(StandardCharsets.UTF_8));
      List<String> bad =
          List.of(
              "garbage",
              "c1.",
              "c1.$$$",
              "c2." + good.substring(3),
              PageCursors.encode("someone"),
              // a well-formed cursor whose channel is outside the prefix
              "c1." + b64,
              // bytes that are not UTF-8
              "c1."
                  + Base64.getUrlEncoder()
                      .withoutPadding()
                      .encodeToString(new byte[] {(byte) 0xff}),
              // no separator
              "c1."
                  + Base64.getUrlEncoder()
                      .withoutPadding()
                      .encodeToString(prefix.getBytes(StandardCharsets.UTF_8)),
              "c1." + "A".repeat(5000));
      for (String cursor : bad) {
        assertThatThrownBy(() -> store.channels(prefix, 1, cursor))
            .as(cursor)
            .isExactlyInstanceOf(InvalidArgumentException.class)
            .hasMessage(PageCursors.invalid().getMessage());
      }
      // bound to its prefix
      assertThatThrownBy(() -> store.channels(prefix + "a", 1, good))
          .isExactlyInstanceOf(InvalidArgumentException.class);
      assertThatThrownBy(() -> store.channels("", 1, good))
          .isExactlyInstanceOf(InvalidArgumentException.class);
    }

    @Test
    @DisplayName("totals count distinct present users and occupied channels")
    void totalsCount() {
      PresenceTotals before = store.totals();
      ChannelId one = newChannel();
      ChannelId two = newChannel();
      UserId alice = newUser();
      UserId bob = newUser();
      SessionLease bobSession = nodeSession();
      store.join(one, alice, nodeSession(), NO_LIMIT, at(1));
      store.join(two, alice, nodeSession(), NO_LIMIT, at(1));
      store.join(two, bob, bobSession, NO_LIMIT, at(1));

      assertThat(store.totals())
          .isEqualTo(new PresenceTotals(before.presentUsers() + 2, before.channels() + 2));

      store.kick(one, alice, at(2));
      assertThat(store.totals())
          .isEqualTo(new PresenceTotals(before.presentUsers() + 2, before.channels() + 1));
      store.release(two, bob, bobSession.id(), CloseReason.LOST, at(10), at(3));
      // pending counts, as in occupancy
      assertThat(store.totals())
          .isEqualTo(new PresenceTotals(before.presentUsers() + 2, before.channels() + 1));
      store.kick(two, bob, at(11));
      store.kick(two, alice, at(12));
      assertThat(store.totals()).isEqualTo(before);
    }
  }
}
