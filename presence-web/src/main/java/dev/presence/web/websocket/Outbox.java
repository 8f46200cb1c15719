package dev.presence.web.websocket;

import dev.presence.ChannelId;
import dev.presence.Subscription;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * The outgoing side of one connection: a bounded queue of messages, drained by a single in-flight
 * asynchronous send at a time, within a window of data the client has acknowledged.
 *
 * <p><b>Delivery.</b> Offering never blocks and never touches the socket: it appends to the queue
 * and, if no send is in flight, hands a drain task to the shared executor. The drain takes what is
 * queued and sends it as one frame: a lone message as it is, several as {@code
 * {"type":"batch","messages":[...]}} (at most {@value #MAX_BATCH_MESSAGES} messages and about
 * {@value #MAX_BATCH_CHARS} characters; a larger message goes alone). When the send completes the
 * next frame follows, so under load the per-frame cost is shared by many messages while an idle
 * connection still gets each message at once. A drain sends at most {@value #MAX_FRAMES_PER_TURN}
 * frames in a row before it yields the executor thread to other connections; a socket that does not
 * take data holds no thread, only its queue.
 *
 * <p><b>Acknowledgement window.</b> A completed send only means the container took the frame: the
 * container buffers what the socket cannot take yet (Grizzly, under Payara, buffered over 10 MB for
 * a client that did not read), so completions alone do not bound memory or reveal a slow client. So
 * every {@code window / 4} characters sent (and at every liveness ping) the outbox sends a
 * WebSocket ping whose payload is a random 8-byte mark; the client's pong echoes it (RFC 6455
 * requires the echo; browsers and WebSocket libraries do it by themselves), which proves the client
 * read everything sent before the ping. At most {@code window} characters may be sent and not yet
 * acknowledged; beyond that the outbox waits for a pong, and meanwhile the queue fills.
 *
 * <p><b>Order.</b> Messages leave in the order they were offered. Events reach the queue through a
 * {@link Stream}, one per subscription: while the subscription's snapshot is being taken ({@code
 * PENDING}) its events are held aside, and {@link #live} queues the snapshot reply first and then
 * the held events that follow its {@code seq}, so a client always sees a snapshot before the events
 * after it.
 *
 * <p><b>Slow consumers.</b> The queue holds at most {@code capacity} messages. When an event or a
 * reply finds it full, every queued event is dropped, each stream that lost events (and the one
 * whose event did not fit) becomes {@code STALE} and gets one {@code {"type":"resync","channel"}}
 * message in place of its events; a stale stream queues nothing more until the client subscribes
 * again (a new stream). If the queue is still full without events (replies and control messages
 * only), the connection is too slow and is closed ({@link Listener#tooSlow}); {@link #stalledNanos}
 * tells the connection how long the outbox has waited for the client (a send in flight, or an
 * acknowledgement), which it closes after its send timeout. Nothing here ever waits for the client.
 *
 * <p><b>Failed sends.</b> A send that fails, whether the transport reports it through the callback
 * or throws ({@link Error}s included, such as a container that cannot encode the text), closes the
 * outbox at once: what is queued is dropped, nothing more is sent, {@link Listener#sendFailed} is
 * told once, and the connection closes with 1011. Other connections are not affected, and nothing
 * waits behind the failed send.
 *
 * <p>Thread-safe: offers come from engine listener threads and request threads, completions from
 * container threads. Callbacks to the {@link Listener} are made outside the lock.
 */
final class Outbox {

  /** The most messages in one batch frame. */
  static final int MAX_BATCH_MESSAGES = 256;

  /** A batch frame stops growing at about this many characters. */
  static final int MAX_BATCH_CHARS = 60 * 1024;

  /** Frames one drain task sends in a row before it yields its thread. */
  static final int MAX_FRAMES_PER_TURN = 16;

  /** The default acknowledgement window, in characters sent and not yet acknowledged. */
  static final int DEFAULT_WINDOW_CHARS = 1024 * 1024;

  /** Marks remembered while their pongs are awaited; a pong for an older one is ignored. */
  private static final int MAX_MARKS = 16;

  private static final Logger LOG = Logger.getLogger(Outbox.class.getName());
  private static final String BATCH_HEAD = "{\"type\":\"batch\",\"messages\":[";

  /** What the outbox tells its connection. Called outside the outbox lock, on any thread. */
  interface Listener {

    /**
     * Streams became stale (overflow, or the engine asked for a resync); their resync messages are
     * queued. Their subscriptions should be closed.
     *
     * @param streams the streams
     */
    void stale(List<Stream> streams);

    /**
     * The client cannot keep up even after its events were dropped; the outbox has closed itself.
     *
     * @param reason what happened, for the close frame
     */
    void tooSlow(String reason);

    /**
     * A send failed; the outbox has closed itself.
     *
     * @param failure the failure
     */
    void sendFailed(Throwable failure);
  }

  /** Where a stream's events go. */
  enum StreamState {
    /** Waiting for the snapshot reply: events are held aside. */
    PENDING,
    /** Events are queued. */
    LIVE,
    /** Events are dropped; a resync message was queued. */
    STALE,
    /** Unsubscribed or closed: events are dropped. */
    ENDED
  }

  /**
   * The events of one subscription on their way into the outbox. Also holds the engine
   * subscription, so whoever ends the stream can close it.
   */
  static final class Stream {
    private final ChannelId channel;
    private volatile StreamState state = StreamState.PENDING; // written under the outbox lock
    private final ArrayDeque<Queued> held = new ArrayDeque<>(); // guarded by the outbox lock
    private boolean heldOverflowed; // guarded by the outbox lock
    private long snapshotSeq; // guarded by the outbox lock
    private volatile @Nullable Subscription subscription;
    private volatile boolean subscriptionClosed;

    Stream(ChannelId channel) {
      this.channel = channel;
    }

    ChannelId channel() {
      return channel;
    }

    StreamState state() {
      return state;
    }

    /** Whether events offered now may be queued (or held); a cheap, unlocked hint. */
    boolean accepting() {
      StreamState s = state;
      return s == StreamState.PENDING || s == StreamState.LIVE;
    }

    /**
     * Attaches the engine subscription; closes it at once if the stream's subscription was closed
     * meanwhile.
     */
    void attach(Subscription s) {
      subscription = s;
      if (subscriptionClosed) {
        closeQuietly(s);
      }
    }

    /** Closes the engine subscription, if any; idempotent. Must not be called under the lock. */
    void closeSubscription() {
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

    @Override
    public String toString() {
      return "Stream[" + channel + ", " + state + "]";
    }
  }

  private record Queued(@Nullable Stream stream, long seq, String text) {}

  /** Side effects decided under the lock and carried out after it. */
  private static final class Effects {
    @Nullable List<Stream> stale;
    @Nullable String tooSlow;
    boolean drain;

    void stale(Stream s) {
      if (stale == null) {
        stale = new ArrayList<>();
      }
      stale.add(s);
    }
  }

  private final Transport transport;
  private final Executor executor;
  private final int capacity;
  private final long windowChars;
  private final long pingEveryChars;
  private final LongSupplier nanoClock;
  private final Listener listener;

  private final Object lock = new Object();
  private final ArrayDeque<Queued> queue = new ArrayDeque<>(); // guarded by lock
  private boolean closed; // guarded by lock
  private boolean inFlight; // guarded by lock: a drain task is scheduled or a send is in flight
  private long sendStartedNanos; // guarded by lock; 0 when no send is in flight
  private boolean sending; // guarded by lock: the drain thread is inside transport.send
  private boolean completedWhileSending; // guarded by lock
  private long charsSent; // guarded by lock: handed to the transport, in all
  private long charsAcked; // guarded by lock: known to have reached the client
  private long charsAtLastMark; // guarded by lock
  private long blockedSinceNanos; // guarded by lock; 0 unless waiting for an acknowledgement
  private final LinkedHashMap<Long, Long> marks = new LinkedHashMap<>(); // guarded by lock

  /**
   * Creates an outbox.
   *
   * @param transport the socket
   * @param executor runs drains; shared by all connections
   * @param capacity the most queued messages
   * @param windowChars the most characters sent and not yet acknowledged by a pong
   * @param nanoClock {@link System#nanoTime()} or a test clock
   * @param listener told about stale streams, too-slow clients and failed sends
   */
  Outbox(
      Transport transport,
      Executor executor,
      int capacity,
      long windowChars,
      LongSupplier nanoClock,
      Listener listener) {
    if (capacity < 1 || windowChars < 4) {
      throw new IllegalArgumentException("capacity and window must be positive");
    }
    this.transport = transport;
    this.executor = executor;
    this.capacity = capacity;
    this.windowChars = windowChars;
    this.pingEveryChars = windowChars / 4;
    this.nanoClock = nanoClock;
    this.listener = listener;
  }

  /**
   * Opens a stream for a new subscription; its events are held until {@link #live}.
   *
   * @param channel the channel
   * @return the stream, {@code PENDING}
   */
  Stream open(ChannelId channel) {
    return new Stream(channel);
  }

  /**
   * Queues an event of a stream (engine listener threads). Dropped unless the stream is live (or
   * held while pending); events the stream's snapshot already reflects are dropped.
   *
   * @param stream the stream
   * @param seq the event's sequence number
   * @param text the event message
   */
  void offerEvent(Stream stream, long seq, String text) {
    Effects fx = new Effects();
    synchronized (lock) {
      if (closed) {
        return;
      }
      switch (stream.state) {
        case PENDING -> {
          if (!stream.heldOverflowed) {
            if (stream.held.size() >= capacity) {
              stream.heldOverflowed = true;
              stream.held.clear();
            } else {
              stream.held.add(new Queued(stream, seq, text));
            }
          }
        }
        case LIVE -> {
          if (seq > stream.snapshotSeq) {
            enqueueEventLocked(new Queued(stream, seq, text), fx);
          }
        }
        case STALE, ENDED -> {
          // dropped: a resync message is queued, or the client unsubscribed
        }
      }
    }
    apply(fx);
  }

  /**
   * Queues a reply or a control message.
   *
   * @param text the message
   */
  void offer(String text) {
    Effects fx = new Effects();
    synchronized (lock) {
      if (!closed) {
        enqueueLocked(new Queued(null, 0, text), fx);
      }
    }
    apply(fx);
  }

  /**
   * Makes a pending stream live: queues its snapshot reply, then the held events after the
   * snapshot's {@code seq}. If its events overflowed while held, or the engine asked for a resync
   * meanwhile, a resync message follows the snapshot and the stream is stale.
   *
   * @param stream the stream
   * @param snapshotReply the snapshot message
   * @param snapshotSeq the snapshot's sequence number
   */
  void live(Stream stream, String snapshotReply, long snapshotSeq) {
    Effects fx = new Effects();
    synchronized (lock) {
      if (closed) {
        return;
      }
      enqueueLocked(new Queued(null, 0, snapshotReply), fx);
      if (closed || stream.state != StreamState.PENDING) {
        stream.held.clear();
      } else if (stream.heldOverflowed) {
        stream.held.clear();
        markStaleLocked(stream, fx);
      } else {
        stream.snapshotSeq = snapshotSeq;
        stream.state = StreamState.LIVE;
        Queued q;
        while ((q = stream.held.poll()) != null) {
          if (q.seq() > snapshotSeq && stream.state == StreamState.LIVE && !closed) {
            enqueueEventLocked(q, fx);
          }
        }
      }
    }
    apply(fx);
  }

  /**
   * The engine cannot serve a stream in order any more: queues a resync message after the stream's
   * queued events and drops its further events.
   *
   * @param stream the stream
   */
  void resync(Stream stream) {
    Effects fx = new Effects();
    synchronized (lock) {
      if (closed) {
        return;
      }
      switch (stream.state) {
        case PENDING -> {
          stream.heldOverflowed = true; // live() sends the snapshot, then the resync
          stream.held.clear();
        }
        case LIVE -> markStaleLocked(stream, fx);
        case STALE, ENDED -> {
          // nothing more to say
        }
      }
    }
    apply(fx);
  }

  /**
   * Ends a stream (unsubscribe): its later events are dropped; those already queued still go out,
   * before anything queued after this call.
   *
   * @param stream the stream
   */
  void end(Stream stream) {
    synchronized (lock) {
      stream.state = StreamState.ENDED;
      stream.held.clear();
    }
  }

  /** Drops everything queued and stops sending; idempotent. An in-flight send is left to end. */
  void close() {
    synchronized (lock) {
      closeLocked();
    }
  }

  /**
   * Whether {@link #close()} was called or the outbox closed itself.
   *
   * @return true once closed
   */
  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /**
   * How long the outbox has been waiting for the client: for the send in flight to complete, or for
   * a pong to open the acknowledgement window.
   *
   * @param nowNanos the current {@code nanoClock} value
   * @return nanoseconds, 0 if it is not waiting
   */
  long stalledNanos(long nowNanos) {
    synchronized (lock) {
      long since = sendStartedNanos != 0 ? sendStartedNanos : blockedSinceNanos;
      return since == 0 ? 0 : Math.max(1, nowNanos - since);
    }
  }

  /**
   * Sends a ping carrying a new mark (the liveness ping of the connection); the pong acknowledges
   * everything sent before it.
   */
  void ping() {
    byte[] payload;
    synchronized (lock) {
      if (closed) {
        return;
      }
      payload = markLocked();
    }
    transport.ping(payload);
  }

  /**
   * A pong arrived. If it echoes a mark of this outbox, everything sent before that mark has
   * reached the client; a waiting outbox resumes.
   *
   * @param payload the pong's application data
   */
  void pong(ByteBuffer payload) {
    if (payload.remaining() != Long.BYTES) {
      return; // not one of ours (an unsolicited pong)
    }
    long token = payload.getLong(payload.position());
    boolean resume = false;
    synchronized (lock) {
      Long chars = marks.get(token);
      if (chars == null) {
        return;
      }
      // This mark and every older one are settled.
      for (Iterator<Long> it = marks.keySet().iterator(); it.hasNext(); ) {
        Long t = it.next();
        it.remove();
        if (t == token) {
          break;
        }
      }
      charsAcked = Math.max(charsAcked, chars);
      if (blockedSinceNanos != 0 && charsSent - charsAcked < windowChars) {
        blockedSinceNanos = 0;
        if (!inFlight && !closed && !queue.isEmpty()) {
          inFlight = true;
          resume = true;
        }
      }
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
      return charsSent - charsAcked;
    }
  }

  /**
   * Messages waiting (not counting the frame in flight).
   *
   * @return the number of queued messages
   */
  int queued() {
    synchronized (lock) {
      return queue.size();
    }
  }

  // --- queueing (under the lock) ---

  private void enqueueEventLocked(Queued event, Effects fx) {
    Stream stream = event.stream();
    if (queue.size() >= capacity) {
      overflowLocked(stream, fx);
      return; // the event is dropped: its stream is stale now
    }
    queue.add(event);
    kickLocked(fx);
  }

  private void enqueueLocked(Queued message, Effects fx) {
    if (queue.size() >= capacity) {
      overflowLocked(null, fx);
      if (closed) {
        return;
      }
      if (queue.size() >= capacity) {
        tooSlowLocked("more than " + capacity + " replies waiting", fx);
        return;
      }
    }
    queue.add(message);
    kickLocked(fx);
  }

  /**
   * Drops every queued event; each stream that lost one (and {@code offering}) turns stale with a
   * resync message. Closes the outbox if even that does not leave room.
   */
  private void overflowLocked(@Nullable Stream offering, Effects fx) {
    Set<Stream> affected = new LinkedHashSet<>();
    if (offering != null) {
      affected.add(offering);
    }
    for (Iterator<Queued> it = queue.iterator(); it.hasNext(); ) {
      Queued q = it.next();
      Stream s = q.stream();
      if (s != null) {
        it.remove();
        affected.add(s);
      }
    }
    int resyncs = 0;
    for (Stream s : affected) {
      if (s.state == StreamState.LIVE) {
        resyncs++;
      }
    }
    if (queue.size() + resyncs > capacity) {
      tooSlowLocked("more than " + capacity + " messages waiting", fx);
      return;
    }
    for (Stream s : affected) {
      if (s.state == StreamState.LIVE) {
        markStaleLocked(s, fx);
      }
    }
  }

  private void markStaleLocked(Stream stream, Effects fx) {
    stream.state = StreamState.STALE;
    stream.held.clear();
    queue.add(new Queued(null, 0, Messages.resync(stream.channel())));
    fx.stale(stream);
    kickLocked(fx);
  }

  private void tooSlowLocked(String reason, Effects fx) {
    closeLocked();
    fx.tooSlow = reason;
  }

  private void closeLocked() {
    closed = true;
    queue.clear();
  }

  private void kickLocked(Effects fx) {
    if (!inFlight && blockedSinceNanos == 0 && !closed && !queue.isEmpty()) {
      inFlight = true;
      fx.drain = true;
    }
  }

  private void apply(Effects fx) {
    if (fx.stale != null) {
      listener.stale(fx.stale);
    }
    if (fx.tooSlow != null) {
      listener.tooSlow(fx.tooSlow);
    }
    if (fx.drain) {
      schedule();
    }
  }

  // --- draining ---

  private void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      // The runtime is shutting down; nothing more will be sent.
      synchronized (lock) {
        inFlight = false;
        closeLocked();
      }
    }
  }

  /**
   * Sends frames until the queue is empty, a send is pending, the window is full, or the turn is
   * used up.
   */
  private void drain() {
    for (int frame = 0; frame < MAX_FRAMES_PER_TURN; frame++) {
      List<Queued> batch;
      synchronized (lock) {
        if (closed || queue.isEmpty()) {
          inFlight = false;
          sendStartedNanos = 0;
          return;
        }
        if (charsSent - charsAcked >= windowChars) {
          inFlight = false; // a pong resumes
          sendStartedNanos = 0;
          if (blockedSinceNanos == 0) {
            blockedSinceNanos = Math.max(1, nanoClock.getAsLong());
          }
          return;
        }
        batch = takeBatchLocked();
      }
      String text = frameOf(batch);
      byte[] mark = null;
      synchronized (lock) {
        charsSent += text.length();
        if (charsSent - charsAtLastMark >= pingEveryChars) {
          mark = markLocked();
        }
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

  /** A new mark for everything sent so far; returns the ping payload. */
  private byte[] markLocked() {
    long token = ThreadLocalRandom.current().nextLong();
    charsAtLastMark = charsSent;
    marks.put(token, charsSent);
    if (marks.size() > MAX_MARKS) {
      Iterator<Long> oldest = marks.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    return ByteBuffer.allocate(Long.BYTES).putLong(token).array();
  }

  private void sent(@Nullable Throwable failure) {
    if (failure != null) {
      boolean first;
      synchronized (lock) {
        first = !closed;
        closeLocked();
        sendStartedNanos = 0;
        completedWhileSending = sending;
      }
      if (first) {
        listener.sendFailed(failure);
      }
      return;
    }
    synchronized (lock) {
      sendStartedNanos = 0;
      if (sending) {
        completedWhileSending = true; // the drain loop goes on
        return;
      }
      if (closed || queue.isEmpty()) {
        inFlight = false;
        return;
      }
    }
    schedule();
  }

  private List<Queued> takeBatchLocked() {
    List<Queued> batch = new ArrayList<>(Math.min(queue.size(), MAX_BATCH_MESSAGES));
    Queued first = queue.poll();
    batch.add(first);
    int chars = BATCH_HEAD.length() + first.text().length();
    while (batch.size() < MAX_BATCH_MESSAGES) {
      Queued next = queue.peek();
      if (next == null || chars + 1 + next.text().length() > MAX_BATCH_CHARS) {
        break;
      }
      queue.poll();
      batch.add(next);
      chars += 1 + next.text().length();
    }
    return batch;
  }

  private static String frameOf(List<Queued> batch) {
    if (batch.size() == 1) {
      return batch.get(0).text();
    }
    int length = BATCH_HEAD.length() + 2;
    for (Queued q : batch) {
      length += q.text().length() + 1;
    }
    StringBuilder sb = new StringBuilder(length).append(BATCH_HEAD);
    for (int i = 0; i < batch.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(batch.get(i).text());
    }
    return sb.append("]}").toString();
  }
}
