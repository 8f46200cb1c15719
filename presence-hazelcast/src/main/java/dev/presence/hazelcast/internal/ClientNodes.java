package dev.presence.hazelcast.internal;

import com.hazelcast.map.IMap;
import dev.presence.spi.support.NamedThreads;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The live presence nodes of client mode, where no Hazelcast member event describes the nodes that
 * hold sessions. Each client node keeps an entry of its own, with a time-to-live, in the map {@code
 * <prefix>.nodes} and refreshes it three times per time-to-live; each reads the map as often.
 *
 * <ul>
 *   <li>A node that disappears from the map is reported lost ({@link ClusterEvents#nodeLost}), by
 *       every node that had seen it.
 *   <li>A node that finds its own entry gone (it was cut off longer than the time-to-live, and the
 *       others have released its sessions) reports {@link ClusterEvents#merged}, so the engine
 *       re-asserts its sessions, as after a split-brain merge.
 *   <li>Hook ownership is decided by rendezvous hashing of the channel over the live nodes: with a
 *       stable set of nodes exactly one owns each channel.
 * </ul>
 */
final class ClientNodes {

  private static final Logger LOG = Logger.getLogger(ClientNodes.class.getName());

  private final IMap<String, Long> nodes;
  private final String self;
  private final ClusterEvents events;
  private final long ttlMillis;
  private final ScheduledExecutorService timer;
  private volatile List<String> live;
  private Set<String> known;
  private boolean registered;

  ClientNodes(IMap<String, Long> nodes, String self, ClusterEvents events, long ttlMillis) {
    this.nodes = nodes;
    this.self = self;
    this.events = events;
    this.ttlMillis = ttlMillis;
    this.live = List.of(self);
    this.known = Set.of(self);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("presence-hazelcast-nodes"));
  }

  /** Registers this node and starts refreshing. */
  void start() {
    refresh();
    long period = Math.max(1, ttlMillis / 3);
    timer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * Asks for a refresh on the registry's own thread, soon; for a reconnection, which is reported on
   * a Hazelcast thread that must not block.
   */
  void refreshSoon() {
    try {
      timer.execute(this::tick);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "the node registry is closed", e);
    }
  }

  private void tick() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "could not refresh the presence node registry", e);
    }
  }

  /** Refreshes this node's entry and the view of the others. Runs on one thread at a time. */
  synchronized void refresh() {
    Long previous = nodes.put(self, System.currentTimeMillis(), ttlMillis, TimeUnit.MILLISECONDS);
    if (registered && previous == null) {
      events.merged();
    }
    registered = true;
    Set<String> current = new TreeSet<>(nodes.keySet());
    current.add(self);
    for (String node : known) {
      if (!current.contains(node)) {
        events.nodeLost(node);
      }
    }
    known = current;
    live = List.copyOf(current);
  }

  /** Whether this node owns a channel's hooks among the live nodes. */
  boolean owns(String channel) {
    String best = self;
    long bestScore = Long.MIN_VALUE;
    for (String node : live) {
      long score = score(node, channel);
      if (score > bestScore || (score == bestScore && node.compareTo(best) > 0)) {
        best = node;
        bestScore = score;
      }
    }
    return best.equals(self);
  }

  /** A well-mixed 64-bit hash of a node and a channel, the same in every JVM. */
  static long score(String node, String channel) {
    long h = node.hashCode() * 0x9E3779B97F4A7C15L + channel.hashCode();
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /** Stops refreshing and removes this node's entry (a clean leave, not a loss). */
  void close() {
    timer.shutdownNow();
    try {
      nodes.delete(self);
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "could not remove this node from the registry (instance down?)", e);
    }
  }
}
