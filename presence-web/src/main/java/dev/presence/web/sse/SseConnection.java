package dev.presence.web.sse;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.PresenceListener;
import dev.presence.PresenceService;
import dev.presence.PresentUser;
import dev.presence.Subscription;
import dev.presence.event.PresenceEvent;
import dev.presence.web.delivery.DeliveryQueue;
import dev.presence.web.delivery.SubscriptionStream;
import dev.presence.web.engine.Interval;
import dev.presence.web.engine.IntervalListener;
import dev.presence.web.engine.ObserveMode;
import dev.presence.web.json.PresenceJson;
import jakarta.json.JsonObjectBuilder;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One Server-Sent Events stream of one channel's events.
 *
 * <p><b>Flow.</b> The engine calls this listener on its own threads; the listener only offers the
 * event to the stream's bounded {@link DeliveryQueue} and never blocks. A sender task on {@link
 * SseStreams}'s executor (one at a time per stream) writes the queue to the client: first a {@code
 * snapshot} event, then each presence event as {@code event: <kind>} with the event JSON as data,
 * in {@code seq} order.
 *
 * <p><b>Large channels</b> (SPEC 13.3). The snapshot is sent as several {@code snapshot} events of
 * at most {@code presence.ws.snapshot-page} users, {@code "more":true} on all but the last, all
 * queued before the first event. Over {@code presence.channels.announce-max} the stream gets {@code
 * event: interval} (the interval message as data) instead of each event; with {@code
 * ?mode=occupancy} a snapshot without users, then {@code event: occupancy}.
 *
 * <p><b>Falling behind</b> follows the slow-consumer policy of {@link SubscriptionStream}, the
 * stream type WebSocket subscriptions use too: when the queue overflows (the client reads too
 * slowly) the queued events are dropped, and when the engine says {@code onResync} the queued
 * events go first; then the client is sent {@code event: resync}, the subscription takes a new
 * snapshot, and the client is sent it as a new {@code snapshot}, followed by the events after its
 * {@code seq}.
 *
 * <p><b>Stuck writes.</b> Jersey writes synchronously inside {@link SseEventSink#send}, so a client
 * that stops reading can block its sender thread once the socket's and the container's buffers are
 * full. {@link #closeIfStuck(long)}, called by {@link SseStreams}'s watchdog, closes a stream whose
 * current write has been blocked longer than the given time and interrupts the thread in that
 * write: Grizzly's blocking write then closes the connection and fails, which frees the thread. A
 * write that ignores the interrupt keeps its thread until it returns, but the stream is closed and
 * counted as closed at once. An interrupt is only ever delivered while this stream's write is in
 * progress, never to a thread that has moved on.
 *
 * <p><b>End.</b> A failed write (the client went away), a closed sink, a stuck write, or server
 * shutdown closes the subscription and the sink and runs the {@code onClose} callback, exactly
 * once. Keep-alive comments ({@link #keepAlive()}) make a vanished client show up as a failed write
 * even on a quiet channel.
 */
final class SseConnection implements IntervalListener {

  /**
   * A write blocked longer than this closes the stream (see {@link SseStreams} for the shorter
   * limit while other streams wait for a sender thread).
   */
  static final int STUCK_SECONDS = 30;

  private static final Logger LOG = Logger.getLogger(SseConnection.class.getName());
  private static final Object RESYNC = new Object();
  private static final Object KEEPALIVE = new Object();

  /** One snapshot page, as written. */
  private record SnapshotPage(String data) {}

  /** An occupancy message (SPEC 13.3). */
  private record OccupancyMessage(String data) {}

  private final ChannelId channel;
  private final SseEventSink sink;
  private final Sse sse;
  private final Executor executor;
  private final Runnable onClose;
  private final Runnable onSendFailure;
  private final LongSupplier nanoClock;
  private final long stuckNanos;
  private final Object lock = new Object();
  private final DeliveryQueue<Object, SubscriptionStream<Object>> queue; // guarded by lock
  private final SubscriptionStream<Object> stream;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean sinkClosed = new AtomicBoolean();
  private volatile boolean started;
  private final Object writeLock = new Object();
  private @Nullable Thread writer; // guarded by writeLock: the thread in sink.send, if any
  private long writeStarted; // guarded by writeLock: nanoClock when that send began
  private ObserveMode mode = ObserveMode.EVENTS;
  private int pageSize = Integer.MAX_VALUE;

  SseConnection(
      ChannelId channel,
      SseEventSink sink,
      Sse sse,
      Executor executor,
      int capacity,
      Runnable onClose,
      Runnable onSendFailure) {
    this(
        channel,
        sink,
        sse,
        executor,
        capacity,
        onClose,
        onSendFailure,
        System::nanoTime,
        TimeUnit.SECONDS.toNanos(STUCK_SECONDS));
  }

  /**
   * A stream with its own clock, for tests.
   *
   * @param onSendFailure counts a failed write
   * @param nanoClock the time in nanoseconds, as {@link System#nanoTime()}
   * @param stuckNanos how long one write may wait for the sink's future before it fails
   */
  SseConnection(
      ChannelId channel,
      SseEventSink sink,
      Sse sse,
      Executor executor,
      int capacity,
      Runnable onClose,
      Runnable onSendFailure,
      LongSupplier nanoClock,
      long stuckNanos) {
    this.channel = channel;
    this.sink = sink;
    this.sse = sse;
    this.executor = executor;
    this.onClose = onClose;
    this.onSendFailure = onSendFailure;
    this.nanoClock = nanoClock;
    this.stuckNanos = stuckNanos;
    this.queue = new DeliveryQueue<>(capacity, c -> RESYNC);
    this.stream = new SubscriptionStream<>(channel);
  }

  /**
   * Subscribes and starts sending, snapshot first.
   *
   * @param presence the service
   * @throws dev.presence.PresenceException if the subscription fails (nothing was sent)
   */
  void start(PresenceService presence) {
    start(presence::subscribe);
  }

  /**
   * Subscribes and starts sending, snapshot first.
   *
   * @param subscribe how to subscribe: {@code PresenceService::subscribe}, or the engine's {@code
   *     PrecheckedPresence::subscribe} once the resource has checked the channel id
   * @throws dev.presence.PresenceException if the subscription fails (nothing was sent)
   */
  void start(BiFunction<ChannelId, PresenceListener, Subscription> subscribe) {
    start(subscribe, ObserveMode.EVENTS, Integer.MAX_VALUE);
  }

  /**
   * Subscribes in a mode and starts sending, snapshot first (SPEC 13.3).
   *
   * @param subscribe how to subscribe
   * @param observeMode events (with intervals over the threshold) or occupancy
   * @param snapshotPage the most users in one {@code snapshot} event
   * @throws dev.presence.PresenceException if the subscription fails (nothing was sent)
   */
  void start(
      BiFunction<ChannelId, PresenceListener, Subscription> subscribe,
      ObserveMode observeMode,
      int snapshotPage) {
    this.mode = observeMode;
    this.pageSize = snapshotPage;
    Subscription s = subscribe.apply(channel, this);
    stream.attach(s); // closes it at once if the stream was closed meanwhile
    ChannelUsers snapshot;
    try {
      snapshot = s.snapshot();
    } catch (RuntimeException e) {
      // The stream never starts: nothing may stay subscribed for it.
      stream.closeSubscription();
      throw e;
    }
    started = true;
    List<Object> pages = pages(snapshot);
    update(out -> queue.livePages(stream, pages, snapshot.seq(), out));
  }

  /**
   * The {@code snapshot} events of a snapshot: the channel users JSON with at most {@code pageSize}
   * users each and {@code "more":true} on all but the last; occupancy subscriptions get one without
   * {@code users} and {@code next}.
   */
  private List<Object> pages(ChannelUsers snapshot) {
    if (mode == ObserveMode.OCCUPANCY) {
      return List.of(
          new SnapshotPage(
              PresenceJson.objectBuilder()
                  .add("channel", snapshot.channel().value())
                  .add("occupancy", snapshot.occupancy())
                  .add("seq", snapshot.seq())
                  .build()
                  .toString()));
    }
    List<List<PresentUser>> pages = PresenceJson.pages(snapshot.users(), pageSize);
    List<Object> out = new ArrayList<>(pages.size());
    for (int n = 0; n < pages.size(); n++) {
      ChannelUsers page =
          new ChannelUsers(
              snapshot.channel(), snapshot.occupancy(), snapshot.seq(), pages.get(n), null);
      JsonObjectBuilder b = PresenceJson.channelUsersBuilder(page, true);
      if (n < pages.size() - 1) {
        b.add("more", true);
      }
      out.add(new SnapshotPage(b.build().toString()));
    }
    return out;
  }

  @Override
  public ObserveMode mode() {
    return mode;
  }

  @Override
  public void onInterval(Interval interval) {
    if (stream.accepting()) {
      update(out -> queue.offerEvent(stream, interval.toSeq(), interval, out));
    }
  }

  @Override
  public void onOccupancy(ChannelId c, int occupancy, long seq) {
    if (stream.accepting()) {
      OccupancyMessage m =
          new OccupancyMessage(PresenceJson.occupancyMessage(c, occupancy, seq).toString());
      update(out -> queue.offerEvent(stream, seq, m, out));
    }
  }

  ChannelId channel() {
    return channel;
  }

  boolean isClosed() {
    return closed.get();
  }

  @Override
  public void onEvent(PresenceEvent event) {
    if (stream.accepting()) {
      update(out -> queue.offerEvent(stream, event.seq(), event, out));
    }
  }

  @Override
  public void onResync(ChannelId c) {
    update(out -> queue.resync(stream, out));
  }

  /** Queues a keep-alive comment if nothing else is waiting. */
  void keepAlive() {
    update(
        out -> {
          if (queue.isEmpty()) {
            queue.offer(KEEPALIVE, out);
          }
        });
  }

  /**
   * Runs an operation on the queue under its lock, then makes sure a sender task runs. A stale
   * stream needs nothing more: the sender writes its resync and a new snapshot.
   */
  private void update(Consumer<DeliveryQueue.Outcome<SubscriptionStream<Object>>> operation) {
    DeliveryQueue.Outcome<SubscriptionStream<Object>> out = new DeliveryQueue.Outcome<>();
    synchronized (lock) {
      operation.accept(out);
    }
    if (out.tooSlow() != null) {
      close();
    } else {
      schedule();
    }
  }

  /**
   * Closes the stream if its current write has been blocked for longer than {@code limitNanos}.
   *
   * @param limitNanos how long a write may take
   * @return whether the stream was closed by this call
   */
  boolean closeIfStuck(long limitNanos) {
    boolean stuck;
    synchronized (writeLock) {
      stuck = writer != null && nanoClock.getAsLong() - writeStarted > limitNanos;
    }
    if (!stuck || closed.get()) {
      return false;
    }
    LOG.fine(() -> "closing an event stream of channel " + channel + " whose client takes nothing");
    return close();
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
        Object item;
        synchronized (lock) {
          item = queue.poll();
        }
        if (item == null) {
          break;
        }
        if (item instanceof PresenceEvent e) {
          send(
              sse.newEventBuilder()
                  .name(e.kind().wireName())
                  .data(PresenceJson.event(e).toString())
                  .build());
        } else if (item instanceof Interval interval) {
          send(
              sse.newEventBuilder()
                  .name("interval")
                  .data(interval.text(SseConnection::intervalText))
                  .build());
        } else if (item instanceof OccupancyMessage m) {
          send(sse.newEventBuilder().name("occupancy").data(m.data()).build());
        } else if (item instanceof SnapshotPage page) {
          send(sse.newEventBuilder().name("snapshot").data(page.data()).build());
        } else if (item == RESYNC) {
          synchronized (lock) {
            queue.restart(stream); // events are held while the new snapshot is taken
          }
          send(
              sse.newEventBuilder()
                  .name("resync")
                  .data(PresenceJson.resync(channel).toString())
                  .build());
          Subscription s = stream.subscription();
          if (s != null) {
            ChannelUsers snapshot = s.resync();
            List<Object> pages = pages(snapshot);
            update(out -> queue.livePages(stream, pages, snapshot.seq(), out));
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
    boolean more;
    synchronized (lock) {
      more = !queue.isEmpty();
    }
    if (more) {
      schedule();
    }
  }

  /** The interval message, the same text as on WebSocket (cached on the interval). */
  private static String intervalText(Interval interval) {
    return PresenceJson.interval(interval).toString();
  }

  private void send(OutboundSseEvent event) throws Exception {
    if (sink.isClosed()) {
      throw new IllegalStateException("the client closed the stream");
    }
    synchronized (writeLock) {
      if (closed.get()) {
        throw new IllegalStateException("the stream is closed");
      }
      writer = Thread.currentThread();
      writeStarted = nanoClock.getAsLong();
    }
    try {
      sink.send(event).toCompletableFuture().get(stuckNanos, TimeUnit.NANOSECONDS);
    } catch (Exception | Error e) {
      onSendFailure.run();
      throw e;
    } finally {
      synchronized (writeLock) {
        writer = null;
      }
      if (closed.get()) {
        Thread.interrupted(); // an interrupt from close() was meant for this write only
        closeSink();
      }
    }
  }

  /**
   * Closes the subscription and the sink and runs the {@code onClose} callback; idempotent. A write
   * in progress on another thread is interrupted, and that thread closes the sink when its write
   * returns, so that the caller never waits for a client (closing a sink may write).
   *
   * @return whether this call closed the stream (false if it was closed already)
   */
  boolean close() {
    if (!closed.compareAndSet(false, true)) {
      return false;
    }
    synchronized (lock) {
      queue.close();
    }
    stream.closeSubscription();
    boolean inWrite;
    synchronized (writeLock) {
      Thread t = writer;
      inWrite = t != null && t != Thread.currentThread();
      if (inWrite) {
        t.interrupt();
      }
    }
    if (!inWrite) {
      closeSink();
    }
    onClose.run();
    return true;
  }

  private void closeSink() {
    if (!sinkClosed.compareAndSet(false, true)) {
      return;
    }
    try {
      sink.close();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "closing an event stream failed", e);
    }
  }
}
