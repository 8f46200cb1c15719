package dev.presence.spi.memory;

import dev.presence.ChannelId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.Capability;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceBackend;
import dev.presence.spi.PresenceEventBus;
import dev.presence.spi.PresenceStore;
import dev.presence.spi.Registration;
import dev.presence.spi.tck.ClusteredBackendContract;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Checks {@link ClusteredBackendContract} itself, against a simulated cluster: in-process members
 * that share one {@link InMemoryPresenceStore}, each with its own {@link InMemoryPresenceEventBus}
 * to which every member publishes, hook ownership by hash over the live members, and node loss
 * reported to the live members when one is killed or cut off (a member cut off comes back under a
 * new node id and is told of the merge). The in-memory backend itself is not clustered and does not
 * run that contract.
 */
class SimulatedClusterContractTest extends ClusteredBackendContract {

  private final InMemoryPresenceStore sharedStore = new InMemoryPresenceStore();
  private final CopyOnWriteArrayList<Member> live = new CopyOnWriteArrayList<>();
  private final AtomicInteger started = new AtomicInteger();

  @Override
  protected PresenceBackend startMember() {
    Member member = new Member("sim-" + started.incrementAndGet());
    live.add(member);
    return member;
  }

  @Override
  protected void kill(PresenceBackend member) {
    Member killed = (Member) member;
    live.remove(killed);
    killed.localBus.close();
    for (Member survivor : live) {
      survivor.clusterListeners.forEach(l -> l.nodeLost(killed.nodeId));
    }
  }

  /** Takes the member out of the live set and tells the others it was lost. */
  @Override
  protected boolean isolate(PresenceBackend member) {
    Member cut = (Member) member;
    live.remove(cut);
    for (Member survivor : live) {
      survivor.clusterListeners.forEach(l -> l.nodeLost(cut.nodeId));
    }
    return true;
  }

  /** Brings the member back under a new node id and tells it about the merge. */
  @Override
  protected void reconnect(PresenceBackend member) {
    Member back = (Member) member;
    back.nodeId = "sim-" + started.incrementAndGet();
    live.add(back);
    back.clusterListeners.forEach(ClusterListener::merged);
  }

  private final class Member implements PresenceBackend, PresenceEventBus {
    volatile String nodeId;
    final InMemoryPresenceEventBus localBus = new InMemoryPresenceEventBus();
    final CopyOnWriteArrayList<ClusterListener> clusterListeners = new CopyOnWriteArrayList<>();

    Member(String nodeId) {
      this.nodeId = nodeId;
    }

    @Override
    public String nodeId() {
      return nodeId;
    }

    @Override
    public PresenceStore store() {
      return sharedStore;
    }

    @Override
    public PresenceEventBus eventBus() {
      return this;
    }

    @Override
    public Set<Capability> capabilities() {
      return Set.of(Capability.CLUSTERED, Capability.NODE_LOSS_DETECTION);
    }

    @Override
    public boolean isAvailable() {
      return live.contains(this);
    }

    @Override
    public Registration addClusterListener(ClusterListener listener) {
      clusterListeners.add(listener);
      return () -> clusterListeners.remove(listener);
    }

    @Override
    public <T> T unwrap(Class<T> type) {
      throw new IllegalArgumentException("nothing to unwrap");
    }

    @Override
    public void close() {
      live.remove(this);
      localBus.close();
    }

    @Override
    public void publish(List<PresenceEvent> events) {
      for (Member member : live) {
        member.localBus.publish(events);
      }
    }

    @Override
    public Registration subscribe(Listener listener) {
      return localBus.subscribe(listener);
    }

    @Override
    public boolean isHookOwner(ChannelId channel) {
      List<Member> members =
          live.stream().sorted(Comparator.comparing((Member m) -> m.nodeId)).toList();
      return members.get(Math.floorMod(channel.hashCode(), members.size())) == this;
    }
  }
}
