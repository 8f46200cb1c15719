package dev.presence.web.sse;

import dev.presence.ChannelId;
import dev.presence.PresenceService;
import dev.presence.UnavailableException;
import dev.presence.UserId;
import dev.presence.web.config.PresenceConfig;
import dev.presence.web.connection.ConnectionLimiter;
import dev.presence.web.ops.OperationMetrics;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The open Server-Sent Events streams of this node: their sender threads (a cached pool of daemon
 * threads: a sender runs only while its stream has something to write), a keep-alive every {@value
 * #KEEPALIVE_SECONDS} s, and closing them all at shutdown.
 */
@ApplicationScoped
public class SseStreams {

  /** Seconds between keep-alive comments. */
  static final int KEEPALIVE_SECONDS = 20;

  @Inject PresenceService presence;
  @Inject PresenceConfig config;
  @Inject OperationMetrics metrics;
  @Inject ConnectionLimiter limiter;

  private final Set<SseConnection> open = ConcurrentHashMap.newKeySet();
  private ExecutorService senders;
  private ScheduledExecutorService keepAlive;

  @PostConstruct
  void init() {
    senders = Executors.newCachedThreadPool(daemon("presence-sse-"));
    keepAlive = Executors.newSingleThreadScheduledExecutor(daemon("presence-sse-keepalive-"));
    keepAlive.scheduleWithFixedDelay(
        () -> open.forEach(SseConnection::keepAlive),
        KEEPALIVE_SECONDS,
        KEEPALIVE_SECONDS,
        TimeUnit.SECONDS);
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
    ConnectionLimiter.Permit permit =
        limiter.tryAcquire(
            user,
            refusal -> {
              throw new UnavailableException(
                  refusal == ConnectionLimiter.Refusal.USER
                      ? "this user has "
                          + limiter.maxPerUser()
                          + " connections open on this server; close one or try again later"
                      : "this server has "
                          + limiter.maxConnections()
                          + " connections open; try again later");
            });
    if (permit == null) {
      throw new IllegalStateException("refused without a reason");
    }
    try {
      open(channel, sink, sse, permit);
    } catch (RuntimeException e) {
      permit.release();
      throw e;
    }
  }

  private void open(
      ChannelId channel, SseEventSink sink, Sse sse, ConnectionLimiter.Permit permit) {
    SseConnection[] self = new SseConnection[1];
    SseConnection c =
        new SseConnection(
            channel,
            sink,
            sse,
            senders,
            config.sseQueueCapacity(),
            () -> {
              if (open.remove(self[0])) {
                metrics.sseStreamClosed();
              }
              permit.release();
            },
            metrics::sseSendFailed);
    self[0] = c;
    open.add(c);
    metrics.sseStreamOpened();
    try {
      c.start(presence);
    } catch (RuntimeException e) {
      if (open.remove(c)) {
        metrics.sseStreamClosed();
      }
      throw e;
    }
  }

  /**
   * The number of open streams.
   *
   * @return the count
   */
  public int openStreams() {
    return open.size();
  }

  @PreDestroy
  void shutdown() {
    keepAlive.shutdownNow();
    open.forEach(SseConnection::close);
    senders.shutdownNow();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
