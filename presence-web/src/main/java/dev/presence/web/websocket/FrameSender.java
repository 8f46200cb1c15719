package dev.presence.web.websocket;

import dev.presence.web.delivery.DeliveryQueue;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Sends one connection's queue to its socket: a single asynchronous send in flight at a time, each
 * a frame of what is queued ({@link Batch}), within the connection's {@link AckWindow}.
 *
 * <p>Nothing waits for the client. When the {@link Outbox} queues a message and no send is in
 * flight, it hands a drain task to the shared executor ({@link #startLocked}, then {@link
 * #schedule}). The drain takes what is queued and sends it as one frame; when the send completes
 * the next frame follows, so under load the per-frame cost is shared by many messages while an idle
 * connection still gets each message at once. A drain sends at most {@value #MAX_FRAMES_PER_TURN}
 * frames in a row before it yields the executor thread to other connections; a socket that does not
 * take data holds no thread, only its queue. With the window used up the sender stops until a pong
 * ({@link #pong}) opens it again.
 *
 * <p>A send that fails, reported through the callback or thrown ({@link Error}s included), closes
 * the queue at once and is reported once to the failure handler.
 *
 * <p>Shares the lock of its {@link Outbox}, which guards the queue too; methods named {@code
 * ...Locked} are called under it, the others take it themselves.
 */
final class FrameSender {

  /** Frames one drain task sends in a row before it yields its thread. */
  static final int MAX_FRAMES_PER_TURN = 16;

  private final Object lock;
  private final DeliveryQueue<String, ?> queue; // guarded by lock
  private final Transport transport;
  private final Executor executor;
  private final LongSupplier nanoClock;
  private final Consumer<Throwable> onFailure;
  private final AckWindow window; // guarded by lock
  private boolean inFlight; // guarded by lock: a drain task is scheduled or a send is in flight
  private long sendStartedNanos; // guarded by lock; 0 when no send is in flight
  private boolean sending; // guarded by lock: the drain thread is inside transport.send
  private boolean completedWhileSending; // guarded by lock

  /**
   * Creates a sender.
   *
   * @param lock the outbox's lock, which guards {@code queue}
   * @param queue what to send
   * @param transport the socket
   * @param executor runs drains; shared by all connections
   * @param windowChars the most characters sent and not yet acknowledged by a pong
   * @param nanoClock {@link System#nanoTime()} or a test clock
   * @param onFailure told once about the first failed send
   */
  FrameSender(
      Object lock,
      DeliveryQueue<String, ?> queue,
      Transport transport,
      Executor executor,
      long windowChars,
      LongSupplier nanoClock,
      Consumer<Throwable> onFailure) {
    this.lock = lock;
    this.queue = queue;
    this.transport = transport;
    this.executor = executor;
    this.window = new AckWindow(windowChars);
    this.nanoClock = nanoClock;
    this.onFailure = onFailure;
  }

  /**
   * Under the lock: whether a drain must start for what is queued; if so, it counts as in flight
   * from now on and the caller must {@link #schedule} it once outside the lock.
   *
   * @return true if the caller must schedule a drain
   */
  boolean startLocked() {
    if (!inFlight && window.blockedSinceNanos() == 0 && !queue.isClosed() && !queue.isEmpty()) {
      inFlight = true;
      return true;
    }
    return false;
  }

  /** Hands a drain to the executor; closes the queue if the executor is shut down. */
  void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The runtime is shutting down; nothing more will be sent.
      synchronized (lock) {
        inFlight = false;
        queue.close();
      }
    }
  }

  /**
   * How long the sender has been waiting for the client: for the send in flight to complete, or for
   * a pong to open the window.
   *
   * @param nowNanos the current {@code nanoClock} value
   * @return nanoseconds, 0 if it is not waiting
   */
  long stalledNanos(long nowNanos) {
    synchronized (lock) {
      long since = sendStartedNanos != 0 ? sendStartedNanos : window.blockedSinceNanos();
      return since == 0 ? 0 : Math.max(1, nowNanos - since);
    }
  }

  /** Sends a ping carrying a new mark; the pong acknowledges everything sent before it. */
  void ping() {
    byte[] payload;
    synchronized (lock) {
      if (queue.isClosed()) {
        return;
      }
      payload = window.mark();
    }
    transport.ping(payload);
  }

  /**
   * A pong arrived: acknowledges what was sent before its mark, if it echoes one; a sender waiting
   * for it resumes.
   *
   * @param payload the pong's application data
   */
  void pong(ByteBuffer payload) {
    boolean resume;
    synchronized (lock) {
      resume = window.acknowledge(payload) && startLocked();
    }
    if (resume) {
      schedule();
    }
  }

  /**
   * Characters sent and not yet acknowledged.
   *
   * @return the count
   */
  long unacknowledged() {
    synchronized (lock) {
      return window.unacknowledged();
    }
  }

  /**
   * Sends frames until the queue is empty, a send is pending, the window is full, or the turn is
   * used up.
   */
  private void drain() {
    for (int frame = 0; frame < MAX_FRAMES_PER_TURN; frame++) {
      Batch batch;
      synchronized (lock) {
        if (queue.isClosed() || queue.isEmpty()) {
          inFlight = false;
          sendStartedNanos = 0;
          return;
        }
        if (window.isFull()) {
          inFlight = false; // a pong resumes
          sendStartedNanos = 0;
          window.block(nanoClock.getAsLong());
          return;
        }
        batch = new Batch(Objects.requireNonNull(queue.poll()));
        for (String next = queue.peek(); next != null && batch.add(next); next = queue.peek()) {
          queue.poll();
        }
      }
      String text = batch.frame();
      byte[] mark;
      synchronized (lock) {
        mark = window.sent(text.length());
        sendStartedNanos = Math.max(1, nanoClock.getAsLong());
        sending = true;
        completedWhileSending = false;
      }
      try {
        transport.send(text, this::sent);
      } catch (Throwable t) { // Errors too: a send that threw must never leave the outbox waiting
        sent(t);
      }
      if (mark != null) {
        transport.ping(mark); // after the frame: its pong acknowledges the frame
      }
      synchronized (lock) {
        sending = false;
        if (!completedWhileSending) {
          return; // the callback continues when the send completes
        }
      }
    }
    schedule(); // let other connections have the thread
  }

  private void sent(@Nullable Throwable failure) {
    if (failure != null) {
      boolean first;
      synchronized (lock) {
        first = !queue.isClosed();
        queue.close();
        sendStartedNanos = 0;
        completedWhileSending = sending;
      }
      if (first) {
        onFailure.accept(failure);
      }
      return;
    }
    synchronized (lock) {
      sendStartedNanos = 0;
      if (sending) {
        completedWhileSending = true; // the drain loop goes on
        return;
      }
      if (queue.isClosed() || queue.isEmpty()) {
        inFlight = false;
        return;
      }
    }
    schedule();
  }
}
