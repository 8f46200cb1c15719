// presence.js against a real server in interval mode (SPEC 13.3). Needs a server started with a
// small presence.channels.announce-max, a short presence.channels.interval and a small
// presence.ws.snapshot-page (development mode), given as PRESENCE_LARGE_BASE_URL with
// PRESENCE_LARGE_ANNOUNCE_MAX and PRESENCE_LARGE_SNAPSHOT_PAGE; skipped without it (ClientJsIT's
// server has the defaults). By hand, e.g. with -Dpresence.channels.announce-max=3
// -Dpresence.channels.interval=1s -Dpresence.ws.snapshot-page=2:
//   PRESENCE_LARGE_BASE_URL=http://127.0.0.1:18778/ PRESENCE_LARGE_ANNOUNCE_MAX=3 \
//   PRESENCE_LARGE_SNAPSHOT_PAGE=2 node --test client/large-server.test.js

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Recorder, closeClients, connect, unique, until } from "../lib/support.js";

const URL_ = process.env.PRESENCE_LARGE_BASE_URL || null;
const ANNOUNCE_MAX = Number(process.env.PRESENCE_LARGE_ANNOUNCE_MAX || 3);
const PAGE = Number(process.env.PRESENCE_LARGE_SNAPSHOT_PAGE || 2);
const SKIP = URL_ ? false : "PRESENCE_LARGE_BASE_URL is not set (no server in interval mode)";

after(closeClients);

const client = (user) =>
  connect(user, { url: URL_, heartbeatInterval: 5_000, requestTimeout: 20_000 });

describe("large channels on a real server (interval mode)", { skip: SKIP }, () => {
  test("over announce-max the listener gets interval events, one per user, and its member list stays right", async () => {
    const channel = unique("big");
    const observer = client(unique("watcher"));
    const rec = new Recorder();
    const snapshot = await observer.addPresenceListener({ channel }, rec.listener);
    assert.equal(snapshot.occupancy, 0);
    const count = ANNOUNCE_MAX + 3;
    const users = Array.from({ length: count }, () => unique("fan"));
    const clients = users.map(client);
    for (const c of clients) {
      await c.joinPresenceChannel({ channel }); // one by one: the channel crosses the threshold
    }
    await until(() => rec.members(snapshot).size === count, `${count} members from the events`, 20_000);
    const intervalEvents = rec.events.filter((e) => e.message.interval === true);
    assert.ok(intervalEvents.length > 0, `some joins came in intervals: ${rec.describe()}`);
    for (const e of intervalEvents) {
      assert.equal(typeof e.message.fromSeq, "number");
      assert.ok(e.message.fromSeq <= e.message.seq);
    }
    // Every user joined exactly once, in seq order (events of one interval share its seq).
    assert.deepEqual(rec.events.map((e) => e.message.userProfileId).sort(), [...users].sort());
    for (let i = 1; i < rec.events.length; i++) {
      assert.ok(rec.events[i].message.seq >= rec.events[i - 1].message.seq, rec.describe());
    }
    // A leave and an attribute change in interval mode.
    await clients[0].leavePresenceChannel({ channel });
    await clients[1].setPresenceUserAttributes({ channel, attributes: { mood: "loud" } });
    await rec.waitForEvent("leave", users[0], () => true, 20_000);
    await rec.waitForEvent("attributesUpdate", users[1], (m) => m.attributes.mood === "loud", 20_000);
    const expected = await observer.getPresenceChannelUsers({ channel });
    const fromEvents = rec.members(snapshot);
    assert.deepEqual(
      [...fromEvents].sort(([a], [b]) => a.localeCompare(b)),
      expected.channelUsers.map((u) => [u.userProfileId, u.attributes]).sort(([a], [b]) => a.localeCompare(b)),
    );

    // A new subscriber gets the snapshot in pages, joined into one list.
    const late = client(unique("late"));
    const view = await late.addPresenceListener({ channel }, () => {});
    assert.ok(view.channelUsers.length > PAGE, `more users (${view.channelUsers.length}) than a page (${PAGE})`);
    assert.deepEqual(
      view.channelUsers.map((u) => u.userProfileId).sort(),
      expected.channelUsers.map((u) => u.userProfileId).sort(),
    );
    assert.equal(view.occupancy, view.channelUsers.length);

    // Occupancy mode: resolves to the count, then hears its changes.
    const counter = client(unique("counter"));
    const seen = [];
    const occ = await counter.addPresenceListener({ channel, mode: "occupancy" }, (e) => seen.push(e));
    assert.deepEqual(occ.channelUsers, []);
    assert.equal(occ.occupancy, count - 1);
    await clients[2].leavePresenceChannel({ channel });
    await until(() => seen.some((e) => e.message.occupancy === count - 2), "the lower occupancy", 20_000);
    assert.equal(seen.at(-1).event, "occupancy");
    assert.ok(seen.at(-1).message.seq > occ.seq);
  });
});
