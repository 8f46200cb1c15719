package dev.presence.web.delivery;

import dev.presence.ChannelId;
import dev.presence.Subscription;
import java.util.ArrayDeque;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The events of one subscription on their way to one client, whatever the transport: the one stream
 * type of WebSocket ({@code Outbox}) and Server-Sent Events ({@code SseConnection}), and the home
 * of the slow-consumer policy below. A stream lives in one {@link DeliveryQueue}, the bounded queue
 * of its connection, which carries out the transitions.
 *
 * <h2>States</h2>
 *
 * <ul>
 *   <li>{@link State#PENDING}: the subscription's snapshot is being taken. Its events are held
 *       aside, at most the queue's capacity of them; one more drops them all and the stream goes
 *       stale as soon as its snapshot is out.
 *   <li>{@link State#LIVE}: the snapshot message has been queued; the held events and every later
 *       one follow it in {@code seq} order, except those the snapshot already reflects ({@code seq}
 *       at or below the snapshot's).
 *   <li>{@link State#STALE}: the stream fell behind. One resync message is queued in place of its
 *       lost events and its later events are dropped until a new snapshot: on WebSocket the client
 *       subscribes again ({@code {"type":"resync","channel"}}; a new stream), on SSE the server
 *       sends {@code event: resync}, takes a new snapshot itself and sends it as {@code event:
 *       snapshot}, and the same stream goes back through {@code PENDING} to {@code LIVE} ({@link
 *       DeliveryQueue#restart}).
 *   <li>{@link State#ENDED}: unsubscribed, replaced or closed; its events are dropped, those
 *       already queued still go out.
 * </ul>
 *
 * <h2>Slow-consumer policy</h2>
 *
 * <p>The one policy of every transport; {@code presence.ws.queue-capacity} and {@code
 * presence.sse.queue-capacity} bound the queues.
 *
 * <ol>
 *   <li><b>Nothing waits for the client.</b> Events are offered on engine listener threads and
 *       replies on request threads; an offer only queues (or drops) and never blocks or writes.
 *       Each connection has one bounded queue of {@code capacity} messages: its streams' events and
 *       its other messages (snapshots and resyncs; WebSocket replies; SSE keep-alives), in the
 *       order they were offered.
 *   <li><b>An event that finds the queue full</b> drops every queued event of the connection; other
 *       messages stay. Each stream that lost events, and the one whose event did not fit, goes
 *       {@code STALE} with one resync message at the end of the queue. Nothing is lost silently: a
 *       client always learns that it missed events, and which channel to resync.
 *   <li><b>The engine cannot serve a stream in order</b> ({@code PresenceListener#onResync}): the
 *       stream goes {@code STALE}; its events queued before that still go out, then its resync.
 *   <li><b>Another message that finds the queue full</b> first drops the events as in 2. If the
 *       queue is still full (replies only), the connection is too slow and closed: WebSocket with
 *       1013 {@code too slow: ...}. (An SSE queue holds at most three messages that are not events,
 *       a snapshot, a resync and a keep-alive, and has at least 16 places: it never gets there.)
 *   <li><b>A client that takes nothing</b> is closed by its transport: WebSocket after 30 s without
 *       a completed send or an acknowledged ping, with 1013; SSE after a write blocked for 30 s (5
 *       s while other streams wait for a sender thread).
 *   <li><b>A failed send or write</b> closes that one connection (WebSocket 1011), drops what it
 *       has queued and is counted; other connections are not affected.
 * </ol>
 *
 * <p><b>Threads.</b> The state is read without a lock ({@link #accepting()}, {@link #state()});
 * everything else is guarded by the lock of the queue's owner. {@link #attach} and {@link
 * #closeSubscription} may be called on any thread, but never under that lock.
 *
 * @param <M> the queue's message type (WebSocket: the text of a message)
 */
public class SubscriptionStream<M> {

  private static final Logger LOG = Logger.getLogger(SubscriptionStream.class.getName());

  /** Where a stream's events go; see the class comment. */
  public enum State {
    /** Waiting for the snapshot: events are held aside. */
    PENDING,
    /** Events are queued. */
    LIVE,
    /** Events are dropped; a resync message was queued. */
    STALE,
    /** Unsubscribed or closed: events are dropped. */
    ENDED
  }

  /** An event held while the snapshot is taken. */
  record Held<M>(long seq, M message) {}

  private final ChannelId channel;
  private volatile State state = State.PENDING; // written under the owner's lock
  private final ArrayDeque<Held<M>> held = new ArrayDeque<>(); // guarded by the owner's lock
  private boolean heldOverflowed; // guarded by the owner's lock
  private long snapshotSeq; // guarded by the owner's lock
  private volatile @Nullable Subscription subscription;
  private volatile boolean subscriptionClosed;

  /**
   * Opens a stream, {@code PENDING}.
   *
   * @param channel the subscription's channel
   */
  public SubscriptionStream(ChannelId channel) {
    this.channel = channel;
  }

  /**
   * The subscription's channel.
   *
   * @return the channel
   */
  public ChannelId channel() {
    return channel;
  }

  /**
   * The current state; read without a lock.
   *
   * @return the state
   */
  public State state() {
    return state;
  }

  /**
   * Whether events offered now may be queued (or held); a cheap, unlocked hint.
   *
   * @return true while {@code PENDING} or {@code LIVE}
   */
  public boolean accepting() {
    State s = state;
    return s == State.PENDING || s == State.LIVE;
  }

  /**
   * Attaches the engine subscription; closes it at once if {@link #closeSubscription} was called
   * meanwhile.
   *
   * @param s the subscription
   */
  public void attach(Subscription s) {
    subscription = s;
    if (subscriptionClosed) {
      closeQuietly(s);
    }
  }

  /**
   * The attached engine subscription.
   *
   * @return the subscription, or null before {@link #attach}
   */
  public @Nullable Subscription subscription() {
    return subscription;
  }

  /** Closes the engine subscription, if any; idempotent. */
  public void closeSubscription() {
    subscriptionClosed = true;
    Subscription s = subscription;
    if (s != null) {
      closeQuietly(s);
    }
  }

  private static void closeQuietly(Subscription s) {
    try {
      s.close();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "closing a subscription failed", e);
    }
  }

  // --- transitions, made by DeliveryQueue under its owner's lock ---

  /**
   * Holds an event of a pending stream; past {@code capacity} drops them all (a resync follows).
   */
  void hold(long seq, M message, int capacity) {
    if (heldOverflowed) {
      return;
    }
    if (held.size() >= capacity) {
      overflowHeld();
    } else {
      held.add(new Held<>(seq, message));
    }
  }

  /** The held events are lost: the stream goes stale when it goes live. */
  void overflowHeld() {
    heldOverflowed = true;
    held.clear();
  }

  /** Whether the held events were lost. */
  boolean heldOverflowed() {
    return heldOverflowed;
  }

  /** Whether a live stream queues an event: one its snapshot does not reflect. */
  boolean follows(long seq) {
    return seq > snapshotSeq;
  }

  /** Goes live after a snapshot of {@code seq}; the caller queues what {@link #takeHeld} gives. */
  void live(long seq) {
    snapshotSeq = seq;
    state = State.LIVE;
  }

  /** The next held event, or null. */
  @Nullable Held<M> takeHeld() {
    return held.poll();
  }

  /** Goes stale or ended; held events are dropped. */
  void leave(State next) {
    state = next;
    held.clear();
  }

  /** Drops the held events (a snapshot that came too late to matter). */
  void dropHeld() {
    held.clear();
  }

  /** Back to {@code PENDING} for a new snapshot. */
  void restart() {
    state = State.PENDING;
    heldOverflowed = false;
    held.clear();
  }

  @Override
  public String toString() {
    return "Stream[" + channel + ", " + state + "]";
  }
}
