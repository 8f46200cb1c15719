package dev.presence.hazelcast.internal;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.query.Predicate;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The entry processors and predicates run on the members that own the channels. Each is a plain
 * {@link java.io.Serializable} class (not Hazelcast's {@code DataSerializable}): inside Payara
 * Micro, Java-serialized objects are read with the class loader of the application that wrote them,
 * whereas {@code DataSerializable} classes are loaded through the container's common class loader,
 * which cannot see the WAR. Their fields are JDK types only, and they use no class of the Presence
 * API, so a plain Hazelcast member needs only this jar (client mode).
 *
 * <p>Mutations replay on backups ({@link EntryProcessor#getBackupProcessor()} is the processor
 * itself): they are deterministic, taking the time as an argument. Reads are {@link ReadOnly} and
 * run on the partition thread (not offloaded), because the stored state is mutated in place by that
 * thread.
 */
final class ChannelProcessors {

  private ChannelProcessors() {}

  /** A change of one channel: applies itself to the state and commits it. */
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

    abstract int apply(ChannelState state);

    @Override
    public byte @Nullable [] process(Map.Entry<String, Object> entry) {
      ChannelState state = ChannelState.of(entry.getValue());
      int status = apply(state);
      state.commit(entry, now, retention);
      return status == ChannelState.STATUS_OK && !state.emitted() ? null : state.result(status);
    }
  }

  static final class Join extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;
    private final String session;
    private final @Nullable String node;
    private final long expiry;
    private final int maxUsers;

    Join(
        String user,
        String session,
        @Nullable String node,
        long expiry,
        int maxUsers,
        long now,
        long retention) {
      super(now, retention);
      this.user = user;
      this.session = session;
      this.node = node;
      this.expiry = expiry;
      this.maxUsers = maxUsers;
    }

    @Override
    int apply(ChannelState state) {
      return state.join(user, session, node, expiry, maxUsers);
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
    int apply(ChannelState state) {
      state.leave(user, session);
      return ChannelState.STATUS_OK;
    }
  }

  static final class Release extends Mutation {
    private static final long serialVersionUID = 1L;
    private final String user;
    private final String session;
    private final int reason;
    private final long graceUntil;

    Release(String user, String session, int reason, long graceUntil, long now, long retention) {
      super(now, retention);
      this.user = user;
      this.session = session;
      this.reason = reason;
      this.graceUntil = graceUntil;
    }

    @Override
    int apply(ChannelState state) {
      state.release(user, session, reason, graceUntil, now);
      return ChannelState.STATUS_OK;
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
    int apply(ChannelState state) {
      state.releaseNode(node, graceUntil, now);
      return ChannelState.STATUS_OK;
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
    int apply(ChannelState state) {
      return state.setAttributes(user, attributes);
    }
  }

  /** Ends what is due, and removes an empty channel whose retention has ended. */
  static final class Expire implements EntryProcessor<String, Object, byte[]> {
    private static final long serialVersionUID = 1L;
    private final long now;
    private final long grace;
    private final long retention;

    Expire(long now, long grace, long retention) {
      this.now = now;
      this.grace = grace;
      this.retention = retention;
    }

    @Override
    public byte @Nullable [] process(Map.Entry<String, Object> entry) {
      if (entry.getValue() == null) {
        return null;
      }
      ChannelState state = ChannelState.of(entry.getValue());
      if (state.expire(now, grace)) {
        entry.setValue(null);
        return null;
      }
      state.commit(entry, now, retention);
      return state.emitted() ? state.result(ChannelState.STATUS_OK) : null;
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
      ChannelState state = ChannelState.of(entry.getValue());
      Wire.Out out = new Wire.Out();
      switch (kind) {
        case OCCUPANCY -> state.writeOccupancy(out);
        case ATTRIBUTES -> state.writeAttributes(required(user), out);
        case PAGE -> state.writePage(user, limit, withAttributes, out);
        case MEMBERSHIP -> state.writeMembership(required(user), out);
        default -> throw new IllegalStateException("unknown read " + kind);
      }
      return out.toBytes();
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
      return ChannelState.nextDeadline(entry.getValue()) <= now;
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
      return ChannelState.hasNode(entry.getValue(), node);
    }
  }
}
