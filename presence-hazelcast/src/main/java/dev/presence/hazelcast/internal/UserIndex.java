package dev.presence.hazelcast.internal;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The user-to-channels index: for {@code channelsOf}, one entry per user mapping each channel the
 * user joined to the {@code seq} of that channel's event that last changed the user's presence
 * ({@code TreeMap<String, Long>}, JDK types only, OBJECT format).
 *
 * <p>The index is updated after the channel operation, so it is eventually consistent: an update
 * only applies if its {@code seq} is newer than the stored one (so a join and a leave applied out
 * of order still end right), and readers check every listed channel against the channel's own
 * state, dropping what is stale. A crash between the channel operation and the index update can
 * leave a stale entry (filtered out on read) or, rarely, miss a channel until the user's next join
 * there. After a split-brain merge the index entries and the channels that survived may come from
 * different sides; {@link HazelcastPresenceStore#repairIndexSoon()} then adds what is missing
 * ({@link #ENSURE}).
 */
final class UserIndex {

  static final int ADD = 0;
  static final int REMOVE = 1;
  static final int REMOVE_IF_SEQ = 2;

  /** Adds the channel if the user's entry lacks it (the repair after a merge); never replaces. */
  static final int ENSURE = 3;

  private UserIndex() {}

  /** One change of one user's index entry. */
  record Change(String channel, long seq, int kind) implements Serializable {
    private static final long serialVersionUID = 1L;
  }

  /** Applies the changes of the user whose key it runs on; for one user or many at once. */
  static final class Update implements EntryProcessor<String, Object, Object> {
    private static final long serialVersionUID = 1L;
    private final HashMap<String, Change[]> byUser;

    Update(Map<String, List<Change>> changes) {
      byUser = new HashMap<>();
      changes.forEach((user, list) -> byUser.put(user, list.toArray(new Change[0])));
    }

    @Override
    @SuppressWarnings("unchecked")
    public @Nullable Object process(Map.Entry<String, Object> entry) {
      Change[] changes = byUser.get(entry.getKey());
      if (changes == null) {
        return null;
      }
      TreeMap<String, Long> channels =
          entry.getValue() instanceof TreeMap<?, ?> stored
              ? (TreeMap<String, Long>) stored
              : new TreeMap<>();
      boolean changed = false;
      for (Change c : changes) {
        Long stored = channels.get(c.channel());
        switch (c.kind()) {
          case ADD -> {
            if (stored == null || stored < c.seq()) {
              channels.put(c.channel(), c.seq());
              changed = true;
            }
          }
          case REMOVE -> {
            if (stored != null && stored < c.seq()) {
              channels.remove(c.channel());
              changed = true;
            }
          }
          case ENSURE -> {
            if (stored == null) {
              channels.put(c.channel(), c.seq());
              changed = true;
            }
          }
          case REMOVE_IF_SEQ -> {
            if (stored != null && stored == c.seq()) {
              channels.remove(c.channel());
              changed = true;
            }
          }
          default -> throw new IllegalStateException("unknown index change " + c.kind());
        }
      }
      if (changed) {
        entry.setValue(channels.isEmpty() ? null : channels);
      }
      return null;
    }
  }

  /** Reads a user's entry: count, then channel and seq of each. */
  static final class Read implements EntryProcessor<String, Object, byte[]>, ReadOnly {
    private static final long serialVersionUID = 1L;

    @Override
    public byte[] process(Map.Entry<String, Object> entry) {
      Wire.Out out = new Wire.Out();
      if (entry.getValue() instanceof TreeMap<?, ?> channels) {
        out.writeInt(channels.size());
        for (Map.Entry<?, ?> e : channels.entrySet()) {
          out.writeString((String) e.getKey()).writeLong((Long) e.getValue());
        }
      } else {
        out.writeInt(0);
      }
      return out.toBytes();
    }

    @Override
    public @Nullable EntryProcessor<String, Object, byte[]> getBackupProcessor() {
      return null;
    }
  }
}
