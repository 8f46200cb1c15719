package dev.presence.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.presence.Attributes;
import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.PageRequest;
import dev.presence.PresenceException;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.SessionLease;
import dev.presence.spi.memory.InMemoryPresenceStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The rules in {@code presence.lua} agree with {@code MembershipMachine}: random runs of every
 * mutating operation (joins with node- and lease-bound sessions, leaves, releases with and without
 * grace, node loss, sweeps, attributes, a small users-per-channel limit), with deadlines that
 * differ by one nanosecond, go to the Redis store and to the in-memory store (which runs the
 * machine), and after every step both answered the same (events, or the same refusal) and hold the
 * same state. Events of calls that span channels ({@code expire}, {@code releaseNode}) are compared
 * per channel, since the stores may visit channels in another order.
 */
class MachineAgreementTest {

  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00.123456789Z");

  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
  @DisplayName("random runs give the same answers and states on Redis and on the machine")
  void sameAnswersAndStates(long seed) {
    // A key prefix of its own: sweeps and node releases see only this run's channels.
    try (PresenceBackend redis = server.backend(server.context())) {
      run(seed, redis.store());
    }
  }

  private static void run(long seed, PresenceStore store) {
    Random random = new Random(seed);
    String run = "agree" + seed + "-" + Long.toString(System.nanoTime(), 36);
    List<ChannelId> channels = List.of(ChannelId.of(run + ".a"), ChannelId.of(run + ".b"));
    List<UserId> users =
        List.of(
            UserId.of(run + "u1"),
            UserId.of(run + "u2"),
            UserId.of(run + "u.3"),
            UserId.of(run + "u-4"),
            UserId.of(run + "U5"));
    List<String> nodes = List.of(run + "-n1", run + "-n2");
    List<SessionId> sessions = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      sessions.add(SessionId.of(run + "-s" + i));
    }
    PresenceStore machine = new InMemoryPresenceStore();
    Instant now = T0;

    for (int step = 0; step < 400; step++) {
      now = now.plusMillis(random.nextInt(3) * 500L);
      Instant at = now;
      ChannelId channel = channels.get(random.nextInt(channels.size()));
      UserId user = users.get(random.nextInt(users.size()));
      SessionId session = sessions.get(random.nextInt(sessions.size()));
      Instant deadline = now.plusSeconds(random.nextInt(4) - 1).plusNanos(random.nextInt(2));
      String what;
      Function<PresenceStore, Object> op;
      switch (random.nextInt(10)) {
        case 0, 1 -> {
          SessionLease lease =
              random.nextBoolean()
                  ? SessionLease.nodeBound(session, nodes.get(random.nextInt(nodes.size())))
                  : SessionLease.leaseBound(session, deadline);
          int max = 2 + random.nextInt(3);
          what = "join " + lease + " max " + max;
          op = s -> s.join(channel, user, lease, max, at);
        }
        case 2 -> {
          what = "leave " + session;
          op = s -> s.leave(channel, user, session, at);
        }
        case 3, 4 -> {
          CloseReason reason = random.nextBoolean() ? CloseReason.CLEAN : CloseReason.LOST;
          what = "release " + session + " " + reason + " until " + deadline;
          op = s -> s.release(channel, user, session, reason, deadline, at);
        }
        case 5 -> {
          String node = nodes.get(random.nextInt(nodes.size()));
          what = "releaseNode " + node + " until " + deadline;
          op = s -> byChannel(s.releaseNode(node, deadline, at));
        }
        case 6 -> {
          Duration grace = Duration.ofMillis(random.nextInt(3) * 700L);
          what = "expire grace " + grace;
          op = s -> byChannel(s.expire(at, grace));
        }
        case 7 -> {
          what = "kick";
          op = s -> s.kick(channel, user, at);
        }
        default -> {
          Attributes attributes =
              random.nextInt(3) == 0
                  ? Attributes.EMPTY
                  : Attributes.of(Map.of("k", "v" + random.nextInt(2), "ü", "☃"));
          what = "setAttributes " + attributes;
          op = s -> s.setAttributes(channel, user, attributes, at);
        }
      }
      String context = "step " + step + " at " + at + ": " + user + " in " + channel + ": " + what;

      assertThat(outcome(op, store)).as(context).isEqualTo(outcome(op, machine));
      for (ChannelId c : channels) {
        assertThat(store.snapshot(c)).as(context).isEqualTo(machine.snapshot(c));
        assertThat(store.users(c, new PageRequest(2, null, false)))
            .as(context)
            .isEqualTo(machine.users(c, new PageRequest(2, null, false)));
      }
      for (UserId u : users) {
        assertThat(store.channelsOf(u)).as(context).isEqualTo(machine.channelsOf(u));
      }
      assertThat(store.channels(run, 1, null))
          .as(context)
          .isEqualTo(machine.channels(run, 1, null));
      assertThat(store.channels(run, 10, null))
          .as(context)
          .isEqualTo(machine.channels(run, 10, null));
      assertThat(store.totals()).as(context).isEqualTo(machine.totals());
    }
  }

  /** The answer, or the refusal as its class and message. */
  private static Object outcome(Function<PresenceStore, Object> op, PresenceStore store) {
    try {
      return op.apply(store);
    } catch (PresenceException e) {
      return e.getClass().getName() + ": " + e.getMessage();
    }
  }

  private static Map<ChannelId, List<PresenceEvent>> byChannel(List<PresenceEvent> events) {
    return events.stream()
        .collect(Collectors.groupingBy(PresenceEvent::channel, TreeMap::new, Collectors.toList()));
  }
}
