package dev.presence.spi.support;

import static dev.presence.spi.support.MembershipStatus.FULL;
import static dev.presence.spi.support.MembershipStatus.NOT_JOINED;
import static dev.presence.spi.support.MembershipStatus.OK;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import org.jspecify.annotations.Nullable;

/**
 * The membership rules of {@link dev.presence.spi.PresenceStore}, once for every backend: takes one
 * channel's state (plain data), a {@link MembershipCommand} and the time, and yields a {@link
 * Transition}: the new state, the events with the channel's next sequence numbers, and whether the
 * command was refused. Deterministic: it never reads a clock, so a backup may replay a command and
 * reach the same state.
 *
 * <p><b>Atomicity is the caller's.</b> A backend runs each call for a channel while no other call
 * for the same channel runs (a monitor, a partition thread, a transaction) and stores the result
 * before the next one; reads ({@link #page}, {@link #attributes}, ...) need the same exclusion when
 * the state is changed in place.
 *
 * <p><b>The state</b> is a value of JDK types only, opaque to backends: create none (a channel with
 * no state is passed as null), pass back exactly what the last {@link Transition#state()} was. It
 * is changed <em>in place</em> (so that a join costs O(log n) whatever the channel's size), so a
 * backend that must not share it (a store that keeps the previous value) copies it first; it is
 * {@link java.io.Serializable}. Its form, which a stored channel keeps across versions:
 *
 * <ul>
 *   <li>a {@link ConcurrentSkipListMap ConcurrentSkipListMap&lt;String, Object&gt;} with
 *   <li>{@code "h"}: {@code long[]} header {format, seq, occupancy, next deadline, tombstone
 *       until}; replaced on every change and never mutated once stored, so {@link #nextDeadline}
 *       may read it from any thread;
 *   <li>{@code "m"}: {@code TreeMap<String, Object[]>} members by user id: attributes ({@code
 *       String[]} key, value, ...), session ids ({@code String[]}), session nodes ({@code
 *       String[]}, null for lease-bound), session expiries ({@code long[]}, {@link #NONE} for
 *       node-bound), meta ({@code long[]} pending reason, pending deadline, indexed deadline);
 *   <li>{@code "d"}: {@code TreeSet<String>} deadline index: each member's earliest deadline (16
 *       hex digits, order-preserving) followed by the user id;
 *   <li>{@code "n"}: {@code TreeMap<String, Integer>} node index: node id, NUL, user id mapped to
 *       the number of that user's sessions held by that node.
 * </ul>
 *
 * <p><b>Retention.</b> A channel whose last user left keeps its state, and so its {@code seq}, for
 * a retention given with each call; {@link MembershipCommand.Expire} removes it after that ({@link
 * Transition#state()} null). {@link #NONE} keeps it for ever.
 *
 * <p>Times are nanoseconds since the epoch (saturating at {@link Long#MAX_VALUE}, which also means
 * "none").
 *
 * <p>Not application API (see the {@linkplain dev.presence.spi.support package}).
 *
 * @since 0.1
 */
public final class MembershipMachine {

  /** Event kind: a user became present. */
  public static final int JOIN = 1;

  /** Event kind: a membership ended by a leave or a clean close. */
  public static final int LEAVE = 2;

  /** Event kind: a membership ended by a lost session. */
  public static final int TIMEOUT = 3;

  /** Event kind: a user's attributes changed. */
  public static final int ATTRIBUTES = 4;

  /** Event kind: a membership ended by a kick ({@link MembershipCommand.Kick}); a leave event. */
  public static final int KICKED = 5;

  /** Close reason: clean (ends with {@link #LEAVE}). */
  public static final int CLEAN = 1;

  /** Close reason: lost (ends with {@link #TIMEOUT}). */
  public static final int LOST = 2;

  /** No deadline; as a retention, for ever. */
  public static final long NONE = Long.MAX_VALUE;

  private static final String[] NO_ATTRIBUTES = new String[0];
  private static final int FORMAT = 1;
  private static final String HEADER = "h";
  private static final String MEMBERS = "m";
  private static final String DEADLINES = "d";
  private static final String NODES = "n";
  private static final int H_FORMAT = 0;
  private static final int H_SEQ = 1;
  private static final int H_NEXT = 3;
  private static final int H_TOMBSTONE = 4;
  private static final char NODE_SEPARATOR = '\u0000';
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private final ConcurrentSkipListMap<String, Object> root;
  private final TreeMap<String, Object[]> members;
  private final TreeSet<String> deadlines;
  private final TreeMap<String, Integer> nodes;
  private final boolean existed;
  private long seq;
  private long tombstoneUntil;
  private boolean changed;
  private final List<MembershipEvent> events = new ArrayList<>(1);

  @SuppressWarnings("unchecked")
  private MembershipMachine(@Nullable Object state) {
    if (state instanceof ConcurrentSkipListMap<?, ?> stored) {
      root = (ConcurrentSkipListMap<String, Object>) stored;
      long[] header = (long[]) root.get(HEADER);
      if (header[H_FORMAT] != FORMAT) {
        throw new IllegalStateException("unknown channel state format " + header[H_FORMAT]);
      }
      members = (TreeMap<String, Object[]>) root.get(MEMBERS);
      deadlines = (TreeSet<String>) root.get(DEADLINES);
      nodes = (TreeMap<String, Integer>) root.get(NODES);
      seq = header[H_SEQ];
      tombstoneUntil = header[H_TOMBSTONE];
      existed = true;
    } else if (state == null) {
      root = new ConcurrentSkipListMap<>();
      members = new TreeMap<>();
      deadlines = new TreeSet<>();
      nodes = new TreeMap<>();
      root.put(MEMBERS, members);
      root.put(DEADLINES, deadlines);
      root.put(NODES, nodes);
      seq = 0;
      tombstoneUntil = NONE;
      existed = false;
    } else {
      throw new IllegalArgumentException("not a channel state: " + state.getClass().getName());
    }
  }

  // ---- the entry point ----

  /**
   * Applies a command to a channel.
   *
   * @param state the channel's state, or null for a channel that has none
   * @param command the change
   * @param now the current time, in nanoseconds since the epoch
   * @param retention how long an empty channel keeps its state (and {@code seq}), in nanoseconds;
   *     {@link #NONE} for ever
   * @return the outcome, the events and the state to store
   * @throws IllegalArgumentException if {@code state} is not a channel state
   */
  public static Transition apply(
      @Nullable Object state, MembershipCommand command, long now, long retention) {
    MembershipMachine m = new MembershipMachine(state);
    MembershipStatus status = OK;
    if (command instanceof MembershipCommand.Join c) {
      status = m.join(c.user(), c.session(), c.node(), c.expiry(), c.maxUsers());
    } else if (command instanceof MembershipCommand.Leave c) {
      m.leave(c.user(), c.session());
    } else if (command instanceof MembershipCommand.Release c) {
      m.release(c.user(), c.session(), c.reason(), c.graceUntil(), now);
    } else if (command instanceof MembershipCommand.ReleaseNode c) {
      m.releaseNode(c.node(), c.graceUntil(), now);
    } else if (command instanceof MembershipCommand.SetAttributes c) {
      status = m.setAttributes(c.user(), c.attributes());
    } else if (command instanceof MembershipCommand.Kick c) {
      m.kick(c.user());
    } else if (command instanceof MembershipCommand.Expire c) {
      if (m.expire(now, c.grace())) {
        return new Transition(OK, m.existed, null, m.events);
      }
    } else {
      throw new IllegalArgumentException("unknown command " + command);
    }
    return m.commit(status, state, now, retention);
  }

  // ---- reads; no change ----

  /**
   * A channel's sequence number: that of its last event, 0 for none.
   *
   * @param state the channel's state, or null
   * @return the seq
   */
  public static long seq(@Nullable Object state) {
    return state == null ? 0 : new MembershipMachine(state).seq;
  }

  /**
   * A channel's occupancy: the number of users with a membership, pending or not.
   *
   * @param state the channel's state, or null
   * @return the occupancy
   */
  public static int occupancy(@Nullable Object state) {
    return state == null ? 0 : new MembershipMachine(state).members.size();
  }

  /**
   * A channel's occupancy as of its last stored change, read from the header only, so that it may
   * be called from any thread while another changes the state in place (as {@link #nextDeadline}).
   *
   * @param state the channel's state, or null
   * @return the occupancy, 0 for null or a state that is not a channel's
   * @since 0.2
   */
  public static int publishedOccupancy(@Nullable Object state) {
    if (state instanceof ConcurrentSkipListMap<?, ?> stored
        && stored.get(HEADER) instanceof long[] header) {
      return (int) header[2];
    }
    return 0;
  }

  /**
   * A user's attributes.
   *
   * @param state the channel's state, or null
   * @param user the user id
   * @return the flattened attributes (see {@link MembershipEvent#attributes()}), or null if the
   *     user has no membership
   */
  public static String @Nullable [] attributes(@Nullable Object state, String user) {
    if (state == null) {
      return null;
    }
    Object[] record = new MembershipMachine(state).members.get(user);
    return record == null ? null : Member.attributesOf(record);
  }

  /**
   * Whether a user has a membership, pending or not.
   *
   * @param state the channel's state, or null
   * @param user the user id
   * @return true if present
   */
  public static boolean isPresent(@Nullable Object state, String user) {
    return state != null && new MembershipMachine(state).members.containsKey(user);
  }

  /**
   * One page of a channel's users in ascending order of id.
   *
   * @param state the channel's state, or null
   * @param after the user id the page starts after (that user need not be present), or null for the
   *     first page
   * @param limit at most this many users
   * @param withAttributes whether to include the users' attributes
   * @return the page
   */
  public static MembershipPage page(
      @Nullable Object state, @Nullable String after, int limit, boolean withAttributes) {
    if (state == null) {
      return new MembershipPage(0, 0, List.of(), List.of(), null);
    }
    MembershipMachine m = new MembershipMachine(state);
    NavigableMap<String, Object[]> rest =
        after == null ? m.members : m.members.tailMap(after, false);
    int count = Math.min(limit, rest.size());
    List<String> users = new ArrayList<>(count);
    List<String[]> attributes = new ArrayList<>(withAttributes ? count : 0);
    Iterator<Map.Entry<String, Object[]>> it = rest.entrySet().iterator();
    for (int i = 0; i < count; i++) {
      Map.Entry<String, Object[]> e = it.next();
      users.add(e.getKey());
      if (withAttributes) {
        attributes.add(Member.attributesOf(e.getValue()));
      }
    }
    String last = it.hasNext() && !users.isEmpty() ? users.get(users.size() - 1) : null;
    return new MembershipPage(m.members.size(), m.seq, users, attributes, last);
  }

  /**
   * The earliest time at which {@link MembershipCommand.Expire} has work in a channel: a member's
   * deadline, or the end of an empty channel's retention. Reads only the immutable header, so it is
   * safe from any thread.
   *
   * @param state the channel's state, or null
   * @return the deadline in nanoseconds since the epoch, or {@link #NONE}
   */
  public static long nextDeadline(@Nullable Object state) {
    if (state instanceof ConcurrentSkipListMap<?, ?> stored
        && stored.get(HEADER) instanceof long[] header) {
      return header[H_NEXT];
    }
    return NONE;
  }

  /**
   * Whether a channel has sessions held by a node, that is whether {@link
   * MembershipCommand.ReleaseNode} has work in it.
   *
   * @param state the channel's state, or null
   * @param nodeId the node
   * @return true if it has
   */
  public static boolean hasNode(@Nullable Object state, String nodeId) {
    if (state instanceof ConcurrentSkipListMap<?, ?> stored
        && stored.get(NODES) instanceof TreeMap<?, ?> index) {
      @SuppressWarnings("unchecked")
      TreeMap<String, Integer> byNode = (TreeMap<String, Integer>) index;
      String next = byNode.ceilingKey(nodeId + NODE_SEPARATOR);
      return next != null && next.startsWith(nodeId + NODE_SEPARATOR);
    }
    return false;
  }

  // ---- time ----

  /**
   * An instant as nanoseconds since the epoch, saturating.
   *
   * @param t the instant
   * @return the nanoseconds
   */
  public static long nanos(Instant t) {
    try {
      return Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
    } catch (ArithmeticException e) {
      return t.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * A duration in nanoseconds, saturating.
   *
   * @param d the duration
   * @return the nanoseconds
   */
  public static long nanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /**
   * {@code a + b}, saturating at {@link Long#MIN_VALUE} and {@link Long#MAX_VALUE}.
   *
   * @param a a number
   * @param b another
   * @return the sum
   */
  public static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return r;
  }

  // ---- the rules ----

  private MembershipStatus join(
      String user, String sessionId, @Nullable String node, long expiry, int max) {
    Member m = load(user);
    if (m == null) {
      if (members.size() >= max) {
        return FULL;
      }
      m = new Member();
      addSession(user, m, new Session(sessionId, node, expiry));
      save(user, m);
      emit(JOIN, user, m.attrs);
      return OK;
    }
    int i = m.indexOf(sessionId);
    Session renewed = new Session(sessionId, node, expiry);
    if (i >= 0) {
      Session old = m.sessions.get(i);
      if (old.equals(renewed) && m.pendingReason == 0) {
        return OK;
      }
      removeSession(user, m, i);
    }
    addSession(user, m, renewed);
    m.clearPending();
    save(user, m);
    return OK;
  }

  private void leave(String user, String sessionId) {
    Member m = load(user);
    int i = m == null ? -1 : m.indexOf(sessionId);
    if (m == null || i < 0) {
      return;
    }
    removeSession(user, m, i);
    if (m.sessions.isEmpty()) {
      end(user, m, LEAVE);
    } else {
      save(user, m);
    }
  }

  private void release(String user, String sessionId, int reason, long graceUntil, long now) {
    Member m = load(user);
    int i = m == null ? -1 : m.indexOf(sessionId);
    if (m == null || i < 0) {
      return;
    }
    removeSession(user, m, i);
    holdOrSave(user, m, reason, graceUntil, now);
  }

  private void releaseNode(String node, long graceUntil, long now) {
    String from = node + NODE_SEPARATOR;
    List<String> users = new ArrayList<>();
    for (String key :
        nodes.subMap(from, true, node + (char) (NODE_SEPARATOR + 1), false).keySet()) {
      users.add(key.substring(from.length()));
    }
    for (String user : users) {
      Member m = load(user);
      if (m == null) {
        continue;
      }
      for (int i = m.sessions.size() - 1; i >= 0; i--) {
        if (node.equals(m.sessions.get(i).node)) {
          removeSession(user, m, i);
        }
      }
      holdOrSave(user, m, LOST, graceUntil, now);
    }
  }

  /**
   * Ends pending memberships whose deadline is not after now and releases expired leases; returns
   * whether the channel is to be removed (empty, and its retention ended).
   */
  private boolean expire(long now, long grace) {
    while (!deadlines.isEmpty()) {
      String key = deadlines.first();
      if (decodeDeadline(key) > now) {
        break;
      }
      String user = key.substring(16);
      Member m = load(user);
      if (m == null) {
        deadlines.remove(key);
        changed = true;
        continue;
      }
      if (m.pendingReason != 0) {
        end(user, m, m.pendingReason == CLEAN ? LEAVE : TIMEOUT);
        continue;
      }
      long lastExpiry = Long.MIN_VALUE;
      for (int i = m.sessions.size() - 1; i >= 0; i--) {
        Session s = m.sessions.get(i);
        if (s.expiry <= now) {
          lastExpiry = Math.max(lastExpiry, s.expiry);
          removeSession(user, m, i);
        }
      }
      holdOrSave(user, m, LOST, saturatedAdd(lastExpiry, grace), now);
    }
    return members.isEmpty() && tombstoneUntil <= now;
  }

  private void kick(String user) {
    Member m = load(user);
    if (m != null) {
      end(user, m, KICKED);
    }
  }

  private MembershipStatus setAttributes(String user, String[] attributes) {
    Member m = load(user);
    if (m == null) {
      return NOT_JOINED;
    }
    if (Arrays.equals(m.attrs, attributes)) {
      return OK;
    }
    m.attrs = attributes.clone();
    save(user, m);
    emit(ATTRIBUTES, user, m.attrs);
    return OK;
  }

  // ---- committing ----

  /** Updates the header of a changed state and starts the retention of an emptied channel. */
  private Transition commit(
      MembershipStatus status, @Nullable Object state, long now, long retention) {
    if (!changed) {
      return new Transition(status, false, state, events);
    }
    if (members.isEmpty()) {
      if (tombstoneUntil == NONE) {
        tombstoneUntil = saturatedAdd(now, retention);
      }
    } else {
      tombstoneUntil = NONE;
    }
    long next = deadlines.isEmpty() ? NONE : decodeDeadline(deadlines.first());
    root.put(
        HEADER,
        new long[] {FORMAT, seq, members.size(), Math.min(next, tombstoneUntil), tombstoneUntil});
    return new Transition(status, true, root, events);
  }

  // ---- internals ----

  private @Nullable Member load(String user) {
    Object[] record = members.get(user);
    return record == null ? null : Member.decode(record);
  }

  /** Stores a member and moves its entry in the deadline index. */
  private void save(String user, Member m) {
    long due = m.due();
    if (due != m.indexed) {
      if (m.indexed != NONE) {
        deadlines.remove(deadlineKey(m.indexed, user));
      }
      if (due != NONE) {
        deadlines.add(deadlineKey(due, user));
      }
      m.indexed = due;
    }
    members.put(user, m.encode());
    changed = true;
  }

  /**
   * After sessions were removed without a leave: saves a member that has sessions left; holds one
   * that has none until {@code graceUntil} (a later deadline replaces an earlier one), or ends it
   * if that is not after now.
   */
  private void holdOrSave(String user, Member m, int reason, long graceUntil, long now) {
    if (!m.sessions.isEmpty()) {
      save(user, m);
      return;
    }
    if (graceUntil <= now) {
      end(user, m, reason == CLEAN ? LEAVE : TIMEOUT);
      return;
    }
    if (m.pendingReason == 0 || graceUntil >= m.pendingDeadline) {
      m.pendingReason = reason;
      m.pendingDeadline = graceUntil;
    }
    save(user, m);
  }

  /** Ends a membership: removes it and its index entries and emits the event. */
  private void end(String user, Member m, int kind) {
    if (m.indexed != NONE) {
      deadlines.remove(deadlineKey(m.indexed, user));
    }
    for (int i = m.sessions.size() - 1; i >= 0; i--) {
      removeSession(user, m, i);
    }
    members.remove(user);
    changed = true;
    emit(kind, user, m.attrs);
  }

  private void addSession(String user, Member m, Session s) {
    m.sessions.add(s);
    if (s.node != null) {
      nodes.merge(s.node + NODE_SEPARATOR + user, 1, Integer::sum);
    }
  }

  private void removeSession(String user, Member m, int index) {
    Session s = m.sessions.remove(index);
    if (s.node != null) {
      String key = s.node + NODE_SEPARATOR + user;
      Integer count = nodes.get(key);
      if (count == null || count <= 1) {
        nodes.remove(key);
      } else {
        nodes.put(key, count - 1);
      }
    }
  }

  private void emit(int kind, String user, String[] attrs) {
    seq++;
    events.add(new MembershipEvent(kind, user, attrs, members.size(), seq));
  }

  /** The deadline as 16 hex digits whose string order is the numeric order, then the user. */
  private static String deadlineKey(long deadline, String user) {
    long flipped = deadline ^ Long.MIN_VALUE;
    char[] chars = new char[16 + user.length()];
    for (int i = 15; i >= 0; i--) {
      chars[i] = HEX[(int) (flipped & 0xf)];
      flipped >>>= 4;
    }
    user.getChars(0, user.length(), chars, 16);
    return new String(chars);
  }

  private static long decodeDeadline(String key) {
    return Long.parseUnsignedLong(key.substring(0, 16), 16) ^ Long.MIN_VALUE;
  }

  /** One session of a member. */
  private record Session(String id, @Nullable String node, long expiry) {}

  /** A member being worked on; stored as the {@code Object[]} described in the class comment. */
  private static final class Member {
    String[] attrs = NO_ATTRIBUTES;
    final List<Session> sessions = new ArrayList<>(2);
    int pendingReason;
    long pendingDeadline = NONE;
    long indexed = NONE;

    int indexOf(String sessionId) {
      for (int i = 0; i < sessions.size(); i++) {
        if (sessions.get(i).id.equals(sessionId)) {
          return i;
        }
      }
      return -1;
    }

    void clearPending() {
      pendingReason = 0;
      pendingDeadline = NONE;
    }

    /** The earliest time expire() has work for this member. */
    long due() {
      if (pendingReason != 0) {
        return pendingDeadline;
      }
      long due = NONE;
      for (Session s : sessions) {
        due = Math.min(due, s.expiry);
      }
      return due;
    }

    static String[] attributesOf(Object[] record) {
      return (String[]) record[0];
    }

    Object[] encode() {
      int n = sessions.size();
      String[] ids = new String[n];
      String[] nodeIds = new String[n];
      long[] expiries = new long[n];
      for (int i = 0; i < n; i++) {
        Session s = sessions.get(i);
        ids[i] = s.id;
        nodeIds[i] = s.node;
        expiries[i] = s.expiry;
      }
      return new Object[] {
        attrs, ids, nodeIds, expiries, new long[] {pendingReason, pendingDeadline, indexed}
      };
    }

    static Member decode(Object[] record) {
      Member m = new Member();
      m.attrs = (String[]) record[0];
      String[] ids = (String[]) record[1];
      String[] nodeIds = (String[]) record[2];
      long[] expiries = (long[]) record[3];
      for (int i = 0; i < ids.length; i++) {
        m.sessions.add(new Session(ids[i], nodeIds[i], expiries[i]));
      }
      long[] meta = (long[]) record[4];
      m.pendingReason = (int) meta[0];
      m.pendingDeadline = meta[1];
      m.indexed = meta[2];
      return m;
    }
  }
}
