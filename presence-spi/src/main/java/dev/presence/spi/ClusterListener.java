package dev.presence.spi;

/**
 * Told about nodes leaving the cluster and about partitions healing.
 *
 * <p>Called from a backend thread; must not block. Every live node is told.
 *
 * @since 0.1
 */
public interface ClusterListener {

  /**
   * A node left the cluster without handing over its sessions (it crashed, froze, or was cut off).
   * Its sessions are to be released as lost ({@link PresenceStore#releaseNode}).
   *
   * @param nodeId the node that left
   */
  void nodeLost(String nodeId);

  /**
   * This node's part of the cluster merged with another after a partition healed. Reported on the
   * nodes of both parts, since the state that was kept may be either part's: state written on the
   * other side may have come back, and state written here may be gone. The engine re-asserts its
   * own sessions and tells its observers to resync. The default does nothing.
   */
  default void merged() {}
}
