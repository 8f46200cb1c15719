package dev.presence.hazelcast;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.tck.ClusteredBackendContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The clustered contract on members joined over loopback TCP (distinct ports, multicast off, a
 * cluster name of this run), each given to the backend as the container's instance. A member is
 * killed with {@code terminate()}.
 */
class HazelcastClusteredContractTest extends ClusteredBackendContract {

  private final String clusterName = TestCluster.uniqueName("presence-cluster");
  private final List<String> addresses = new ArrayList<>();

  @Override
  protected PresenceBackend startMember() {
    int port = TestCluster.freePort();
    List<String> members = new ArrayList<>(addresses);
    members.add("127.0.0.1:" + port);
    HazelcastInstance hz = TestCluster.member(clusterName, port, members);
    addresses.add("127.0.0.1:" + port);
    await().atMost(Duration.ofSeconds(60)).until(() -> hz.getPartitionService().isClusterSafe());
    return new HazelcastPresenceBackendProvider()
        .create(new TestCluster.Context(hz).with(HazelcastConfigKeys.MODE, "container"));
  }

  @Override
  protected void kill(PresenceBackend member) {
    member.unwrap(HazelcastInstance.class).getLifecycleService().terminate();
  }

  @Override
  protected void stopMember(PresenceBackend member) {
    HazelcastInstance hz = member.unwrap(HazelcastInstance.class);
    member.close();
    hz.getLifecycleService().terminate();
  }
}
