package dev.presence.web.webhook;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One webhook URL: a bounded queue of events, and the batches sent from it.
 *
 * <p><b>Batching.</b> A batch is sent when {@code batchSize} events are queued, or when the oldest
 * queued event has waited {@code batchDelay}, whichever comes first.
 *
 * <p><b>Order and retries.</b> One batch is in flight at a time. A batch that is not answered 2xx
 * (or not answered at all) is sent again, the same events in the same order (with a new timestamp
 * and signature), after exponential backoff with jitter, until it is taken or {@code maxRetry} has
 * passed since its first attempt; then it is dropped and counted. Nothing queued behind it is sent
 * before, so each channel's events reach the receiver in {@code seq} order, and an event is sent
 * twice only when an attempt the receiver took was not answered in time.
 *
 * <p><b>Overflow.</b> The queue holds {@code queueCapacity} events; when it is full the oldest
 * queued event is dropped and counted (the batch in flight is not touched). {@link #offer} never
 * blocks.
 *
 * <p><b>Threads.</b> {@link #run} is the target's own thread; {@link #step} does the work, at most
 * one request per call, and says when to call it again, so tests can drive it on a fake clock.
 */
final class WebhookTarget implements Runnable {

  private static final Logger LOG = Logger.getLogger(WebhookTarget.class.getName());

  /** {@link #step} has nothing more to do, ever (closed). */
  static final long DONE = -1;

  /** {@link #step} waits for the next offered event. */
  static final long IDLE = Long.MAX_VALUE;

  /** An event waiting to be sent: its JSON text and when it was queued (clock millis). */
  record Queued(String json, long queuedAtMs) {}

  private static final class Batch {
    final List<Queued> events;
    final long firstAttemptMs;
    long nextAttemptMs;
    int attempts;

    Batch(List<Queued> events, long now) {
      this.events = events;
      this.firstAttemptMs = now;
      this.nextAttemptMs = now;
    }
  }

  private final URI url;
  private final String label;
  private final WebhookSettings settings;
  private final WebhookTransport transport;
  private final WebhookSigner signer;
  private final Backoff backoff;
  private final LongSupplier clock;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private boolean closing;
  private long closeDeadlineMs;

  // Owned by the thread that calls step().
  private @Nullable Batch current;
  private long failureStreak;

  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();
  private final AtomicLong droppedQueueFull = new AtomicLong();
  private final AtomicLong droppedRetries = new AtomicLong();
  private final AtomicLong droppedShutdown = new AtomicLong();

  /**
   * A target.
   *
   * @param url the receiver
   * @param label how logs name it (the URL without its query)
   * @param settings batching, queue, retry
   * @param transport sends requests
   * @param signer signs them
   * @param backoff waits between attempts
   * @param clock wall-clock milliseconds (the X-Presence-Timestamp too)
   */
  WebhookTarget(
      URI url,
      String label,
      WebhookSettings settings,
      WebhookTransport transport,
      WebhookSigner signer,
      Backoff backoff,
      LongSupplier clock) {
    this.url = url;
    this.label = label;
    this.settings = settings;
    this.transport = transport;
    this.signer = signer;
    this.backoff = backoff;
    this.clock = clock;
  }

  /**
   * Queues events (the webhook events of one presence event); drops the oldest queued ones if the
   * queue is full, or these if the target is closing. Never blocks.
   *
   * @param events the events' JSON texts
   */
  void offer(List<String> events) {
    long now = clock.getAsLong();
    lock.lock();
    try {
      if (closing) {
        droppedShutdown.addAndGet(events.size());
        return;
      }
      boolean wasEmpty = queue.isEmpty();
      for (String json : events) {
        if (queue.size() >= settings.queueCapacity()) {
          queue.pollFirst();
          droppedQueueFull.incrementAndGet();
        }
        queue.addLast(new Queued(json, now));
      }
      if (wasEmpty || queue.size() >= settings.batchSize()) {
        wake.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Does what is due now: forms a batch when one is due, and makes at most one attempt to send the
   * batch in flight.
   *
   * @return when to call again (clock millis; a time not after now: at once), {@link #IDLE} to wait
   *     for an offer, or {@link #DONE}
   */
  long step() {
    long now = clock.getAsLong();
    if (current == null) {
      lock.lock();
      try {
        if (closing && now >= closeDeadlineMs) {
          droppedShutdown.addAndGet(queue.size());
          queue.clear();
          return DONE;
        }
        Queued oldest = queue.peekFirst();
        if (oldest == null) {
          return closing ? DONE : IDLE;
        }
        long due = oldest.queuedAtMs() + settings.batchDelay().toMillis();
        if (queue.size() < settings.batchSize() && now < due && !closing) {
          return due;
        }
        List<Queued> events = new ArrayList<>(Math.min(queue.size(), settings.batchSize()));
        while (events.size() < settings.batchSize() && !queue.isEmpty()) {
          events.add(queue.pollFirst());
        }
        current = new Batch(events, now);
      } finally {
        lock.unlock();
      }
    }
    Batch batch = current;
    if (now < batch.nextAttemptMs) {
      if (isClosing() && now >= closeDeadline()) {
        dropForShutdown(batch);
        return now;
      }
      return batch.nextAttemptMs;
    }
    attempt(batch, now);
    return clock.getAsLong();
  }

  private void attempt(Batch batch, long now) {
    byte[] body = body(now, batch.events);
    WebhookTransport.Result result =
        transport.post(
            url,
            Map.of(
                WebhookSigner.TIMESTAMP_HEADER,
                Long.toString(now),
                WebhookSigner.SIGNATURE_HEADER,
                signer.sign(now, body)),
            body);
    batch.attempts++;
    if (result.delivered()) {
      delivered.addAndGet(batch.events.size());
      batches.incrementAndGet();
      current = null;
      if (failureStreak > 0) {
        long failed = failureStreak;
        LOG.info(() -> "webhook " + label + " takes events again after " + failed + " failure(s)");
        failureStreak = 0;
      }
      return;
    }
    failedAttempts.incrementAndGet();
    failureStreak++;
    long after = clock.getAsLong();
    long wait = backoff.delayMs(batch.attempts);
    long next = after + wait;
    if (failureStreak == 1) {
      LOG.warning(
          () ->
              "webhook "
                  + label
                  + " failed ("
                  + result.problem()
                  + "); retrying with backoff, events queue meanwhile");
    } else {
      LOG.fine(() -> "webhook " + label + " failed again (" + result.problem() + ")");
    }
    if (isClosing() && next >= closeDeadline()) {
      dropForShutdown(batch);
      return;
    }
    if (next - batch.firstAttemptMs > settings.maxRetry().toMillis()) {
      droppedRetries.addAndGet(batch.events.size());
      current = null;
      LOG.warning(
          () ->
              "webhook "
                  + label
                  + ": a batch of "
                  + batch.events.size()
                  + " event(s) failed "
                  + batch.attempts
                  + " time(s) over "
                  + (after - batch.firstAttemptMs)
                  + " ms ("
                  + result.problem()
                  + "); dropped (presence.webhooks.max-retry)");
      return;
    }
    batch.nextAttemptMs = next;
  }

  private void dropForShutdown(Batch batch) {
    droppedShutdown.addAndGet(batch.events.size());
    current = null;
  }

  /** {@code {"timeMs":<now>,"events":[...]}} as UTF-8. */
  static byte[] body(long timeMs, List<Queued> events) {
    int size = 32;
    for (Queued q : events) {
      size += q.json().length() + 1;
    }
    StringBuilder sb = new StringBuilder(size);
    sb.append("{\"timeMs\":").append(timeMs).append(",\"events\":[");
    for (int i = 0; i < events.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(events.get(i).json());
    }
    sb.append("]}");
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The thread's loop: steps, and sleeps until the next step is due or an event is offered. */
  @Override
  public void run() {
    while (true) {
      long next;
      try {
        next = step();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, e, () -> "webhook " + label + ": unexpected failure; going on");
        next = clock.getAsLong() + settings.minBackoff().toMillis();
      }
      if (next == DONE) {
        return;
      }
      lock.lock();
      try {
        long wait = next == IDLE ? Long.MAX_VALUE : next - clock.getAsLong();
        if (closing) {
          wait = Math.min(wait, closeDeadlineMs - clock.getAsLong());
        }
        if (wait > 0 && !(closing && current == null && !queue.isEmpty())) {
          if (wait == Long.MAX_VALUE) {
            wake.await();
          } else {
            wake.await(wait, TimeUnit.MILLISECONDS);
          }
        }
      } catch (InterruptedException e) {
        // close() gave up waiting for the drain: drop what is left.
        lock.lock();
        try {
          closing = true;
          closeDeadlineMs = Long.MIN_VALUE;
        } finally {
          lock.unlock();
        }
        Batch batch = current;
        if (batch != null) {
          dropForShutdown(batch);
        }
        step();
        return;
      } finally {
        lock.unlock();
      }
    }
  }

  /**
   * Stops taking events; what is queued is sent at once (no batch delay), until {@code deadlineMs};
   * what is left then is dropped and counted. The thread ends when all is sent or dropped.
   *
   * @param deadlineMs clock millis
   */
  void close(long deadlineMs) {
    lock.lock();
    try {
      if (!closing) {
        closing = true;
        closeDeadlineMs = deadlineMs;
      }
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private boolean isClosing() {
    lock.lock();
    try {
      return closing;
    } finally {
      lock.unlock();
    }
  }

  private long closeDeadline() {
    lock.lock();
    try {
      return closeDeadlineMs;
    } finally {
      lock.unlock();
    }
  }

  /** Events queued (not counting the batch in flight). */
  int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  WebhookMetrics metrics() {
    return new WebhookMetrics(
        queued(),
        delivered.get(),
        batches.get(),
        failedAttempts.get(),
        droppedQueueFull.get(),
        droppedRetries.get(),
        droppedShutdown.get());
  }
}
