package dev.presence.web.sse;

import dev.presence.ChannelId;
import dev.presence.PresenceService;
import dev.presence.web.config.PresenceConfig;
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
   * @param sink the client's sink
   * @param sse the SSE factory
   * @throws dev.presence.PresenceException if the subscription fails
   */
  public void open(ChannelId channel, SseEventSink sink, Sse sse) {
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
