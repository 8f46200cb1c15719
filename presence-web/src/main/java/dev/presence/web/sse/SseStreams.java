package dev.presence.web.sse;

import dev.presence.ChannelId;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.spi.Registration;
import dev.presence.spi.support.NamedThreads;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.connection.ConnectionLimiter;
import dev.presence.web.engine.ObserveMode;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.ops.OperationMetrics;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The open Server-Sent Events streams of this node: their sender threads, a keep-alive every
 * {@value #KEEPALIVE_SECONDS} s, a watchdog for stuck writes, and closing them all at shutdown.
 *
 * <p><b>Sender threads.</b> A bounded pool of daemon threads {@code presence-sse-N}: at most {@code
 * max(4, 2 × available processors)} (see {@link #senderThreads(int)}); idle threads end after 60 s.
 * A stream uses one thread only while it has something to write, and at most one at a time; streams
 * waiting for a thread wait in the pool's queue (at most one task per open stream). The number of
 * threads is the gauge {@code presence_sse_sender_threads}. (The cached pool used before grew to a
 * thread per busy stream: 80 for 100 streams in {@code SseBoundIT}.)
 *
 * <p><b>Stuck writes.</b> Jersey writes inside {@code SseEventSink.send}, through the container's
 * blocking output stream, so a client that stops reading can hold a sender thread once the socket's
 * and the container's buffers are full. (Payara 6 was seen to keep queueing such writes in the heap
 * instead, several MB per connection, without blocking: see {@code SseBoundIT}.) Every {@value
 * #CHECK_SECONDS} s a watchdog closes each stream whose write has been blocked for more than
 * {@value SseConnection#STUCK_SECONDS} s, or for more than {@value #BUSY_STUCK_SECONDS} s while
 * other streams wait for a thread, and interrupts the blocked write to free its thread (see {@link
 * SseConnection}).
 *
 * <p><b>Trade-off.</b> Fewer stuck clients than threads cost only their threads: the other streams
 * keep flowing, and the stuck ones are closed after {@value SseConnection#STUCK_SECONDS} s. As many
 * stuck clients as threads block every thread, and the healthy streams wait with them: their events
 * queue up (a stream whose queue overflows gets a {@code resync}; nothing is lost) until the
 * watchdog closes the blocked writes, within {@value #BUSY_STUCK_SECONDS} + {@value #CHECK_SECONDS}
 * s. Many clients that stop reading at once are closed one round of threads at a time, so the
 * healthy streams may stall for several rounds (100 such clients and 16 threads: about 7 rounds of
 * 5 to 6 s); and while streams wait for a thread, a client that has not taken a write for {@value
 * #BUSY_STUCK_SECONDS} s is closed although it might have read again later (its EventSource
 * reconnects and gets a new snapshot). Threads without a bound were worse: a few hundred idle
 * clients exhaust them. Writing without holding a thread would need non-blocking servlet output,
 * which {@code SseEventSink} does not offer.
 */
@ApplicationScoped
public class SseStreams {

  /** Seconds between keep-alive comments. */
  static final int KEEPALIVE_SECONDS = 20;

  /** Seconds between checks for stuck writes. */
  static final int CHECK_SECONDS = 1;

  /**
   * A write blocked longer than this closes the stream while other streams wait for a sender
   * thread.
   */
  static final int BUSY_STUCK_SECONDS = 5;

  private static final Logger LOG = Logger.getLogger(SseStreams.class.getName());

  @Inject PresenceEngine presence;
  @Inject PresenceConfig config;
  @Inject OperationMetrics metrics;
  @Inject ConnectionLimiter limiter;

  private final Set<SseConnection> open = ConcurrentHashMap.newKeySet();

  /** The user of each open stream, for {@code DELETE /api/v1/users/{user}/connections}. */
  private final ConcurrentHashMap<SseConnection, UserId> users = new ConcurrentHashMap<>();

  private @Nullable Registration adminRegistration;
  private @Nullable ThreadPoolExecutor senders;
  private @Nullable ScheduledExecutorService timer;
  private LongSupplier nanoClock = System::nanoTime;
  private long stuckNanos = TimeUnit.SECONDS.toNanos(SseConnection.STUCK_SECONDS);
  private long busyStuckNanos = TimeUnit.SECONDS.toNanos(BUSY_STUCK_SECONDS);

  @PostConstruct
  void init() {
    ThreadPoolExecutor pool =
        startSenders(
            senderThreads(Runtime.getRuntime().availableProcessors()),
            System::nanoTime,
            Duration.ofSeconds(SseConnection.STUCK_SECONDS),
            Duration.ofSeconds(BUSY_STUCK_SECONDS));
    ScheduledExecutorService t =
        Executors.newSingleThreadScheduledExecutor(NamedThreads.daemon("presence-sse-keepalive-"));
    t.scheduleWithFixedDelay(
        this::keepAliveAll, KEEPALIVE_SECONDS, KEEPALIVE_SECONDS, TimeUnit.SECONDS);
    t.scheduleWithFixedDelay(this::closeStuck, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    timer = t;
    adminRegistration =
        presence.addAdminListener(
            new PresenceEngine.AdminListener() {
              @Override
              public void kicked(ChannelId channel, UserId user) {
                // a stream observes; it holds no membership to tell about
              }

              @Override
              public void closeConnections(UserId user) {
                closeStreamsOf(user);
              }
            });
    metrics.registerGauge(
        "presence_sse_sender_threads",
        "Threads writing Server-Sent Events (at most max(4, 2 x processors)).",
        pool::getPoolSize);
  }

  /**
   * The bound of the sender pool.
   *
   * @param processors the available processors
   * @return {@code max(4, 2 × processors)}
   */
  static int senderThreads(int processors) {
    return Math.max(4, 2 * processors);
  }

  /**
   * Starts the sender pool; the application calls it from {@link #init()}, tests directly, driving
   * {@link #keepAliveAll()} and {@link #closeStuck()} themselves.
   *
   * @param threads the most sender threads
   * @param clock the time in nanoseconds, as {@link System#nanoTime()}
   * @param stuck how long a write may be blocked
   * @param busyStuck how long a write may be blocked while streams wait for a thread
   * @return the pool
   */
  ThreadPoolExecutor startSenders(
      int threads, LongSupplier clock, Duration stuck, Duration busyStuck) {
    ThreadPoolExecutor pool = NamedThreads.pool(threads, NamedThreads.daemon("presence-sse-"));
    nanoClock = clock;
    stuckNanos = stuck.toNanos();
    busyStuckNanos = Math.min(stuckNanos, busyStuck.toNanos());
    senders = pool;
    return pool;
  }

  /**
   * Opens a stream: subscribes to the channel and starts sending.
   *
   * @param channel the channel
   * @param user the stream's user, counted against the connection limits (SPEC 13.2)
   * @param sink the client's sink
   * @param sse the SSE factory
   * @throws UnavailableException if a connection limit refuses the stream (503)
   * @throws dev.presence.PresenceException if the subscription fails
   */
  public void open(ChannelId channel, UserId user, SseEventSink sink, Sse sse) {
    open(channel, user, ObserveMode.EVENTS, sink, sse);
  }

  /**
   * Opens a stream in a mode (SPEC 13.3): subscribes to the channel and starts sending.
   *
   * @param channel the channel
   * @param user the stream's user
   * @param mode events or occupancy
   * @param sink the client's sink
   * @param sse the SSE factory
   * @throws UnavailableException if a connection limit refuses the stream (503)
   * @throws dev.presence.PresenceException if the subscription fails
   */
  public void open(ChannelId channel, UserId user, ObserveMode mode, SseEventSink sink, Sse sse) {
    ConnectionLimiter.Permit permit = limiter.acquire(user);
    try {
      open(channel, user, mode, sink, sse, permit);
    } catch (RuntimeException e) {
      permit.release();
      throw e;
    }
  }

  private void open(
      ChannelId channel,
      UserId user,
      ObserveMode mode,
      SseEventSink sink,
      Sse sse,
      ConnectionLimiter.Permit permit) {
    ThreadPoolExecutor pool = senders;
    if (pool == null) {
      throw new IllegalStateException("the event streams are not started");
    }
    SseConnection[] self = new SseConnection[1];
    SseConnection c =
        new SseConnection(
            channel,
            sink,
            sse,
            pool,
            config.sseQueueCapacity(),
            () -> {
              if (open.remove(self[0])) {
                metrics.sseStreamClosed();
              }
              users.remove(self[0]);
              permit.release();
            },
            metrics::sseSendFailed,
            nanoClock,
            stuckNanos);
    self[0] = c;
    open.add(c);
    users.put(c, user);
    metrics.sseStreamOpened();
    try {
      // the resource checked the channel
      c.start(presence.prechecked()::subscribe, mode, config.snapshotPage());
    } catch (RuntimeException e) {
      if (open.remove(c)) {
        metrics.sseStreamClosed();
      }
      users.remove(c);
      throw e;
    }
  }

  /**
   * Ends every open stream of a user (an administrator closed the user's connections): each stream
   * is closed as at the server's end, without a last event; an {@code EventSource} reconnects by
   * itself unless its page stops it.
   *
   * @param user the user
   */
  void closeStreamsOf(UserId user) {
    users.forEach(
        (c, u) -> {
          if (u.equals(user)) {
            c.close();
          }
        });
  }

  /**
   * The number of open streams.
   *
   * @return the count
   */
  public int openStreams() {
    return open.size();
  }

  /** Queues a keep-alive comment on every open stream. */
  void keepAliveAll() {
    open.forEach(SseConnection::keepAlive);
  }

  /**
   * The watchdog: closes every stream whose write has been blocked too long ({@value
   * SseConnection#STUCK_SECONDS} s, or {@value #BUSY_STUCK_SECONDS} s while streams wait for a
   * sender thread).
   *
   * @return how many streams it closed
   */
  int closeStuck() {
    ThreadPoolExecutor pool = senders;
    if (pool == null) {
      return 0;
    }
    try {
      long limit = pool.getQueue().isEmpty() ? stuckNanos : busyStuckNanos;
      int n = 0;
      for (SseConnection c : open) {
        if (c.closeIfStuck(limit)) {
          n++;
        }
      }
      if (n > 0) {
        LOG.info(n + " event streams closed: their clients took nothing for too long");
      }
      return n;
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "checking event streams failed", e);
      return 0;
    }
  }

  @PreDestroy
  void shutdown() {
    Registration admin = adminRegistration;
    if (admin != null) {
      admin.close();
    }
    ScheduledExecutorService t = timer;
    if (t != null) {
      t.shutdownNow();
    }
    open.forEach(SseConnection::close);
    ExecutorService pool = senders;
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
