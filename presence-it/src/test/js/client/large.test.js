// presence.js and large channels (SPEC 13.3) against a scripted server speaking the wire format of
// issue #15: interval messages expanded to one event per user, paged snapshots assembled before
// use, occupancy-only subscriptions, and seq tracking (resync on a gap) across interval ranges.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { FakeServer, Recorder, WebSocket, devToken, event, presence, rejectsWith, until } from "../lib/support.js";

const CH = "stadium";

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

/** A client observing CH (events mode) from a snapshot at `seq` with `users`. */
async function observing(seq, users) {
  newClient();
  const conn = await server.connection(0);
  const rec = new Recorder();
  const added = client.addPresenceListener({ channel: CH }, rec.listener);
  const sub = await conn.request("subscribe");
  assert.equal(sub.mode, undefined, "events mode is the default: no mode sent");
  conn.snapshot(sub, seq, users);
  return { conn, rec, snapshot: await added };
}

function interval(fromSeq, toSeq, occupancy, lists = {}) {
  return { type: "interval", channel: CH, fromSeq, toSeq, occupancy, join: [], leave: [], timeout: [], attributes: {}, ...lists };
}

const summary = (rec) =>
  rec.events.map(
    (e) =>
      `${e.event}:${e.message.userProfileId}@${e.message.seq}${e.message.interval ? "i" : ""}${e.message.synthetic ? "*" : ""}`,
  );

/** Waits until the client has answered a round trip, so everything sent before is handled. */
async function roundTrip(conn) {
  const attrs = client.getPresenceUserAttributes({ channel: CH, userProfileId: "probe" });
  const r = await conn.request("getAttributes");
  conn.send({ id: r.id, type: "ok", result: {} });
  await attrs;
}

describe("interval messages", () => {
  test("one event per user: join list, then leave, then timeout, then attribute updates, each with interval: true", async () => {
    const { conn, rec, snapshot } = await observing(100, { a: { mood: "m" }, b: {}, x: { mood: "old" } });
    conn.send(
      interval(101, 180, 4, {
        join: ["u2", "u1"],
        leave: ["a"],
        timeout: ["b"],
        attributes: { x: { mood: "new" }, u1: { mood: "x" } },
      }),
    );
    await rec.waitForEvent("attributesUpdate", "x");
    assert.deepEqual(summary(rec), [
      "join:u2@180i",
      "join:u1@180i",
      "leave:a@180i",
      "timeout:b@180i",
      "attributesUpdate:x@180i",
    ]);
    const byUser = Object.fromEntries(rec.events.map((e) => [e.message.userProfileId, e.message]));
    // A joiner's attributes come with its join (not as a second event); the others with theirs.
    assert.deepEqual(byUser.u1.attributes, { mood: "x" });
    assert.deepEqual(byUser.u2.attributes, {});
    assert.deepEqual(byUser.a.attributes, { mood: "m" }, "a leave carries the last attributes");
    assert.deepEqual(byUser.x.attributes, { mood: "new" });
    for (const { message } of rec.events) {
      assert.equal(message.interval, true);
      assert.equal(message.fromSeq, 101);
      assert.equal(message.seq, 180);
      assert.equal(message.occupancy, 4);
      assert.equal(message.channel, CH);
      assert.equal(message.synthetic, undefined);
    }
    assert.deepEqual(
      [...rec.members(snapshot).keys()].sort(),
      ["u1", "u2", "x"],
      "the members the listener can keep from the events",
    );

    // toSeq is the new last seq: the next event (181) follows without a new subscribe; events at or
    // below 180 and a repeated interval are dropped.
    conn.send(event("join", CH, "late", 170));
    conn.send(interval(101, 180, 4, { join: ["u2", "u1"] }));
    conn.send(event("join", CH, "c", 181, {}, 5));
    await rec.waitForEvent("join", "c");
    assert.equal(rec.events.length, 6, summary(rec).join(" "));
    assert.equal(rec.events[5].message.interval, undefined, "a normal event has no interval flag");
    assert.deepEqual(conn.types(), ["subscribe", "getAttributes"].slice(0, 1));
    // The members, as the client knows them, answer a second listener at once.
    const view = await client.addPresenceListener({ channel: CH }, () => {});
    assert.deepEqual(
      view.channelUsers.map((u) => u.userProfileId).sort(),
      ["c", "u1", "u2", "x"],
    );
    assert.equal(view.seq, 181);
  });

  test("an empty interval only moves seq on; events and intervals alternate gap-free", async () => {
    const { conn, rec } = await observing(10, { a: {} });
    conn.send(interval(11, 20, 1));
    conn.send(event("leave", CH, "a", 21, {}, 0));
    conn.send(interval(22, 22, 1, { join: ["b"] }));
    conn.send(event("join", CH, "c", 23, {}, 2));
    await rec.waitForEvent("join", "c");
    assert.deepEqual(summary(rec), ["leave:a@21", "join:b@22i", "join:c@23"]);
    assert.deepEqual(conn.types(), ["subscribe"], "no resubscribe: nothing was missed");
  });

  test("a gap before an interval makes the client subscribe again (no event of it is delivered)", async () => {
    const { conn, rec } = await observing(100, { a: {}, b: {} });
    conn.send(interval(105, 180, 2, { join: ["ghost"] })); // 101..104 are missing
    const again = await conn.request("subscribe");
    // The new snapshot: a left, z joined meanwhile; the differences arrive as synthetic events.
    conn.snapshot(again, 190, { b: {}, z: { mood: "z" } });
    await rec.waitForEvent("join", "z");
    assert.deepEqual(summary(rec), ["leave:a@190*", "join:z@190*"]);
    assert.equal(rec.about("ghost").length, 0);
    // ...and continues from the snapshot's seq, with intervals.
    conn.send(interval(191, 200, 3, { join: ["y"] }));
    await rec.waitForEvent("join", "y");
    assert.equal(rec.events.at(-1).message.interval, true);
  });

  test("a gap after an interval (an event beyond toSeq + 1) makes the client subscribe again", async () => {
    const { conn, rec } = await observing(100, {});
    conn.send(interval(101, 150, 1, { join: ["a"] }));
    conn.send(event("join", CH, "b", 152, {}, 2)); // 151 is missing
    const again = await conn.request("subscribe");
    conn.snapshot(again, 152, { a: {}, b: {} });
    await rec.waitForEvent("join", "b");
    assert.deepEqual(summary(rec), ["join:a@150i", "join:b@152*"]);
  });

  test("an interval that starts inside what the client has is not applied half: new snapshot", async () => {
    const { conn, rec } = await observing(100, { a: {} });
    conn.send(interval(90, 110, 1, { join: ["b"], leave: ["a"] }));
    const again = await conn.request("subscribe");
    conn.snapshot(again, 110, { b: {} });
    await rec.waitForEvent("join", "b");
    assert.deepEqual(summary(rec), ["leave:a@110*", "join:b@110*"]);
  });

  test("intervals inside a batch frame are applied in order with the events", async () => {
    const { conn, rec } = await observing(1, {});
    conn.send({
      type: "batch",
      messages: [event("join", CH, "a", 2), interval(3, 9, 3, { join: ["b", "c"] }), event("leave", CH, "b", 10, {}, 2)],
    });
    await rec.waitForEvent("leave", "b");
    assert.deepEqual(summary(rec), ["join:a@2", "join:b@9i", "join:c@9i", "leave:b@10"]);
  });

  test("malformed interval lists are skipped, not thrown", async () => {
    const { conn, rec } = await observing(1, {});
    conn.send({ type: "interval", channel: CH, fromSeq: 2, toSeq: 3, occupancy: 1, join: ["a", 7, null], leave: "x", attributes: { b: "no" } });
    conn.send(event("join", CH, "c", 4, {}, 2));
    await rec.waitForEvent("join", "c");
    assert.deepEqual(summary(rec), ["join:a@3i", "join:c@4"]);
  });
});

describe("paged snapshots", () => {
  const page = (request, seq, occupancy, users, more) => ({
    id: request.id,
    type: "snapshot",
    channel: CH,
    seq,
    occupancy,
    users: users.map((u) => ({ userId: u, attributes: { n: u } })),
    ...(more === undefined ? {} : { more }),
  });

  test("pages are joined before the listener's promise resolves; events held until then apply after", async () => {
    newClient();
    const conn = await server.connection(0);
    const rec = new Recorder();
    let settled = false;
    const added = client.addPresenceListener({ channel: CH }, rec.listener).finally(() => (settled = true));
    const sub = await conn.request("subscribe");
    conn.send(page(sub, 50, 5, ["u1", "u2"], true));
    conn.send(page(sub, 50, 5, ["u3", "u4"], true));
    await roundTrip(conn);
    assert.equal(settled, false, "not resolved before the last page");
    conn.send(page(sub, 50, 5, ["u5"]));
    conn.send(event("leave", CH, "u1", 51, { n: "u1" }, 4));
    const snapshot = await added;
    assert.deepEqual(
      snapshot.channelUsers.map((u) => u.userProfileId),
      ["u1", "u2", "u3", "u4", "u5"],
    );
    assert.deepEqual(snapshot.channelUsers[2].attributes, { n: "u3" });
    assert.equal(snapshot.seq, 50);
    assert.equal(snapshot.occupancy, 5);
    await rec.waitForEvent("leave", "u1");
    assert.deepEqual(summary(rec), ["leave:u1@51"]);
  });

  test("more: false ends the snapshot too; a paged resync snapshot gives synthetic differences over all pages", async () => {
    const { conn, rec } = await observing(10, { a: { n: "a" }, b: { n: "b" } });
    conn.send({ type: "resync", channel: CH });
    const again = await conn.request("subscribe");
    conn.send(page(again, 20, 3, ["b", "c"], true));
    await roundTrip(conn);
    assert.deepEqual(summary(rec), [], "nothing delivered from a first page");
    conn.send(page(again, 20, 3, ["d"], false));
    await rec.waitForEvent("join", "d");
    assert.deepEqual(summary(rec), ["leave:a@20*", "join:c@20*", "join:d@20*"]);
  });

  test("a paged snapshot cut by a lost connection starts over on the next one", async () => {
    newClient();
    const first = await server.connection(0);
    const rec = new Recorder();
    const added = client.addPresenceListener({ channel: CH }, rec.listener);
    const sub = await first.request("subscribe");
    first.send(page(sub, 7, 3, ["a", "b"], true));
    await until(() => first.frames.length >= 1, "the subscribe");
    first.drop();
    const second = await server.connection(1);
    const sub2 = await second.request("subscribe");
    second.send(page(sub2, 9, 2, ["b"], true));
    second.send(page(sub2, 9, 2, ["c"]));
    const snapshot = await added;
    assert.deepEqual(snapshot.channelUsers.map((u) => u.userProfileId), ["b", "c"], "no user of the cut pages");
    assert.equal(snapshot.seq, 9);
  });
});

describe("occupancy mode", () => {
  test("subscribes with mode occupancy; resolves to the occupancy; the listener gets each change once", async () => {
    newClient();
    const conn = await server.connection(0);
    const got = [];
    const added = client.addPresenceListener({ channel: CH, mode: "occupancy" }, (e) => got.push(e));
    const sub = await conn.request("subscribe");
    assert.equal(sub.mode, "occupancy");
    conn.send({ id: sub.id, type: "snapshot", channel: CH, seq: 300, occupancy: 5231 });
    assert.deepEqual(await added, { channel: CH, channelUsers: [], occupancy: 5231, seq: 300 });
    conn.send({ type: "occupancy", channel: CH, occupancy: 5240, seq: 380 });
    conn.send({ type: "occupancy", channel: CH, occupancy: 5100, seq: 350 }); // older: dropped
    conn.send({ type: "occupancy", channel: CH, occupancy: 5240, seq: 390 }); // unchanged: not delivered
    conn.send({ type: "occupancy", channel: CH, occupancy: 5200, seq: 460 });
    await until(() => got.length >= 2, "two occupancy changes");
    await roundTrip(conn);
    assert.deepEqual(
      got.map((e) => [e.event, e.message.occupancy, e.message.seq]),
      [
        ["occupancy", 5240, 380],
        ["occupancy", 5200, 460],
      ],
    );
    assert.deepEqual(got[0].message, { channel: CH, occupancy: 5240, seq: 380, timestamp: null });
  });

  test("an events listener on the same channel upgrades the subscription; the last one removed downgrades it", async () => {
    newClient();
    const conn = await server.connection(0);
    const occ = [];
    const onOccupancy = (e) => occ.push(e);
    const added = client.addPresenceListener({ channel: CH, mode: "occupancy" }, onOccupancy);
    const sub = await conn.request("subscribe");
    conn.send({ id: sub.id, type: "snapshot", channel: CH, seq: 10, occupancy: 2 });
    await added;

    const rec = new Recorder();
    const addedEvents = client.addPresenceListener({ channel: CH }, rec.listener);
    const sub2 = await conn.request("subscribe");
    assert.equal(sub2.mode, undefined, "events mode");
    conn.snapshot(sub2, 12, { a: {}, b: {}, c: {} });
    const snapshot = await addedEvents;
    assert.deepEqual(snapshot.channelUsers.map((u) => u.userProfileId), ["a", "b", "c"]);
    assert.deepEqual(rec.events, [], "no synthetic events against an unknown member list");
    // Events and intervals feed both: the occupancy listener hears changes of the count.
    conn.send(event("join", CH, "d", 13, {}, 4));
    conn.send(event("attributesUpdate", CH, "d", 14, { k: "v" }, 4));
    conn.send(interval(15, 20, 3, { leave: ["a"] }));
    await rec.waitForEvent("leave", "a");
    assert.deepEqual(
      occ.map((e) => [e.message.occupancy, e.message.seq]),
      [
        [3, 12],
        [4, 13],
        [3, 20],
      ],
    );
    await client.removePresenceListener({ channel: CH }, rec.listener);
    const sub3 = await conn.request("subscribe");
    assert.equal(sub3.mode, "occupancy", "occupancy mode again");
    conn.send({ id: sub3.id, type: "snapshot", channel: CH, seq: 25, occupancy: 7 });
    await until(() => occ.length === 4, "the occupancy of the new snapshot");
    assert.deepEqual([occ[3].message.occupancy, occ[3].message.seq], [7, 25]);
    await client.removePresenceListener({ channel: CH }, onOccupancy);
    await conn.request("unsubscribe");
  });

  test("after a reconnect the channel is observed again in occupancy mode", async () => {
    newClient();
    const first = await server.connection(0);
    const occ = [];
    const added = client.addPresenceListener({ channel: CH, mode: "occupancy" }, (e) => occ.push(e));
    const sub = await first.request("subscribe");
    first.send({ id: sub.id, type: "snapshot", channel: CH, seq: 1, occupancy: 1 });
    await added;
    first.drop();
    const second = await server.connection(1);
    const sub2 = await second.request("subscribe");
    assert.equal(sub2.mode, "occupancy");
    second.send({ id: sub2.id, type: "snapshot", channel: CH, seq: 4, occupancy: 3 });
    await until(() => occ.length === 1, "the changed occupancy");
    assert.equal(occ[0].message.occupancy, 3);
  });

  test("an unknown mode is refused with INVALID_ARGUMENT and sends nothing", async () => {
    newClient();
    const conn = await server.connection(0);
    await rejectsWith(client.addPresenceListener({ channel: CH, mode: "users" }, () => {}), "INVALID_ARGUMENT");
    await roundTrip(conn);
    assert.deepEqual(conn.types(), ["getAttributes"]);
  });
});
