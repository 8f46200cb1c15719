package dev.presence.it.bench;

import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Names, sizes and the background population shared by the benchmarks. */
final class Workload {

  /** The time passed to the store: fixed, so that nothing in the state ever falls due. */
  static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  /** The users-per-channel limit passed to {@code join}: the specification's default. */
  static final int MAX_USERS = 100_000;

  /** The number of channels of the spread layout. */
  static final int CHANNELS = 1_000;

  /** Users present before the measurement starts, so that channels are not empty. */
  static final int BACKGROUND_USERS = 10_000;

  /** Threads that make the background users present. */
  private static final int POPULATING_THREADS = 16;

  /** The one channel of the hot layout. */
  static final ChannelId HOT_CHANNEL = ChannelId.of("bench-hot");

  private Workload() {}

  /** The channels of the spread layout. */
  static ChannelId[] spreadChannels() {
    ChannelId[] channels = new ChannelId[CHANNELS];
    for (int i = 0; i < CHANNELS; i++) {
      channels[i] = ChannelId.of("bench-" + i);
    }
    return channels;
  }

  /**
   * Makes {@link #BACKGROUND_USERS} users present, spread evenly over {@code channels} (one
   * channel: all in it), each with one session bound to {@code nodeId}. Joins from several threads:
   * a clustered store is bound by round trips, and this runs before every trial.
   */
  static void populate(PresenceStore store, String nodeId, ChannelId[] channels) {
    ExecutorService pool = Executors.newFixedThreadPool(POPULATING_THREADS);
    try {
      List<Future<?>> joins = new ArrayList<>();
      for (int t = 0; t < POPULATING_THREADS; t++) {
        int first = t;
        joins.add(
            pool.submit(
                () -> {
                  for (int i = first; i < BACKGROUND_USERS; i += POPULATING_THREADS) {
                    SessionLease lease = SessionLease.nodeBound(SessionId.of("bg-s-" + i), nodeId);
                    UserId user = UserId.of("bg-" + i);
                    ChannelId channel = channels[i % channels.length];
                    expect(
                        store.join(channel, user, lease, MAX_USERS, NOW).isPresent(),
                        "background join");
                  }
                }));
      }
      for (Future<?> join : joins) {
        join.get(5, TimeUnit.MINUTES);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while populating", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not populate the store", e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Fails the benchmark if an operation did not do what it is measured for (for example a join that
   * found the user already present would measure a cheaper path).
   */
  static void expect(boolean condition, String what) {
    if (!condition) {
      throw new IllegalStateException(what + " did not emit the expected event");
    }
  }
}
