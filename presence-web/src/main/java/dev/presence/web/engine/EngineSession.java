package dev.presence.web.engine;

import dev.presence.ChannelId;
import dev.presence.CloseReason;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.TooLargeException;
import dev.presence.UserId;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * A connection-bound session on this node.
 *
 * <p>The channels it joined are kept here as well as in the store, so that its end can release
 * them. Join, leave and the end run one at a time per session, store call included, so an end
 * racing with a join never leaves a membership behind. Every call, including {@link #heartbeat()},
 * records the time of the last sign of life that the engine's ticker compares with the timeout.
 *
 * <p>It reaches the store only through the {@link SessionOperations} it is given (by {@link
 * SessionRegistry}), always with its lock held.
 */
final class EngineSession implements PresenceSession {

  private final SessionOperations ops;
  private final SessionId id;
  private final UserId user;
  private final boolean checkChannels;
  private final ReentrantLock lock = new ReentrantLock();

  /**
   * The channels joined, each with the channel's seq when this session joined it (see {@link
   * SessionOperations#join}); guarded by lock.
   */
  private final Map<ChannelId, Long> channels = new LinkedHashMap<>();

  private volatile boolean closed;
  private volatile Instant lastSeen;

  /**
   * @param checkChannels whether {@link #join} and {@link #leave} check the channel id against the
   *     limits: true for a session of {@link PresenceEngine#openSession}, false for one of {@link
   *     PrecheckedPresence#openSession}, whose caller checks ids itself
   */
  EngineSession(
      SessionOperations ops, SessionId id, UserId user, Instant now, boolean checkChannels) {
    this.ops = ops;
    this.id = id;
    this.user = user;
    this.checkChannels = checkChannels;
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
    checkChannel(channel);
    lock.lock();
    try {
      Instant now = signOfLife();
      if (channels.containsKey(channel)) {
        return;
      }
      int max = ops.checks().limits().channelsPerSession();
      if (channels.size() >= max) {
        throw new TooLargeException(
            "a connection may join at most " + max + " channels; leave one before joining another");
      }
      channels.put(channel, ops.join(channel, user, id, now));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void leave(ChannelId channel) {
    checkChannel(channel);
    lock.lock();
    try {
      Instant now = signOfLife();
      if (!channels.containsKey(channel)) {
        return;
      }
      ops.leave(channel, user, id, now);
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
        end(reason, ops.now());
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
   * Joins every channel again after a partition healed, one at a time with this session's lock
   * held, so that no join or end of the session runs in between; see {@link MergeRecovery}. Each
   * channel's seq at join becomes the one of the re-join: the merge may have kept the other side's
   * copy, whose seqs can be lower than this side's, and a later kick is judged against them (see
   * {@link #forget}).
   *
   * @param rejoin joins one channel of this session again and returns the channel's seq at that
   *     join, as {@link SessionOperations#join} does; empty if it failed
   * @return false if some channel could not be joined (the caller tries again)
   */
  boolean reassert(Function<ChannelId, OptionalLong> rejoin) {
    lock.lock();
    try {
      if (closed) {
        return true;
      }
      boolean ok = true;
      for (ChannelId channel : List.copyOf(channels.keySet())) {
        OptionalLong seq = rejoin.apply(channel);
        if (seq.isPresent()) {
          channels.put(channel, seq.getAsLong());
        } else {
          ok = false;
        }
      }
      return ok;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Forgets a channel whose membership an administrator ended (a kick): no store call, the store
   * has ended it already. A join of this session that came after the kick (its seq at join is at
   * least the kick's: it joined on this node while the kick's {@code leave} was on its way) made a
   * new membership, which is kept.
   *
   * @param kickSeq the seq of the kick's {@code leave} event
   * @return true if the channel was forgotten
   */
  boolean forget(ChannelId channel, long kickSeq) {
    lock.lock();
    try {
      Long joinedAt = channels.get(channel);
      if (joinedAt == null || joinedAt >= kickSeq) {
        return false;
      }
      channels.remove(channel);
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** The channels joined. */
  Set<ChannelId> channels() {
    lock.lock();
    try {
      return Set.copyOf(channels.keySet());
    } finally {
      lock.unlock();
    }
  }

  private void checkChannel(ChannelId channel) {
    if (checkChannels) {
      ops.checks().channel(channel);
    }
  }

  private Instant signOfLife() {
    if (closed) {
      throw new InvalidArgumentException("session has ended");
    }
    Instant now = ops.now();
    lastSeen = now;
    return now;
  }

  private void end(CloseReason reason, Instant now) {
    closed = true;
    for (ChannelId channel : channels.keySet()) {
      ops.release(channel, user, id, reason, now);
    }
    channels.clear();
    ops.ended(this);
  }
}
