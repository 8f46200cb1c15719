package dev.presence.hazelcast.internal;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import dev.presence.spi.ClusterListener;
import dev.presence.spi.Registration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * Relays Hazelcast's cluster events to {@link ClusterListener}s: a member that left ({@code
 * memberRemoved}, which Hazelcast reports for a crash as for a shutdown) is {@code nodeLost} with
 * the member's UUID as node id; a split-brain merge is {@code merged}, on every node of the merged
 * cluster. In client mode the member events describe no node that holds sessions; {@link
 * ClientNodes} reports client nodes instead.
 *
 * <p><b>Merges.</b> Hazelcast fires {@link LifecycleEvent.LifecycleState#MERGED} only on the
 * members of the side that merged into the other (and gives each of them a new UUID). The nodes of
 * the other side must learn of the merge too: the copy of a channel that survived may be either
 * side's (with the default PutIfAbsent merge policy the surviving side's, except for channels it
 * did not have), so their observers' {@code seq} may no longer be the channel's and their own
 * sessions may have been released in the copy that was kept. So a merged member, besides telling
 * its own listeners, publishes a notice on the topic {@code <prefix>.cluster} (three times, 0, 2
 * and 6 s after the merge, with one id, since topic delivery is at most once and the merged member
 * may not know every listener at first); every other node tells its listeners once per notice id.
 * Each report also asks the store to repair its user index ({@link
 * HazelcastPresenceStore#repairIndexSoon()}).
 */
final class ClusterEvents {

  private static final Logger LOG = Logger.getLogger(ClusterEvents.class.getName());
  private static final int NOTICE_FORMAT = 1;
  private static final long[] NOTICE_DELAYS_MS = {0, 2_000, 6_000};
  private static final int SEEN_NOTICES = 64;

  private final HazelcastInstance hz;
  private final ITopic<byte[]> notices;
  private final HazelcastPresenceStore store;
  private final List<ClusterListener> listeners = new CopyOnWriteArrayList<>();
  private final Set<String> seen = new LinkedHashSet<>(); // guarded by itself
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable UUID membershipRegistration;
  private final @Nullable UUID lifecycleRegistration;
  private final @Nullable UUID noticeRegistration;

  ClusterEvents(
      HazelcastInstance hz, boolean member, ITopic<byte[]> notices, HazelcastPresenceStore store) {
    this.hz = hz;
    this.notices = notices;
    this.store = store;
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
                      mergedHere();
                    }
                  });
      noticeRegistration = notices.addMessageListener(this::onNotice);
    } else {
      membershipRegistration = null;
      lifecycleRegistration = null;
      noticeRegistration = null;
    }
  }

  Registration add(ClusterListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Tells every listener that a node was lost. */
  void nodeLost(String node) {
    each(l -> l.nodeLost(node));
  }

  /** Tells every listener that this node's view merged back (client mode: see ClientNodes). */
  void merged() {
    store.repairIndexSoon();
    each(ClusterListener::merged);
  }

  /** This member merged into another cluster: tell the listeners here, and the other nodes. */
  private void mergedHere() {
    String id = UUID.randomUUID().toString();
    remember(id);
    LOG.info(
        () ->
            "this Hazelcast member merged into another cluster after a split (notice " + id + ")");
    merged();
    byte[] notice = new Wire.Out().writeByte(NOTICE_FORMAT).writeString(id).toBytes();
    for (long delay : NOTICE_DELAYS_MS) {
      CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS)
          .execute(() -> publish(notice));
    }
  }

  private void publish(byte[] notice) {
    if (closed.get()) {
      return;
    }
    try {
      notices.publish(notice);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "could not publish a merge notice (instance down?)", e);
    }
  }

  private void onNotice(Message<byte[]> message) {
    String id;
    try {
      Wire.In in = new Wire.In(message.getMessageObject());
      if (in.readByte() != NOTICE_FORMAT) {
        return;
      }
      id = in.readString();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "ignored an unreadable cluster notice", e);
      return;
    }
    if (remember(id)) {
      LOG.info(
          () ->
              "another part of the cluster merged with this one after a split (notice " + id + ")");
      merged();
    }
  }

  /** Records a notice id; true if it was new. */
  private boolean remember(String id) {
    synchronized (seen) {
      if (!seen.add(id)) {
        return false;
      }
      if (seen.size() > SEEN_NOTICES) {
        seen.remove(seen.iterator().next());
      }
      return true;
    }
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
    closed.set(true);
    listeners.clear();
    try {
      if (membershipRegistration != null) {
        hz.getCluster().removeMembershipListener(membershipRegistration);
      }
      if (lifecycleRegistration != null) {
        hz.getLifecycleService().removeLifecycleListener(lifecycleRegistration);
      }
      if (noticeRegistration != null) {
        notices.removeMessageListener(noticeRegistration);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "could not remove cluster listeners (instance down?)", e);
    }
  }
}
