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
  NODE_LOSS_DETECTION,
  /**
   * The administration operations (SPEC 13.4): the store implements {@link PresenceStore#kick},
   * {@link PresenceStore#channels} and {@link PresenceStore#totals}, and the bus carries {@link
   * PresenceEventBus#closeConnections}. Without it those methods throw {@link
   * UnsupportedOperationException} and the server answers its admin API with {@code UNAVAILABLE}.
   *
   * @since 0.2
   */
  ADMINISTRATION
}
