package dev.presence.spi;

/**
 * Optional features a backend may support; see {@link PresenceBackend#isSupported(Capability)}.
 *
 * @since 0.1
 */
public enum Capability {
  /** State and events are shared by several nodes. Backends without it serve one node. */
  CLUSTERED,
  /** The backend reports lost nodes to {@link ClusterListener#nodeLost(String)}. */
  NODE_LOSS_DETECTION
}
