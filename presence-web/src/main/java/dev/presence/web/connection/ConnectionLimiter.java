package dev.presence.web.connection;

import dev.presence.UnavailableException;
import dev.presence.UserId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Counts the open WebSocket and Server-Sent Events connections of this node, in all and per user,
 * and refuses one over {@code presence.ws.max-connections} or {@code
 * presence.ws.max-connections-per-user} (SPEC 13.2).
 *
 * <p>A transport calls {@link #tryAcquire} once it knows the user (after the token is verified)
 * and, if that succeeded, {@link Permit#release()} exactly once when the connection ends; a permit
 * released twice counts once. Thread-safe and lock-free; a per-user counter is dropped when it
 * reaches zero, so the map holds only users with an open connection.
 */
public final class ConnectionLimiter {

  /** Why a connection was refused. */
  public enum Refusal {
    /** The node holds {@code presence.ws.max-connections} connections. */
    NODE,
    /** The user holds {@code presence.ws.max-connections-per-user} connections on this node. */
    USER
  }

  /** One open connection, counted until released. */
  public interface Permit {
    /** Stops counting the connection; idempotent. */
    void release();
  }

  private final int maxConnections;
  private final int maxPerUser;
  private final AtomicInteger open = new AtomicInteger();
  private final ConcurrentHashMap<UserId, AtomicInteger> perUser = new ConcurrentHashMap<>();
  private final LongAdder refusedNode = new LongAdder();
  private final LongAdder refusedUser = new LongAdder();

  /**
   * Creates a limiter.
   *
   * @param maxConnections the most open connections of the node, at least 1
   * @param maxPerUser the most open connections of one user on the node, at least 1
   */
  public ConnectionLimiter(int maxConnections, int maxPerUser) {
    if (maxConnections < 1 || maxPerUser < 1) {
      throw new IllegalArgumentException("connection limits must be at least 1");
    }
    this.maxConnections = maxConnections;
    this.maxPerUser = maxPerUser;
  }

  /**
   * Counts a new connection of a user if both limits allow it.
   *
   * @param user the connection's user
   * @param onRefusal receives the refusal when there is one
   * @return the permit, or null if refused
   */
  public @Nullable Permit tryAcquire(UserId user, Consumer<Refusal> onRefusal) {
    Refusal refusal = count(user);
    if (refusal != null) {
      onRefusal.accept(refusal);
      return null;
    }
    return new Held(user);
  }

  /**
   * Counts a new connection of a user, or refuses it with the reason a client is told (without the
   * error code).
   *
   * @param user the connection's user
   * @return the permit
   * @throws UnavailableException if a limit refuses the connection; its message is {@link
   *     #reason(Refusal)}
   */
  public Permit acquire(UserId user) {
    Refusal refusal = count(user);
    if (refusal != null) {
      throw new UnavailableException(reason(refusal));
    }
    return new Held(user);
  }

  /**
   * What a client is told when a connection is refused, without the error code.
   *
   * @param refusal the refusal
   * @return the reason, naming the limit
   */
  public String reason(Refusal refusal) {
    return refusal == Refusal.USER
        ? "this user has "
            + maxPerUser
            + " connections open on this server; close one or try again later"
        : "this server has " + maxConnections + " connections open; try again later";
  }

  private @Nullable Refusal count(UserId user) {
    int n = open.incrementAndGet();
    if (n > maxConnections) {
      open.decrementAndGet();
      refusedNode.increment();
      return Refusal.NODE;
    }
    boolean[] refused = {false};
    perUser.compute(
        user,
        (u, count) -> {
          AtomicInteger c = count == null ? new AtomicInteger() : count;
          if (c.get() >= maxPerUser) {
            refused[0] = true;
          } else {
            c.incrementAndGet();
          }
          return c.get() == 0 ? null : c;
        });
    if (refused[0]) {
      open.decrementAndGet();
      refusedUser.increment();
      return Refusal.USER;
    }
    return null;
  }

  private void release(UserId user) {
    perUser.computeIfPresent(user, (u, c) -> c.decrementAndGet() <= 0 ? null : c);
    open.decrementAndGet();
  }

  /**
   * The open connections counted now.
   *
   * @return the count
   */
  public int open() {
    return open.get();
  }

  /**
   * The open connections of one user.
   *
   * @param user the user
   * @return the count, 0 if none
   */
  public int open(UserId user) {
    AtomicInteger c = perUser.get(user);
    return c == null ? 0 : c.get();
  }

  /**
   * Connections refused so far by one limit.
   *
   * @param refusal which limit
   * @return the count since start
   */
  public long refused(Refusal refusal) {
    return refusal == Refusal.NODE ? refusedNode.sum() : refusedUser.sum();
  }

  /**
   * The node's limit.
   *
   * @return {@code presence.ws.max-connections}
   */
  public int maxConnections() {
    return maxConnections;
  }

  /**
   * The per-user limit.
   *
   * @return {@code presence.ws.max-connections-per-user}
   */
  public int maxPerUser() {
    return maxPerUser;
  }

  private final class Held implements Permit {
    private final UserId user;
    private final AtomicBoolean released = new AtomicBoolean();

    Held(UserId user) {
      this.user = user;
    }

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        ConnectionLimiter.this.release(user);
      }
    }
  }
}
