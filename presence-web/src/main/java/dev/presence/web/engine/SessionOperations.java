package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.SessionId;
import dev.presence.UserId;
import java.time.Instant;

/**
 * What an {@link EngineSession} needs from outside itself: the limit checks, the time, and the
 * store operations on its own memberships. {@link SessionRegistry} implements it; a session never
 * sees the engine.
 *
 * <p>Every method is called with the session's lock held, so an implementation must not call back
 * into the session. Failures are the store's, translated by {@link StoreGateway}.
 */
interface SessionOperations {

  /** The limit checks a session makes before it calls the store. */
  LimitChecks checks();

  /** The engine's time now. */
  Instant now();

  /**
   * Joins a channel under the backend's current node id and publishes the event.
   *
   * @return the channel's seq at the join: the {@code join} event's, or, when the user was present
   *     already (no event), the channel's seq read right after the join. A kick whose {@code leave}
   *     has a seq above it ended this membership; one at or below it came before the join. (A kick
   *     between the join and that read is taken as earlier: the session keeps a channel the store
   *     no longer holds, which shows nobody as present; the other error, a membership nobody
   *     releases, would.)
   * @throws dev.presence.UnavailableException if this node is handing over or the store failed
   */
  long join(ChannelId channel, UserId user, SessionId session, Instant now);

  /** Leaves a channel at once and publishes the event. */
  void leave(ChannelId channel, UserId user, SessionId session, Instant now);

  /** Releases a membership of the ended session for the grace period; never throws. */
  void release(ChannelId channel, UserId user, SessionId session, CloseReason reason, Instant now);

  /** The session has ended (after its releases); it is forgotten. */
  void ended(EngineSession session);
}
