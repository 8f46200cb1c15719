// presence.js against a scripted server: the protocol cases a real server does not produce on cue
// (batches, resyncs, duplicated, stale and out-of-order events, a silent connection, a refused
// token), each checked on the frames the client sends and what its listeners receive.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  FakeServer,
  Recorder,
  WebSocket,
  devToken,
  event,
  presence,
  rejectsWith,
  until,
} from "../lib/support.js";

const CH = "room";

let server;
let client;

beforeEach(async () => {
  server = await new FakeServer().start();
});

afterEach(async () => {
  await client?.close();
  client = null;
  await server.close();
});

function newClient(options = {}) {
  client = presence.createPresenceClient({
    url: server.url,
    token: devToken("me"),
    WebSocket,
    heartbeatInterval: 60_000,
    reconnectMinDelay: 20,
    reconnectMaxDelay: 100,
    requestTimeout: 5_000,
    onError: () => {},
    ...options,
  });
  return client;
}

/** A client observing CH from a snapshot at `seq` with `users`; returns its recorder. */
async function observing(seq, users, options) {
  newClient(options);
  const conn = await server.connection(0);
  const rec = new Recorder();
  const added = client.addPresenceListener({ channel: CH }, rec.listener);
  conn.snapshot(await conn.request("subscribe"), seq, users);
  const snapshot = await added;
  return { conn, rec, snapshot };
}

const summary = (rec) =>
  rec.events.map((e) => `${e.event}:${e.message.userProfileId}@${e.message.seq}${e.message.synthetic ? "*" : ""}`);

describe("connection", () => {
  test("connects to <base>/ws/v1 with the token as access_token, and resolves the user from it", async () => {
    newClient();
    const conn = await server.connection(0);
    assert.equal(conn.url.pathname, "/ws/v1");
    const token = conn.url.searchParams.get("access_token");
    assert.equal(JSON.parse(Buffer.from(token.split(".")[1], "base64url")).sub, "me");
    assert.equal(client.userId, "me");
    await until(() => client.status === "open", "open");
  });

  test("a ws:// url is used as the endpoint itself", async () => {
    newClient({ url: server.url.replace("http:", "ws:") + "custom/ws/v1" });
    const conn = await server.connection(0);
    assert.equal(conn.url.pathname, "/custom/ws/v1");
  });

  test("a token function is called for each connection", async () => {
    let calls = 0;
    newClient({ token: async () => devToken(`user${++calls}`) });
    (await server.connection(0)).drop();
    const second = await server.connection(1);
    assert.equal(calls, 2);
    assert.equal(JSON.parse(Buffer.from(second.url.searchParams.get("access_token").split(".")[1], "base64url")).sub, "user2");
    await until(() => client.userId === "user2", "userId from the second token");
  });

  test("bad options are refused with INVALID_ARGUMENT", () => {
    assert.throws(() => presence.createPresenceClient({ url: server.url, WebSocket }), { code: "INVALID_ARGUMENT" });
    assert.throws(
      () => presence.createPresenceClient({ url: "ftp://x/", token: "t", WebSocket }),
      { code: "INVALID_ARGUMENT" },
    );
    assert.throws(
      () => presence.createPresenceClient({ url: server.url, token: "t", WebSocket, heartbeatInterval: 0 }),
      { code: "INVALID_ARGUMENT" },
    );
    assert.throws(() => presence.createPresenceClient({ url: server.url, token: "t" }), { code: "INVALID_ARGUMENT" });
  });
});

describe("requests and replies", () => {
  test("requests carry ids; ok, result and error replies settle the matching call", async () => {
    newClient();
    const conn = await server.connection(0);
    const users = client.getPresenceChannelUsers({ channel: CH });
    const attrs = client.getPresenceUserAttributes({ channel: CH, userProfileId: "u2" });
    const r1 = await conn.request("channelUsers");
    const r2 = await conn.request("getAttributes");
    assert.notEqual(r1.id, r2.id);
    assert.equal(r2.userId, "u2");
    // Replies out of request order still find their calls.
    conn.send({ id: r2.id, type: "error", code: "NOT_PRESENT", message: "u2 is not present in room" });
    conn.send({
      id: r1.id,
      type: "ok",
      result: { channel: CH, occupancy: 1, seq: 4, users: [{ userId: "u1", attributes: { mood: "ok" } }], next: null },
    });
    assert.deepEqual(await users, {
      channelUsers: [{ userProfileId: "u1", attributes: { mood: "ok" } }],
      occupancy: 1,
      seq: 4,
    });
    await rejectsWith(attrs, "NOT_PRESENT");
    await attrs.catch((e) => assert.equal(e.message, "u2 is not present in room"));
  });

  test("getPresenceChannelUsers follows next cursors until the last page", async () => {
    newClient();
    const conn = await server.connection(0);
    const users = client.getPresenceChannelUsers({ channel: CH });
    const p1 = await conn.request("channelUsers");
    assert.equal(p1.cursor, undefined);
    conn.send({ id: p1.id, type: "ok", result: { channel: CH, occupancy: 2, seq: 9, users: [{ userId: "a", attributes: {} }], next: "c1" } });
    const p2 = await conn.request("channelUsers");
    assert.equal(p2.cursor, "c1");
    conn.send({ id: p2.id, type: "ok", result: { channel: CH, occupancy: 2, seq: 9, users: [{ userId: "b", attributes: {} }], next: null } });
    assert.deepEqual((await users).channelUsers.map((u) => u.userProfileId), ["a", "b"]);
  });

  test("RATE_LIMITED carries retryAfter", async () => {
    newClient();
    const conn = await server.connection(0);
    conn.autoOk.delete("setAttributes");
    const set = client.setPresenceUserAttributes({ channel: CH, attributes: { mood: "x" } });
    const r = await conn.request("setAttributes");
    conn.send({ id: r.id, type: "error", code: "RATE_LIMITED", message: "slow down", retryAfter: 2 });
    await rejectsWith(set, "RATE_LIMITED");
    await set.catch((e) => assert.equal(e.retryAfter, 2));
  });

  test("a request with no reply rejects with TIMEOUT after requestTimeout", async () => {
    newClient({ requestTimeout: 200 });
    const conn = await server.connection(0);
    const started = Date.now();
    await rejectsWith(client.getPresenceUserChannels({ userProfileId: "x" }), "TIMEOUT");
    assert.ok(Date.now() - started >= 190);
    assert.equal((await conn.request("userChannels")).userId, "x");
  });

  test("a request over maxFrameBytes is refused with TOO_LARGE and never sent", async () => {
    newClient({ maxFrameBytes: 1024 });
    const conn = await server.connection(0);
    await until(() => client.status === "open", "open");
    await rejectsWith(client.setPresenceUserAttributes({ channel: CH, attributes: { big: "x".repeat(2000) } }), "TOO_LARGE");
    await client.joinPresenceChannel({ channel: CH });
    assert.deepEqual(conn.types(), ["join"]);
  });

  test("calls after close() reject with CLOSED, and close() closes the socket with 1000", async () => {
    newClient();
    const conn = await server.connection(0);
    await until(() => client.status === "open", "open");
    const pending = rejectsWith(client.getPresenceUserChannels({}), "CLOSED");
    await conn.request("userChannels");
    await client.close();
    assert.equal((await conn.closed).code, 1000);
    await pending;
    await rejectsWith(client.joinPresenceChannel({ channel: CH }), "CLOSED");
    await rejectsWith(client.addPresenceListener({ channel: CH }, () => {}), "CLOSED");
    assert.equal(client.status, "closed");
  });

  test("a 1008 close refuses the calls in flight with the server's code and message", async () => {
    newClient();
    const conn = await server.connection(0);
    const join = client.joinPresenceChannel({ channel: CH });
    conn.autoOk.clear();
    await conn.request("join");
    conn.ws.close(1008, "UNAUTHENTICATED: the token has expired");
    await rejectsWith(join, "UNAUTHENTICATED");
    await join.catch((e) => assert.equal(e.message, "the token has expired"));
  });
});

describe("events", () => {
  test("addPresenceListener resolves to the snapshot; events follow in order as {event, message}", async () => {
    const { conn, rec, snapshot } = await observing(5, { u1: { mood: "happy" } });
    assert.deepEqual(snapshot, {
      channel: CH,
      channelUsers: [{ userProfileId: "u1", attributes: { mood: "happy" } }],
      occupancy: 1,
      seq: 5,
    });
    conn.send(event("join", CH, "u2", 6, {}, 2));
    conn.send(event("attributesUpdate", CH, "u2", 7, { mood: "sad" }, 2));
    conn.send(event("leave", CH, "u1", 8, { mood: "happy" }, 1));
    conn.send(event("timeout", CH, "u2", 9, { mood: "sad" }, 0));
    await rec.waitFor((e) => e.message.seq === 9, "seq 9");
    assert.deepEqual(summary(rec), ["join:u2@6", "attributesUpdate:u2@7", "leave:u1@8", "timeout:u2@9"]);
    const { event: kind, message } = rec.events[1];
    assert.equal(kind, "attributesUpdate");
    assert.equal(message.userProfileId, "u2");
    assert.equal(message.channel, CH);
    assert.deepEqual(message.attributes, { mood: "sad" });
    assert.equal(message.occupancy, 2);
    assert.equal(typeof message.timestamp, "string");
    assert.equal(message.synthetic, undefined);
  });

  test("batch frames are unpacked in order", async () => {
    const { conn, rec } = await observing(10, {});
    conn.send({
      type: "batch",
      messages: [event("join", CH, "a", 11), event("join", CH, "b", 12, {}, 2), event("leave", CH, "a", 13)],
    });
    conn.send({ type: "batch", messages: [event("join", CH, "c", 14, {}, 2)] });
    await rec.waitFor((e) => e.message.seq === 14, "seq 14");
    assert.deepEqual(summary(rec), ["join:a@11", "join:b@12", "leave:a@13", "join:c@14"]);
  });

  test("events at or below the known seq (duplicates, stale) are dropped", async () => {
    const { conn, rec } = await observing(10, {});
    conn.send(event("join", CH, "old", 10));
    conn.send(event("join", CH, "a", 11));
    conn.send(event("join", CH, "a", 11));
    conn.send({ type: "batch", messages: [event("join", CH, "b", 12), event("join", CH, "a", 11)] });
    conn.send(event("join", CH, "c", 13));
    await rec.waitFor((e) => e.message.seq === 13, "seq 13");
    assert.deepEqual(summary(rec), ["join:a@11", "join:b@12", "join:c@13"]);
  });

  test("every listener of a channel gets each event; one that throws does not stop the others", async () => {
    const { conn, rec } = await observing(0, {});
    const second = new Recorder();
    await client.addPresenceListener({ channel: CH }, () => {
      throw new Error("listener bug");
    });
    await client.addPresenceListener({ channel: CH }, second.listener);
    assert.equal(conn.types().filter((t) => t === "subscribe").length, 1, "one subscription per channel");
    conn.send(event("join", CH, "a", 1));
    await second.waitForEvent("join", "a");
    await rec.waitForEvent("join", "a");
  });

  test("removePresenceListener stops delivery; removing the last one unsubscribes", async () => {
    const { conn, rec } = await observing(0, {});
    const other = new Recorder();
    await client.addPresenceListener({ channel: CH }, other.listener);
    await client.removePresenceListener({ channel: CH }, rec.listener);
    conn.send(event("join", CH, "a", 1));
    await other.waitForEvent("join", "a");
    assert.equal(rec.events.length, 0);
    await client.removePresenceListener({ channel: CH }, other.listener);
    assert.equal((await conn.request("unsubscribe")).channel, CH);
    conn.send(event("join", CH, "b", 2));
    // A later subscription starts from its own snapshot.
    const again = new Recorder();
    const added = client.addPresenceListener({ channel: CH }, again.listener);
    conn.snapshot(await conn.request("subscribe"), 2, { a: {}, b: {} });
    assert.equal((await added).occupancy, 2);
    conn.send(event("leave", CH, "a", 3));
    await again.waitForEvent("leave", "a");
    assert.deepEqual(summary(again), ["leave:a@3"]);
    assert.deepEqual(summary(other), ["join:a@1"]);
  });

  test("a refused subscription rejects addPresenceListener with the server's error", async () => {
    newClient();
    const conn = await server.connection(0);
    const added = client.addPresenceListener({ channel: CH }, () => {});
    const r = await conn.request("subscribe");
    conn.send({ id: r.id, type: "error", code: "FORBIDDEN", message: "not in this room" });
    await rejectsWith(added, "FORBIDDEN");
  });
});

describe("resync and gaps", () => {
  test("resync: subscribes again, delivers the differences as synthetic events, then continues", async () => {
    const { conn, rec } = await observing(20, { stay: { mood: "a" }, goes: {}, changes: { mood: "x" } }, undefined);
    conn.send(event("join", CH, "early", 21, {}, 4));
    conn.send({ type: "resync", channel: CH });
    const again = await conn.request("subscribe");
    // Stale events of the old stream after the resync are dropped.
    conn.send(event("join", CH, "stale", 30, {}, 5));
    conn.snapshot(again, 35, { stay: { mood: "a" }, changes: { mood: "y" }, early: {}, comes: { k: "v" } });
    conn.send(event("leave", CH, "stay", 35, {}, 3)); // a duplicate of what the snapshot holds
    conn.send(event("join", CH, "after", 36, {}, 4));
    await rec.waitForEvent("join", "after");
    assert.deepEqual(summary(rec), [
      "join:early@21",
      "leave:goes@35*",
      "attributesUpdate:changes@35*",
      "join:comes@35*",
      "join:after@36",
    ]);
    const comes = rec.events.find((e) => e.message.userProfileId === "comes").message;
    assert.deepEqual(comes, {
      userProfileId: "comes",
      channel: CH,
      attributes: { k: "v" },
      occupancy: 4,
      seq: 35,
      timestamp: null,
      synthetic: true,
    });
    assert.deepEqual(rec.events.find((e) => e.message.userProfileId === "changes").message.attributes, { mood: "y" });
  });

  test("a gap in seq is never delivered: the client takes a new snapshot instead", async () => {
    const { conn, rec } = await observing(1, { a: {} });
    conn.send(event("join", CH, "b", 2, {}, 2));
    conn.send(event("join", CH, "d", 4, {}, 4)); // seq 3 went missing
    const again = await conn.request("subscribe");
    conn.snapshot(again, 4, { a: {}, b: {}, c: {}, d: {} });
    conn.send(event("leave", CH, "a", 5, {}, 3));
    await rec.waitForEvent("leave", "a");
    assert.deepEqual(summary(rec), ["join:b@2", "join:c@4*", "join:d@4*", "leave:a@5"]);
    rec.assertOrderedWithoutDuplicates();
  });

  test("a resync while a subscribe is in flight subscribes once more after its snapshot", async () => {
    const { conn, rec } = await observing(1, {});
    conn.send({ type: "resync", channel: CH });
    const second = await conn.request("subscribe");
    conn.send({ type: "resync", channel: CH });
    conn.snapshot(second, 3, { a: {} });
    const third = await conn.request("subscribe");
    conn.snapshot(third, 4, { a: {}, b: {} });
    conn.send(event("join", CH, "c", 5, {}, 3));
    await rec.waitForEvent("join", "c");
    assert.deepEqual(summary(rec), ["join:a@3*", "join:b@4*", "join:c@5"]);
  });
});

describe("reconnect", () => {
  test("after a lost connection: re-joins, re-sends the last attributes, re-subscribes, resends what was unanswered", async () => {
    const statuses = [];
    const { conn, rec } = await observing(1, { me: {} }, { onStatus: (s) => statuses.push(s) });
    await client.joinPresenceChannel({ channel: CH });
    await client.joinPresenceChannel({ channel: "other" });
    await client.setPresenceUserAttributes({ channel: CH, attributes: { mood: "one" } });
    await client.setPresenceUserAttributes({ channel: CH, attributes: { mood: "two" } });
    await client.leavePresenceChannel({ channel: "other" });
    const inFlight = client.getPresenceUserAttributes({ channel: CH, userProfileId: "u9" });
    await conn.request("getAttributes");
    conn.drop();

    const next = await server.connection(1);
    const subscribe = await next.request("subscribe");
    const retried = await next.request("getAttributes");
    assert.deepEqual(next.types(), ["join", "setAttributes", "subscribe", "getAttributes"]);
    const [join, set] = next.frames.filter((f) => f.type !== "heartbeat");
    assert.equal(join.channel, CH);
    assert.deepEqual(set.attributes, { mood: "two" });
    next.send({ id: retried.id, type: "ok", result: { mood: "later" } });
    assert.deepEqual(await inFlight, { mood: "later" });
    next.snapshot(subscribe, 9, { me: { mood: "two" }, newcomer: {} });
    next.send(event("leave", CH, "newcomer", 10, {}, 1));
    await rec.waitForEvent("leave", "newcomer");
    assert.deepEqual(summary(rec), ["attributesUpdate:me@9*", "join:newcomer@9*", "leave:newcomer@10"]);
    assert.deepEqual(statuses.filter((s, i) => s !== statuses[i - 1]), ["open", "reconnecting", "open"]);
  });

  test("calls made while disconnected wait for the next connection", async () => {
    const statuses = [];
    newClient({ reconnectMinDelay: 400, reconnectMaxDelay: 400, onStatus: (s) => statuses.push(s) });
    const first = await server.connection(0);
    await until(() => client.status === "open", "open");
    first.drop();
    await until(() => statuses.includes("reconnecting"), "reconnecting");
    assert.equal(server.connections.length, 1, "the next connection comes 200 to 400 ms later");
    const join = client.joinPresenceChannel({ channel: CH });
    const second = await server.connection(1);
    await join;
    assert.deepEqual(second.types(), ["join"]);
  });

  test("a silent connection is dropped after an unanswered heartbeat, then replaced", async () => {
    newClient({ heartbeatInterval: 100 });
    const first = await server.connection(0);
    first.autoOk.clear(); // answers nothing from now on
    await first.request("heartbeat");
    await first.closed;
    const second = await server.connection(1);
    const hb = await second.request("heartbeat");
    assert.ok(typeof hb.id === "string");
    await until(() => client.status === "open", "open again");
  });

  test("reconnect delays back off exponentially with jitter, within the maximum", async () => {
    server.wss.on("connection", (ws) => ws.terminate());
    newClient({ reconnectMinDelay: 40, reconnectMaxDelay: 320 });
    await server.connection(6, 20_000);
    // Gap n is drawn from [step/2, step], step = min(320, 40 * 2^n).
    const gaps = [];
    for (let i = 1; i < 7; i++) {
      gaps.push(server.connections[i].at - server.connections[i - 1].at);
    }
    gaps.forEach((gap, n) => {
      const step = Math.min(320, 40 * 2 ** n);
      assert.ok(gap >= step / 2 - 5, `gap ${n} = ${gap} ms, step ${step}: ${gaps}`);
    });
    assert.ok(gaps[5] < 320 + 1000, `capped: ${gaps}`);
  });
});
