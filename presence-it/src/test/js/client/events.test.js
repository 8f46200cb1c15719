// Each event kind, as a presence.js listener sees it from a running server (T = 3 s and a grace
// period of 500 ms in the IT): join, attributesUpdate, leave (explicit, and by a clean close after
// the grace period), timeout (a connection lost without a close frame, not re-established).

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { BASE, NEEDS_SERVER, Recorder, TcpProxy, closeClients, connect, unique } from "../lib/support.js";

after(closeClients);

describe("events", { skip: NEEDS_SERVER }, () => {
  test("join, attributesUpdate and leave reach a listener as {event, message}, once each, in seq order", async () => {
    const ch = unique("ev");
    const alice = unique("alice");
    const observer = connect(unique("observer"));
    const rec = new Recorder();
    const snapshot = await observer.addPresenceListener({ channel: ch }, rec.listener);
    assert.equal(snapshot.occupancy, 0);

    const a = connect(alice);
    await a.joinPresenceChannel({ channel: ch });
    const join = await rec.waitForEvent("join", alice);
    assert.deepEqual(
      { ...join.message, timestamp: undefined },
      { userProfileId: alice, channel: ch, attributes: {}, occupancy: 1, seq: snapshot.seq + 1, timestamp: undefined },
    );
    assert.ok(!Number.isNaN(Date.parse(join.message.timestamp)), "an ISO-8601 timestamp");

    await a.setPresenceUserAttributes({ channel: ch, attributes: { mood: "happy" } });
    await a.setPresenceUserAttributes({ channel: ch, attributes: { mood: "happy" } }); // no change, no event
    await a.setPresenceUserAttributes({ channel: ch, attributes: { mood: "sad" } });
    await rec.waitForEvent("attributesUpdate", alice, (m) => m.attributes.mood === "sad");

    await a.leavePresenceChannel({ channel: ch });
    const leave = await rec.waitForEvent("leave", alice);
    assert.deepEqual(leave.message.attributes, { mood: "sad" }, "leave carries the last attributes");
    assert.equal(leave.message.occupancy, 0);

    assert.deepEqual(
      rec.events.map((e) => [e.event, e.message.attributes.mood]),
      [
        ["join", undefined],
        ["attributesUpdate", "happy"],
        ["attributesUpdate", "sad"],
        ["leave", "sad"],
      ],
    );
    rec.assertConsecutive();
  });

  test("a clean close of the last session emits leave after the grace period", async () => {
    const ch = unique("ev-close");
    const bob = unique("bob");
    const observer = connect(unique("observer"));
    const rec = new Recorder();
    await observer.addPresenceListener({ channel: ch }, rec.listener);
    const b = connect(bob);
    await b.joinPresenceChannel({ channel: ch });
    await b.setPresenceUserAttributes({ channel: ch, attributes: { mood: "bye" } });
    await rec.waitForEvent("attributesUpdate", bob);
    await b.close();
    const leave = await rec.waitForEvent("leave", bob);
    assert.deepEqual(leave.message.attributes, { mood: "bye" });
    assert.deepEqual(rec.events.map((e) => e.event), ["join", "attributesUpdate", "leave"]);
    rec.assertConsecutive();
  });

  test("a connection lost without a close frame, and not re-established, emits timeout", async () => {
    const ch = unique("ev-timeout");
    const carol = unique("carol");
    const proxy = await new TcpProxy(BASE).start();
    try {
      const observer = connect(unique("observer"));
      const rec = new Recorder();
      await observer.addPresenceListener({ channel: ch }, rec.listener);
      const c = connect(carol, { url: proxy.url });
      await c.joinPresenceChannel({ channel: ch });
      await c.setPresenceUserAttributes({ channel: ch, attributes: { mood: "gone" } });
      await rec.waitForEvent("attributesUpdate", carol);

      proxy.block(); // the client's reconnects are refused from now on
      proxy.cut(); // the socket dies without a close frame
      const timeout = await rec.waitForEvent("timeout", carol);
      assert.deepEqual(timeout.message.attributes, { mood: "gone" });
      assert.equal(timeout.message.occupancy, 0);
      assert.deepEqual(rec.events.map((e) => e.event), ["join", "attributesUpdate", "timeout"]);
      rec.assertConsecutive();
      assert.ok(c.statuses.includes("reconnecting"), `the client noticed: ${c.statuses}`);
      await c.close();
    } finally {
      await proxy.close();
    }
  });

  test("an observer sees many users' events gap-free and in order", async () => {
    const ch = unique("ev-many");
    const observer = connect(unique("observer"));
    const rec = new Recorder();
    const snapshot = await observer.addPresenceListener({ channel: ch }, rec.listener);
    const users = Array.from({ length: 8 }, (_, i) => unique(`u${i}`));
    const clients = users.map((u) => connect(u));
    await Promise.all(clients.map((c) => c.joinPresenceChannel({ channel: ch })));
    await Promise.all(
      clients.map((c, i) => c.setPresenceUserAttributes({ channel: ch, attributes: { n: String(i) } })),
    );
    await Promise.all(clients.slice(0, 4).map((c) => c.leavePresenceChannel({ channel: ch })));
    await rec.waitFor((e) => e.message.seq === snapshot.seq + 20, "20 events");
    rec.assertConsecutive();
    const members = rec.members(snapshot);
    const actual = await observer.getPresenceChannelUsers({ channel: ch });
    assert.deepEqual(
      new Map(actual.channelUsers.map((u) => [u.userProfileId, u.attributes])),
      members,
      "the listener's view is the server's",
    );
  });
});
