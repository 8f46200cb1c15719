package dev.presence.it.bench;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One operation replaces the attributes of a present user. Every call emits an {@code
 * attributesUpdate} event: each user's map alternates between two different maps, so no call finds
 * its map unchanged. The score is attribute sets per second.
 *
 * <p>Layout: 1,000 channels holding 10,000 background users; each benchmark thread has 1,000 users
 * of its own, one in each channel, and each operation sets the next of them (so the next channel).
 */
@State(Scope.Benchmark)
public class SetAttributesBenchmark extends StoreBenchmark {

  private static final Attributes FIRST =
      Attributes.of(Map.of("status", "online", "typing", "no", "device", "web"));
  private static final Attributes SECOND =
      Attributes.of(Map.of("status", "away", "typing", "yes", "device", "web"));

  private ChannelId[] channels;

  /** Makes the background users present. */
  @Setup
  public void populate(BackendState backend) {
    channels = Workload.spreadChannels();
    Workload.populate(backend.store(), backend.nodeId(), channels);
  }

  /** A benchmark thread's own present users, and its position in them. */
  @State(Scope.Thread)
  public static class Caller {
    private ChannelId[] channels;
    private UserId[] users;
    private long next;

    /** Joins the thread's users, one per channel. */
    @Setup
    public void join(BackendState backend, SetAttributesBenchmark benchmark, ThreadParams thread) {
      channels = benchmark.channels;
      users = new UserId[channels.length];
      String prefix = "t" + thread.getThreadIndex() + "-";
      for (int i = 0; i < channels.length; i++) {
        users[i] = UserId.of(prefix + "u" + i);
        SessionLease session =
            SessionLease.nodeBound(SessionId.of(prefix + "s" + i), backend.nodeId());
        Workload.expect(
            backend
                .store()
                .join(channels[i], users[i], session, Workload.MAX_USERS, Workload.NOW)
                .isPresent(),
            "join");
      }
    }
  }

  /**
   * Sets the next user's attributes to the map it does not have.
   *
   * @return the event
   */
  @Benchmark
  @Threads(1)
  public PresenceEvent setAttributes(BackendState backend, Caller caller) {
    return set(backend.store(), caller);
  }

  /**
   * The same from two threads at once.
   *
   * @return the event
   */
  @Benchmark
  @Threads(2)
  public PresenceEvent setAttributes2Threads(BackendState backend, Caller caller) {
    return set(backend.store(), caller);
  }

  private static PresenceEvent set(PresenceStore store, Caller caller) {
    long n = caller.next++;
    int u = (int) (n % caller.users.length);
    // Users start with no attributes; each pass over them flips every user's map.
    Attributes attributes = (n / caller.users.length) % 2 == 0 ? FIRST : SECOND;
    return store
        .setAttributes(caller.channels[u], caller.users[u], attributes, Workload.NOW)
        .orElseThrow(
            () -> new IllegalStateException("setAttributes did not emit the expected event"));
  }
}
