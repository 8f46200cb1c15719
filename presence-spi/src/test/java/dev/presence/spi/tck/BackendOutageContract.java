package dev.presence.spi.tck;

import static dev.presence.spi.tck.TckSupport.NO_LIMIT;
import static dev.presence.spi.tck.TckSupport.T0;
import static dev.presence.spi.tck.TckSupport.at;
import static dev.presence.spi.tck.TckSupport.attrs;
import static dev.presence.spi.tck.TckSupport.event;
import static dev.presence.spi.tck.TckSupport.newChannel;
import static dev.presence.spi.tck.TckSupport.newNodeId;
import static dev.presence.spi.tck.TckSupport.newSession;
import static dev.presence.spi.tck.TckSupport.newUser;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.util.List;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract of a backend whose state lives elsewhere (a server, a cluster) while that state
 * cannot be reached: {@link PresenceBackend#isAvailable()} says so, every store method and {@link
 * dev.presence.spi.PresenceEventBus#publish} throw {@link UnavailableException} and change nothing,
 * and once the state can be reached again the same backend object works again, with the state it
 * had.
 *
 * <p><b>How to use it.</b> Extend this class and implement {@link #createBackend()}, {@link
 * #cutOff()} (make the state unreachable for the backend, for example by killing the server
 * process) and {@link #restore()} (make it reachable again with the state it had, for example by
 * restarting that server on the same address with its data). A backend whose state lives in its own
 * process (the in-memory one) cannot be cut off and does not run this contract.
 *
 * @since 0.1
 */
public abstract class BackendOutageContract {

  /** The backend of the current test. */
  protected PresenceBackend backend;

  /** Creates the contract; subclasses need a no-argument constructor, as any JUnit test. */
  protected BackendOutageContract() {}

  /**
   * Creates the backend under test; closed after each test.
   *
   * @return an open backend that is the only member of its cluster
   */
  protected abstract PresenceBackend createBackend();

  /** Makes the backend's state unreachable; returns once it is (the backend may not know yet). */
  protected abstract void cutOff();

  /** Makes the state reachable again, with everything it held before {@link #cutOff()}. */
  protected abstract void restore();

  /**
   * How long the backend may take to notice an outage, or the end of one.
   *
   * @return 30 seconds by default
   */
  protected Duration detectionTimeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  void open() {
    backend = createBackend();
  }

  @AfterEach
  void close() {
    backend.close();
  }

  @Test
  @DisplayName(
      "while the state is unreachable isAvailable() is false and every method throws"
          + " UnavailableException; afterwards the same backend works again")
  void unreachableState() {
    PresenceStore store = backend.store();
    ChannelId channel = newChannel();
    UserId user = newUser();
    SessionLease session = SessionLease.nodeBound(newSession(), backend.nodeId());
    store.join(channel, user, session, NO_LIMIT, T0);

    refusedDuringOutage(store, channel, user, session);

    await()
        .atMost(detectionTimeout())
        .ignoreExceptionsInstanceOf(UnavailableException.class)
        .untilAsserted(
            () -> {
              assertThat(backend.isAvailable()).isTrue();
              assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, 1, 1));
            });
    UserId other = newUser();
    assertThat(store.join(channel, other, SessionLease.nodeBound(newSession(), "n"), 9, at(1)))
        .contains(event(EventKind.JOIN, channel, other, Attributes.EMPTY, 2, 2, at(1)));
  }

  @Test
  @DisplayName("a change refused with UnavailableException left nothing changed")
  void refusedChangeChangesNothing() {
    PresenceStore store = backend.store();
    ChannelId channel = newChannel();
    UserId user = newUser();
    SessionLease session = SessionLease.nodeBound(newSession(), backend.nodeId());
    store.join(channel, user, session, NO_LIMIT, T0);
    store.setAttributes(channel, user, attrs("a", "1"), T0);
    ChannelUsers before = store.snapshot(channel);

    refusedDuringOutage(store, channel, user, session);

    await()
        .atMost(detectionTimeout())
        .ignoreExceptionsInstanceOf(UnavailableException.class)
        .untilAsserted(() -> assertThat(store.snapshot(channel)).isEqualTo(before));
    assertThat(store.channelsOf(user)).containsExactly(channel);
    assertThat(store.attributes(channel, user)).contains(attrs("a", "1"));
  }

  /**
   * Cuts the state off, awaits {@code isAvailable() == false}, checks that every call is refused
   * with {@link UnavailableException} while the backend still says it is unavailable and not
   * failed, and restores the state.
   */
  private void refusedDuringOutage(
      PresenceStore store, ChannelId channel, UserId user, SessionLease session) {
    cutOff();
    try {
      await()
          .atMost(detectionTimeout())
          .untilAsserted(() -> assertThat(backend.isAvailable()).isFalse());
      for (ThrowingCallable call : everyCall(store, channel, user, session)) {
        assertThatThrownBy(call).isInstanceOf(UnavailableException.class);
      }
      assertThat(backend.isAvailable()).isFalse();
      assertThat(backend.isFailed())
          .as("an outage that can end by itself is not a failure for good")
          .isFalse();
    } finally {
      restore();
    }
  }

  /** One call of every store method that changes the channel, and the reads, and a publish. */
  private List<ThrowingCallable> everyCall(
      PresenceStore store, ChannelId channel, UserId user, SessionLease session) {
    PresenceEvent made = event(EventKind.JOIN, channel, newUser(), Attributes.EMPTY, 9, 9, at(2));
    return List.of(
        () -> store.join(channel, newUser(), session, NO_LIMIT, at(2)),
        () -> store.leave(channel, user, session.id(), at(2)),
        () -> store.release(channel, user, session.id(), CloseReason.LOST, at(2), at(2)),
        () ->
            store.releaseNode(
                session.nodeId() == null ? newNodeId() : session.nodeId(), at(2), at(2)),
        () -> store.expire(at(3600), Duration.ZERO),
        () -> store.setAttributes(channel, user, attrs("a", "2"), at(2)),
        () -> store.attributes(channel, user),
        () -> store.users(channel, PageRequest.FIRST),
        () -> store.snapshot(channel),
        () -> store.occupancy(channel),
        () -> store.channelsOf(user),
        () -> backend.eventBus().publish(List.of(made)));
  }
}
