package dev.presence.web.websocket;

import dev.presence.ChannelId;
import dev.presence.web.delivery.DeliveryQueue;
import dev.presence.web.delivery.SubscriptionStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The outgoing side of one WebSocket connection: its {@link DeliveryQueue}, sent by a {@link
 * FrameSender} (one asynchronous send in flight at a time, {@link Batch} frames, within an {@link
 * AckWindow} of data the client has acknowledged).
 *
 * <p><b>Queueing.</b> Replies, snapshots and the events of the connection's subscriptions ({@link
 * Stream}s) leave in the order they were offered, under the one slow-consumer policy of {@link
 * SubscriptionStream}: an overflow drops the queued events and sends each affected channel {@code
 * {"type":"resync","channel"}} ({@link Listener#stale}); a queue full of replies closes the
 * connection ({@link Listener#tooSlow}). Offering never blocks and never touches the socket.
 *
 * <p><b>Waiting.</b> {@link #stalledNanos} tells the connection how long the outbox has waited for
 * the client (a send in flight, or a pong to open the window), which it closes after its send
 * timeout. Nothing here ever waits for the client.
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
  static final int MAX_BATCH_MESSAGES = Batch.MAX_MESSAGES;

  /** A batch frame stops growing at about this many characters. */
  static final int MAX_BATCH_CHARS = Batch.MAX_CHARS;

  /** Frames one drain task sends in a row before it yields its thread. */
  static final int MAX_FRAMES_PER_TURN = FrameSender.MAX_FRAMES_PER_TURN;

  /** The default acknowledgement window, in characters sent and not yet acknowledged. */
  static final int DEFAULT_WINDOW_CHARS = 1024 * 1024;

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

  /** The {@link SubscriptionStream} of one WebSocket subscription; events are message texts. */
  static final class Stream extends SubscriptionStream<String> {
    Stream(ChannelId channel) {
      super(channel);
    }
  }

  /** The states of a {@link Stream}, by their older names here (see {@link SubscriptionStream}). */
  static final class StreamState {
    static final SubscriptionStream.State PENDING = SubscriptionStream.State.PENDING;
    static final SubscriptionStream.State LIVE = SubscriptionStream.State.LIVE;
    static final SubscriptionStream.State STALE = SubscriptionStream.State.STALE;
    static final SubscriptionStream.State ENDED = SubscriptionStream.State.ENDED;

    private StreamState() {}
  }

  /** Side effects decided under the lock and carried out after it. */
  private static final class Effects extends DeliveryQueue.Outcome<Stream> {
    boolean drain;
  }

  private final Listener listener;
  private final Object lock = new Object();
  private final DeliveryQueue<String, Stream> queue; // guarded by lock
  private final FrameSender sender;

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
    this.listener = listener;
    this.queue = new DeliveryQueue<>(capacity, Messages::resync);
    this.sender =
        new FrameSender(
            lock, queue, transport, executor, windowChars, nanoClock, listener::sendFailed);
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
   * Queues an event of a stream (engine listener threads), as {@link DeliveryQueue#offerEvent}.
   *
   * @param stream the stream
   * @param seq the event's sequence number
   * @param text the event message
   */
  void offerEvent(Stream stream, long seq, String text) {
    change(fx -> queue.offerEvent(stream, seq, text, fx));
  }

  /**
   * Queues a reply or a control message.
   *
   * @param text the message
   */
  void offer(String text) {
    change(fx -> queue.offer(text, fx));
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
    change(fx -> queue.live(stream, snapshotReply, snapshotSeq, fx));
  }

  /**
   * Like {@link #live(Stream, String, long)} with a snapshot in pages (SPEC 13.3): the pages are
   * queued in order, then the stream's events.
   *
   * @param stream the stream
   * @param pages the snapshot's pages, at least one
   * @param snapshotSeq the snapshot's seq
   */
  void livePages(Stream stream, List<String> pages, long snapshotSeq) {
    change(fx -> queue.livePages(stream, pages, snapshotSeq, fx));
  }

  /**
   * The engine cannot serve a stream in order any more: queues a resync message after the stream's
   * queued events and drops its further events.
   *
   * @param stream the stream
   */
  void resync(Stream stream) {
    change(fx -> queue.resync(stream, fx));
  }

  /**
   * Ends a stream (unsubscribe): its later events are dropped; those already queued still go out,
   * before anything queued after this call.
   *
   * @param stream the stream
   */
  void end(Stream stream) {
    synchronized (lock) {
      queue.end(stream);
    }
  }

  /** Drops everything queued and stops sending; idempotent. An in-flight send is left to end. */
  void close() {
    synchronized (lock) {
      queue.close();
    }
  }

  /**
   * Whether {@link #close()} was called or the outbox closed itself.
   *
   * @return true once closed
   */
  boolean isClosed() {
    synchronized (lock) {
      return queue.isClosed();
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
    return sender.stalledNanos(nowNanos);
  }

  /**
   * Sends a ping carrying a new mark (the liveness ping of the connection); the pong acknowledges
   * everything sent before it.
   */
  void ping() {
    sender.ping();
  }

  /**
   * A pong arrived. If it echoes a mark of this outbox, everything sent before that mark has
   * reached the client; a waiting outbox resumes.
   *
   * @param payload the pong's application data
   */
  void pong(ByteBuffer payload) {
    sender.pong(payload);
  }

  /**
   * Characters sent and not yet acknowledged.
   *
   * @return the count
   */
  long unacknowledged() {
    return sender.unacknowledged();
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

  /** Makes one change to the queue under the lock, then does what it asks for outside it. */
  private void change(Consumer<Effects> step) {
    Effects fx = new Effects();
    synchronized (lock) {
      step.accept(fx);
      kickLocked(fx);
    }
    apply(fx);
  }

  private void kickLocked(Effects fx) {
    fx.drain = sender.startLocked();
  }

  private void apply(Effects fx) {
    if (!fx.stale().isEmpty()) {
      listener.stale(fx.stale());
    }
    String tooSlow = fx.tooSlow();
    if (tooSlow != null) {
      listener.tooSlow(tooSlow);
    }
    if (fx.drain) {
      sender.schedule();
    }
  }
}
