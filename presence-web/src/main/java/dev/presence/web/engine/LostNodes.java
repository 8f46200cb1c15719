package dev.presence.web.engine;

import dev.presence.event.PresenceEvent;
import dev.presence.spi.Capability;
import dev.presence.spi.PresenceBackend;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The release of lost nodes' sessions: a node the backend reports lost ({@link #nodeLost}) has its
 * sessions released as lost for the grace period ({@link
 * dev.presence.spi.PresenceStore#releaseNode}) by the ticker, retried until the store answers.
 *
 * <p>Since a loss may be the start of a split, each pass with lost nodes first has {@link
 * SplitMemory#hold} remember this side's attributes. A report of this node's own id is dropped.
 *
 * <p>Owns the queue of reported nodes. Threading: {@link #nodeLost} on a backend thread (it only
 * queues); {@link #tick} on the ticker thread. Nodes are released in the order reported; a node is
 * dequeued only once its release succeeded, so a failure stops the pass and the next tick retries
 * from that node.
 */
final class LostNodes {

  private static final Logger LOG = Logger.getLogger(LostNodes.class.getName());

  private final StoreGateway store;
  private final SplitMemory memory;
  private final ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();

  LostNodes(StoreGateway store, SplitMemory memory) {
    this.store = store;
    this.memory = memory;
  }

  /**
   * Refuses a backend whose nodes could die unnoticed: one that is {@linkplain Capability#CLUSTERED
   * clustered} without {@link Capability#NODE_LOSS_DETECTION} would leave the sessions of a node
   * that dies present for ever (ghosts).
   *
   * @param backend the backend an engine is about to use
   * @throws IllegalArgumentException if it is such a backend
   */
  static void requireDetection(PresenceBackend backend) {
    if (backend.isSupported(Capability.CLUSTERED)
        && !backend.isSupported(Capability.NODE_LOSS_DETECTION)) {
      throw new IllegalArgumentException(
          "the presence backend "
              + backend
              + " is clustered but cannot detect the loss of a node"
              + " (no Capability.NODE_LOSS_DETECTION): the sessions of a node that dies would stay"
              + " present for ever; use a backend that detects node loss, or run a single node");
    }
  }

  /** The backend reports a node lost; its release waits for the next tick. */
  void nodeLost(String nodeId) {
    lost.add(nodeId);
  }

  /**
   * The ticker's pass: holds this side's attributes, then releases every node reported lost.
   *
   * @throws dev.presence.PresenceException if the store failed (the rest is retried)
   */
  void tick(Instant now) {
    if (lost.isEmpty()) {
      return;
    }
    memory.hold(now);
    String nodeId;
    while ((nodeId = lost.peek()) != null) {
      if (!nodeId.equals(store.nodeId())) {
        String node = nodeId;
        List<PresenceEvent> events = store.releaseNode(node, now);
        LOG.log(
            Level.INFO,
            () -> "released the sessions of lost node " + node + " (" + events.size() + " events)");
      }
      lost.poll();
    }
  }
}
