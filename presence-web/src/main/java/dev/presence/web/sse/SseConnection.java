package dev.presence.web.sse;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PresenceListener;
import dev.presence.PresenceService;
import dev.presence.Subscription;
import dev.presence.event.PresenceEvent;
import dev.presence.web.json.PresenceJson;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One Server-Sent Events stream of one channel's events.
 *
 * <p><b>Flow.</b> The engine calls this listener on its own threads; the listener only offers the
 * event to a bounded queue and never blocks. A sender task on {@link SseStreams}'s executor (one at
 * a time per stream) writes the queue to the client: first a {@code snapshot} event, then each
 * presence event as {@code event: <kind>} with the event JSON as data, in {@code seq} order.
 *
 * <p><b>Falling behind.</b> When the engine says {@code onResync}, or the queue overflows (the
 * client reads too slowly), the queued events are dropped, the client is sent {@code event:
 * resync}, the subscription takes a new snapshot, and the client is sent it as a new {@code
 * snapshot}; events at or below its {@code seq} are skipped. If the queue overflows while one write
 * has been blocked for {@value #STUCK_SECONDS} s, the stream is closed instead.
 *
 * <p><b>End.</b> A failed write (the client went away), a closed sink, or server shutdown closes
 * the subscription and the sink. Keep-alive comments ({@link #keepAlive()}) make a vanished client
 * show up as a failed write even on a quiet channel. A failed write is counted ({@code
 * presence_send_failures_total{transport="sse"}}). Any failure while sending, {@link Error}s
 * included, ends only this stream. Every text sent here is built from validated values (ids of the
 * ASCII alphabet, {@link dev.presence.Attributes} that refuse unpaired surrogates, SPEC 13.1), so
 * it can always be encoded as UTF-8; the sink would print {@code ?} for anything else.
 */
final class SseConnection implements PresenceListener {

  /** A write blocked longer than this, when the queue overflows, closes the stream. */
  static final int STUCK_SECONDS = 30;

  private static final Logger LOG = Logger.getLogger(SseConnection.class.getName());
  private static final Object RESYNC = new Object();
  private static final Object KEEPALIVE = new Object();

  private final ChannelId channel;
  private final SseEventSink sink;
  private final Sse sse;
  private final Executor executor;
  private final Runnable onClose;
  private final Runnable onSendFailure;
  private final ArrayBlockingQueue<Object> queue;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean resyncPending = new AtomicBoolean();
  private final AtomicReference<@Nullable ChannelUsers> pendingSnapshot = new AtomicReference<>();
  private volatile boolean started;
  private volatile long sendStarted;
  private volatile @Nullable Subscription subscription;
  private long lastSeq; // sender task only

  SseConnection(
      ChannelId channel,
      SseEventSink sink,
      Sse sse,
      Executor executor,
      int capacity,
      Runnable onClose,
      Runnable onSendFailure) {
    this.channel = channel;
    this.sink = sink;
    this.sse = sse;
    this.executor = executor;
    this.onClose = onClose;
    this.onSendFailure = onSendFailure;
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /**
   * Subscribes and starts sending, snapshot first.
   *
   * @param presence the service
   * @throws dev.presence.PresenceException if the subscription fails (nothing was sent)
   */
  void start(PresenceService presence) {
    Subscription s = presence.subscribe(channel, this);
    subscription = s;
    pendingSnapshot.set(s.snapshot());
    started = true;
    if (closed.get()) {
      s.close();
      return;
    }
    schedule();
  }

  ChannelId channel() {
    return channel;
  }

  boolean isClosed() {
    return closed.get();
  }

  @Override
  public void onEvent(PresenceEvent event) {
    if (closed.get() || resyncPending.get()) {
      return;
    }
    if (!queue.offer(event)) {
      fellBehind();
      return;
    }
    schedule();
  }

  @Override
  public void onResync(ChannelId c) {
    if (!closed.get()) {
      fellBehind();
    }
  }

  /** Queues a keep-alive comment if nothing else is waiting. */
  void keepAlive() {
    if (!closed.get() && queue.isEmpty() && queue.offer(KEEPALIVE)) {
      schedule();
    }
  }

  private void fellBehind() {
    long started = sendStarted;
    if (started != 0 && System.nanoTime() - started > TimeUnit.SECONDS.toNanos(STUCK_SECONDS)) {
      LOG.fine(() -> "closing a stuck event stream of channel " + channel);
      try {
        executor.execute(this::close);
      } catch (RejectedExecutionException e) {
        closed.set(true);
      }
      return;
    }
    resyncPending.set(true);
    queue.clear();
    queue.offer(RESYNC);
    schedule();
  }

  private void schedule() {
    if (!started || closed.get() || !scheduled.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      scheduled.set(false);
      close();
    }
  }

  private void drain() {
    try {
      while (!closed.get()) {
        ChannelUsers snapshot = pendingSnapshot.getAndSet(null);
        if (snapshot != null) {
          sendSnapshot(snapshot);
          continue;
        }
        Object item = queue.poll();
        if (item == null) {
          break;
        }
        if (item instanceof PresenceEvent e) {
          if (e.seq() > lastSeq) {
            send(
                sse.newEventBuilder()
                    .name(e.kind().wireName())
                    .data(PresenceJson.event(e).toString())
                    .build());
            lastSeq = e.seq();
          }
        } else if (item == RESYNC) {
          resyncPending.set(false);
          send(
              sse.newEventBuilder()
                  .name("resync")
                  .data(PresenceJson.resync(channel).toString())
                  .build());
          Subscription s = subscription;
          if (s != null) {
            sendSnapshot(s.resync());
          }
        } else if (item == KEEPALIVE) {
          send(sse.newEventBuilder().comment("keep-alive").build());
        }
      }
    } catch (Throwable t) { // Errors too: they end this stream, not the sender thread's others
      LOG.log(
          t instanceof Error ? Level.WARNING : Level.FINE,
          "event stream of channel " + channel + " ended",
          t);
      close();
    } finally {
      scheduled.set(false);
    }
    if (!closed.get() && (!queue.isEmpty() || pendingSnapshot.get() != null)) {
      schedule();
    }
  }

  private void sendSnapshot(ChannelUsers snapshot) throws Exception {
    send(
        sse.newEventBuilder()
            .name("snapshot")
            .data(PresenceJson.channelUsers(snapshot, true).toString())
            .build());
    lastSeq = snapshot.seq();
  }

  private void send(OutboundSseEvent event) throws Exception {
    if (sink.isClosed()) {
      throw new IllegalStateException("the client closed the stream");
    }
    sendStarted = System.nanoTime();
    try {
      sink.send(event).toCompletableFuture().get(STUCK_SECONDS, TimeUnit.SECONDS);
    } catch (Exception | Error e) {
      onSendFailure.run();
      throw e;
    } finally {
      sendStarted = 0;
    }
  }

  /** Closes the subscription and the sink; idempotent. */
  void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    queue.clear();
    Subscription s = subscription;
    if (s != null) {
      try {
        s.close();
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "closing a subscription failed", e);
      }
    }
    try {
      sink.close();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "closing an event stream failed", e);
    }
    onClose.run();
  }
}
