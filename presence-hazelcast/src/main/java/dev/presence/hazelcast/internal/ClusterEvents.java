package dev.presence.hazelcast.internal;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.PresenceEventBus;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Relays Hazelcast's cluster events to {@link ClusterListener}s: a member that left ({@code
 * memberRemoved}, which Hazelcast reports for a crash as for a shutdown) is {@code nodeLost} with
 * the member's UUID as node id; a split-brain merge of this member ({@link
 * LifecycleEvent.LifecycleState#MERGED}) is {@code merged}. In client mode the member events
 * describe no node that holds sessions; {@link ClientNodes} reports client nodes instead.
 */
final class ClusterEvents {

  private static final Logger LOG = Logger.getLogger(ClusterEvents.class.getName());

  private final HazelcastInstance hz;
  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private final @Nullable UUID membershipRegistration;
  private final @Nullable UUID lifecycleRegistration;

  ClusterEvents(HazelcastInstance hz, boolean member) {
    this.hz = hz;
    if (member) {
      membershipRegistration =
          hz.getCluster()
              .addMembershipListener(
                  new MembershipListener() {
                    @Override
                    public void memberAdded(MembershipEvent event) {}

                    @Override
                    public void memberRemoved(MembershipEvent event) {
                      nodeLost(event.getMember().getUuid().toString());
                    }
                  });
      lifecycleRegistration =
          hz.getLifecycleService()
              .addLifecycleListener(
                  e -> {
                    if (e.getState() == LifecycleEvent.LifecycleState.MERGED) {
                      merged();
                    }
                  });
    } else {
      membershipRegistration = null;
      lifecycleRegistration = null;
    }
  }

  PresenceEventBus.Registration add(ClusterListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Tells every listener that a node was lost. */
  void nodeLost(String node) {
    each(l -> l.nodeLost(node));
  }

  /** Tells every listener that this node's view merged back. */
  void merged() {
    each(ClusterListener::merged);
  }

  private void each(Consumer<ClusterListener> call) {
    for (ClusterListener l : listeners) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a cluster listener failed", e);
      }
    }
  }

  void close() {
    listeners.clear();
    try {
      if (membershipRegistration != null) {
        hz.getCluster().removeMembershipListener(membershipRegistration);
      }
      if (lifecycleRegistration != null) {
        hz.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "could not remove cluster listeners (instance down?)", e);
    }
  }
}
