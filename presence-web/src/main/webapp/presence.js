/**
 * presence.js: the browser client of the Presence server (SPEC section 11), a dependency-free ES
 * module with the seed's API.
 *
 *   import { init, joinPresenceChannel, addPresenceListener } from "/presence.js";
 *   init({ url: "https://presence.example.com/", token: "<JWT>" });
 *   addPresenceListener({ channel: "lobby" }, ({ event, message }) => console.log(event, message));
 *   joinPresenceChannel({ channel: "lobby" });
 *
 * Types: presence.d.ts beside this file.
 *
 * How it works
 * - One WebSocket per client (`/ws/v1`, SPEC section 5) carries everything: join, leave,
 *   attributes, queries and event subscriptions. The token goes in `?access_token=`.
 * - Calls made while the socket is not open wait for it. A request whose reply was lost with the
 *   connection is sent again on the next one (every request of the protocol is idempotent), so
 *   callers see latency, not errors, across a reconnect. A request not answered within
 *   `requestTimeout` rejects with code `TIMEOUT`.
 * - Heartbeats: `{"type":"heartbeat"}` every `heartbeatInterval` ms (default 20 s; the server's
 *   timeout T defaults to 60 s and clients must send something every T/2 at most, so set it below
 *   T/2 for a server with a shorter T). A heartbeat still unanswered when the next one is due (and
 *   nothing else arrived meanwhile) means the connection is dead: the client drops it and
 *   reconnects.
 * - Reconnects by itself, with exponential backoff (`reconnectMinDelay` doubling up to
 *   `reconnectMaxDelay`) and jitter (each delay is drawn between half and all of the step). After
 *   a reconnect it re-joins its channels, re-sends the attributes it last set in each, and
 *   subscribes again to every channel it has listeners for.
 * - Listeners never see a duplicate or out-of-order event: the client keeps, per observed
 *   channel, the snapshot's member list and `seq` and applies each event exactly once, in `seq`
 *   order. An event at or below the known `seq` is dropped; a gap (which the server promises never
 *   to make) or a `{"type":"resync"}` message makes the client subscribe again.
 * - After a new snapshot (reconnect, resync, gap) the client compares it with the member list it
 *   knew and delivers the differences as events with `message.synthetic === true`: `join` for a
 *   user who appeared, `leave` for one who went (whether it was a leave or a timeout cannot be
 *   known), `attributesUpdate` for changed attributes. So a listener that keeps a member list from
 *   the events stays right without refetching. Then it continues from the new snapshot's `seq`.
 *   Synthetic events carry that `seq` and no timestamp.
 * - Tokens (SPEC 13.2): the server ends a connection when its token expires (error
 *   `{"type":"error","code":"UNAUTHENTICATED","message":"token expired"}`, close 1008). With
 *   `tokenProvider` (an async function returning a fresh JWT) the client renews ahead of `exp`:
 *   30 s before it, or, for a token with less than 150 s left, once 80 % of its remaining lifetime
 *   has passed (never sooner than 1 s after the previous token arrived; times by the client's
 *   clock, the server allows 30 s of skew). It sends `{"type":"reauthenticate","token"}` on the
 *   open connection, so nothing is interrupted. A renewal that fails (the provider throws, or the
 *   server refuses the token) is reported to `onError` and tried again every few seconds while
 *   the current token lasts. Every reconnect takes a fresh token from the provider (the first
 *   connection uses `token` when given). If the server still closes for expiry, the client gets a
 *   fresh token and reconnects like after any lost connection: requests in flight are sent again,
 *   channels re-joined. Without `tokenProvider` nothing is renewed: the connection ends at `exp`
 *   and every later connection uses `token` (a function given as `token` is called before each
 *   connection, as before).
 * - `{"type":"batch","messages":[...]}` frames are unpacked in order.
 * - Large channels (SPEC 13.3): above the server's `presence.channels.announce-max` users an
 *   observer gets one `{"type":"interval","fromSeq","toSeq","occupancy","join","leave","timeout",
 *   "attributes"}` message per interval instead of one message per event. The client applies it
 *   like the events it stands for: it continues only from `fromSeq === seq + 1` (a gap, or an
 *   interval that starts inside what the client already has, makes it subscribe again) and then
 *   knows `toSeq`. Listeners get one event per user, in this order: every user of `join` (in list
 *   order, with the attributes `attributes` holds for them, else none), then `leave`, then
 *   `timeout`, then `attributesUpdate` for every other user of `attributes` (in the object's key
 *   order); the same order as the seed's SDK gives PubNub's interval events. Each carries
 *   `message.interval === true`, `seq` = `toSeq`, `fromSeq`, and the interval's `occupancy` (the
 *   occupancy at its end). An interval with empty lists delivers nothing to presence listeners.
 * - Snapshots of more than `presence.ws.snapshot-page` users arrive in pages (`"more": true` on
 *   all but the last, same id and seq): the client joins the pages before using the snapshot.
 * - Occupancy only: `addPresenceListener({ channel, mode: "occupancy" }, listener)` observes a
 *   channel without its member list (the server's `"mode":"occupancy"`: a snapshot without users,
 *   then `{"type":"occupancy","occupancy","seq"}` at most once per interval when it changed). The
 *   listener gets `{event: "occupancy", message: {channel, occupancy, seq, timestamp: null}}` each
 *   time the occupancy changes, and the promise resolves to `{channel, occupancy, seq,
 *   channelUsers: []}`. One subscription per channel and client: while a channel also has
 *   listeners of events, the client subscribes in events mode and feeds the occupancy listeners
 *   from the events (a change of occupancy, at most once per event message or interval); when the
 *   last events listener goes, it subscribes again in occupancy mode.
 * - Administration (SPEC 13.4): `{"type":"kicked","channel"}` makes the client forget its join of
 *   the channel (no re-join after a reconnect) and call `onKicked(channel)`; a `leave` event of a
 *   kick reaches listeners with `message.reason === "kicked"`. A close with code 4003 (an
 *   administrator closed the user's connections) is not reconnected: `onError` gets a `CLOSED`
 *   error and the client is closed.
 * - Errors reject with a `PresenceError` whose `code` and `message` are the server's (SPEC 4.4),
 *   or one of the client's own codes: `TIMEOUT`, `CLOSED`, `CANCELLED`, `NOT_INITIALIZED`,
 *   `INVALID_ARGUMENT` (bad options), `TOO_LARGE` (a request over `maxFrameBytes`, never sent).
 *
 * In Node.js (which has no global WebSocket before version 22) pass a constructor, e.g. the `ws`
 * package: `init({ url, token, WebSocket })`.
 */

const DEFAULTS = Object.freeze({
  heartbeatInterval: 20_000,
  requestTimeout: 15_000,
  reconnectMinDelay: 500,
  reconnectMaxDelay: 30_000,
  maxFrameBytes: 64 * 1024,
});

/** A connection open at least this long counts as stable: the backoff starts over after it. */
const STABLE_AFTER_MS = 10_000;

/** Close codes after which the requests in flight are refused, not sent again. */
const FATAL_CLOSE_CODES = new Set([1008, 1009]);
/** The close code of an administrator's DELETE /api/v1/users/{user}/connections (SPEC 13.4). */
const CLOSED_BY_ADMINISTRATOR = 4003;

/** The close reason of a connection whose token expired (SPEC 13.2). */
const TOKEN_EXPIRED_REASON = "UNAUTHENTICATED: token expired";

/** A token is renewed this long before its `exp` at the latest (when its lifetime allows). */
const RENEW_BEFORE_MS = 30_000;

/** ...and, for short-lived tokens, once this share of its remaining lifetime has passed. */
const RENEW_AT_SHARE = 0.8;

/** Renewals (and retries of failed ones) are never closer together than this. */
const MIN_RENEW_DELAY_MS = 1_000;

/** A failed renewal is tried again after at most this long. */
const RENEW_RETRY_MS = 5_000;

/**
 * The event kinds a listener receives as `event`, under the names of the seed's SDK
 * (@livelike/javascript's PresenceActionEvent), so code written against it compares unchanged.
 */
export const PresenceActionEvent = Object.freeze({
  JOIN: "join",
  LEAVE: "leave",
  TIMEOUT: "timeout",
  ATTRIBUTES_UPDATE: "attributesUpdate",
});

/** An error from the server (its code and message) or from the client itself. */
export class PresenceError extends Error {
  /**
   * @param {string} code
   * @param {string} message
   * @param {{retryAfter?: number}} [extra]
   */
  constructor(code, message, extra) {
    super(message);
    this.name = "PresenceError";
    this.code = code;
    if (extra && typeof extra.retryAfter === "number") {
      this.retryAfter = extra.retryAfter;
    }
  }
}

/** One client: one WebSocket, its joins, attributes and subscriptions. */
export class PresenceClient {
  /** @param {object} options see presence.d.ts, PresenceOptions */
  constructor(options) {
    if (!options || typeof options !== "object") {
      throw new PresenceError("INVALID_ARGUMENT", "init needs options: { url, token }");
    }
    this._baseUrl = endpointUrl(options.url);
    if (options.tokenProvider !== undefined && typeof options.tokenProvider !== "function") {
      throw new PresenceError(
        "INVALID_ARGUMENT",
        "tokenProvider must be a function returning a fresh JWT (or a promise of one)",
      );
    }
    this._tokenProvider = options.tokenProvider ?? null;
    const noToken = options.token === undefined || options.token === null;
    if (
      (typeof options.token !== "string" && typeof options.token !== "function") &&
      !(noToken && this._tokenProvider)
    ) {
      throw new PresenceError(
        "INVALID_ARGUMENT",
        "init needs a token: a JWT string, or a function returning one (or a promise of one), or a tokenProvider",
      );
    }
    this._token = noToken ? null : options.token;
    /** Whether a connection used the `token` option already (later ones ask the tokenProvider). */
    this._tokenUsed = false;
    this._WebSocket = options.WebSocket || globalThis.WebSocket;
    if (typeof this._WebSocket !== "function") {
      throw new PresenceError(
        "INVALID_ARGUMENT",
        "no WebSocket available: pass one as init({ ..., WebSocket }) (in Node.js, e.g. the ws package)",
      );
    }
    this._heartbeatInterval = positive(options.heartbeatInterval, DEFAULTS.heartbeatInterval);
    this._requestTimeout = positive(options.requestTimeout, DEFAULTS.requestTimeout);
    this._minDelay = positive(options.reconnectMinDelay, DEFAULTS.reconnectMinDelay);
    this._maxDelay = Math.max(
      this._minDelay,
      positive(options.reconnectMaxDelay, DEFAULTS.reconnectMaxDelay),
    );
    this._maxFrameBytes = positive(options.maxFrameBytes, DEFAULTS.maxFrameBytes);
    this._onStatus = typeof options.onStatus === "function" ? options.onStatus : null;
    this._onError = typeof options.onError === "function" ? options.onError : null;
    this._onKicked = typeof options.onKicked === "function" ? options.onKicked : null;

    /** @type {string | null} */
    this.userId = typeof this._token === "string" ? tokenSubject(this._token) : null;
    /** @type {"connecting" | "open" | "reconnecting" | "closed"} */
    this.status = "connecting";

    this._ws = null;
    this._open = false;
    this._openedAt = 0;
    this._attempt = 0;
    this._closed = false;
    this._reconnectTimer = null;
    this._heartbeatTimer = null;
    this._heartbeatPending = false;
    this._renewTimer = null;
    /** When the open connection's token expires (ms since the epoch), or null. */
    this._tokenExpiresAt = null;
    this._nextId = 1;
    /** Requests waiting for a reply, in the order they were made. @type {Map<string, Pending>} */
    this._pending = new Map();
    /** Channels this client joined, with the attributes it last set there (or null). */
    this._joined = new Map();
    /** Observed channels, by name. @type {Map<string, ChannelState>} */
    this._channels = new Map();
    this._closeWaiters = [];

    this._connect();
  }

  // --- the seed's API ---

  /** @param {{channel: string}} args */
  async joinPresenceChannel({ channel } = {}) {
    await this._request({ type: "join", channel });
    if (!this._joined.has(channel)) {
      this._joined.set(channel, null);
    }
  }

  /** @param {{channel: string}} args */
  async leavePresenceChannel({ channel } = {}) {
    await this._request({ type: "leave", channel });
    this._joined.delete(channel);
  }

  /** @param {{channel: string}} args */
  async getPresenceChannelUsers({ channel } = {}) {
    const channelUsers = [];
    let cursor = null;
    let page;
    do {
      const frame = { type: "channelUsers", channel };
      if (cursor !== null) {
        frame.cursor = cursor;
      }
      page = await this._request(frame);
      for (const u of page.users || []) {
        channelUsers.push({ userProfileId: u.userId, attributes: u.attributes || {} });
      }
      cursor = typeof page.next === "string" ? page.next : null;
    } while (cursor !== null);
    return { channelUsers, occupancy: page.occupancy, seq: page.seq };
  }

  /** @param {{userProfileId?: string}} [args] */
  async getPresenceUserChannels({ userProfileId } = {}) {
    const userId = userProfileId ?? this.userId ?? undefined;
    const result = await this._request({ type: "userChannels", userId });
    return { channels: result.channels || [] };
  }

  /** @param {{channel: string, attributes: Record<string, string>}} args */
  async setPresenceUserAttributes({ channel, attributes } = {}) {
    const copy = attributes && typeof attributes === "object" ? { ...attributes } : attributes;
    await this._request({ type: "setAttributes", channel, attributes: copy });
    if (this._joined.has(channel)) {
      this._joined.set(channel, copy);
    }
    return { ...copy };
  }

  /** @param {{channel: string, userProfileId?: string}} args */
  async getPresenceUserAttributes({ channel, userProfileId } = {}) {
    const userId = userProfileId ?? this.userId ?? undefined;
    return await this._request({ type: "getAttributes", channel, userId });
  }

  /**
   * Calls `listener({event, message})` for every event of the channel from now on. Resolves, once
   * the channel is observed, to its members at that moment (the events that follow are exactly
   * the changes after it).
   *
   * @param {{channel: string}} args
   * @param {(e: {event: string, message: object}) => void} listener
   */
  addPresenceListener({ channel, mode } = {}, listener) {
    if (mode !== undefined && mode !== "events" && mode !== "occupancy") {
      return Promise.reject(new PresenceError("INVALID_ARGUMENT", "mode must be \"events\" or \"occupancy\""));
    }
    if (typeof listener !== "function") {
      return Promise.reject(new PresenceError("INVALID_ARGUMENT", "the listener must be a function"));
    }
    if (typeof channel !== "string") {
      return Promise.reject(new PresenceError("INVALID_ARGUMENT", "a channel (string) is required"));
    }
    if (this._closed) {
      return Promise.reject(closedError());
    }
    let state = this._channels.get(channel);
    const occupancyOnly = mode === "occupancy";
    if (!state) {
      state = new ChannelState(channel);
      this._channels.set(channel, state);
      (occupancyOnly ? state.occupancyListeners : state.listeners).add(listener);
      this._subscribe(state);
    } else if (occupancyOnly) {
      state.occupancyListeners.add(listener);
    } else {
      const upgrade = state.listeners.size === 0;
      state.listeners.add(listener);
      if (upgrade) {
        // Observed for occupancy only so far: a new snapshot, with users, is needed.
        state.renewReady();
        this._subscribe(state);
      }
    }
    const view = () => (occupancyOnly ? state.occupancyView() : state.view());
    if (state.synced && !state.readyPending) {
      return Promise.resolve(view());
    }
    // The views as of the snapshot (taken when it arrived: events after it may be handled before
    // this promise's callbacks run, and they reach the listener).
    return state.ready.then((views) => (occupancyOnly ? views.occupancy : views.events));
  }

  /**
   * Stops calling the listener (all of the channel's listeners if none is given); the last one
   * removed ends the subscription.
   *
   * @param {{channel: string}} args
   * @param {Function} [listener]
   */
  async removePresenceListener({ channel } = {}, listener) {
    const state = this._channels.get(channel);
    if (!state) {
      return;
    }
    const hadEvents = state.listeners.size > 0;
    if (listener === undefined) {
      state.listeners.clear();
      state.occupancyListeners.clear();
    } else {
      state.listeners.delete(listener);
      state.occupancyListeners.delete(listener);
    }
    if (state.listeners.size > 0) {
      return;
    }
    if (state.occupancyListeners.size > 0) {
      if (hadEvents) {
        this._subscribe(state); // the last events listener went: occupancy mode is enough
      }
      return;
    }
    this._channels.delete(channel);
    state.cancel();
    if (state.subscribeId !== null) {
      this._pending.delete(state.subscribeId);
    }
    if (this._open && !this._closed) {
      try {
        await this._request({ type: "unsubscribe", channel });
      } catch (e) {
        if (!(e instanceof PresenceError) || (e.code !== "CLOSED" && e.code !== "TIMEOUT")) {
          throw e;
        }
      }
    }
  }

  /**
   * Closes the socket with 1000 and stops reconnecting. Presence ends as a clean close (the server
   * emits `leave` after its grace period). Resolves when the socket is closed.
   */
  close() {
    if (this._closed) {
      return Promise.resolve();
    }
    this._closed = true;
    clearTimeout(this._reconnectTimer);
    this._stopHeartbeat();
    this._stopRenewal();
    for (const p of [...this._pending.values()]) {
      p.fail(closedError());
    }
    this._pending.clear();
    for (const state of this._channels.values()) {
      state.cancel();
    }
    this._channels.clear();
    this._joined.clear();
    const ws = this._ws;
    this._setStatus("closed");
    if (!ws || ws.readyState === 3 /* CLOSED */) {
      this._ws = null;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, 2000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this._closeWaiters.push(done);
      try {
        ws.close(1000, "client closed");
      } catch {
        done();
      }
    });
  }

  // --- requests ---

  /** Sends a request (now, or once connected) and resolves with its reply. */
  _request(frame, { internal = false } = {}) {
    return new Promise((resolve, reject) => this._enqueue(frame, internal, resolve, reject));
  }

  /**
   * Queues a request; `onReply` or `onError` is called synchronously when its reply is handled (so
   * a snapshot takes effect before the next message of the same frame or socket read).
   *
   * @returns {string | null} the request's id, or null if it was refused at once
   */
  _enqueue(frame, internal, onReply, onError) {
    if (this._closed) {
      onError(closedError());
      return null;
    }
    const id = String(this._nextId++);
    const text = JSON.stringify({ id, ...frame });
    if (this._frameBytes(text) > this._maxFrameBytes) {
      onError(
        new PresenceError(
          "TOO_LARGE",
          `the request has more than ${this._maxFrameBytes} bytes; the server would close the connection`,
        ),
      );
      return null;
    }
    const pending = new Pending(id, text, onReply, onError, internal);
    if (!internal) {
      pending.timer = setTimeout(() => {
        if (this._pending.get(id) === pending) {
          this._pending.delete(id);
          onError(
            new PresenceError(
              "TIMEOUT",
              `no reply to ${frame.type} within ${this._requestTimeout} ms` +
                (this._open ? "" : " (not connected)"),
            ),
          );
        }
      }, this._requestTimeout);
    }
    this._pending.set(id, pending);
    if (this._open) {
      this._send(text);
    }
    return id;
  }

  _frameBytes(text) {
    return text.length * 3 <= this._maxFrameBytes ? text.length : new TextEncoder().encode(text).length;
  }

  _send(text) {
    try {
      this._ws.send(text);
    } catch (e) {
      this._lost(`send failed: ${e && e.message}`);
    }
  }

  // --- subscriptions ---

  /** Subscribes (again) to an observed channel; the snapshot reply goes to _snapshot. */
  _subscribe(state) {
    state.live = false;
    state.resyncAfterSnapshot = false;
    if (state.subscribeId !== null) {
      this._pending.delete(state.subscribeId);
      state.subscribeId = null;
    }
    if (!this._open) {
      return; // the next connection subscribes (see _restore)
    }
    let id = null;
    const frame = { type: "subscribe", channel: state.channel };
    if (state.mode() === "occupancy") {
      frame.mode = "occupancy";
    }
    state.subscribedMode = state.mode();
    id = this._enqueue(
      frame,
      true,
      (snapshot) => {
        if (this._channels.get(state.channel) === state && state.subscribeId === id) {
          state.subscribeId = null;
          this._snapshot(state, snapshot);
        }
      },
      (error) => {
        if (this._channels.get(state.channel) !== state || state.subscribeId !== id) {
          return; // superseded, or the connection was lost (the next one subscribes again)
        }
        state.subscribeId = null;
        if (!state.synced) {
          // The first subscribe failed (e.g. FORBIDDEN): the listeners are not added.
          this._channels.delete(state.channel);
          state.fail(error);
        } else if (state.readyPending) {
          // The subscribe in events mode after occupancy-only failed: those listeners wait in vain.
          state.listeners.clear();
          state.fail(error);
          this._report(error);
        } else {
          this._report(error);
        }
      },
    );
    state.subscribeId = id;
  }

  _snapshot(state, snapshot) {
    const withUsers = Array.isArray(snapshot.users);
    const members = new Map();
    for (const u of snapshot.users || []) {
      members.set(u.userId, u.attributes || {});
    }
    // Synthetic events only between two member lists (not after an occupancy-only snapshot).
    const synthetic = state.synced && state.usersKnown && withUsers ? diff(state, members, snapshot) : [];
    const first = !state.synced;
    state.members = members;
    state.usersKnown = withUsers;
    state.seq = snapshot.seq;
    state.live = true;
    state.synced = true;
    for (const [event, message] of synthetic) {
      this._deliver(state, event, message);
    }
    if (first) {
      state.occupancy = snapshot.occupancy; // the promise gives the first value
    } else {
      this._occupancy(state, snapshot.occupancy, snapshot.seq);
    }
    state.resolve();
    if (state.resyncAfterSnapshot) {
      state.resyncAfterSnapshot = false;
      this._subscribe(state);
    }
  }

  _event(e) {
    const state = this._channels.get(e.channel);
    if (!state || !state.synced || !state.usersKnown || typeof e.seq !== "number" || e.seq <= state.seq) {
      return; // not observed, before the first snapshot (with users), or already seen
    }
    if (e.seq !== state.seq + 1) {
      if (state.live) {
        this._subscribe(state); // a gap: take a new snapshot
      }
      return;
    }
    // In order. Also while re-subscribing: the old stream's next event is still exact.
    state.seq = e.seq;
    if (e.event === "leave" || e.event === "timeout") {
      state.members.delete(e.userId);
    } else {
      state.members.set(e.userId, e.attributes || {});
    }
    this._deliver(state, e.event, {
      userProfileId: e.userId,
      channel: e.channel,
      attributes: e.attributes || {},
      occupancy: e.occupancy,
      seq: e.seq,
      timestamp: e.timestamp,
      // "kicked" on a leave an administrator caused (SPEC 13.4); absent otherwise
      ...(typeof e.reason === "string" ? { reason: e.reason } : {}),
    });
    this._occupancy(state, e.occupancy, e.seq);
  }

  /**
   * An interval message (SPEC 13.3): the events fromSeq..toSeq, as lists. Applied like the events
   * it stands for, then delivered as one event per user (see the head of this file for the order).
   */
  _interval(m) {
    const state = this._channels.get(m.channel);
    if (
      !state || !state.synced || !state.usersKnown ||
      typeof m.fromSeq !== "number" || typeof m.toSeq !== "number" || m.toSeq < m.fromSeq ||
      m.toSeq <= state.seq
    ) {
      return; // not observed, before the first snapshot (with users), malformed, or already seen
    }
    if (m.fromSeq !== state.seq + 1) {
      // A gap, or an interval that starts inside what this client has already applied: its lists
      // are net changes over the whole range and cannot be applied from the middle. New snapshot.
      if (state.live) {
        this._subscribe(state);
      }
      return;
    }
    const list = (v) => (Array.isArray(v) ? v.filter((u) => typeof u === "string") : []);
    const attributes = m.attributes && typeof m.attributes === "object" ? m.attributes : {};
    const attributesOf = (u) =>
      Object.prototype.hasOwnProperty.call(attributes, u) && attributes[u] && typeof attributes[u] === "object"
        ? attributes[u]
        : null;
    const out = [];
    const joined = new Set();
    const gone = new Set();
    for (const u of list(m.join)) {
      const a = attributesOf(u) || {};
      joined.add(u);
      state.members.set(u, a);
      out.push(["join", u, a]);
    }
    for (const kind of ["leave", "timeout"]) {
      for (const u of list(m[kind])) {
        const last = state.members.get(u) || {};
        state.members.delete(u);
        gone.add(u);
        out.push([kind, u, last]);
      }
    }
    for (const u of Object.keys(attributes)) {
      const a = attributesOf(u);
      if (a === null || joined.has(u) || gone.has(u)) {
        continue; // a joiner's come with its join; a leaver's are never listed (SPEC 13.3 rules)
      }
      state.members.set(u, a);
      out.push(["attributesUpdate", u, a]);
    }
    state.seq = m.toSeq;
    for (const [event, userId, a] of out) {
      this._deliver(state, event, {
        userProfileId: userId,
        channel: m.channel,
        attributes: { ...a },
        occupancy: m.occupancy,
        seq: m.toSeq,
        fromSeq: m.fromSeq,
        timestamp: typeof m.timestamp === "string" ? m.timestamp : null,
        interval: true,
      });
    }
    this._occupancy(state, m.occupancy, m.toSeq);
  }

  /** `{"type":"occupancy"}` of an occupancy-only subscription (SPEC 13.3). */
  _occupancyMessage(m) {
    const state = this._channels.get(m.channel);
    if (!state || !state.synced || state.usersKnown || typeof m.seq !== "number" || m.seq < state.seq) {
      return; // not observed in occupancy mode, before its snapshot, or older than what is known
    }
    state.seq = m.seq;
    this._occupancy(state, m.occupancy, m.seq);
  }

  /** Tells the occupancy listeners when the occupancy changed. */
  _occupancy(state, occupancy, seq) {
    if (typeof occupancy !== "number") {
      return;
    }
    const changed = occupancy !== state.occupancy;
    state.occupancy = occupancy;
    if (!changed || state.occupancyListeners.size === 0) {
      return;
    }
    const message = { channel: state.channel, occupancy, seq, timestamp: null };
    for (const listener of [...state.occupancyListeners]) {
      try {
        listener({ event: "occupancy", message: { ...message } });
      } catch (error) {
        this._report(error);
      }
    }
  }

  _deliver(state, event, message) {
    for (const listener of [...state.listeners]) {
      try {
        listener({ event, message });
      } catch (error) {
        this._report(error);
      }
    }
  }

  // --- the connection ---

  async _connect() {
    if (this._closed) {
      return;
    }
    let url;
    let token;
    try {
      token = await this._nextToken();
      if (this._closed) {
        return;
      }
      this.userId = tokenSubject(token) ?? this.userId;
      url = new URL(this._baseUrl);
      url.searchParams.set("access_token", token);
    } catch (error) {
      this._report(error);
      this._scheduleReconnect();
      return;
    }
    let ws;
    try {
      ws = new this._WebSocket(url.toString());
    } catch (error) {
      this._report(error);
      this._scheduleReconnect();
      return;
    }
    this._ws = ws;
    ws.onopen = () => {
      if (this._ws !== ws) {
        return;
      }
      this._open = true;
      this._openedAt = Date.now();
      this._setStatus("open");
      this._startHeartbeat();
      this._scheduleRenewal(token);
      this._restore();
    };
    ws.onmessage = (m) => {
      if (this._ws === ws) {
        this._heartbeatPending = false;
        this._receive(typeof m.data === "string" ? m.data : String(m.data));
      }
    };
    ws.onerror = () => {
      // Followed by onclose, which does the work.
    };
    ws.onclose = (c) => {
      const waiters = this._closeWaiters.splice(0);
      waiters.forEach((w) => w());
      if (this._ws === ws) {
        this._closedBy(c.code, c.reason || "");
      }
    };
  }

  /** The token for the next connection: `token` first, then the tokenProvider's (if any). */
  async _nextToken() {
    if (this._tokenProvider && (this._tokenUsed || this._token === null)) {
      return await this._provideToken();
    }
    this._tokenUsed = true;
    return typeof this._token === "function" ? await this._token() : this._token;
  }

  async _provideToken() {
    const token = await this._tokenProvider();
    if (typeof token !== "string" || token.length === 0) {
      throw new PresenceError("INVALID_ARGUMENT", "the tokenProvider did not return a JWT string");
    }
    return token;
  }

  // --- token renewal (SPEC 13.2) ---

  /** Plans the renewal of the open connection's token (only with a tokenProvider). */
  _scheduleRenewal(token) {
    this._stopRenewal();
    this._tokenExpiresAt = tokenExpiry(token);
    if (!this._tokenProvider || this._tokenExpiresAt === null || this._closed) {
      return;
    }
    const remaining = this._tokenExpiresAt - Date.now();
    const before = Math.min(RENEW_BEFORE_MS, remaining * (1 - RENEW_AT_SHARE));
    this._renewIn(remaining - before);
  }

  _renewIn(delay) {
    clearTimeout(this._renewTimer);
    this._renewTimer = setTimeout(() => this._renew(), Math.max(MIN_RENEW_DELAY_MS, delay));
  }

  _stopRenewal() {
    clearTimeout(this._renewTimer);
    this._renewTimer = null;
  }

  /** Gets a fresh token and sends it with reauthenticate on the open connection. */
  async _renew() {
    this._renewTimer = null;
    const ws = this._ws;
    if (this._closed || !this._open || !ws) {
      return;
    }
    const current = () => !this._closed && this._open && this._ws === ws;
    let token;
    try {
      token = await this._provideToken();
    } catch (error) {
      if (current()) {
        this._report(error);
        this._retryRenewal();
      }
      return;
    }
    if (!current()) {
      return; // the connection went; the next one takes its own token
    }
    this._enqueue(
      { type: "reauthenticate", token },
      true,
      () => {
        if (current()) {
          this.userId = tokenSubject(token) ?? this.userId;
          this._scheduleRenewal(token);
        }
      },
      (error) => {
        if (current()) {
          // e.g. UNAUTHENTICATED: the connection stays until the current token expires.
          this._report(new PresenceError(error.code, `renewing the token failed: ${error.message}`));
          this._retryRenewal();
        }
      },
    );
  }

  /** Tries a failed renewal again while the current token lasts. */
  _retryRenewal() {
    const left = this._tokenExpiresAt === null ? Infinity : this._tokenExpiresAt - Date.now();
    this._renewIn(Math.min(RENEW_RETRY_MS, left / 4));
  }

  /** After (re)connecting: re-join, re-set attributes, re-subscribe, then resend what waits. */
  _restore() {
    const waiting = [...this._pending.values()];
    this._pending.clear();
    for (const [channel, attributes] of this._joined) {
      this._restoreRequest({ type: "join", channel }, () => this._joined.delete(channel));
      if (attributes !== null) {
        this._restoreRequest({ type: "setAttributes", channel, attributes }, () => {});
      }
    }
    for (const state of this._channels.values()) {
      state.subscribeId = null;
      this._subscribe(state);
    }
    for (const p of waiting) {
      if (p.internal) {
        continue; // subscriptions were renewed above
      }
      p.pages = null; // a snapshot cut by the lost connection starts over
      this._pending.set(p.id, p);
      this._send(p.text);
    }
  }

  _restoreRequest(frame, onRefused) {
    this._request(frame, { internal: true }).catch((error) => {
      if (error instanceof PresenceError && error.code !== "CLOSED" && error.code !== "CONNECTION_LOST") {
        onRefused();
        this._report(
          new PresenceError(
            error.code,
            `after reconnecting, ${frame.type} on channel '${frame.channel}' was refused: ${error.message}`,
          ),
        );
      }
    });
  }

  _receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      this._report(new PresenceError("INVALID_ARGUMENT", "the server sent a frame that is not JSON"));
      return;
    }
    if (message && message.type === "batch" && Array.isArray(message.messages)) {
      for (const m of message.messages) {
        this._handle(m);
      }
    } else {
      this._handle(message);
    }
  }

  _handle(m) {
    if (!m || typeof m !== "object") {
      return;
    }
    switch (m.type) {
      case "event":
        this._event(m);
        return;
      case "interval":
        this._interval(m);
        return;
      case "occupancy":
        this._occupancyMessage(m);
        return;
      case "resync": {
        const state = this._channels.get(m.channel);
        if (state && state.subscribeId === null) {
          this._subscribe(state);
        } else if (state) {
          // A subscribe is in flight; the resync may be about it: subscribe again after it.
          state.resyncAfterSnapshot = true;
        }
        return;
      }
      case "kicked":
        // An administrator removed this user from the channel (SPEC 13.4): forget the join, so a
        // reconnect does not join it again, and tell the application.
        this._joined.delete(m.channel);
        if (this._onKicked) {
          try {
            this._onKicked(m.channel);
          } catch (e) {
            this._report(e);
          }
        }
        return;
      case "ok":
      case "snapshot":
      case "error": {
        const id = m.id === undefined || m.id === null ? null : String(m.id);
        const p = id === null ? undefined : this._pending.get(id);
        if (!p) {
          if (m.type === "error" && id === null && !this._expiryHandled(m)) {
            this._report(new PresenceError(m.code || "UNKNOWN", m.message || "server error"));
          }
          return;
        }
        if (m.type === "snapshot") {
          // A paged snapshot (SPEC 13.3): pages with "more": true, then the last; same id and seq.
          const users = Array.isArray(m.users) ? m.users : null;
          if (m.more === true) {
            (p.pages ??= []).push(...(users || []));
            return;
          }
          if (p.pages) {
            m = { ...m, users: [...p.pages, ...(users || [])] };
            p.pages = null;
          }
        }
        this._pending.delete(id);
        if (m.type === "error") {
          p.fail(new PresenceError(m.code || "UNKNOWN", m.message || m.code || "server error", m));
        } else if (m.type === "snapshot") {
          p.succeed(m);
        } else {
          p.succeed(m.result);
        }
        return;
      }
      default:
      // Unknown messages are ignored, so the server may add new ones.
    }
  }

  /** The server's token-expired error, which the client handles by itself with a tokenProvider. */
  _expiryHandled(m) {
    return this._tokenProvider !== null && m.code === "UNAUTHENTICATED" && m.message === "token expired";
  }

  _closedBy(code, reason) {
    if (code === CLOSED_BY_ADMINISTRATOR) {
      // An administrator closed every connection of this user (SPEC 13.4): do not reconnect.
      const error = new PresenceError("CLOSED", `closed by an administrator (${code} ${reason})`);
      this._report(error);
      this._lost(`closed ${code} ${reason}`.trim(), error);
      this.close();
      return;
    }
    if (code === 1008 && reason === TOKEN_EXPIRED_REASON && this._tokenProvider) {
      // Not a refusal: get a fresh token and reconnect; what was in flight is sent again.
      this._lost(`closed ${code} ${reason}`);
      return;
    }
    const fatal = FATAL_CLOSE_CODES.has(code);
    let error = null;
    if (fatal) {
      const match = /^([A-Z_]+): (.*)$/s.exec(reason);
      error = match
        ? new PresenceError(match[1], match[2])
        : new PresenceError("CONNECTION_LOST", `the server closed the connection (${code} ${reason})`);
      this._report(error);
    }
    this._lost(`closed ${code} ${reason}`.trim(), error);
  }

  /** The connection is gone (closed, or found dead): clean up and plan the next one. */
  _lost(why, refusal = null) {
    const ws = this._ws;
    if (!ws) {
      return;
    }
    this._ws = null;
    const wasOpen = this._open;
    this._open = false;
    this._stopHeartbeat();
    this._stopRenewal();
    ws.onopen = ws.onmessage = ws.onerror = null;
    try {
      if (ws.readyState === 0 || ws.readyState === 1) {
        if (typeof ws.terminate === "function") {
          ws.terminate(); // Node's ws: drop the socket now
        } else {
          ws.close(4000, "connection lost");
        }
      }
    } catch {
      // already closing
    }
    for (const state of this._channels.values()) {
      state.live = false;
      state.subscribeId = null;
      if (refusal && !state.synced) {
        state.fail(refusal); // addPresenceListener rejects; the listener stays for a later connection
      }
    }
    for (const p of [...this._pending.values()]) {
      if (p.internal || refusal) {
        this._pending.delete(p.id);
        p.fail(refusal || new PresenceError("CONNECTION_LOST", why));
      }
    }
    if (wasOpen && Date.now() - this._openedAt >= STABLE_AFTER_MS) {
      this._attempt = 0;
    }
    if (!this._closed) {
      this._setStatus("reconnecting", why);
      this._scheduleReconnect();
    }
  }

  _scheduleReconnect() {
    if (this._closed) {
      return;
    }
    const step = Math.min(this._maxDelay, this._minDelay * 2 ** Math.min(this._attempt, 30));
    this._attempt++;
    const delay = step / 2 + Math.random() * (step / 2);
    clearTimeout(this._reconnectTimer);
    this._reconnectTimer = setTimeout(() => this._connect(), delay);
  }

  _startHeartbeat() {
    this._stopHeartbeat();
    this._heartbeatPending = false;
    this._heartbeatTimer = setInterval(() => {
      if (!this._open) {
        return;
      }
      if (this._heartbeatPending) {
        this._lost(`no reply to a heartbeat within ${this._heartbeatInterval} ms`);
        return;
      }
      this._heartbeatPending = true;
      this._send(JSON.stringify({ id: `hb${this._nextId++}`, type: "heartbeat" }));
    }, this._heartbeatInterval);
  }

  _stopHeartbeat() {
    clearInterval(this._heartbeatTimer);
    this._heartbeatTimer = null;
  }

  _setStatus(status, detail) {
    if (this.status === status) {
      return;
    }
    this.status = status;
    if (this._onStatus) {
      try {
        this._onStatus(status, detail);
      } catch (error) {
        this._report(error);
      }
    }
  }

  _report(error) {
    if (this._onError) {
      try {
        this._onError(error);
        return;
      } catch {
        // fall through to the console
      }
    }
    if (typeof console !== "undefined") {
      console.warn("presence.js:", error);
    }
  }
}

/** A request waiting for its reply. */
class Pending {
  constructor(id, text, resolve, reject, internal) {
    this.id = id;
    this.text = text;
    this.resolve = resolve;
    this.reject = reject;
    this.internal = internal;
    this.timer = null;
    /** The users of a paged snapshot's pages so far (SPEC 13.3), or null. */
    this.pages = null;
  }

  succeed(value) {
    clearTimeout(this.timer);
    this.resolve(value);
  }

  fail(error) {
    clearTimeout(this.timer);
    this.reject(error);
  }
}

/** What the client knows of an observed channel. */
class ChannelState {
  constructor(channel) {
    this.channel = channel;
    /** Listeners of events. */
    this.listeners = new Set();
    /** Listeners of the occupancy only (SPEC 13.3). */
    this.occupancyListeners = new Set();
    /** Whether `members` is known (the last snapshot had users: events mode). */
    this.usersKnown = false;
    /** The mode of the last subscribe sent. */
    this.subscribedMode = null;
    /** Whether `ready` is still to be settled (by the next snapshot, or a failure). */
    this.readyPending = true;
    /** @type {Map<string, Record<string, string>>} */
    this.members = new Map();
    this.seq = 0;
    this.occupancy = 0;
    /** Whether a snapshot has been taken (members and seq are known). */
    this.synced = false;
    /** Whether the current subscription's events are arriving in order. */
    this.live = false;
    /** The id of the subscribe request in flight, if any. */
    this.subscribeId = null;
    /** A resync arrived while a subscribe was in flight. */
    this.resyncAfterSnapshot = false;
    this._failed = false;
    this.ready = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this.ready.catch(() => {}); // observed through addPresenceListener's promise
  }

  /** "events" while there are listeners of events, else "occupancy". */
  mode() {
    return this.listeners.size > 0 ? "events" : "occupancy";
  }

  /** A new `ready` for listeners that need the next snapshot (an upgrade to events mode). */
  renewReady() {
    this._failed = false;
    this.readyPending = true;
    this.ready = new Promise((resolve, reject) => {
      this._resolve = resolve;
      this._reject = reject;
    });
    this.ready.catch(() => {});
  }

  resolve() {
    if (!this.readyPending && !this._failed) {
      return; // nobody waits
    }
    this.readyPending = false;
    const views = { events: this.view(), occupancy: this.occupancyView() };
    if (this._failed) {
      this._failed = false;
      this.ready = Promise.resolve(views); // a later addPresenceListener must not see the old failure
    }
    this._resolve(views);
  }

  fail(error) {
    this._failed = true;
    this.readyPending = false;
    this._reject(error);
  }

  cancel() {
    if (!this.synced || this.readyPending) {
      this.fail(new PresenceError("CANCELLED", `the listener of channel '${this.channel}' was removed`));
    }
  }

  occupancyView() {
    return { channel: this.channel, channelUsers: [], occupancy: this.occupancy, seq: this.seq };
  }

  view() {
    return {
      channel: this.channel,
      channelUsers: [...this.members].map(([userProfileId, attributes]) => ({
        userProfileId,
        attributes: { ...attributes },
      })),
      occupancy: this.occupancy,
      seq: this.seq,
    };
  }
}

/** The events that turn the known member list into the snapshot's. */
function diff(state, members, snapshot) {
  const out = [];
  let occupancy = state.members.size;
  const message = (userId, attributes) => ({
    userProfileId: userId,
    channel: state.channel,
    attributes: { ...attributes },
    occupancy,
    seq: snapshot.seq,
    timestamp: null,
    synthetic: true,
  });
  for (const [userId, attributes] of state.members) {
    if (!members.has(userId)) {
      occupancy--;
      out.push(["leave", message(userId, attributes)]);
    }
  }
  for (const [userId, attributes] of members) {
    const before = state.members.get(userId);
    if (before === undefined) {
      occupancy++;
      out.push(["join", message(userId, attributes)]);
    } else if (!sameAttributes(before, attributes)) {
      out.push(["attributesUpdate", message(userId, attributes)]);
    }
  }
  return out;
}

function sameAttributes(a, b) {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) {
    return false;
  }
  return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && a[k] === b[k]);
}

/** The WebSocket endpoint for a base URL: http(s)://host/root/ → ws(s)://host/root/ws/v1. */
function endpointUrl(url) {
  const base =
    url ?? (typeof location !== "undefined" && location.href ? new URL(".", location.href).href : null);
  if (!base) {
    throw new PresenceError("INVALID_ARGUMENT", "init needs the server's url");
  }
  let u;
  try {
    u = new URL(String(base), typeof location !== "undefined" ? location.href : undefined);
  } catch {
    throw new PresenceError("INVALID_ARGUMENT", `not a URL: ${base}`);
  }
  if (u.protocol === "http:" || u.protocol === "https:") {
    u.protocol = u.protocol === "http:" ? "ws:" : "wss:";
    if (!u.pathname.endsWith("/ws/v1")) {
      u.pathname = u.pathname.replace(/\/?$/, "/") + "ws/v1";
    }
  } else if (u.protocol !== "ws:" && u.protocol !== "wss:") {
    throw new PresenceError("INVALID_ARGUMENT", `the url must be http(s) or ws(s): ${base}`);
  }
  u.hash = "";
  return u.toString();
}

/** The claims of a JWT (not verified), or null if they cannot be read. */
function tokenClaims(token) {
  try {
    const part = String(token).split(".")[1];
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === "object" ? claims : null;
  } catch {
    return null;
  }
}

/** The `sub` of a JWT, or null if it cannot be read. */
function tokenSubject(token) {
  const sub = tokenClaims(token)?.sub;
  return typeof sub === "string" ? sub : null;
}

/** The `exp` of a JWT in milliseconds since the epoch, or null if it has none. */
function tokenExpiry(token) {
  const exp = tokenClaims(token)?.exp;
  return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : null;
}

function positive(value, fallback) {
  if (value === undefined || value === null) {
    return fallback;
  }
  if (typeof value !== "number" || !(value > 0)) {
    throw new PresenceError("INVALID_ARGUMENT", `expected a positive number, got ${value}`);
  }
  return value;
}

function closedError() {
  return new PresenceError("CLOSED", "the presence client is closed");
}

// --- the module-level API of the seed: one default client, made by init() ---

/** @type {PresenceClient | null} */
let defaultClient = null;

/**
 * Creates the default client (closing a previous one) and connects it.
 *
 * @param {object} options see presence.d.ts, PresenceOptions
 * @returns {PresenceClient}
 */
export function init(options) {
  if (defaultClient) {
    defaultClient.close();
  }
  defaultClient = new PresenceClient(options);
  return defaultClient;
}

/** Creates an independent client (its own WebSocket), e.g. for several identities in one page. */
export function createPresenceClient(options) {
  return new PresenceClient(options);
}

/** Closes the default client, if any. */
export function disconnect() {
  const c = defaultClient;
  defaultClient = null;
  return c ? c.close() : Promise.resolve();
}

function withClient(call) {
  if (!defaultClient) {
    return Promise.reject(
      new PresenceError("NOT_INITIALIZED", "call init({ url, token }) before using presence.js"),
    );
  }
  return call(defaultClient);
}

export function joinPresenceChannel(args) {
  return withClient((c) => c.joinPresenceChannel(args));
}

export function leavePresenceChannel(args) {
  return withClient((c) => c.leavePresenceChannel(args));
}

export function getPresenceChannelUsers(args) {
  return withClient((c) => c.getPresenceChannelUsers(args));
}

export function getPresenceUserChannels(args) {
  return withClient((c) => c.getPresenceUserChannels(args));
}

export function setPresenceUserAttributes(args) {
  return withClient((c) => c.setPresenceUserAttributes(args));
}

export function getPresenceUserAttributes(args) {
  return withClient((c) => c.getPresenceUserAttributes(args));
}

export function addPresenceListener(args, listener) {
  return withClient((c) => c.addPresenceListener(args, listener));
}

export function removePresenceListener(args, listener) {
  return withClient((c) => c.removePresenceListener(args, listener));
}
