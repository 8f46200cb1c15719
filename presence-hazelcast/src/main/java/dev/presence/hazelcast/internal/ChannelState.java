package dev.presence.hazelcast.internal;

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
 * One channel's state as stored in the channels map, and every operation on it. Runs on the
 * partition thread that owns the channel's key (inside an entry processor), so each operation is
 * atomic and assigns sequence numbers without gaps.
 *
 * <p><b>Stored form.</b> The map value is a {@link ConcurrentSkipListMap} holding only JDK types
 * that Hazelcast serializes itself, so that migrations, backups and split-brain merges never need
 * an application class (inside Payara Micro those run on threads that cannot see the WAR's
 * classes):
 *
 * <ul>
 *   <li>{@code "h"}: {@code long[]} header {format, seq, occupancy, next deadline, tombstone
 *       until}; replaced on every change and never mutated once stored, so the expiry predicate may
 *       read it from a query thread;
 *   <li>{@code "m"}: {@code TreeMap<String, Object[]>} members by user id (see {@link Member});
 *   <li>{@code "d"}: {@code TreeSet<String>} deadline index: each member's earliest deadline (16
 *       hex digits, order-preserving) followed by the user id;
 *   <li>{@code "n"}: {@code TreeMap<String, Integer>} node index: node id, NUL, user id mapped to
 *       the number of that user's sessions held by that node.
 * </ul>
 *
 * <p>The map is mutated in place: the channels map uses the OBJECT in-memory format and has no
 * index, so Hazelcast hands the entry processor the stored object itself (with an index it would
 * clone the value for every processor) and a backup replays the same processor on its own copy.
 * Processors are deterministic: they take the time as an argument and never read a clock.
 *
 * <p>Times are nanoseconds since the epoch (saturating at {@link Long#MAX_VALUE}, which also means
 * "none").
 */
final class ChannelState {

  static final byte JOIN = 1;
  static final byte LEAVE = 2;
  static final byte TIMEOUT = 3;
  static final byte ATTRIBUTES = 4;

  static final int STATUS_OK = 0;
  static final int STATUS_FULL = 1;
  static final int STATUS_NOT_JOINED = 2;

  static final int CLEAN = 1;
  static final int LOST = 2;

  /** No deadline. */
  static final long NONE = Long.MAX_VALUE;

  static final String[] NO_ATTRIBUTES = new String[0];

  private static final int FORMAT = 1;
  private static final String HEADER = "h";
  private static final String MEMBERS = "m";
  private static final String DEADLINES = "d";
  private static final String NODES = "n";
  private static final int H_FORMAT = 0;
  private static final int H_SEQ = 1;
  private static final int H_OCCUPANCY = 2;
  private static final int H_NEXT = 3;
  private static final int H_TOMBSTONE = 4;
  private static final char NODE_SEPARATOR = '\u0000';

  private final ConcurrentSkipListMap<String, Object> root;
  private final TreeMap<String, Object[]> members;
  private final TreeSet<String> deadlines;
  private final TreeMap<String, Integer> nodes;
  private long seq;
  private long tombstoneUntil;
  private boolean changed;
  private int eventCount;
  private final Wire.Out events = new Wire.Out();

  @SuppressWarnings("unchecked")
  private ChannelState(@Nullable Object value) {
    if (value instanceof ConcurrentSkipListMap<?, ?> stored) {
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
    } else {
      root = new ConcurrentSkipListMap<>();
      members = new TreeMap<>();
      deadlines = new TreeSet<>();
      nodes = new TreeMap<>();
      root.put(MEMBERS, members);
      root.put(DEADLINES, deadlines);
      root.put(NODES, nodes);
      seq = 0;
      tombstoneUntil = NONE;
    }
  }

  /**
   * Opens the state of a channel.
   *
   * @param value the stored value, or null for a channel with no entry
   * @return the state
   */
  static ChannelState of(@Nullable Object value) {
    return new ChannelState(value);
  }

  /**
   * The earliest time at which {@link #expire} has work in a stored channel: a member's deadline,
   * or the end of an empty channel's retention. Safe to call from any thread.
   *
   * @param value the stored value
   * @return the deadline, or {@link #NONE}
   */
  static long nextDeadline(@Nullable Object value) {
    if (value instanceof ConcurrentSkipListMap<?, ?> stored
        && stored.get(HEADER) instanceof long[] header) {
      return header[H_NEXT];
    }
    return NONE;
  }

  /**
   * Whether a stored channel has sessions held by a node. Partition thread only.
   *
   * @param value the stored value
   * @param nodeId the node
   * @return true if it has
   */
  static boolean hasNode(@Nullable Object value, String nodeId) {
    if (value instanceof ConcurrentSkipListMap<?, ?> stored
        && stored.get(NODES) instanceof TreeMap<?, ?> index) {
      @SuppressWarnings("unchecked")
      TreeMap<String, Integer> byNode = (TreeMap<String, Integer>) index;
      String next = byNode.ceilingKey(nodeId + NODE_SEPARATOR);
      return next != null && next.startsWith(nodeId + NODE_SEPARATOR);
    }
    return false;
  }

  // ---- mutations ----

  /** See {@code PresenceStore.join}. */
  int join(String user, String sessionId, @Nullable String node, long expiry, int maxUsers) {
    Member m = load(user);
    if (m == null) {
      if (members.size() >= maxUsers) {
        return STATUS_FULL;
      }
      m = new Member();
      addSession(user, m, new Session(sessionId, node, expiry));
      save(user, m);
      emit(JOIN, user, m.attrs);
      return STATUS_OK;
    }
    int i = m.indexOf(sessionId);
    Session renewed = new Session(sessionId, node, expiry);
    if (i >= 0) {
      Session old = m.sessions.get(i);
      if (old.equals(renewed) && m.pendingReason == 0) {
        return STATUS_OK;
      }
      removeSession(user, m, i);
    }
    addSession(user, m, renewed);
    m.clearPending();
    save(user, m);
    return STATUS_OK;
  }

  /** See {@code PresenceStore.leave}. */
  void leave(String user, String sessionId) {
    Member m = load(user);
    if (m == null) {
      return;
    }
    int i = m.indexOf(sessionId);
    if (i < 0) {
      return;
    }
    removeSession(user, m, i);
    if (m.sessions.isEmpty()) {
      end(user, m, LEAVE);
    } else {
      save(user, m);
    }
  }

  /** See {@code PresenceStore.release}. */
  void release(String user, String sessionId, int reason, long graceUntil, long now) {
    Member m = load(user);
    if (m == null) {
      return;
    }
    int i = m.indexOf(sessionId);
    if (i < 0) {
      return;
    }
    removeSession(user, m, i);
    if (m.sessions.isEmpty()) {
      holdOrEnd(user, m, reason, graceUntil, now);
    } else {
      save(user, m);
    }
  }

  /** See {@code PresenceStore.releaseNode}. */
  void releaseNode(String node, long graceUntil, long now) {
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
      if (m.sessions.isEmpty()) {
        holdOrEnd(user, m, LOST, graceUntil, now);
      } else {
        save(user, m);
      }
    }
  }

  /**
   * See {@code PresenceStore.expire}: ends pending memberships whose deadline is not after now and
   * releases expired leases; returns whether the entry should be removed (an empty channel whose
   * retention ended).
   */
  boolean expire(long now, long grace) {
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
      if (m.sessions.isEmpty()) {
        holdOrEnd(user, m, LOST, saturatedAdd(lastExpiry, grace), now);
      } else {
        save(user, m);
      }
    }
    return members.isEmpty() && tombstoneUntil <= now;
  }

  /** See {@code PresenceStore.setAttributes}. */
  int setAttributes(String user, String[] attributes) {
    Member m = load(user);
    if (m == null) {
      return STATUS_NOT_JOINED;
    }
    if (Arrays.equals(m.attrs, attributes)) {
      return STATUS_OK;
    }
    m.attrs = attributes;
    save(user, m);
    emit(ATTRIBUTES, user, attributes);
    return STATUS_OK;
  }

  // ---- reads ----

  /** Writes occupancy and seq. */
  void writeOccupancy(Wire.Out out) {
    out.writeInt(members.size()).writeLong(seq);
  }

  /** Writes whether a user is present and their attributes. */
  void writeAttributes(String user, Wire.Out out) {
    Object[] record = members.get(user);
    if (record == null) {
      out.writeByte(0);
    } else {
      out.writeByte(1).writeStrings(Member.attributesOf(record));
    }
  }

  /** Writes whether a user is present and the seq. */
  void writeMembership(String user, Wire.Out out) {
    out.writeByte(members.containsKey(user) ? 1 : 0).writeLong(seq);
  }

  /**
   * Writes a page: occupancy, seq, count, users (with attributes if asked), and the last user id if
   * more follow.
   */
  void writePage(@Nullable String after, int limit, boolean withAttributes, Wire.Out out) {
    NavigableMap<String, Object[]> rest = after == null ? members : members.tailMap(after, false);
    out.writeInt(members.size()).writeLong(seq);
    int count = Math.min(limit, rest.size());
    out.writeInt(count);
    Iterator<Map.Entry<String, Object[]>> it = rest.entrySet().iterator();
    String last = null;
    for (int i = 0; i < count; i++) {
      Map.Entry<String, Object[]> e = it.next();
      last = e.getKey();
      out.writeString(last);
      if (withAttributes) {
        out.writeStrings(Member.attributesOf(e.getValue()));
      }
    }
    out.writeNullable(it.hasNext() ? last : null);
  }

  // ---- committing ----

  /** Whether an operation changed the state. */
  boolean changed() {
    return changed;
  }

  /**
   * Writes the state back into the entry if it changed: updates the header and starts the retention
   * of a channel that became empty.
   */
  void commit(Map.Entry<String, Object> entry, long now, long retention) {
    if (!changed) {
      return;
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
    entry.setValue(root);
  }

  /** The result of a mutation: status, then the events it emitted. */
  byte[] result(int status) {
    Wire.Out out = new Wire.Out();
    out.writeByte(status).writeInt(eventCount).append(events);
    return out.toBytes();
  }

  /** Whether the operation emitted an event. */
  boolean emitted() {
    return eventCount > 0;
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

  private void holdOrEnd(String user, Member m, int reason, long graceUntil, long now) {
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
  private void end(String user, Member m, byte kind) {
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

  private void emit(byte kind, String user, String[] attrs) {
    seq++;
    eventCount++;
    events.writeByte(kind).writeString(user).writeStrings(attrs);
    events.writeInt(members.size()).writeLong(seq);
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return a > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return r;
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /** The deadline as 16 hex digits whose string order is the numeric order, then the user. */
  static String deadlineKey(long deadline, String user) {
    long flipped = deadline ^ Long.MIN_VALUE;
    char[] chars = new char[16 + user.length()];
    for (int i = 15; i >= 0; i--) {
      chars[i] = HEX[(int) (flipped & 0xf)];
      flipped >>>= 4;
    }
    user.getChars(0, user.length(), chars, 16);
    return new String(chars);
  }

  static long decodeDeadline(String key) {
    return Long.parseUnsignedLong(key.substring(0, 16), 16) ^ Long.MIN_VALUE;
  }

  /** One session of a member. */
  private record Session(String id, @Nullable String node, long expiry) {}

  /**
   * A member being worked on. Stored as {@code Object[]} {attributes (String[] key, value, ...),
   * session ids (String[]), session nodes (String[], null for lease-bound), session expiries
   * (long[], {@link #NONE} for node-bound), meta (long[] pending reason, pending deadline, indexed
   * deadline)}.
   */
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
