// Every function of presence.js against a running server (PRESENCE_BASE_URL), and the files the
// WAR serves for it.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, describe, test } from "node:test";
import {
  BASE,
  NEEDS_SERVER,
  Recorder,
  SOURCE,
  TYPES,
  closeClients,
  connect,
  unique,
} from "../lib/support.js";

after(closeClients);

describe("served by the WAR", { skip: NEEDS_SERVER }, () => {
  test("/presence.js is this module, with a JavaScript MIME type", async () => {
    const res = await fetch(new URL("presence.js", BASE));
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^(text|application)\/(javascript|ecmascript)/);
    assert.equal(await res.text(), await readFile(SOURCE, "utf8"));
  });

  test("/presence.d.ts is served beside it", async () => {
    const res = await fetch(new URL("presence.d.ts", BASE));
    assert.equal(res.status, 200);
    assert.equal(await res.text(), await readFile(TYPES, "utf8"));
  });

  test("/ is the demo page, and its script and style are served", async () => {
    const res = await fetch(BASE);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/html/);
    const html = await res.text();
    assert.match(html, /<script type="module" src="demo\/demo\.js">/);
    const js = await fetch(new URL("demo/demo.js", BASE));
    assert.match(js.headers.get("content-type"), /javascript/);
    assert.match(await js.text(), /from "\.\.\/presence\.js"/);
    const css = await fetch(new URL("demo/demo.css", BASE));
    assert.match(css.headers.get("content-type"), /^text\/css/);
  });
});

describe("the seed's functions", { skip: NEEDS_SERVER }, () => {
  test("joinPresenceChannel and getPresenceChannelUsers → {channelUsers:[{userProfileId, attributes}]}", async () => {
    const ch = unique("api-users");
    const alice = unique("alice");
    const bob = unique("bob");
    const a = connect(alice);
    const b = connect(bob);
    await a.joinPresenceChannel({ channel: ch });
    await b.joinPresenceChannel({ channel: ch });
    await b.joinPresenceChannel({ channel: ch }); // idempotent
    await b.setPresenceUserAttributes({ channel: ch, attributes: { mood: "happy" } });
    const result = await a.getPresenceChannelUsers({ channel: ch });
    const byUser = Object.fromEntries(result.channelUsers.map((u) => [u.userProfileId, u.attributes]));
    assert.deepEqual(byUser, { [alice]: {}, [bob]: { mood: "happy" } });
    assert.deepEqual(Object.keys(result.channelUsers[0]).sort(), ["attributes", "userProfileId"]);
    assert.equal(result.occupancy, 2);
    assert.equal(typeof result.seq, "number");
  });

  test("getPresenceUserChannels → {channels}, for another user or (without userProfileId) oneself", async () => {
    const c1 = unique("api-uc1");
    const c2 = unique("api-uc2");
    const carol = unique("carol");
    const c = connect(carol);
    const observer = connect(unique("observer"));
    await c.joinPresenceChannel({ channel: c1 });
    await c.joinPresenceChannel({ channel: c2 });
    const mine = await c.getPresenceUserChannels();
    assert.deepEqual(mine.channels.sort(), [c1, c2].sort());
    assert.deepEqual(Object.keys(mine), ["channels"]);
    const seen = await observer.getPresenceUserChannels({ userProfileId: carol });
    assert.deepEqual(seen.channels.sort(), [c1, c2].sort());
    assert.deepEqual(await observer.getPresenceUserChannels({ userProfileId: unique("nobody") }), { channels: [] });
  });

  test("setPresenceUserAttributes resolves to the attributes; getPresenceUserAttributes reads them", async () => {
    const ch = unique("api-attrs");
    const dave = unique("dave");
    const d = connect(dave);
    const observer = connect(unique("observer"));
    await d.joinPresenceChannel({ channel: ch });
    assert.deepEqual(await d.getPresenceUserAttributes({ channel: ch }), {});
    const set = await d.setPresenceUserAttributes({ channel: ch, attributes: { mood: "calm", team: "blue" } });
    assert.deepEqual(set, { mood: "calm", team: "blue" });
    assert.deepEqual(await d.getPresenceUserAttributes({ channel: ch }), { mood: "calm", team: "blue" });
    assert.deepEqual(await observer.getPresenceUserAttributes({ channel: ch, userProfileId: dave }), {
      mood: "calm",
      team: "blue",
    });
    // A set replaces the whole map.
    await d.setPresenceUserAttributes({ channel: ch, attributes: { mood: "busy" } });
    assert.deepEqual(await observer.getPresenceUserAttributes({ channel: ch, userProfileId: dave }), { mood: "busy" });
  });

  test("leavePresenceChannel ends the presence (idempotently) and drops the attributes", async () => {
    const ch = unique("api-leave");
    const erin = unique("erin");
    const e = connect(erin);
    await e.joinPresenceChannel({ channel: ch });
    await e.setPresenceUserAttributes({ channel: ch, attributes: { mood: "ok" } });
    await e.leavePresenceChannel({ channel: ch });
    await e.leavePresenceChannel({ channel: ch });
    assert.deepEqual((await e.getPresenceChannelUsers({ channel: ch })).channelUsers, []);
    assert.deepEqual((await e.getPresenceUserChannels()).channels, []);
    await e.joinPresenceChannel({ channel: ch });
    assert.deepEqual(await e.getPresenceUserAttributes({ channel: ch }), {});
  });

  test("addPresenceListener resolves to the members; removePresenceListener stops that listener only", async () => {
    const ch = unique("api-listen");
    const frank = unique("frank");
    const grace = unique("grace");
    const heidi = unique("heidi");
    const f = connect(frank);
    await f.joinPresenceChannel({ channel: ch });
    await f.setPresenceUserAttributes({ channel: ch, attributes: { mood: "sunny" } });
    const o = connect(unique("observer"));
    const first = new Recorder();
    const second = new Recorder();
    const snapshot = await o.addPresenceListener({ channel: ch }, first.listener);
    assert.equal(snapshot.channel, ch);
    assert.deepEqual(snapshot.channelUsers, [{ userProfileId: frank, attributes: { mood: "sunny" } }]);
    assert.equal(snapshot.occupancy, 1);
    await o.addPresenceListener({ channel: ch }, second.listener);

    const g = connect(grace);
    await g.joinPresenceChannel({ channel: ch });
    await first.waitForEvent("join", grace);
    await second.waitForEvent("join", grace);

    await o.removePresenceListener({ channel: ch }, first.listener);
    const h = connect(heidi);
    await h.joinPresenceChannel({ channel: ch });
    await second.waitForEvent("join", heidi);
    assert.deepEqual(first.events.map((e) => e.message.userProfileId), [grace]);
    // Removing the last listener unsubscribes; adding one again starts from a new snapshot.
    await o.removePresenceListener({ channel: ch }, second.listener);
    const third = new Recorder();
    const again = await o.addPresenceListener({ channel: ch }, third.listener);
    assert.deepEqual(again.channelUsers.map((u) => u.userProfileId).sort(), [frank, grace, heidi].sort());
    assert.ok(again.seq > snapshot.seq);
    await g.leavePresenceChannel({ channel: ch });
    const left = await third.waitForEvent("leave", grace);
    assert.equal(left.message.seq, again.seq + 1);
    assert.equal(third.events.length, 1);
  });
});
