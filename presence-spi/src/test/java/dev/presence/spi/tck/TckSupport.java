package dev.presence.spi.tck;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.Occupancy;
import dev.presence.PageRequest;
import dev.presence.PresentUser;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.EventKind;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/** Names, times and checks shared by the contracts. Not part of the kit's public surface. */
final class TckSupport {

  /** The time every test starts from; with nanoseconds, so that timestamps must round-trip. */
  static final Instant T0 = Instant.parse("2030-01-01T00:00:00.123456789Z");

  /** A users-per-channel limit that no test reaches. */
  static final int NO_LIMIT = 100_000;

  /** Differs between runs, so names never collide with a previous run on a shared backend. */
  private static final String RUN =
      Long.toString(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 41), 36);

  private static final AtomicLong COUNTER = new AtomicLong();

  private TckSupport() {}

  private static String unique(String prefix) {
    return prefix + "-" + RUN + "-" + COUNTER.incrementAndGet();
  }

  static ChannelId newChannel() {
    return ChannelId.of(unique("tck.channel"));
  }

  static UserId newUser() {
    return UserId.of(unique("tck.user"));
  }

  static SessionId newSession() {
    return SessionId.of(unique("tck.session"));
  }

  static String newNodeId() {
    return unique("tck-node");
  }

  static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  /** Attributes from alternating keys and values. */
  static Attributes attrs(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return Attributes.of(map);
  }

  static PresenceEvent event(
      EventKind kind,
      ChannelId channel,
      UserId user,
      Attributes attributes,
      int occupancy,
      long seq,
      Instant timestamp) {
    return PresenceEvent.of(kind, channel, user, attributes, occupancy, seq, timestamp);
  }

  /** The events of some channels, in their original order. */
  static List<PresenceEvent> of(Collection<ChannelId> channels, Collection<PresenceEvent> events) {
    Set<ChannelId> wanted = Set.copyOf(channels);
    return events.stream().filter(e -> wanted.contains(e.channel())).toList();
  }

  /** The events of one channel, in their original order. */
  static List<PresenceEvent> of(ChannelId channel, Collection<PresenceEvent> events) {
    return of(List.of(channel), events);
  }

  /** Reads every page of a channel's users with a small page size. */
  static List<PresentUser> allPages(PresenceStore store, ChannelId channel, int limit) {
    List<PresentUser> all = new ArrayList<>();
    String cursor = null;
    do {
      ChannelUsers page = store.users(channel, new PageRequest(limit, cursor, true));
      assertThat(page.users()).hasSizeLessThanOrEqualTo(limit);
      all.addAll(page.users());
      cursor = page.next();
    } while (cursor != null);
    return all;
  }

  /**
   * Checks that a channel's events, collected from concurrent writers, form one gap-free sequence
   * starting after {@code seqBefore} (the channel was empty then), that replaying them gives every
   * event's occupancy and attributes, and that the store's final state equals the replay.
   */
  static void assertReplayMatchesStore(
      PresenceStore store, ChannelId channel, long seqBefore, Collection<PresenceEvent> collected) {
    List<PresenceEvent> events = new ArrayList<>(of(channel, collected));
    events.sort(Comparator.comparingLong(PresenceEvent::seq));
    for (int i = 0; i < events.size(); i++) {
      assertThat(events.get(i).seq())
          .as("seq of event %d of %d in %s", i + 1, events.size(), channel)
          .isEqualTo(seqBefore + 1 + i);
    }
    Map<UserId, Attributes> present = new TreeMap<>();
    for (PresenceEvent e : events) {
      switch (e.kind()) {
        case JOIN -> {
          assertThat(present).as("joined while present: %s", e).doesNotContainKey(e.userId());
          assertThat(e.attributes()).as("attributes of %s", e).isEqualTo(Attributes.EMPTY);
          present.put(e.userId(), e.attributes());
        }
        case LEAVE, TIMEOUT -> {
          assertThat(present).as("ended while absent: %s", e).containsKey(e.userId());
          assertThat(e.attributes())
              .as("last attributes in %s", e)
              .isEqualTo(present.get(e.userId()));
          present.remove(e.userId());
        }
        case ATTRIBUTES_UPDATE -> {
          assertThat(present).as("updated while absent: %s", e).containsKey(e.userId());
          assertThat(e.attributes())
              .as("an update must change something: %s", e)
              .isNotEqualTo(present.get(e.userId()));
          present.put(e.userId(), e.attributes());
        }
      }
      assertThat(e.occupancy()).as("occupancy after %s", e).isEqualTo(present.size());
    }
    long lastSeq = events.isEmpty() ? seqBefore : events.get(events.size() - 1).seq();
    assertThat(store.occupancy(channel)).isEqualTo(new Occupancy(channel, present.size(), lastSeq));
    ChannelUsers snapshot = store.snapshot(channel);
    assertThat(snapshot.seq()).isEqualTo(lastSeq);
    assertThat(snapshot.users())
        .containsExactlyElementsOf(
            present.entrySet().stream()
                .map(en -> new PresentUser(en.getKey(), en.getValue()))
                .toList());
  }

  /** A task of one worker thread; may throw anything, which fails the test. */
  @FunctionalInterface
  interface Worker {
    void run(int index) throws Exception;
  }

  /**
   * Runs {@code threads} workers at once (released together by a latch) and waits for all of them;
   * the first failure of any worker is rethrown.
   */
  static void runConcurrently(int threads, Worker worker) {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int index = t;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  worker.run(index);
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        try {
          future.get(2, TimeUnit.MINUTES);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (cause instanceof RuntimeException r) {
            throw r;
          }
          if (cause instanceof Error err) {
            throw err;
          }
          throw new AssertionError("a worker failed", cause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted", e);
        } catch (TimeoutException e) {
          throw new AssertionError("a worker did not finish within 2 minutes", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
