package dev.presence.it.bench;

import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * One operation is a join of a new user with a node-bound session followed by the leave of the same
 * session: both emit an event (join, then leave), so every call takes the full path of a user
 * arriving and departing. The score is join+leave pairs per second: each pair is one join and one
 * leave.
 *
 * <p>Layouts ({@code layout}): {@code spread}, 1,000 channels holding 10,000 users in all, each
 * operation in the next channel; {@code hot}, one channel holding 10,000 users, every operation in
 * it. Each benchmark thread cycles through 4,096 users of its own, so threads never touch the same
 * user (but do share channels).
 */
@State(Scope.Benchmark)
public class JoinLeaveBenchmark extends StoreBenchmark {

  /** Users per benchmark thread. */
  private static final int USERS_PER_THREAD = 4_096;

  /** {@code spread} (1,000 channels) or {@code hot} (one channel). */
  @Param({"spread", "hot"})
  public String layout;

  private ChannelId[] channels;

  /** Chooses the channels and makes the background users present. */
  @Setup
  public void populate(BackendState backend) {
    channels =
        switch (layout) {
          case "spread" -> Workload.spreadChannels();
          case "hot" -> new ChannelId[] {Workload.HOT_CHANNEL};
          default -> throw new IllegalArgumentException("unknown layout " + layout);
        };
    Workload.populate(backend.store(), backend.nodeId(), channels);
  }

  /** A benchmark thread's own users and sessions, and its position in them. */
  @State(Scope.Thread)
  public static class Caller {
    private UserId[] users;
    private SessionLease[] sessions;
    private long next;

    /** Creates the thread's users (absent until it joins them). */
    @Setup
    public void prepare(BackendState backend, ThreadParams thread) {
      users = new UserId[USERS_PER_THREAD];
      sessions = new SessionLease[USERS_PER_THREAD];
      String prefix = "t" + thread.getThreadIndex() + "-";
      for (int i = 0; i < USERS_PER_THREAD; i++) {
        users[i] = UserId.of(prefix + "u" + i);
        sessions[i] = SessionLease.nodeBound(SessionId.of(prefix + "s" + i), backend.nodeId());
      }
    }
  }

  /**
   * Join, then leave.
   *
   * @return the leave event
   */
  @Benchmark
  @Threads(1)
  public PresenceEvent joinLeave(BackendState backend, Caller caller) {
    return joinThenLeave(backend.store(), caller);
  }

  /**
   * The same from two threads at once.
   *
   * @return the leave event
   */
  @Benchmark
  @Threads(2)
  public PresenceEvent joinLeave2Threads(BackendState backend, Caller caller) {
    return joinThenLeave(backend.store(), caller);
  }

  private PresenceEvent joinThenLeave(PresenceStore store, Caller caller) {
    long n = caller.next++;
    ChannelId channel = channels[(int) (n % channels.length)];
    int u = (int) (n % USERS_PER_THREAD);
    SessionLease session = caller.sessions[u];
    Workload.expect(
        store.join(channel, caller.users[u], session, Workload.MAX_USERS, Workload.NOW).isPresent(),
        "join");
    return store
        .leave(channel, caller.users[u], session.id(), Workload.NOW)
        .orElseThrow(() -> new IllegalStateException("leave did not emit the expected event"));
  }
}
