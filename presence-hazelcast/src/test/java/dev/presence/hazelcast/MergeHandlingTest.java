package dev.presence.hazelcast;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.instance.impl.LifecycleServiceImpl;
import com.hazelcast.map.IMap;
import dev.presence.ChannelId;
import dev.presence.SessionId;
import dev.presence.UserId;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.SessionLease;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * What the backend does when a split-brain merge is reported, on two real members in this JVM. A
 * real split cannot be made here (PartitionIT does it with two Payara Micro nodes in a network
 * namespace); the merge is reported the way Hazelcast reports it, by firing the {@code MERGED}
 * lifecycle event on one member.
 */
class MergeHandlingTest {

  private final List<HazelcastInstance> members = new ArrayList<>();
  private final List<PresenceBackend> backends = new ArrayList<>();
  private final List<AtomicInteger> merges = new ArrayList<>();

  @BeforeEach
  void start() {
    String cluster = TestCluster.uniqueName("presence-merge");
    List<Integer> ports = List.of(TestCluster.freePort(), TestCluster.freePort());
    List<String> addresses = ports.stream().map(p -> "127.0.0.1:" + p).toList();
    for (int port : ports) {
      HazelcastInstance hz = TestCluster.member(cluster, port, addresses);
      members.add(hz);
      PresenceBackend backend =
          new HazelcastPresenceBackendProvider()
              .create(
                  new TestCluster.Context(hz)
                      .with(HazelcastConfigKeys.MODE, "container")
                      .with(HazelcastConfigKeys.NAME_PREFIX, "merge"));
      backends.add(backend);
      AtomicInteger count = new AtomicInteger();
      merges.add(count);
      backend.addClusterListener(
          new ClusterListener() {
            @Override
            public void nodeLost(String nodeId) {}

            @Override
            public void merged() {
              count.incrementAndGet();
            }
          });
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> members.get(0).getCluster().getMembers().size() == 2);
  }

  @AfterEach
  void stop() {
    backends.forEach(PresenceBackend::close);
    members.forEach(HazelcastInstance::shutdown);
  }

  private void fireMerged(int member) {
    ((LifecycleServiceImpl) members.get(member).getLifecycleService())
        .fireLifecycleEvent(LifecycleState.MERGED);
  }

  @Test
  @DisplayName("a merge reported on one member reaches the listeners of every member, once")
  void mergeReachesBothSides() {
    fireMerged(0);
    await("both members told")
        .atMost(Duration.ofSeconds(10))
        .until(() -> merges.get(0).get() == 1 && merges.get(1).get() == 1);
    // The notice is published three times (0, 2 and 6 s); each member acts on it once.
    await()
        .pollDelay(Duration.ofSeconds(7))
        .atMost(Duration.ofSeconds(9))
        .untilAsserted(
            () -> {
              assertThat(merges.get(0).get()).isEqualTo(1);
              assertThat(merges.get(1).get()).isEqualTo(1);
            });
  }

  @Test
  @DisplayName("the node id is the member's current UUID")
  void nodeIdFollowsTheMember() {
    for (int i = 0; i < 2; i++) {
      assertThat(backends.get(i).nodeId())
          .isEqualTo(members.get(i).getCluster().getLocalMember().getUuid().toString());
    }
  }

  @Test
  @DisplayName("after a merge the next sweeps add the user-index entries the merge lost")
  void mergeRepairsTheUserIndex() {
    Instant now = Instant.now();
    ChannelId room = ChannelId.of("room");
    ChannelId hall = ChannelId.of("hall");
    UserId ann = UserId.of("ann");
    PresenceBackend a = backends.get(0);
    for (ChannelId channel : List.of(room, hall)) {
      a.store()
          .join(channel, ann, SessionLease.nodeBound(SessionId.of("s1"), a.nodeId()), 100, now);
    }
    assertThat(a.store().channelsOf(ann)).containsExactly(hall, room);
    // As if the index entry of the other side had won the merge: it lacks "room".
    IMap<String, Object> index = members.get(0).getMap("merge.user-channels");
    index.put("ann", new java.util.TreeMap<>(java.util.Map.of("hall", 1L)));
    assertThat(a.store().channelsOf(ann)).containsExactly(hall);

    fireMerged(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> merges.get(0).get() == 1 && merges.get(1).get() == 1);
    // Each data member repairs its own channels during its next sweep.
    for (PresenceBackend backend : backends) {
      backend.store().expire(now, Duration.ZERO);
    }
    assertThat(a.store().channelsOf(ann)).containsExactly(hall, room);
    assertThat(backends.get(1).store().channelsOf(ann)).containsExactly(hall, room);
  }
}
