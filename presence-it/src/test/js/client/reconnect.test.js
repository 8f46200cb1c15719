// Reconnecting against a running server: a TCP proxy between presence.js and the server cuts the
// connection (to the server, a connection lost without a close frame). The client must come back
// by itself, re-join, restore its attributes and subscriptions, and its listeners must see every
// event at most once and in order, with what they missed delivered as differences.

import assert from "node:assert/strict";
import { after, afterEach, beforeEach, describe, test } from "node:test";
import { BASE, NEEDS_SERVER, Recorder, TcpProxy, closeClients, connect, unique, until } from "../lib/support.js";

let proxy;

beforeEach(async () => {
  if (BASE) {
    proxy = await new TcpProxy(BASE).start();
  }
});

afterEach(async () => {
  await closeClients();
  await proxy?.close();
});

describe("reconnect", { skip: NEEDS_SERVER }, () => {
  test("after a long outage: re-joins, its attributes come back, no duplicate events anywhere", async () => {
    const ch = unique("rc");
    const alice = unique("alice");
    const bob = unique("bob");
    const observer = connect(unique("observer"));
    const watched = new Recorder();
    const observerSnapshot = await observer.addPresenceListener({ channel: ch }, watched.listener);

    const a = connect(alice, { url: proxy.url });
    const own = new Recorder();
    const ownSnapshot = await a.addPresenceListener({ channel: ch }, own.listener);
    await a.joinPresenceChannel({ channel: ch });
    await a.setPresenceUserAttributes({ channel: ch, attributes: { mood: "happy" } });
    await own.waitForEvent("attributesUpdate", alice);
    await watched.waitForEvent("attributesUpdate", alice);

    // An outage longer than the grace period: the server ends alice's presence with timeout.
    proxy.block();
    proxy.cut();
    await watched.waitForEvent("timeout", alice);
    const b = connect(bob);
    await b.joinPresenceChannel({ channel: ch }); // happens while alice is away
    await watched.waitForEvent("join", bob);
    assert.ok(a.statuses.includes("reconnecting"));

    proxy.block(false);
    // Alice is back: joined again, with her attributes.
    const back = await watched.waitForEvent(
      "attributesUpdate",
      alice,
      (m) => m.seq > watched.events.find((e) => e.event === "timeout").message.seq && m.attributes.mood === "happy",
    );
    assert.deepEqual(
      watched.about(alice).map((e) => e.event),
      ["join", "attributesUpdate", "timeout", "join", "attributesUpdate"],
    );
    assert.deepEqual(back.message.attributes, { mood: "happy" });
    assert.deepEqual(await observer.getPresenceUserAttributes({ channel: ch, userProfileId: alice }), {
      mood: "happy",
    });
    assert.deepEqual((await a.getPresenceUserChannels()).channels, [ch]);
    watched.assertConsecutive(); // the observer never lost its connection

    // Alice's own listener: bob's join, made while she was away, arrives as a difference; nothing twice.
    await own.waitForEvent("join", bob);
    own.assertOrderedWithoutDuplicates();
    const keys = own.events.filter((e) => !e.message.synthetic).map((e) => e.message.seq);
    assert.equal(new Set(keys).size, keys.length);
    // Events after the reconnect still arrive, and the listener's view matches the server's.
    await b.setPresenceUserAttributes({ channel: ch, attributes: { mood: "late" } });
    await own.waitForEvent("attributesUpdate", bob, (m) => m.attributes.mood === "late");
    const actual = await a.getPresenceChannelUsers({ channel: ch });
    assert.deepEqual(
      own.members(ownSnapshot),
      new Map(actual.channelUsers.map((u) => [u.userProfileId, u.attributes])),
      `alice's view from ${own.describe()}`,
    );
    assert.deepEqual(
      watched.members(observerSnapshot),
      new Map(actual.channelUsers.map((u) => [u.userProfileId, u.attributes])),
    );
  });

  test("after a short outage: the same, and whatever the server emitted, no listener sees an event twice", async () => {
    const ch = unique("rc-short");
    const carol = unique("carol");
    const observer = connect(unique("observer"));
    const watched = new Recorder();
    const snapshot = await observer.addPresenceListener({ channel: ch }, watched.listener);
    const c = connect(carol, { url: proxy.url });
    const own = new Recorder();
    await c.addPresenceListener({ channel: ch }, own.listener);
    await c.joinPresenceChannel({ channel: ch });
    await c.setPresenceUserAttributes({ channel: ch, attributes: { mood: "steady" } });
    await own.waitForEvent("attributesUpdate", carol);
    const before = proxy.accepted;

    proxy.cut(); // reconnects at once (within the grace period, unless the machine is slow)
    await until(() => proxy.accepted > before && proxy.open > 0, "a new connection through the proxy");
    await until(() => c.status === "open", "open again");
    // A marker after the reconnect: once the observer has it, everything before it has arrived.
    await c.setPresenceUserAttributes({ channel: ch, attributes: { mood: "marker" } });
    await watched.waitForEvent("attributesUpdate", carol, (m) => m.attributes.mood === "marker");
    await own.waitForEvent("attributesUpdate", carol, (m) => m.attributes.mood === "marker");

    assert.deepEqual(await observer.getPresenceUserAttributes({ channel: ch, userProfileId: carol }), {
      mood: "marker",
    });
    watched.assertConsecutive();
    own.assertOrderedWithoutDuplicates();
    // Within the grace period the server emits nothing for the reconnect; after it, timeout then
    // join then the restored attributes. Either way the observer ends with carol present once.
    assert.deepEqual(
      watched.members(snapshot),
      new Map([[carol, { mood: "marker" }]]),
      `observer saw ${watched.describe()}`,
    );
  });

  test("calls made during an outage are sent once the connection is back", async () => {
    const ch = unique("rc-queued");
    const dave = unique("dave");
    const d = connect(dave, { url: proxy.url });
    await d.joinPresenceChannel({ channel: ch });
    proxy.block();
    proxy.cut();
    await until(() => d.status === "reconnecting", "reconnecting");
    const set = d.setPresenceUserAttributes({ channel: ch, attributes: { mood: "queued" } });
    const users = d.getPresenceChannelUsers({ channel: ch });
    proxy.block(false);
    assert.deepEqual(await set, { mood: "queued" });
    assert.deepEqual((await users).channelUsers, [{ userProfileId: dave, attributes: { mood: "queued" } }]);
  });
});
