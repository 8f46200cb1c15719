package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.TooLargeException;
import dev.presence.UserId;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection-bound session on this node.
 *
 * <p>The channels it joined are kept here as well as in the store, so that its end can release
 * them. Join, leave and the end run one at a time per session, store call included, so an end
 * racing with a join never leaves a membership behind. Every call, including {@link #heartbeat()},
 * records the time of the last sign of life that the engine's ticker compares with the timeout.
 */
final class EngineSession implements PresenceSession {

  private final PresenceEngine engine;
  private final SessionId id;
  private final UserId user;
  private final ReentrantLock lock = new ReentrantLock();
  private final Set<ChannelId> channels = new LinkedHashSet<>(); // guarded by lock
  private volatile boolean closed;
  private volatile Instant lastSeen;

  EngineSession(PresenceEngine engine, SessionId id, UserId user, Instant now) {
    this.engine = engine;
    this.id = id;
    this.user = user;
    this.lastSeen = now;
  }

  @Override
  public SessionId id() {
    return id;
  }

  @Override
  public UserId userId() {
    return user;
  }

  @Override
  public void join(ChannelId channel) {
    engine.limits().check(channel);
    lock.lock();
    try {
      Instant now = signOfLife();
      if (channels.contains(channel)) {
        return;
      }
      int max = engine.limits().channelsPerSession();
      if (channels.size() >= max) {
        throw new TooLargeException(
            "a connection may join at most " + max + " channels; leave one before joining another");
      }
      engine.joinNodeBound(channel, user, id, now);
      channels.add(channel);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void leave(ChannelId channel) {
    engine.limits().check(channel);
    lock.lock();
    try {
      Instant now = signOfLife();
      if (!channels.contains(channel)) {
        return;
      }
      engine.leaveSession(channel, user, id, now);
      channels.remove(channel);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void heartbeat() {
    signOfLife();
  }

  @Override
  public void close(CloseReason reason) {
    lock.lock();
    try {
      if (!closed) {
        end(reason, engine.now());
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /**
   * Ends the session as lost if it has shown no sign of life after {@code cutoff}.
   *
   * @return true if it was ended
   */
  boolean closeIfSilentSince(Instant cutoff, Instant now) {
    if (closed || lastSeen.isAfter(cutoff)) {
      return false;
    }
    lock.lock();
    try {
      if (closed || lastSeen.isAfter(cutoff)) {
        return false;
      }
      end(CloseReason.LOST, now);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Joins every channel again, under this node's current id, after a partition healed; see {@link
   * PresenceEngine}.
   *
   * @return false if some channel could not be joined (the engine tries again)
   */
  boolean reassert(Instant now) {
    lock.lock();
    try {
      if (closed) {
        return true;
      }
      boolean ok = true;
      for (ChannelId channel : List.copyOf(channels)) {
        ok &= engine.reassert(channel, user, id, now);
      }
      return ok;
    } finally {
      lock.unlock();
    }
  }

  /** The channels joined; for tests. */
  Set<ChannelId> channels() {
    lock.lock();
    try {
      return Set.copyOf(channels);
    } finally {
      lock.unlock();
    }
  }

  private Instant signOfLife() {
    if (closed) {
      throw new InvalidArgumentException("session has ended");
    }
    Instant now = engine.now();
    lastSeen = now;
    return now;
  }

  private void end(CloseReason reason, Instant now) {
    closed = true;
    for (ChannelId channel : channels) {
      engine.releaseSession(channel, user, id, reason, now);
    }
    channels.clear();
    engine.sessionEnded(this);
  }
}
