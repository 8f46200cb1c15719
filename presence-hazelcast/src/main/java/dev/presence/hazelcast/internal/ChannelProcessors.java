package dev.presence.hazelcast.internal;

import com.hazelcast.aggregation.Aggregator;
import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;
import dev.presence.spi.support.MembershipCommand;
import dev.presence.spi.support.MembershipEvent;
import dev.presence.spi.support.MembershipMachine;
import dev.presence.spi.support.MembershipPage;
import dev.presence.spi.support.MembershipStatus;
import dev.presence.spi.support.Transition;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The entry processors and predicates run on the members that own the channels: each applies the
 * SPI's {@link MembershipMachine} to the channel's stored state (its stored form is the machine's
 * state, JDK types only) and answers in the byte form of {@link Wire}. Each is a plain {@link
 * java.io.Serializable} class (not Hazelcast's {@code DataSerializable}): inside Payara Micro,
 * Java-serialized objects are read with the class loader of the application that wrote them,
 * whereas {@code DataSerializable} classes are loaded through the container's common class loader,
 * which cannot see the WAR. Their fields are JDK types only, and they use no class of the Presence
 * API; the machine's classes, which use none either, are copied into this module's jar (relocated
 * to {@code dev.presence.hazelcast.internal.support}), so a plain Hazelcast member needs only this
 * jar (client mode).
 *
 * <p>Mutations replay on backups ({@link EntryProcessor#getBackupProcessor()} is the processor
 * itself): they are deterministic, taking the time as an argument. Reads are {@link ReadOnly} and
 * run on the partition thread (not offloaded), because the stored state is mutated in place by that
 * thread.
 */
final class ChannelProcessors {

  private ChannelProcessors() {}

  /** A change of one channel: applies its command to the state and stores the result. */
  abstract static class Mutation implements EntryProcessor<String, Object, byte[]> {
    private static final long serialVersionUID = 1L;

    /** The caller's current time, in nanoseconds since the epoch. */
    final long now;

    /** How long an empty channel keeps its seq, in nanoseconds. */
    final long retention;

    Mutation(long now, long retention) {
      this.now = now;
      this.retention = retention;
    }

    abstract MembershipCommand command();

    @Override
    public byte @Nullable [] process(Map.Entry<String, Object> entry) {
      Transition t = MembershipMachine.apply(entry.getValue(), command(), now, retention);
      if (t.changed()) {
        // Also when changed in place: marks the entry changed (backups replay the processor).
        entry.setValue(t.state());
      }
      return t.ok() && t.events().isEmpty() ? null : result(t);
    }
  }

  /** The result of a mutation: its status (a {@link MembershipStatus} code), then its events. */
  static byte[] result(Transition t) {
    Wire.Out out = new Wire.Out();
    out.writeByte(t.status().code()).writeInt(t.events().size());
    for (MembershipEvent e : t.events()) {
      out.writeByte(e.kind()).writeString(e.user()).writeStrings(e.attributes());
      out.writeInt(e.occupancy()).writeLong(e.seq());
    }
    return out.toBytes();
  }

  static final class Join extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;
    private final String session;
    private final @Nullable String node;
    private final long expiry;
    private final int maxUsers;

    Join(MembershipCommand.Join join, long now, long retention) {
      super(now, retention);
      this.user = join.user();
      this.session = join.session();
      this.node = join.node();
      this.expiry = join.expiry();
      this.maxUsers = join.maxUsers();
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.Join(user, session, node, expiry, maxUsers);
    }
  }

  static final class Leave extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;
    private final String session;

    Leave(String user, String session, long now, long retention) {
      super(now, retention);
      this.user = user;
      this.session = session;
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.Leave(user, session);
    }
  }

  static final class Release extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;
    private final String session;
    private final int reason;
    private final long graceUntil;

    Release(MembershipCommand.Release release, long now, long retention) {
      super(now, retention);
      this.user = release.user();
      this.session = release.session();
      this.reason = release.reason();
      this.graceUntil = release.graceUntil();
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.Release(user, session, reason, graceUntil);
    }
  }

  static final class ReleaseNode extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String node;
    private final long graceUntil;

    ReleaseNode(String node, long graceUntil, long now, long retention) {
      super(now, retention);
      this.node = node;
      this.graceUntil = graceUntil;
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.ReleaseNode(node, graceUntil);
    }
  }

  static final class SetAttributes extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;
    private final String[] attributes;

    SetAttributes(String user, String[] attributes, long now, long retention) {
      super(now, retention);
      this.user = user;
      this.attributes = attributes;
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.SetAttributes(user, attributes);
    }
  }

  /** Ends a user's membership at once ({@code PresenceStore.kick}). */
  static final class Kick extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;

    Kick(String user, long now, long retention) {
      super(now, retention);
      this.user = user;
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.Kick(user);
    }
  }

  /** Ends what is due, and removes an empty channel whose retention has ended. */
  static final class Expire extends Mutation {
    private static final long serialVersionUID = 1L;
    private final long grace;

    Expire(long now, long grace, long retention) {
      super(now, retention);
      this.grace = grace;
    }

    @Override
    MembershipCommand command() {
      return new MembershipCommand.Expire(grace);
    }
  }

  /** A read of one channel; never changes it. */
  static final class Read implements EntryProcessor<String, Object, byte[]>, ReadOnly {
    static final int OCCUPANCY = 0;
    static final int ATTRIBUTES = 1;
    static final int PAGE = 2;
    static final int MEMBERSHIP = 3;

    private static final long serialVersionUID = 1L;
    private final int kind;
    private final @Nullable String user;
    private final int limit;
    private final boolean withAttributes;

    Read(int kind, @Nullable String user, int limit, boolean withAttributes) {
      this.kind = kind;
      this.user = user;
      this.limit = limit;
      this.withAttributes = withAttributes;
    }

    @Override
    public byte[] process(Map.Entry<String, Object> entry) {
      Object state = entry.getValue();
      Wire.Out out = new Wire.Out();
      switch (kind) {
        case OCCUPANCY ->
            out.writeInt(MembershipMachine.occupancy(state))
                .writeLong(MembershipMachine.seq(state));
        case ATTRIBUTES -> {
          String[] attributes = MembershipMachine.attributes(state, required(user));
          if (attributes == null) {
            out.writeByte(0);
          } else {
            out.writeByte(1).writeStrings(attributes);
          }
        }
        case PAGE ->
            writePage(
                MembershipMachine.page(state, user, limit, withAttributes), withAttributes, out);
        case MEMBERSHIP ->
            out.writeByte(MembershipMachine.isPresent(state, required(user)) ? 1 : 0)
                .writeLong(MembershipMachine.seq(state));
        default -> throw new IllegalStateException("unknown read " + kind);
      }
      return out.toBytes();
    }

    /**
     * Writes a page: occupancy, seq, count, users (with attributes if asked), and the last user id
     * if more follow.
     */
    private static void writePage(MembershipPage page, boolean withAttributes, Wire.Out out) {
      out.writeInt(page.occupancy()).writeLong(page.seq()).writeInt(page.users().size());
      for (int i = 0; i < page.users().size(); i++) {
        out.writeString(page.users().get(i));
        if (withAttributes) {
          out.writeStrings(page.attributes().get(i));
        }
      }
      out.writeNullable(page.last());
    }

    private static String required(@Nullable String value) {
      if (value == null) {
        throw new IllegalStateException("a user is required");
      }
      return value;
    }

    @Override
    public @Nullable EntryProcessor<String, Object, byte[]> getBackupProcessor() {
      return null;
    }
  }

  /** Matches channels with work due at a time; reads only the immutable header. */
  static final class Due implements Predicate<String, Object> {
    private static final long serialVersionUID = 1L;
    private final long now;

    Due(long now) {
      this.now = now;
    }

    @Override
    public boolean apply(Map.Entry<String, Object> entry) {
      return MembershipMachine.nextDeadline(entry.getValue()) <= now;
    }
  }

  /** Matches channels with sessions held by a node. */
  static final class HasNode implements Predicate<String, Object> {
    private static final long serialVersionUID = 1L;
    private final String node;

    HasNode(String node) {
      this.node = node;
    }

    @Override
    public boolean apply(Map.Entry<String, Object> entry) {
      return MembershipMachine.hasNode(entry.getValue(), node);
    }
  }

  /**
   * Matches channels with at least one user present, by the header of the state (safe on a query
   * thread while the partition thread changes the state, as {@link Due}).
   */
  static final class Occupied implements Predicate<String, Object> {
    private static final long serialVersionUID = 1L;

    @Override
    public boolean apply(Map.Entry<String, Object> entry) {
      return MembershipMachine.publishedOccupancy(entry.getValue()) > 0;
    }
  }

  /**
   * One page of the channel listing, aggregated where the entries are: each member keeps only the
   * {@code keep} first occupied channels (by name) after {@code after} that start with {@code
   * prefix}, and the partial results combine into the cluster's first {@code keep}. Every entry is
   * visited (a scan on the members, in parallel), but no more than {@code keep} names per member
   * cross the network.
   */
  static final class Listing
      implements Aggregator<Map.Entry<String, Object>, TreeMap<String, Integer>> {
    private static final long serialVersionUID = 1L;
    private final String prefix;
    private final @Nullable String after;
    private final int keep;
    private final TreeMap<String, Integer> found = new TreeMap<>();

    Listing(String prefix, @Nullable String after, int keep) {
      this.prefix = prefix;
      this.after = after;
      this.keep = keep;
    }

    @Override
    public void accumulate(Map.Entry<String, Object> entry) {
      String name = entry.getKey();
      if (!name.startsWith(prefix) || (after != null && name.compareTo(after) <= 0)) {
        return;
      }
      if (found.size() >= keep && name.compareTo(found.lastKey()) > 0) {
        return;
      }
      int occupancy = MembershipMachine.publishedOccupancy(entry.getValue());
      if (occupancy > 0) {
        found.put(name, occupancy);
        trim();
      }
    }

    @Override
    @SuppressWarnings("rawtypes") // Hazelcast's signature
    public void combine(Aggregator aggregator) {
      TreeMap<String, Integer> other = ((Listing) aggregator).found;
      found.putAll(other);
      trim();
    }

    @Override
    public TreeMap<String, Integer> aggregate() {
      return found;
    }

    private void trim() {
      while (found.size() > keep) {
        found.pollLastEntry();
      }
    }
  }
}
