package dev.presence.web.delivery;

import dev.presence.ChannelId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The bounded queue of one connection's outgoing messages and the streams that feed it: the
 * slow-consumer policy of {@link SubscriptionStream}, carried out. Transport-neutral: the owner
 * (WebSocket {@code Outbox}, {@code SseConnection}) takes messages out with {@link #poll} and sends
 * them its own way.
 *
 * <p>Not thread-safe: the owner calls every method under one lock of its own. What an operation
 * means for the owner beyond the queue (streams that went stale, a connection that is too slow) is
 * added to an {@link Outcome}, for the owner to act on after its lock.
 *
 * @param <M> the message type (WebSocket: the text of a message)
 * @param <S> the stream type
 */
public final class DeliveryQueue<M, S extends SubscriptionStream<M>> {

  /**
   * What an operation on the queue asks of its owner, to be done outside the owner's lock.
   *
   * @param <S> the stream type
   */
  public static class Outcome<S> {
    private @Nullable List<S> stale; // most operations make none: allocated on demand
    private @Nullable String tooSlow;

    /**
     * The streams that went stale: their resync messages are queued.
     *
     * @return the streams, in the order they went stale; empty if none did
     */
    public List<S> stale() {
      return stale == null ? List.of() : stale;
    }

    /**
     * Why the connection is too slow, if it is: the queue has closed itself and the owner closes
     * the connection.
     *
     * @return the reason (for a close frame), or null
     */
    public @Nullable String tooSlow() {
      return tooSlow;
    }
  }

  private record Entry<M, S>(@Nullable S stream, M message) {}

  private final int capacity;
  private final Function<ChannelId, M> resyncMessage;
  private final ArrayDeque<Entry<M, S>> queue = new ArrayDeque<>();
  private boolean closed;

  /**
   * Creates a queue.
   *
   * @param capacity the most messages queued
   * @param resyncMessage the message a stale stream's channel is sent
   */
  public DeliveryQueue(int capacity, Function<ChannelId, M> resyncMessage) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.capacity = capacity;
    this.resyncMessage = resyncMessage;
  }

  /**
   * Offers an event of a stream: queued if the stream is live and its snapshot does not reflect the
   * event, held if the stream is pending, dropped otherwise. An event that finds the queue full
   * drops the queued events and resyncs their streams (policy point 2).
   *
   * @param stream the stream
   * @param seq the event's sequence number
   * @param message the event message
   * @param out what the owner must do next
   */
  public void offerEvent(S stream, long seq, M message, Outcome<S> out) {
    if (closed) {
      return;
    }
    switch (stream.state()) {
      case PENDING -> stream.hold(seq, message, capacity);
      case LIVE -> {
        if (stream.follows(seq)) {
          enqueueEvent(stream, message, out);
        }
      }
      case STALE, ENDED -> {
        // dropped: a resync message is queued, or the client unsubscribed
      }
    }
  }

  /**
   * Queues a message of no stream (a reply, a snapshot, a control message). One that finds the
   * queue full drops the queued events first; if that leaves no room, the queue closes itself and
   * the connection is too slow (policy point 4).
   *
   * @param message the message
   * @param out what the owner must do next
   */
  public void offer(M message, Outcome<S> out) {
    if (closed) {
      return;
    }
    if (queue.size() >= capacity) {
      overflow(null, out);
      if (closed) {
        return;
      }
      if (queue.size() >= capacity) {
        tooSlow("more than " + capacity + " replies waiting", out);
        return;
      }
    }
    queue.add(new Entry<>(null, message));
  }

  /**
   * Makes a pending stream live: queues its snapshot message, then its held events that follow the
   * snapshot's {@code seq}. If they overflowed while held, or a resync was asked for meanwhile, the
   * stream goes stale instead: its resync message follows the snapshot.
   *
   * @param stream the stream
   * @param snapshot the snapshot message
   * @param snapshotSeq the snapshot's sequence number
   * @param out what the owner must do next
   */
  public void live(S stream, M snapshot, long snapshotSeq, Outcome<S> out) {
    livePages(stream, List.of(snapshot), snapshotSeq, out);
  }

  /**
   * Like {@link #live(SubscriptionStream, Object, long, Outcome)} with a snapshot in pages (SPEC
   * 13.3): every page is queued, in order, before the stream's first event, so the stream's events
   * are held until its last page. Each page counts as one message of the queue's capacity, like a
   * reply: pages that find the queue full drop the connection's queued events first, and if even
   * that leaves no room the connection is too slow (policy point 4).
   *
   * @param stream the stream
   * @param pages the snapshot's pages, at least one
   * @param snapshotSeq the snapshot's sequence number
   * @param out what the owner must do next
   */
  public void livePages(S stream, List<M> pages, long snapshotSeq, Outcome<S> out) {
    if (closed) {
      return;
    }
    for (M page : pages) {
      offer(page, out);
      if (closed) {
        return;
      }
    }
    if (closed || stream.state() != SubscriptionStream.State.PENDING) {
      stream.dropHeld();
      return;
    }
    if (stream.heldOverflowed()) {
      markStale(stream, out);
      return;
    }
    stream.live(snapshotSeq);
    SubscriptionStream.Held<M> h;
    while ((h = stream.takeHeld()) != null) {
      if (h.seq() > snapshotSeq && stream.state() == SubscriptionStream.State.LIVE && !closed) {
        enqueueEvent(stream, h.message(), out);
      }
    }
  }

  /**
   * The engine cannot serve a stream in order any more (policy point 3): a live stream goes stale,
   * its resync message after its queued events; a pending one goes stale once live.
   *
   * @param stream the stream
   * @param out what the owner must do next
   */
  public void resync(S stream, Outcome<S> out) {
    if (closed) {
      return;
    }
    switch (stream.state()) {
      case PENDING -> stream.overflowHeld(); // live() queues the snapshot, then the resync
      case LIVE -> markStale(stream, out);
      case STALE, ENDED -> {
        // nothing more to say
      }
    }
  }

  /**
   * A stale stream takes a new snapshot itself (SSE): back to pending, events held until {@link
   * #live}. Any other stream is left as it is.
   *
   * @param stream the stream
   */
  public void restart(S stream) {
    if (stream.state() == SubscriptionStream.State.STALE) {
      stream.restart();
    }
  }

  /**
   * Ends a stream: its later events are dropped; those already queued still go out.
   *
   * @param stream the stream
   */
  public void end(S stream) {
    stream.leave(SubscriptionStream.State.ENDED);
  }

  /**
   * Takes the next message.
   *
   * @return the message, or null if none is queued
   */
  public @Nullable M poll() {
    Entry<M, S> e = queue.poll();
    return e == null ? null : e.message();
  }

  /**
   * The next message, left in the queue.
   *
   * @return the message, or null if none is queued
   */
  public @Nullable M peek() {
    Entry<M, S> e = queue.peek();
    return e == null ? null : e.message();
  }

  /**
   * The number of queued messages.
   *
   * @return the count
   */
  public int size() {
    return queue.size();
  }

  /**
   * Whether no message is queued.
   *
   * @return true if empty
   */
  public boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Drops everything queued and accepts nothing more; idempotent. */
  public void close() {
    closed = true;
    queue.clear();
  }

  /**
   * Whether {@link #close} was called or the queue closed itself (too slow).
   *
   * @return true once closed
   */
  public boolean isClosed() {
    return closed;
  }

  private void enqueueEvent(S stream, M message, Outcome<S> out) {
    if (queue.size() >= capacity) {
      overflow(stream, out);
      return; // the event is dropped: its stream is stale now
    }
    queue.add(new Entry<>(stream, message));
  }

  /**
   * Drops every queued event; each stream that lost one (and {@code offering}) goes stale with a
   * resync message. Closes the queue as too slow if even that does not leave room.
   */
  private void overflow(@Nullable S offering, Outcome<S> out) {
    Set<S> affected = new LinkedHashSet<>();
    if (offering != null) {
      affected.add(offering);
    }
    for (Iterator<Entry<M, S>> it = queue.iterator(); it.hasNext(); ) {
      S s = it.next().stream();
      if (s != null) {
        it.remove();
        affected.add(s);
      }
    }
    affected.removeIf(s -> s.state() != SubscriptionStream.State.LIVE);
    if (queue.size() + affected.size() > capacity) {
      tooSlow("more than " + capacity + " messages waiting", out);
      return;
    }
    affected.forEach(s -> markStale(s, out));
  }

  private void markStale(S stream, Outcome<S> out) {
    stream.leave(SubscriptionStream.State.STALE);
    queue.add(new Entry<>(null, resyncMessage.apply(stream.channel())));
    if (out.stale == null) {
      out.stale = new ArrayList<>();
    }
    out.stale.add(stream);
  }

  private void tooSlow(String reason, Outcome<S> out) {
    close();
    out.tooSlow = reason;
  }
}
