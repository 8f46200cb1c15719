package dev.presence.spi;

import dev.presence.SessionId;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A session as the store sees it: who keeps it alive.
 *
 * <p>A <em>node-bound</em> session ({@code nodeId} set, {@code expiresAt} null) lives as long as
 * the node holding its connection says so: that node releases it ({@link PresenceStore#release}),
 * or the survivors release it when the node is lost ({@link PresenceStore#releaseNode}). A
 * <em>lease-bound</em> session ({@code expiresAt} set, {@code nodeId} null), such as the implicit
 * REST session, lives until its lease expires unless a join renews it; the store ends it as lost in
 * {@link PresenceStore#expire}.
 *
 * @param id the session
 * @param nodeId the node holding it, or null for a lease-bound session
 * @param expiresAt when a lease-bound session ends unless renewed, or null for a node-bound one
 * @since 0.1
 */
public record SessionLease(SessionId id, @Nullable String nodeId, @Nullable Instant expiresAt) {

  /**
   * Validates that exactly one of {@code nodeId} and {@code expiresAt} is set.
   *
   * @param id the session
   * @param nodeId the node holding it, or null for a lease-bound session
   * @param expiresAt when a lease-bound session ends unless renewed, or null for a node-bound one
   * @throws IllegalArgumentException otherwise
   */
  public SessionLease {
    if ((nodeId == null) == (expiresAt == null)) {
      throw new IllegalArgumentException("a session is either node-bound or lease-bound");
    }
  }

  /**
   * A session held by a node.
   *
   * @param id the session
   * @param nodeId the node holding it
   * @return the lease
   */
  public static SessionLease nodeBound(SessionId id, String nodeId) {
    return new SessionLease(id, nodeId, null);
  }

  /**
   * A session that lives until a point in time unless renewed.
   *
   * @param id the session
   * @param expiresAt when it ends
   * @return the lease
   */
  public static SessionLease leaseBound(SessionId id, Instant expiresAt) {
    return new SessionLease(id, null, expiresAt);
  }
}
