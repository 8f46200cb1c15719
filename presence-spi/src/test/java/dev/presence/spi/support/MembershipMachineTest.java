package dev.presence.spi.support;

import static dev.presence.spi.support.MembershipMachine.ATTRIBUTES;
import static dev.presence.spi.support.MembershipMachine.CLEAN;
import static dev.presence.spi.support.MembershipMachine.JOIN;
import static dev.presence.spi.support.MembershipMachine.LEAVE;
import static dev.presence.spi.support.MembershipMachine.LOST;
import static dev.presence.spi.support.MembershipMachine.NONE;
import static dev.presence.spi.support.MembershipMachine.TIMEOUT;
import static dev.presence.spi.support.MembershipStatus.FULL;
import static dev.presence.spi.support.MembershipStatus.NOT_JOINED;
import static dev.presence.spi.support.MembershipStatus.OK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The membership state machine on its own: plain data in, plain data out, no store around it. Time
 * is in nanoseconds; a "second" here is {@link #S}.
 */
class MembershipMachineTest {

  private static final long S = 1_000_000_000L;
  private static final long T0 = 1_000 * S;
  private static final int NO_LIMIT = 1_000;
  private static final String[] NONE_ATTRS = new String[0];

  /** A channel's state and everything the machine said, applied in order. */
  private static final class Channel {
    @Nullable Object state;
    final long retention;
    final List<MembershipEvent> events = new ArrayList<>();

    Channel(long retention) {
      this.retention = retention;
    }

    Channel() {
      this(NONE);
    }

    Transition apply(MembershipCommand command, long now) {
      Transition t = MembershipMachine.apply(state, command, now, retention);
      if (t.changed()) {
        state = t.state();
      }
      events.addAll(t.events());
      return t;
    }

    List<MembershipEvent> join(String user, String session, long now) {
      return apply(new MembershipCommand.Join(user, session, "node-a", NONE, NO_LIMIT), now)
          .events();
    }

    List<MembershipEvent> joinLease(String user, String session, long expiry, long now) {
      return apply(new MembershipCommand.Join(user, session, null, expiry, NO_LIMIT), now).events();
    }

    List<MembershipEvent> leave(String user, String session, long now) {
      return apply(new MembershipCommand.Leave(user, session), now).events();
    }

    List<MembershipEvent> release(String user, String session, int reason, long until, long now) {
      return apply(new MembershipCommand.Release(user, session, reason, until), now).events();
    }

    List<MembershipEvent> expire(long grace, long now) {
      return apply(new MembershipCommand.Expire(grace), now).events();
    }

    int occupancy() {
      return MembershipMachine.occupancy(state);
    }

    long seq() {
      return MembershipMachine.seq(state);
    }
  }

  /** A channel with the given retention where alice joined with session s1 (seq 1). */
  private static Channel withAlice(long retention) {
    Channel c = new Channel(retention);
    c.join("alice", "s1", T0);
    return c;
  }

  private static MembershipEvent event(int kind, String user, int occupancy, long seq) {
    return new MembershipEvent(kind, user, NONE_ATTRS, occupancy, seq);
  }

  /** Events compared by value (the record's equals compares the attribute arrays by identity). */
  private static List<String> show(List<MembershipEvent> events) {
    return events.stream()
        .map(
            e ->
                e.kind()
                    + " "
                    + e.user()
                    + " "
                    + Arrays.toString(e.attributes())
                    + " "
                    + e.occupancy()
                    + " #"
                    + e.seq())
        .toList();
  }

  private static List<String> show(MembershipEvent... events) {
    return show(List.of(events));
  }

  @Nested
  @DisplayName("joins and leaves")
  class JoinsAndLeaves {

    @Test
    @DisplayName("a first join emits JOIN with seq 1; a second session of the user emits nothing")
    void joinAndSecondSession() {
      Channel c = new Channel();

      assertThat(show(c.join("alice", "s1", T0))).isEqualTo(show(event(JOIN, "alice", 1, 1)));
      assertThat(c.join("alice", "s2", T0)).isEmpty();
      assertThat(show(c.join("bob", "s3", T0))).isEqualTo(show(event(JOIN, "bob", 2, 2)));
      assertThat(c.occupancy()).isEqualTo(2);
      assertThat(c.seq()).isEqualTo(2);
    }

    @Test
    @DisplayName("the last session's leave emits LEAVE; unknown sessions and users change nothing")
    void leave() {
      Channel c = withAlice(NONE);
      c.join("alice", "s2", T0);

      assertThat(c.leave("alice", "s1", T0)).isEmpty();
      Transition unknown = c.apply(new MembershipCommand.Leave("alice", "nope"), T0);
      assertThat(unknown.changed()).isFalse();
      assertThat(c.apply(new MembershipCommand.Leave("carol", "s1"), T0).changed()).isFalse();
      assertThat(show(c.leave("alice", "s2", T0))).isEqualTo(show(event(LEAVE, "alice", 0, 2)));
      assertThat(c.occupancy()).isZero();
    }

    @Test
    @DisplayName("joining again with the same node-bound session changes nothing")
    void sameSessionAgain() {
      Channel c = withAlice(NONE);

      Transition again =
          c.apply(new MembershipCommand.Join("alice", "s1", "node-a", NONE, NO_LIMIT), T0);

      assertThat(again.changed()).isFalse();
      assertThat(again.events()).isEmpty();
    }

    @Test
    @DisplayName(
        "a join over the limit is refused with FULL and changes nothing; present users pass")
    void limit() {
      Channel c = new Channel();
      c.apply(new MembershipCommand.Join("alice", "s1", "n", NONE, 1), T0);

      Transition refused = c.apply(new MembershipCommand.Join("bob", "s2", "n", NONE, 1), T0);
      Transition present = c.apply(new MembershipCommand.Join("alice", "s3", "n", NONE, 1), T0);

      assertThat(refused.status()).isEqualTo(FULL);
      assertThat(refused.ok()).isFalse();
      assertThat(refused.changed()).isFalse();
      assertThat(present.status()).isEqualTo(OK);
      assertThat(c.occupancy()).isEqualTo(1);
      assertThat(c.seq()).isEqualTo(1);
    }

    @Test
    @DisplayName("a refused join on a channel with no state leaves it without state")
    void refusedJoinOnNewChannel() {
      Transition t =
          MembershipMachine.apply(
              null, new MembershipCommand.Join("alice", "s1", "n", NONE, 0), T0, NONE);

      assertThat(t.status()).isEqualTo(FULL);
      assertThat(t.changed()).isFalse();
      assertThat(t.state()).isNull();
    }
  }

  @Nested
  @DisplayName("grace, leases and node loss")
  class Grace {

    @Test
    @DisplayName("a release holds the membership until its deadline, then expiry ends it once")
    void releaseHoldsThenEnds() {
      Channel c = withAlice(NONE);

      assertThat(c.release("alice", "s1", CLEAN, T0 + 5 * S, T0)).isEmpty();
      assertThat(c.occupancy()).isEqualTo(1);
      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(T0 + 5 * S);
      assertThat(c.expire(0, T0 + 5 * S - 1)).isEmpty();
      assertThat(show(c.expire(0, T0 + 5 * S))).isEqualTo(show(event(LEAVE, "alice", 0, 2)));
      assertThat(c.expire(0, T0 + 6 * S)).isEmpty();
      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(NONE);
    }

    @Test
    @DisplayName("a lost session ends with TIMEOUT; a deadline not after now ends it at once")
    void lostEndsWithTimeout() {
      Channel c = withAlice(NONE);
      c.join("bob", "s2", T0);

      assertThat(show(c.release("alice", "s1", LOST, T0, T0)))
          .isEqualTo(show(event(TIMEOUT, "alice", 1, 3)));
      assertThat(show(c.release("bob", "s2", CLEAN, T0 - 1, T0)))
          .isEqualTo(show(event(LEAVE, "bob", 0, 4)));
    }

    @Test
    @DisplayName("a join within the grace cancels the pending end silently, keeping the attributes")
    void backWithinGrace() {
      Channel c = withAlice(NONE);
      c.apply(new MembershipCommand.SetAttributes("alice", new String[] {"a", "1"}), T0);
      c.release("alice", "s1", LOST, T0 + 5 * S, T0);

      assertThat(c.join("alice", "s2", T0 + S)).isEmpty();
      assertThat(c.expire(0, T0 + 10 * S)).isEmpty();
      assertThat(MembershipMachine.attributes(c.state, "alice")).containsExactly("a", "1");
      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(NONE);
    }

    @Test
    @DisplayName("a leave does not end a pending membership: only its deadline does")
    void leaveDoesNotEndPending() {
      Channel c = withAlice(NONE);
      c.release("alice", "s1", CLEAN, T0 + 5 * S, T0);

      assertThat(c.leave("alice", "s1", T0 + S)).isEmpty();
      assertThat(c.occupancy()).isEqualTo(1);
    }

    @Test
    @DisplayName("an expired lease is held from its expiry for the grace, then times out")
    void leaseExpiry() {
      Channel c = new Channel();
      c.joinLease("alice", "s1", T0 + 10 * S, T0);

      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(T0 + 10 * S);
      assertThat(c.expire(3 * S, T0 + 11 * S)).isEmpty();
      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(T0 + 13 * S);
      assertThat(show(c.expire(3 * S, T0 + 13 * S))).isEqualTo(show(event(TIMEOUT, "alice", 0, 2)));
    }

    @Test
    @DisplayName("a lease whose grace has passed too times out at once; a renewed lease does not")
    void leaseRenewedAndPassed() {
      Channel c = new Channel();
      c.joinLease("alice", "s1", T0 + 10 * S, T0);
      c.joinLease("bob", "s2", T0 + 10 * S, T0);
      c.joinLease("bob", "s2", T0 + 30 * S, T0 + 9 * S);

      assertThat(show(c.expire(S, T0 + 20 * S))).isEqualTo(show(event(TIMEOUT, "alice", 1, 3)));
      assertThat(c.occupancy()).isEqualTo(1);
    }

    @Test
    @DisplayName("a node's release ends exactly its sessions; users with another session stay")
    void releaseNode() {
      Channel c = new Channel();
      c.apply(new MembershipCommand.Join("alice", "s1", "lost", NONE, NO_LIMIT), T0);
      c.apply(new MembershipCommand.Join("bob", "s2", "lost", NONE, NO_LIMIT), T0);
      c.apply(new MembershipCommand.Join("bob", "s3", "alive", NONE, NO_LIMIT), T0);

      assertThat(MembershipMachine.hasNode(c.state, "lost")).isTrue();
      assertThat(MembershipMachine.hasNode(c.state, "los")).isFalse();
      List<MembershipEvent> ended =
          c.apply(new MembershipCommand.ReleaseNode("lost", T0), T0).events();

      assertThat(show(ended)).isEqualTo(show(event(TIMEOUT, "alice", 1, 3)));
      assertThat(MembershipMachine.hasNode(c.state, "lost")).isFalse();
      assertThat(MembershipMachine.hasNode(c.state, "alive")).isTrue();
      assertThat(c.apply(new MembershipCommand.ReleaseNode("lost", T0), T0).changed()).isFalse();
    }

    @Test
    @DisplayName("a node's release with a grace holds its users until the deadline")
    void releaseNodeWithGrace() {
      Channel c = new Channel();
      c.apply(new MembershipCommand.Join("alice", "s1", "lost", NONE, NO_LIMIT), T0);

      assertThat(c.apply(new MembershipCommand.ReleaseNode("lost", T0 + 2 * S), T0).events())
          .isEmpty();
      assertThat(show(c.expire(0, T0 + 2 * S))).isEqualTo(show(event(TIMEOUT, "alice", 0, 2)));
    }
  }

  @Nested
  @DisplayName("attributes")
  class AttributesOfMembers {

    @Test
    @DisplayName("setting emits ATTRIBUTES unless equal; without a membership it is NOT_JOINED")
    void setAttributes() {
      Channel c = withAlice(NONE);
      String[] map = {"a", "1", "b", "2"};

      Transition set = c.apply(new MembershipCommand.SetAttributes("alice", map), T0);
      map[1] = "changed by the caller";
      Transition same =
          c.apply(
              new MembershipCommand.SetAttributes("alice", new String[] {"a", "1", "b", "2"}), T0);
      Transition absent =
          c.apply(new MembershipCommand.SetAttributes("bob", new String[] {"a", "1"}), T0);

      assertThat(show(set.events())).containsExactly(ATTRIBUTES + " alice [a, 1, b, 2] 1 #2");
      assertThat(same.changed()).isFalse();
      assertThat(same.events()).isEmpty();
      assertThat(absent.status()).isEqualTo(NOT_JOINED);
      assertThat(absent.changed()).isFalse();
      assertThat(show(c.leave("alice", "s1", T0)))
          .containsExactly(LEAVE + " alice [a, 1, b, 2] 0 #3");
      assertThat(MembershipMachine.attributes(c.state, "alice")).isNull();
    }
  }

  @Nested
  @DisplayName("reads")
  class Reads {

    @Test
    @DisplayName("pages go in id order from a position, with the last id only if more follow")
    void pages() {
      Channel c = new Channel();
      for (String user : List.of("d", "b", "a", "c")) {
        c.join(user, "s-" + user, T0);
      }

      MembershipPage first = MembershipMachine.page(c.state, null, 2, false);
      MembershipPage rest = MembershipMachine.page(c.state, "b", 2, true);
      MembershipPage minted = MembershipMachine.page(c.state, "bb", 10, false);

      assertThat(first.users()).containsExactly("a", "b");
      assertThat(first.attributes()).isEmpty();
      assertThat(first.last()).isEqualTo("b");
      assertThat(rest.users()).containsExactly("c", "d");
      assertThat(rest.attributes()).hasSize(2);
      assertThat(rest.last()).isNull();
      assertThat(minted.users()).containsExactly("c", "d");
      assertThat(first.occupancy()).isEqualTo(4);
      assertThat(first.seq()).isEqualTo(4);
    }

    @Test
    @DisplayName("a channel with no state reads as empty with seq 0")
    void noState() {
      assertThat(MembershipMachine.page(null, null, 10, true))
          .isEqualTo(new MembershipPage(0, 0, List.of(), List.of(), null));
      assertThat(MembershipMachine.occupancy(null)).isZero();
      assertThat(MembershipMachine.seq(null)).isZero();
      assertThat(MembershipMachine.attributes(null, "alice")).isNull();
      assertThat(MembershipMachine.isPresent(null, "alice")).isFalse();
      assertThat(MembershipMachine.nextDeadline(null)).isEqualTo(NONE);
      assertThat(MembershipMachine.hasNode(null, "n")).isFalse();
    }

    @Test
    @DisplayName("a value that is not a channel state is refused")
    void notAState() {
      assertThatThrownBy(
              () -> MembershipMachine.apply("x", new MembershipCommand.Expire(0), T0, NONE))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  @DisplayName("retention")
  class Retention {

    @Test
    @DisplayName("an emptied channel keeps its seq for the retention, then Expire removes it")
    void retention() {
      Channel c = withAlice(10 * S);
      c.leave("alice", "s1", T0);

      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(T0 + 10 * S);
      assertThat(c.expire(0, T0 + 10 * S - 1).isEmpty()).isTrue();
      assertThat(c.seq()).isEqualTo(2);
      Transition removed = c.apply(new MembershipCommand.Expire(0), T0 + 10 * S);

      assertThat(removed.changed()).isTrue();
      assertThat(removed.state()).isNull();
    }

    @Test
    @DisplayName("a channel refilled within the retention continues its sequence")
    void refill() {
      Channel c = withAlice(10 * S);
      c.leave("alice", "s1", T0);

      assertThat(show(c.join("bob", "s2", T0 + S))).isEqualTo(show(event(JOIN, "bob", 1, 3)));
      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(NONE);
    }

    @Test
    @DisplayName("with retention NONE an emptied channel is never due and never removed")
    void forever() {
      Channel c = withAlice(NONE);
      c.leave("alice", "s1", T0);

      assertThat(MembershipMachine.nextDeadline(c.state)).isEqualTo(NONE);
      assertThat(c.apply(new MembershipCommand.Expire(0), Long.MAX_VALUE - 1).changed()).isFalse();
    }
  }

  @Nested
  @DisplayName("the state as data")
  class StateAsData {

    @Test
    @DisplayName(
        "the state holds JDK types only: a copy is read where no class but the JDK's can be loaded")
    void jdkTypesOnly() {
      Channel c = withAlice(NONE);
      c.joinLease("bob", "s2", T0 + S, T0);
      c.apply(new MembershipCommand.SetAttributes("bob", new String[] {"k", "v"}), T0);
      c.release("alice", "s1", LOST, T0 + S, T0);

      Object copy = copy(c.state);

      assertThat(describe(copy)).isEqualTo(describe(c.state));
      assertThat(MembershipMachine.page(copy, null, 10, true).users())
          .containsExactly("alice", "bob");
    }

    @Test
    @DisplayName(
        "replaying the same commands on a serialized copy (a backup) reaches the same state and"
            + " events")
    void deterministicOnCopies() {
      Random random = new Random(42);
      Channel primary = new Channel(5 * S);
      Channel backup = new Channel(5 * S);
      long now = T0;
      for (int i = 0; i < 2_000; i++) {
        now += random.nextInt(3) * S / 2;
        MembershipCommand command = randomCommand(random, now);
        primary.apply(command, now);
        backup.apply(command, now);
        backup.state = copy(backup.state);
      }

      assertThat(show(backup.events)).isEqualTo(show(primary.events));
      assertThat(describe(backup.state)).isEqualTo(describe(primary.state));
      assertThat(primary.events).isNotEmpty();
      long seq = 0;
      for (MembershipEvent e : primary.events) {
        assertThat(e.seq()).as("gap-free").isEqualTo(++seq);
      }
    }

    private MembershipCommand randomCommand(Random random, long now) {
      String user = "u" + random.nextInt(8);
      String session = "s" + random.nextInt(3);
      return switch (random.nextInt(7)) {
        case 0 -> new MembershipCommand.Join(user, session, "n" + random.nextInt(2), NONE, 6);
        case 1 -> new MembershipCommand.Join(user, session, null, now + random.nextInt(4) * S, 6);
        case 2 -> new MembershipCommand.Leave(user, session);
        case 3 ->
            new MembershipCommand.Release(
                user, session, random.nextBoolean() ? CLEAN : LOST, now + random.nextInt(3) * S);
        case 4 -> new MembershipCommand.ReleaseNode("n" + random.nextInt(2), now + S);
        case 5 -> new MembershipCommand.Expire(random.nextInt(2) * S);
        default ->
            new MembershipCommand.SetAttributes(user, new String[] {"k", "" + random.nextInt(3)});
      };
    }
  }

  /** Reads only classes of the JDK: what a Hazelcast member without the application can load. */
  private static final class JdkOnlyInput extends ObjectInputStream {
    JdkOnlyInput(byte[] bytes) throws IOException {
      super(new ByteArrayInputStream(bytes));
    }

    @Override
    protected Class<?> resolveClass(ObjectStreamClass desc) throws ClassNotFoundException {
      return Class.forName(desc.getName(), false, ClassLoader.getPlatformClassLoader());
    }
  }

  /**
   * Java serialization there and back, reading with the JDK's classes only: a state as another
   * member, or a migration thread without the application, would hold it.
   */
  private static @Nullable Object copy(@Nullable Object state) {
    if (state == null) {
      return null;
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
        out.writeObject(state);
      }
      try (ObjectInputStream in = new JdkOnlyInput(bytes.toByteArray())) {
        return in.readObject();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A deep, value-based description of a state (arrays by content). */
  private static String describe(@Nullable Object value) {
    if (value instanceof Map<?, ?> map) {
      StringBuilder b = new StringBuilder("{");
      map.forEach((k, v) -> b.append(k).append('=').append(describe(v)).append(", "));
      return b.append('}').toString();
    }
    if (value instanceof Collection<?> collection) {
      return collection.stream().map(MembershipMachineTest::describe).toList().toString();
    }
    if (value instanceof Object[] array) {
      return Arrays.stream(array).map(MembershipMachineTest::describe).toList().toString();
    }
    if (value instanceof long[] array) {
      return Arrays.toString(array);
    }
    return String.valueOf(value);
  }
}
