package dev.presence.web.websocket;

import dev.presence.ChannelId;
import dev.presence.ChannelUsers;
import dev.presence.CloseReason;
import dev.presence.ErrorCode;
import dev.presence.ForbiddenException;
import dev.presence.InvalidArgumentException;
import dev.presence.PresenceException;
import dev.presence.PresenceSession;
import dev.presence.SessionId;
import dev.presence.Subscription;
import dev.presence.TooLargeException;
import dev.presence.UnauthenticatedException;
import dev.presence.UserId;
import dev.presence.event.PresenceEvent;
import dev.presence.spi.Action;
import dev.presence.spi.Caller;
import dev.presence.web.auth.AccessControl;
import dev.presence.web.auth.TokenVerifier;
import dev.presence.web.auth.VerifiedToken;
import dev.presence.web.delivery.SubscriptionStream;
import dev.presence.web.engine.Interval;
import dev.presence.web.engine.IntervalListener;
import dev.presence.web.engine.LimitChecks;
import dev.presence.web.engine.ObserveMode;
import dev.presence.web.engine.PrecheckedPresence;
import dev.presence.web.engine.PresenceEngine;
import dev.presence.web.json.PresenceJson;
import dev.presence.web.ops.RateLimitedLog;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;

/**
 * One WebSocket connection of an authenticated user: the protocol of SPEC section 5 without the
 * container.
 *
 * <p><b>Session.</b> The connection opens one presence session ({@link #open()}); its joins end
 * with it. A close with 1000 or 1001 ends it as {@link CloseReason#CLEAN} (a {@code leave} after
 * the grace period), anything else (1006, an error, a close the server made) as {@link
 * CloseReason#LOST} (a {@code timeout}). Every frame received, and every pong, is a heartbeat. The
 * server pings every {@link Settings#pingInterval()} (a third of the presence timeout), so a client
 * whose WebSocket stack answers pings stays alive without sending anything; a client that answers
 * nothing for the timeout is ended by the engine, and {@link #check} then closes the socket with
 * 1001. Liveness is judged on what was really sent: when the server was too busy to send a ping on
 * time (more than half an interval late), the client could not have answered it, so the late ping
 * counts as a sign of life instead of letting the engine end a healthy session. The pings carry the
 * {@link Outbox}'s acknowledgement marks too; a client that takes nothing for {@link
 * Settings#sendTimeout()} is closed with 1013.
 *
 * <p><b>Requests</b> are handled one at a time on the container's thread, in order. Each gets a
 * reply through the {@link Outbox} (so replies and events leave in one order): {@code ok}, {@code
 * ok} with a {@code result}, a {@code snapshot}, or an {@code error} with a code of SPEC 4.4. A
 * frame that is not a valid request gets an {@code INVALID_ARGUMENT} error (with its id when it has
 * a readable one, even in a frame that is not valid JSON as a whole: see {@link
 * PresenceJson#bestEffortString}) and the connection stays open; the refusal is logged as one short
 * line at most every ten seconds ({@link RateLimitedLog}). Authorization is the REST API's: join
 * and set-attributes act for the connection's user and ask the authorizers; leave is never refused;
 * reads ask for {@link Action#READ}, subscribe for {@link Action#OBSERVE}.
 *
 * <p><b>Token expiry</b> (SPEC 13.2). The connection's token ends with its {@code exp}, judged as
 * at connect ({@link TokenVerifier#isExpired}: with the verifier's leeway; a token without {@code
 * exp} never expires). Once it has expired no request is served: the first frame after it, or the
 * runtime's next {@link #check} (at most a second later), sends {@code
 * {"type":"error","code":"UNAUTHENTICATED","message":"token expired"}} and closes with 1008 ({@code
 * "UNAUTHENTICATED: token expired"}); the session ends as {@link CloseReason#LOST}, so a client
 * that reconnects with a fresh token within the grace period causes no event. Before that the
 * client may send {@code {"type":"reauthenticate","id","token"}}: a valid token for the same {@code
 * sub} replaces the connection's token (its {@code exp}, and its roles for every later request) and
 * is answered {@code ok}; a valid token for another {@code sub} is answered {@code FORBIDDEN} and
 * the connection is closed with 1008 ({@code "FORBIDDEN: ..."}); a token that is not valid (bad
 * signature, wrong issuer or audience, already expired, malformed) is answered {@code
 * UNAUTHENTICATED} and changes nothing: the connection stays open until its current token expires,
 * so a client may try again. Subscriptions and joins made before a reauthentication stay as they
 * are (they were authorized when made).
 *
 * <p><b>Subscriptions.</b> Each subscribe opens an engine subscription feeding an {@link
 * Outbox.Stream}; subscribing again to the same channel replaces the old subscription with a fresh
 * snapshot (this is how a client answers {@code resync}); a subscribe that fails leaves the channel
 * unobserved. Listener callbacks only enqueue.
 *
 * <p><b>End.</b> {@link #terminate} runs once, whatever ends the connection first: it closes the
 * outbox, every engine subscription and the presence session.
 */
final class Connection implements Outbox.Listener {

  private static final Logger LOG = Logger.getLogger(Connection.class.getName());

  /** WebSocket close codes used here (RFC 6455). */
  static final int NORMAL_CLOSURE = 1000;

  static final int GOING_AWAY = 1001;
  static final int POLICY_VIOLATION = 1008;
  static final int TOO_BIG = 1009;
  static final int INTERNAL_ERROR = 1011;
  static final int TRY_AGAIN_LATER = 1013;

  /** The close code of {@code DELETE /api/v1/users/{user}/connections} (SPEC 13.4). */
  static final int CLOSED_BY_ADMINISTRATOR = 4003;

  /** The message of the error sent when the connection's token has expired (SPEC 13.2). */
  static final String TOKEN_EXPIRED = "token expired";

  /**
   * The settings of a connection.
   *
   * @param queueCapacity the most messages waiting to be sent ({@code presence.ws.queue-capacity})
   * @param maxFrameBytes the largest frame accepted ({@code presence.ws.max-frame-bytes})
   * @param timeout the presence timeout {@code T}, for messages
   * @param pingInterval how often the server pings
   * @param sendTimeout how long the client may take nothing (a send in flight, or no pong for the
   *     data sent) before it counts as too slow
   * @param maxSubscriptions the most channels one connection may observe
   * @param windowChars the most characters sent and not yet acknowledged (see {@link AckWindow})
   * @param snapshotPage the most users in one snapshot message ({@code presence.ws.snapshot-page})
   */
  record Settings(
      int queueCapacity,
      int maxFrameBytes,
      Duration timeout,
      Duration pingInterval,
      Duration sendTimeout,
      int maxSubscriptions,
      long windowChars,
      int snapshotPage) {}

  private final TokenVerifier verifier;
  private final LimitChecks checks;
  private final PrecheckedPresence presence;
  private final AccessControl access;
  private final Transport transport;
  private final Executor executor;
  private final EventTexts texts;
  private final Settings settings;
  private final LongSupplier nanoClock;
  private final Consumer<Connection> onEnd;
  private final Outbox outbox;

  private final Map<ChannelId, Outbox.Stream> streams = new HashMap<>(); // guarded by itself
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean closing = new AtomicBoolean();
  private volatile @Nullable PresenceSession session;
  private volatile long lastPingNanos;
  private long latePings; // the checker thread only

  /** The token the connection runs on: replaced by {@code reauthenticate}. */
  private volatile VerifiedToken token;

  /**
   * Creates a connection; nothing happens until {@link #open()}.
   *
   * @param token the token the connection was opened with
   * @param verifier verifies the tokens of {@code reauthenticate} and judges expiry
   * @param engine the presence engine: its checks for the ids of each request, then its {@link
   *     PresenceEngine#prechecked()} operations, so each id is checked once per request
   * @param access the access control
   * @param transport the socket
   * @param executor runs sends and closes; shared by all connections
   * @param texts the shared event text cache
   * @param settings the settings
   * @param nanoClock {@link System#nanoTime()} or a test clock
   * @param onEnd called once when the connection has ended
   */
  Connection(
      VerifiedToken token,
      TokenVerifier verifier,
      PresenceEngine engine,
      AccessControl access,
      Transport transport,
      Executor executor,
      EventTexts texts,
      Settings settings,
      LongSupplier nanoClock,
      Consumer<Connection> onEnd) {
    this.token = token;
    this.verifier = verifier;
    this.checks = engine.checks();
    this.presence = engine.prechecked();
    this.access = access;
    this.transport = transport;
    this.executor = executor;
    this.texts = texts;
    this.settings = settings;
    this.nanoClock = nanoClock;
    this.onEnd = onEnd;
    this.outbox =
        new Outbox(
            transport, executor, settings.queueCapacity(), settings.windowChars(), nanoClock, this);
    this.lastPingNanos = nanoClock.getAsLong();
  }

  /**
   * Opens the connection's presence session.
   *
   * @throws PresenceException if the session cannot be opened (too many sessions of the user, the
   *     store unreachable); the caller closes the socket
   */
  void open() {
    // The user id was checked when the token was verified (TokenVerifier checks the subject).
    session = presence.openSession(token.caller().userId());
  }

  /**
   * The user of the connection, with the roles of its current token.
   *
   * @return the caller
   */
  Caller caller() {
    return token.caller();
  }

  // --- incoming ---

  /**
   * Handles one text frame.
   *
   * @param text the frame
   */
  void onText(String text) {
    if (!alive()) {
      return;
    }
    if (verifier.isExpired(token)) {
      closeExpired(false);
      return;
    }
    if (tooLarge(text)) {
      closeNow(TOO_BIG, frameTooLargeReason(settings.maxFrameBytes()), CloseReason.LOST);
      return;
    }
    JsonValue id = null;
    Request request;
    try {
      JsonObject frame;
      try {
        frame = PresenceJson.readObject(text);
      } catch (InvalidArgumentException e) {
        id = readableId(text);
        throw e;
      }
      id = Request.id(frame);
      request = Request.of(id, frame);
    } catch (InvalidArgumentException e) {
      RateLimitedLog.clientErrors().log("WebSocket INVALID_ARGUMENT: " + e.getMessage());
      outbox.offer(Messages.error(id, e));
      return;
    }
    try {
      handle(request);
    } catch (PresenceException e) {
      outbox.offer(Messages.error(request.id(), e));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a WebSocket request failed: " + request.type().wireName(), e);
      outbox.offer(Messages.error(request.id(), Messages.INTERNAL, Messages.INTERNAL_MESSAGE));
    }
  }

  /**
   * The request id of a frame that could not be read as a whole, if a top-level string {@code id}
   * can still be read from it (see {@link PresenceJson#bestEffortString}), so that the error reply
   * can carry it.
   */
  private static @Nullable JsonValue readableId(String text) {
    String id = PresenceJson.bestEffortString(text, "id", Request.MAX_ID_LENGTH);
    return id == null ? null : PresenceJson.string(id);
  }

  /**
   * The close reason for a frame over the limit.
   *
   * @param maxFrameBytes the limit
   * @return the reason phrase
   */
  static String frameTooLargeReason(int maxFrameBytes) {
    return "TOO_LARGE: frames may have at most " + maxFrameBytes + " bytes";
  }

  /** Handles a binary frame: not part of the protocol, refused with an error reply. */
  /**
   * A message over {@code presence.ws.max-frame-bytes}, seen while it arrived ({@link
   * MessageParts}): closes with 1009 {@code TOO_LARGE}.
   */
  void onTooLarge() {
    if (alive()) {
      closeNow(TOO_BIG, frameTooLargeReason(settings.maxFrameBytes()), CloseReason.LOST);
    }
  }

  void onBinary() {
    if (!alive()) {
      return;
    }
    if (verifier.isExpired(token)) {
      closeExpired(false);
    } else {
      outbox.offer(
          Messages.error(
              null,
              new InvalidArgumentException(
                  "binary frames are not accepted: send each request as a JSON text frame")));
    }
  }

  /**
   * Handles a pong: a heartbeat, and maybe the acknowledgement of a mark (see {@link AckWindow}).
   *
   * @param payload the pong's application data
   */
  void onPong(ByteBuffer payload) {
    if (alive()) {
      outbox.pong(payload);
    }
  }

  /**
   * The socket closed.
   *
   * @param code the close code
   */
  void onClosed(int code) {
    terminate(code == NORMAL_CLOSURE || code == GOING_AWAY ? CloseReason.CLEAN : CloseReason.LOST);
  }

  /**
   * A periodic check from the runtime: closes the connection if the engine ended its session
   * (timeout), its token has expired or a send is stuck, and pings when one is due.
   *
   * @param nowNanos the current {@code nanoClock} value
   */
  void check(long nowNanos) {
    if (ended.get() || closing.get()) {
      return;
    }
    PresenceSession s = session;
    if (s != null && s.isClosed()) {
      closeLater(
          GOING_AWAY,
          "TIMEOUT: nothing received for " + seconds(settings.timeout()) + "; reconnect",
          CloseReason.LOST);
      return;
    }
    if (verifier.isExpired(token)) {
      closeExpired(true);
      return;
    }
    if (outbox.stalledNanos(nowNanos) > settings.sendTimeout().toNanos()) {
      closeLater(
          TRY_AGAIN_LATER,
          "too slow: the client took nothing for " + seconds(settings.sendTimeout()),
          CloseReason.LOST);
      return;
    }
    long interval = settings.pingInterval().toNanos();
    long sincePing = nowNanos - lastPingNanos;
    if (sincePing >= interval) {
      if (sincePing > interval + interval / 2 && s != null) {
        // This ping is late: the server was too busy to ask. A client cannot answer a ping it was
        // never sent, so its silence since then is the server's, not a sign of its death.
        latePings++;
        try {
          s.heartbeat();
        } catch (PresenceException e) {
          return; // ended meanwhile: the next check closes the connection
        }
      }
      lastPingNanos = nowNanos;
      outbox.ping();
    }
  }

  /**
   * How many of this connection's pings were sent late, each of which counted as a sign of life
   * (see {@link #check}); for tests and metrics.
   *
   * @return the count
   */
  long latePings() {
    return latePings;
  }

  /** The server is stopping: closes with 1001. */
  void shutdown() {
    closeNow(GOING_AWAY, "the server is shutting down; reconnect", CloseReason.LOST);
  }

  /** Records a sign of life; closes the connection if the engine has already ended the session. */
  private boolean alive() {
    if (ended.get() || closing.get()) {
      return false;
    }
    PresenceSession s = session;
    if (s == null) {
      return false;
    }
    try {
      s.heartbeat();
      return true;
    } catch (PresenceException e) {
      closeNow(
          GOING_AWAY,
          "TIMEOUT: nothing received for " + seconds(settings.timeout()) + "; reconnect",
          CloseReason.LOST);
      return false;
    }
  }

  private boolean tooLarge(String text) {
    int max = settings.maxFrameBytes();
    if (text.length() > max) {
      return true;
    }
    // Encode only text that could be over the limit: at most 3 bytes per UTF-16 char.
    return (long) text.length() * 3 > max && text.getBytes(StandardCharsets.UTF_8).length > max;
  }

  // --- requests ---

  private void handle(Request r) {
    PresenceSession s = session;
    if (s == null) {
      throw new IllegalStateException("the connection is not open");
    }
    Caller caller = token.caller(); // the current token's: a reauthentication may change roles
    UserId self = caller.userId();
    // The ids' one check against the configured lengths, for every request (unsubscribe
    // included), before any authorization; the engine is called through PrecheckedPresence and the
    // session it opened, which do not check them again. The caller's own id (self) was checked
    // when its token was verified.
    ChannelId named = r.channel();
    if (named != null) {
      checks.channel(named);
    }
    UserId target = r.user();
    if (target != null) {
      checks.user(target);
    }
    switch (r.type()) {
      case JOIN -> {
        ChannelId channel = r.requireChannel();
        access.check(caller, Action.JOIN, channel, self);
        s.join(channel);
        outbox.offer(Messages.ok(r.id()));
      }
      case LEAVE -> {
        access.checkSelf(caller, self);
        s.leave(r.requireChannel());
        outbox.offer(Messages.ok(r.id()));
      }
      case SET_ATTRIBUTES -> {
        ChannelId channel = r.requireChannel();
        access.check(caller, Action.SET_ATTRIBUTES, channel, self);
        presence.setAttributes(channel, self, r.requireAttributes());
        outbox.offer(Messages.ok(r.id()));
      }
      case GET_ATTRIBUTES -> {
        ChannelId channel = r.requireChannel();
        UserId user = r.requireUser();
        access.check(caller, Action.READ, channel, user);
        outbox.offer(
            Messages.result(r.id(), PresenceJson.attributes(presence.attributes(channel, user))));
      }
      case CHANNEL_USERS -> {
        ChannelId channel = r.requireChannel();
        access.check(caller, Action.READ, channel, null);
        ChannelUsers page = presence.channelUsers(channel, r.requirePage());
        outbox.offer(
            Messages.result(
                r.id(), PresenceJson.channelUsers(page, r.requirePage().withAttributes())));
      }
      case USER_CHANNELS -> {
        UserId user = r.requireUser();
        access.check(caller, Action.READ, null, user);
        outbox.offer(
            Messages.result(r.id(), PresenceJson.userChannels(user, presence.userChannels(user))));
      }
      case SUBSCRIBE -> subscribe(r, caller);
      case UNSUBSCRIBE -> {
        Outbox.Stream stream;
        synchronized (streams) {
          stream = streams.remove(r.requireChannel());
        }
        if (stream != null) {
          outbox.end(stream);
          stream.closeSubscription();
        }
        outbox.offer(Messages.ok(r.id()));
      }
      case HEARTBEAT -> {
        if (r.id() != null) {
          outbox.offer(Messages.ok(r.id()));
        }
      }
      case REAUTHENTICATE -> reauthenticate(r, caller);
    }
  }

  /** Replaces the connection's token by a valid one for the same user (see the class comment). */
  private void reauthenticate(Request r, Caller caller) {
    VerifiedToken fresh;
    try {
      fresh = verifier.verifyToken(r.requireToken());
    } catch (UnauthenticatedException e) {
      // The current token stays: the client may try again before it expires.
      outbox.offer(Messages.error(r.id(), e));
      return;
    }
    UserId user = fresh.caller().userId();
    if (!user.equals(caller.userId())) {
      ForbiddenException refused =
          new ForbiddenException(
              "the new token is for another user ('"
                  + user.value()
                  + "'); a connection keeps the user it was opened for ('"
                  + caller.userId().value()
                  + "'): open a new connection");
      closeWithMessage(
          Messages.error(r.id(), refused),
          POLICY_VIOLATION,
          ErrorCode.FORBIDDEN.name() + ": the new token is for another user",
          false);
      return;
    }
    token = fresh;
    outbox.offer(Messages.ok(r.id()));
  }

  private void subscribe(Request r, Caller caller) {
    ChannelId channel = r.requireChannel();
    access.check(caller, Action.OBSERVE, channel, null);
    Outbox.Stream old;
    Outbox.Stream stream = outbox.open(channel);
    synchronized (streams) {
      old = streams.get(channel);
      if (old == null && streams.size() >= settings.maxSubscriptions()) {
        throw new TooLargeException(
            "a connection may observe at most "
                + settings.maxSubscriptions()
                + " channels; unsubscribe from one first");
      }
      streams.put(channel, stream);
    }
    if (old != null) {
      outbox.end(old);
      old.closeSubscription();
    }
    Subscription subscription;
    try {
      subscription = presence.subscribe(channel, new StreamListener(stream, r.mode()));
    } catch (RuntimeException e) {
      synchronized (streams) {
        streams.remove(channel, stream);
      }
      outbox.end(stream);
      throw e;
    }
    stream.attach(subscription);
    if (ended.get()) {
      stream.closeSubscription(); // terminate() ran meanwhile and did not see it
      return;
    }
    ChannelUsers snapshot = subscription.snapshot();
    outbox.livePages(
        stream,
        Messages.snapshotPages(
            r.id(), snapshot, settings.snapshotPage(), r.mode() == ObserveMode.EVENTS),
        snapshot.seq());
  }

  /**
   * Feeds one subscription's events, intervals or occupancy into its stream; only enqueues. An
   * interval's text is made once per interval ({@link Interval#text}), shared by every connection
   * it goes to.
   */
  private final class StreamListener implements IntervalListener {
    private final Outbox.Stream stream;
    private final ObserveMode mode;

    StreamListener(Outbox.Stream stream, ObserveMode mode) {
      this.stream = stream;
      this.mode = mode;
    }

    @Override
    public ObserveMode mode() {
      return mode;
    }

    @Override
    public void onInterval(Interval interval) {
      if (stream.accepting()) {
        outbox.offerEvent(stream, interval.toSeq(), interval.text(Messages::interval));
      }
    }

    @Override
    public void onOccupancy(ChannelId channel, int occupancy, long seq) {
      if (stream.accepting()) {
        outbox.offerEvent(stream, seq, Messages.occupancy(channel, occupancy, seq));
      }
    }

    @Override
    public void onEvent(PresenceEvent event) {
      if (stream.accepting()) {
        outbox.offerEvent(stream, event.seq(), texts.text(event));
      }
    }

    @Override
    public void onResync(ChannelId channel) {
      outbox.resync(stream);
    }
  }

  // --- outbox callbacks (any thread, outside the outbox lock) ---

  @Override
  public void stale(List<Outbox.Stream> stale) {
    // The client will subscribe again; until then the engine need not feed these streams.
    runLater(() -> stale.forEach(Outbox.Stream::closeSubscription));
  }

  @Override
  public void tooSlow(String reason) {
    closeLater(TRY_AGAIN_LATER, "too slow: " + reason, CloseReason.LOST);
  }

  @Override
  public void sendFailed(Throwable failure) {
    LOG.log(Level.FINE, "a WebSocket send failed; closing the connection", failure);
    closeLater(INTERNAL_ERROR, "send failed", CloseReason.LOST);
  }

  // --- administration (SPEC 13.4) ---

  /**
   * Whether this connection's presence session is {@code id}.
   *
   * @param id a session id
   * @return true if it is this connection's
   */
  boolean holds(SessionId id) {
    PresenceSession s = session;
    return s != null && s.id().equals(id);
  }

  /**
   * This connection's session was kicked from a channel: tells the client with {@code
   * {"type":"kicked","channel"}}, in order with the replies and events already queued. Only
   * enqueues.
   *
   * @param channel the channel
   */
  void kicked(ChannelId channel) {
    if (!ended.get()) {
      outbox.offer(Messages.kicked(channel));
    }
  }

  /**
   * An administrator closed the user's connections: closes with 4003 from a runtime thread; the
   * session ends as a clean close (its memberships are held for the grace period, then {@code
   * leave}).
   */
  void closeByAdministrator() {
    closeLater(CLOSED_BY_ADMINISTRATOR, "closed by an administrator", CloseReason.CLEAN);
  }

  // --- ending ---

  /**
   * Ends the connection's presence side, once: the outbox, every subscription, the session.
   *
   * @param reason how the presence session ends
   */
  void terminate(CloseReason reason) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    outbox.close();
    List<Outbox.Stream> all;
    synchronized (streams) {
      all = new ArrayList<>(streams.values());
      streams.clear();
    }
    for (Outbox.Stream stream : all) {
      outbox.end(stream);
      stream.closeSubscription();
    }
    PresenceSession s = session;
    if (s != null) {
      try {
        s.close(reason);
      } catch (RuntimeException e) {
        LOG.log(Level.FINE, "closing a presence session failed", e);
      }
    }
    onEnd.accept(this);
  }

  /**
   * The state of the stream of a channel's subscription; for tests.
   *
   * @param channel the channel
   * @return the state, or null if the connection does not observe the channel
   */
  SubscriptionStream.@Nullable State streamState(ChannelId channel) {
    synchronized (streams) {
      Outbox.Stream s = streams.get(channel);
      return s == null ? null : s.state();
    }
  }

  /** Whether {@link #terminate} has run. */
  boolean isEnded() {
    return ended.get();
  }

  /**
   * The connection's token has expired: sends the {@code token expired} error, then closes with
   * 1008.
   */
  private void closeExpired(boolean later) {
    closeWithMessage(
        Messages.error(null, ErrorCode.UNAUTHENTICATED.name(), TOKEN_EXPIRED),
        POLICY_VIOLATION,
        ErrorCode.UNAUTHENTICATED.name() + ": " + TOKEN_EXPIRED,
        later);
  }

  /**
   * Ends the connection with a last message: ends the presence side (the outbox drops what it still
   * holds, so nothing is sent after the message), sends the message past the outbox and closes
   * without waiting for the send, which the socket writes before the close frame.
   *
   * @param later true on a thread that must not block (the runtime's checker)
   */
  private void closeWithMessage(String message, int code, String reason, boolean later) {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    Runnable close =
        () -> {
          terminate(CloseReason.LOST);
          try {
            transport.send(
                message,
                failure -> {
                  if (failure != null) {
                    LOG.log(Level.FINE, "the last message before a close was not sent", failure);
                  }
                });
          } catch (RuntimeException e) {
            LOG.log(Level.FINE, "the last message before a close was not sent", e);
          }
          transport.close(code, reason);
        };
    if (later) {
      runLater(close);
    } else {
      close.run();
    }
  }

  /** Closes from a request thread: ends the presence side, then the socket. */
  private void closeNow(int code, String reason, CloseReason presenceReason) {
    if (closing.compareAndSet(false, true)) {
      terminate(presenceReason);
      transport.close(code, reason);
    }
  }

  /** Closes from a thread that must not block (engine listeners, the runtime's checker). */
  private void closeLater(int code, String reason, CloseReason presenceReason) {
    if (closing.compareAndSet(false, true)) {
      runLater(
          () -> {
            terminate(presenceReason);
            transport.close(code, reason);
          });
    }
  }

  private void runLater(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // the runtime is stopping: do it here
    }
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
  }
}
