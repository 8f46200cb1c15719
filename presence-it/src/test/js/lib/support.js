// Shared helpers of the presence.js tests: the module under test, tokens, clients, an event
// recorder that waits for events (no sleeping), a TCP proxy that can cut connections, and a
// scripted WebSocket server for protocol cases the real server cannot be made to produce on cue.

import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket, { WebSocketServer } from "ws";

/** presence.js as checked in (the IT also checks that the server serves exactly this file). */
export const SOURCE = fileURLToPath(
  new URL("../../../../../presence-web/src/main/webapp/presence.js", import.meta.url),
);
export const TYPES = SOURCE.replace(/\.js$/, ".d.ts");

export const presence = await import(pathToFileURL(SOURCE).href);

export { WebSocket };

/** The server's base URL (e.g. http://127.0.0.1:8080/), set by the IT; null when not running one. */
export const BASE = process.env.PRESENCE_BASE_URL
  ? process.env.PRESENCE_BASE_URL.replace(/\/?$/, "/")
  : null;

/** For describe({ skip }) of the tests that need a running server. */
export const NEEDS_SERVER = BASE ? false : "PRESENCE_BASE_URL is not set (no server to test against)";

let counter = 0;

/** A name no other test uses. */
export function unique(prefix) {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.floor(Math.random() * 1e6)}`;
}

/** An unsigned development-mode token (alg "none"), with more claims if given (e.g. `exp`). */
export function devToken(sub, claims = {}) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub, iat: Math.floor(Date.now() / 1000), ...claims })}.`;
}

/** The server's leeway on `exp` (TokenVerifier.LEEWAY_SECONDS), in seconds. */
export const SERVER_LEEWAY_SECONDS = 30;

/**
 * The `exp` (seconds) of a token the server stops accepting about `seconds` from now: `exp` lies
 * in the past by the server's leeway minus `seconds`, so the server accepts it now (inside the
 * leeway) and ends it at exp + leeway. Tests of expiry need not wait out the leeway.
 */
export function expEndingIn(seconds) {
  return Math.floor(Date.now() / 1000) + seconds - SERVER_LEEWAY_SECONDS;
}

const clients = new Set();

/**
 * A presence.js client for `user`, with settings for the suite's short server timeout (T = 3 s):
 * heartbeats every second, quick reconnects. Closed by closeClients().
 */
export function connect(user, options = {}) {
  const errors = [];
  const statuses = [];
  const client = presence.createPresenceClient({
    url: BASE,
    token: devToken(user),
    WebSocket,
    heartbeatInterval: 1000,
    reconnectMinDelay: 50,
    reconnectMaxDelay: 400,
    requestTimeout: 10_000,
    onError: (e) => errors.push(e),
    onStatus: (s) => statuses.push(s),
    ...options,
  });
  client.errors = errors;
  client.statuses = statuses;
  clients.add(client);
  return client;
}

export async function closeClients() {
  const all = [...clients];
  clients.clear();
  await Promise.all(all.map((c) => c.close()));
}

/** Resolves when `condition()` is true; checks every 20 ms, fails after `timeout` ms. */
export async function until(condition, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Rejects unless `promise` rejects with a PresenceError of `code` and a message. */
export async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, "PresenceError", `a PresenceError, not ${e}`);
    assert.ok(e instanceof presence.PresenceError);
    assert.equal(e.code, code, `code of ${e.code}: ${e.message}`);
    assert.ok(typeof e.message === "string" && e.message.length > 0, "a message");
    return true;
  });
}

/** Records a listener's events and waits for them. */
export class Recorder {
  constructor() {
    this.events = [];
    this._waiters = [];
    this.listener = (e) => {
      this.events.push(e);
      for (const w of [...this._waiters]) {
        if (w.predicate(e)) {
          this._waiters.splice(this._waiters.indexOf(w), 1);
          clearTimeout(w.timer);
          w.resolve(e);
        }
      }
    };
  }

  /** The first recorded event matching, or the next one to arrive within `timeout` ms. */
  waitFor(predicate, what, timeout = 10_000) {
    const found = this.events.find(predicate);
    if (found) {
      return Promise.resolve(found);
    }
    return new Promise((resolve, reject) => {
      const waiter = { predicate, resolve };
      waiter.timer = setTimeout(() => {
        this._waiters.splice(this._waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; got ${this.describe()}`));
      }, timeout);
      this._waiters.push(waiter);
    });
  }

  /** Waits for `event` about `user` (and matching `extra`, if given). */
  waitForEvent(event, user, extra = () => true, timeout = 10_000) {
    return this.waitFor(
      (e) => e.event === event && e.message.userProfileId === user && extra(e.message),
      `${event} of ${user}`,
      timeout,
    );
  }

  about(user) {
    return this.events.filter((e) => e.message.userProfileId === user);
  }

  describe() {
    return JSON.stringify(
      this.events.map(
        (e) => `${e.event}:${e.message.userProfileId}@${e.message.seq}${e.message.synthetic ? "*" : ""}`,
      ),
    );
  }

  /** Every event once, in order: real events strictly increasing in seq, none repeated. */
  assertOrderedWithoutDuplicates() {
    let last = -Infinity;
    for (const { message } of this.events) {
      if (message.synthetic) {
        assert.ok(message.seq >= last, `synthetic event after seq ${last}: ${this.describe()}`);
      } else {
        assert.ok(message.seq > last, `event ${message.seq} after ${last}: ${this.describe()}`);
      }
      last = message.seq;
    }
  }

  /** Real events only, each seq the previous one plus one (an observer that never lost anything). */
  assertConsecutive() {
    for (let i = 1; i < this.events.length; i++) {
      const { message } = this.events[i];
      assert.ok(!message.synthetic, `no synthetic events: ${this.describe()}`);
      assert.equal(message.seq, this.events[i - 1].message.seq + 1, `consecutive: ${this.describe()}`);
    }
  }

  /** The member list that applying the events to `snapshot` gives. */
  members(snapshot) {
    const m = new Map(snapshot.channelUsers.map((u) => [u.userProfileId, u.attributes]));
    for (const { event, message } of this.events) {
      if (event === "leave" || event === "timeout") {
        m.delete(message.userProfileId);
      } else {
        m.set(message.userProfileId, message.attributes);
      }
    }
    return m;
  }
}

/** The event predicate `event` about `user`. */
export const is = (event, user) => (e) => e.event === event && e.message.userProfileId === user;

/**
 * A TCP proxy in front of the server. cut() destroys every connection through it at once, with
 * no WebSocket close frame (to the server, a lost connection); block() refuses new ones.
 */
export class TcpProxy {
  constructor(target) {
    this.target = new URL(target);
    this.pairs = new Set();
    this.blocked = false;
    this.accepted = 0;
  }

  async start() {
    this.server = net.createServer((client) => this._accept(client));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    const url = new URL(this.target);
    url.hostname = "127.0.0.1";
    url.port = String(this.server.address().port);
    this.url = url.toString();
    return this;
  }

  _accept(client) {
    if (this.blocked) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = net.connect({
      host: this.target.hostname,
      port: Number(this.target.port || (this.target.protocol === "https:" ? 443 : 80)),
    });
    const pair = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Destroys every open connection (both sides) without a WebSocket close frame. */
  cut() {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  block(blocked = true) {
    this.blocked = blocked;
  }

  get open() {
    return this.pairs.size;
  }

  async close() {
    this.cut();
    this.server.close();
    await once(this.server, "close");
  }
}

/**
 * A scripted WebSocket server speaking the client side's view of SPEC section 5: a test reads the
 * client's requests and sends exactly the replies, events, batches and resyncs it wants.
 */
export class FakeServer {
  async start() {
    this.connections = [];
    this._waiters = [];
    this.wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await once(this.wss, "listening");
    this.url = `http://127.0.0.1:${this.wss.address().port}/`;
    this.wss.on("connection", (ws, req) => {
      const c = new FakeConnection(ws, req);
      this.connections.push(c);
      for (const w of this._waiters.splice(0)) {
        w();
      }
    });
    return this;
  }

  /** The `index`th connection (0-based), once it is made. */
  async connection(index, timeout = 10_000) {
    await until(() => this.connections.length > index, `connection #${index}`, timeout);
    return this.connections[index];
  }

  async close() {
    for (const c of this.connections) {
      c.ws.terminate();
    }
    this.wss.close();
    await once(this.wss, "close");
  }
}

class FakeConnection {
  constructor(ws, req) {
    this.ws = ws;
    this.at = Date.now();
    this.url = new URL(req.url, "http://x");
    this.frames = [];
    this._taken = new Set();
    /** Request types answered with a plain ok automatically. */
    this.autoOk = new Set(["heartbeat", "join", "leave", "setAttributes", "unsubscribe"]);
    this.closed = new Promise((resolve) => {
      ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      if (this.autoOk.has(frame.type) && frame.id !== undefined) {
        this.send({ id: frame.id, type: "ok" });
      }
    });
  }

  /** The next request of `type` not yet taken by this method. */
  async request(type, timeout = 10_000) {
    let found;
    await until(
      () => (found = this.frames.find((f) => f.type === type && !this._taken.has(f))),
      `a ${type} request`,
      timeout,
    );
    this._taken.add(found);
    return found;
  }

  /** The request types received, in order, heartbeats left out. */
  types() {
    return this.frames.filter((f) => f.type !== "heartbeat").map((f) => f.type);
  }

  send(message) {
    this.ws.send(JSON.stringify(message));
  }

  snapshot(request, seq, users) {
    this.send({
      id: request.id,
      type: "snapshot",
      channel: request.channel,
      seq,
      occupancy: Object.keys(users).length,
      users: Object.entries(users).map(([userId, attributes]) => ({ userId, attributes })),
    });
  }

  /** Drops the TCP connection without a close frame. */
  drop() {
    this.ws.terminate();
  }
}

/** An event message as the server sends it. */
export function event(kind, channel, userId, seq, attributes = {}, occupancy = 1) {
  return {
    type: "event",
    event: kind,
    channel,
    userId,
    attributes,
    occupancy,
    seq,
    timestamp: new Date().toISOString(),
  };
}
