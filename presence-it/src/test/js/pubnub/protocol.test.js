// The unmodified pubnub SDKs (7.6.3, which @livelike/javascript installs, and 12.0.3) against a
// running node: every presence operation and event, state, here_now shapes, catch-up with an older
// timetoken, errors in PubNub's shape, and a presence.js (WebSocket) client in the same channel.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { Recorder, closeClients, connect, devToken, unique, until } from "../lib/support.js";
import { BASE_A, NEEDS_SERVER, as, client, get, getUrl, seen, stopAll } from "./support.js";

after(async () => {
  stopAll();
  await closeClients();
});

for (const version of [7, 12]) {
  describe(`pubnub ${version}`, { skip: NEEDS_SERVER }, () => {
    test("time answers a 17-digit timetoken near now", async () => {
      const pn = client(version, unique("t"));
      const { timetoken } = await pn.time();
      const ms = Number(BigInt(timetoken) / 10000n);
      assert.ok(Math.abs(ms - Date.now()) < 60_000, `timetoken ${timetoken} is near now`);
    });

    test("join, state-change and leave reach a presence listener; here_now, where_now, getState", async () => {
      const ch = unique("pn");
      const alice = unique("alice");
      const bob = unique("bob");
      const b = client(version, bob, BASE_A, { presenceTimeout: 20 });
      b.subscribe({ channels: [ch], withPresence: true });
      await until(() => b.statuses.some((s) => s.category === "PNConnectedCategory"), "bob connected");

      const a = client(version, alice, BASE_A, { presenceTimeout: 20 });
      a.subscribe({ channels: [ch], withPresence: true });
      const join = await seen(b, "join", alice, ch);
      assert.ok(join.occupancy >= 1);
      assert.equal(typeof join.timetoken, "string");

      await a.setState({ channels: [ch], state: { mood: "happy" } });
      const change = await seen(b, "state-change", alice, ch);
      assert.deepEqual(change.state, { mood: "happy" });

      const here = await b.hereNow({ channels: [ch], includeState: true, includeUUIDs: true });
      assert.equal(here.totalOccupancy, 2);
      const occupants = here.channels[ch].occupants;
      assert.deepEqual(
        occupants.map((o) => o.uuid).sort(),
        [alice, bob].sort(),
      );
      assert.deepEqual(occupants.find((o) => o.uuid === alice).state, { mood: "happy" });

      const plain = await b.hereNow({ channels: [ch] });
      assert.deepEqual(plain.channels[ch].occupants.map((o) => o.uuid).sort(), [alice, bob].sort());

      const count = await b.hereNow({ channels: [ch], includeUUIDs: false });
      assert.equal(count.channels[ch].occupancy, 2);
      assert.deepEqual(count.channels[ch].occupants, []);

      const where = await b.whereNow({ uuid: alice });
      assert.deepEqual(where.channels, [ch]);

      const state = await b.getState({ uuid: alice, channels: [ch] });
      assert.deepEqual(state.channels[ch], { mood: "happy" });

      a.unsubscribe({ channels: [ch] });
      const leave = await seen(b, "leave", alice, ch);
      assert.equal(leave.occupancy, 1);
      const after = await b.whereNow({ uuid: alice });
      assert.deepEqual(after.channels, []);
    });

    test("here_now of several channels and global here_now", async () => {
      const c1 = unique("multi");
      const c2 = unique("multi");
      const u = unique("carol");
      const pn = client(version, u, BASE_A, { presenceTimeout: 20 });
      await pn.setState({ channels: [c1, c2], state: { k: "v" } });
      const both = await pn.hereNow({ channels: [c1, c2], includeState: true });
      assert.equal(both.totalChannels, 2);
      assert.equal(both.totalOccupancy, 2);
      assert.deepEqual(both.channels[c1].occupants, [{ uuid: u, state: { k: "v" } }]);
      const global = await pn.hereNow({});
      assert.ok(global.channels[c1], `global here_now lists ${c1}: ${JSON.stringify(Object.keys(global.channels))}`);
      await pn.unsubscribe({ channels: [c1, c2] });
      await get(BASE_A, `v2/presence/sub-key/k/channel/${c1},${c2}/leave`, as(u));
    });

    test("a uuid that is not the token's subject is refused with 403 (Access Manager)", async () => {
      const pn = client(version, unique("eve"), BASE_A, { authKey: devToken(unique("someone-else")) });
      await assert.rejects(pn.hereNow({ channels: [unique("x")] }), (e) => {
        assert.equal(e.status.category, "PNAccessDeniedCategory", JSON.stringify(e.status));
        assert.equal(e.status.statusCode, 403);
        return true;
      });
    });

    test("state with a non-string value is refused with 400 and nothing is stored", async () => {
      const ch = unique("bad-state");
      const u = unique("dave");
      const pn = client(version, u);
      await assert.rejects(pn.setState({ channels: [ch], state: { n: 1 } }), (e) => {
        assert.equal(e.status.category, "PNBadRequestCategory", JSON.stringify(e.status));
        return true;
      });
      const here = await pn.hereNow({ channels: [ch] });
      assert.equal(here.totalOccupancy, 0);
    });
  });
}

describe("raw protocol", { skip: NEEDS_SERVER }, () => {
  test("a client returning with an older timetoken gets every event since, in order", async () => {
    const ch = unique("catchup");
    const watcher = unique("w");
    const x = unique("x");
    const hs = await get(BASE_A, `v2/subscribe/k/${ch}-pnpres/0`, as(watcher));
    assert.equal(hs.status, 200);
    assert.match(hs.type, /json/);
    assert.deepEqual(hs.body.m, []);
    assert.equal(hs.body.t.r, 1);
    const t0 = hs.body.t.t;
    assert.match(t0, /^\d{17}$/);

    // events happen while no poll is open
    assert.equal((await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(x, { heartbeat: "60" }))).status, 200);
    assert.equal(
      (await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/uuid/${x}/data`, as(x, { state: '{"mood":"ok"}' }))).status,
      200,
    );
    assert.equal((await get(BASE_A, `v2/presence/sub-key/k/channel/${ch},${ch}/leave`, as(x))).status, 200);

    const actions = [];
    let tt = t0;
    while (actions.length < 3) {
      const r = await get(BASE_A, `v2/subscribe/k/${ch}-pnpres/0`, as(watcher, { tt, tr: "1" }));
      assert.equal(r.status, 200, r.text);
      for (const m of r.body.m) {
        assert.equal(m.c, `${ch}-pnpres`);
        assert.equal(m.b, `${ch}-pnpres`);
        assert.equal(m.e, undefined);
        assert.ok(BigInt(m.p.t) > BigInt(tt));
        actions.push([m.d.action, m.d.uuid, m.d.data]);
      }
      assert.ok(BigInt(r.body.t.t) >= BigInt(tt));
      tt = r.body.t.t;
    }
    assert.deepEqual(actions, [
      ["join", x, undefined],
      ["state-change", x, { mood: "ok" }],
      ["leave", x, { mood: "ok" }],
    ]);
    // the same older timetoken again: the same events (the buffer keeps them)
    const again = await get(BASE_A, `v2/subscribe/k/${ch}-pnpres/0`, as(watcher, { tt: t0 }));
    assert.deepEqual(
      again.body.m.map((m) => m.d.action),
      ["join", "state-change", "leave"],
    );
  });

  test("a heartbeat that stops ends in a timeout event", async () => {
    const ch = unique("to");
    const y = unique("y");
    const obs = client(12, unique("obs"), BASE_A, { presenceTimeout: 20 });
    obs.subscribe({ channels: [`${ch}-pnpres`] });
    await until(() => obs.statuses.some((s) => s.category === "PNConnectedCategory"), "observer connected");
    assert.equal((await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(y, { heartbeat: "2" }))).status, 200);
    await seen(obs, "join", y, ch);
    await seen(obs, "timeout", y, ch, () => true, 20_000);
  });

  test("bad input is a PubNub-shaped 400 or 403 with a JSON type, and changes nothing", async () => {
    const ch = unique("bad");
    const u = unique("u");
    const cases = [
      [`v2/subscribe/k/${ch}/0`, as(u, { tt: "9".repeat(1000) }), 400],
      [`v2/subscribe/k/${ch}/0`, as(u, { tt: "-5" }), 400],
      [`v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(u, { heartbeat: "1".repeat(1000) }), 400],
      [`v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(u, { heartbeat: "20", state: `{"${ch}":{"a":true}}` }), 400],
      [`v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(u, { heartbeat: "20", state: "{" }), 400],
      [`v2/presence/sub-key/k/channel/${ch}`, as(u, { limit: "1".repeat(1000) }), 400],
      [`v2/presence/sub-key/k/channel/${ch}`, as(u, { offset: "-1" }), 400],
      [`v2/presence/sub-key/k/channel/${ch}`, { uuid: u }, 403],
      [`v2/presence/sub-key/k/channel/${ch}`, { uuid: u, auth: "not-a-token" }, 403],
      [`v2/presence/sub-key/k/channel/${ch}`, { uuid: "other", auth: devToken(u) }, 403],
      [`v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(u, { heartbeat: "20", "channel-group": "g" }), 400],
      [`v2/presence/sub-key/k/channel/bad%20name`, as(u), 400],
      [`v2/presence/sub-key/k/channel/${"x".repeat(5000)}`, as(u), 400],
      [`v2/presence/sub-key/k/channel/${ch}/uuid/someone/data`, as(u, { state: "{}" }), 403],
      [`v2/history/sub-key/k/channel/${ch}`, as(u), 404],
      [`v2/presence/sub-key/k/channel/${ch}/heartbeat/more`, as(u), 404],
      [`publish/pub/sub/0/${ch}/0/%22hi%22`, as(u), 400],
      [`v3/pam/sub/grant`, as(u), 400],
    ];
    for (const [path, query, status] of cases) {
      const r = await get(BASE_A, path, query);
      assert.equal(r.status, status, `${path} ${JSON.stringify(query).slice(0, 80)}: ${r.text.slice(0, 200)}`);
      assert.match(r.type ?? "", /json/, path);
      assert.equal(r.body.status, status, r.text);
      assert.equal(r.body.error, true, r.text);
      assert.equal(typeof r.body.message, "string");
      assert.ok(!/Exception|\tat /.test(r.text), `no stack trace: ${r.text}`);
    }
    // unpaired surrogates (CESU-8 bytes) in the path and the query
    const raw = [
      `${BASE_A}v2/presence/sub-key/k/channel/a%ED%A0%80b/heartbeat?uuid=${u}&auth=${devToken(u)}&heartbeat=20`,
      `${BASE_A}v2/presence/sub-key/k/channel/${ch}/uuid/${u}/data?uuid=${u}&auth=${devToken(u)}&state=%7B%22a%22%3A%22%ED%A0%80%22%7D`,
      `${BASE_A}v2/presence/sub-key/k/channel/${ch}/uuid/${u}/data?uuid=${u}&auth=${devToken(u)}&state=%7B%22a%22%3A%22%5Cud800%22%7D`,
    ];
    for (const url of raw) {
      const r = await getUrl(url);
      assert.equal(r.status, 400, `${url}: ${r.text}`);
      // bytes that are not UTF-8 in the path are refused by the container (400, empty body)
      if (r.text !== "") {
        assert.equal(r.body.error, true, r.text);
      }
    }
    const here = await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}`, as(u));
    assert.equal(here.body.occupancy, 0, "nothing joined");
    const where = await get(BASE_A, `v2/presence/sub-key/k/uuid/${u}`, as(u));
    assert.deepEqual(where.body.payload.channels, []);
  });

  test("over announce-max (4 in PubNubIT) joins and leaves come as interval events with lists", async () => {
    const ch = unique("big");
    const watcher = unique("w");
    const users = [1, 2, 3, 4, 5, 6].map((i) => unique(`b${i}`));
    const hs = await get(BASE_A, `v2/subscribe/k/${ch}-pnpres/0`, as(watcher));
    let tt = hs.body.t.t;
    for (const u of users) {
      assert.equal((await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(u, { heartbeat: "60" }))).status, 200);
    }
    const joins = [];
    const intervalJoins = [];
    while (joins.length + intervalJoins.length < users.length) {
      const r = await get(BASE_A, `v2/subscribe/k/${ch}-pnpres/0`, as(watcher, { tt, tr: "1" }));
      assert.equal(r.status, 200, r.text);
      for (const m of r.body.m) {
        if (m.d.action === "join") joins.push(m.d.uuid);
        else if (m.d.action === "interval") {
          assert.equal(typeof m.d.timestamp, "number");
          assert.ok(m.d.occupancy >= 5, JSON.stringify(m.d));
          intervalJoins.push(...(m.d.join || []));
        } else assert.fail(`unexpected ${JSON.stringify(m.d)}`);
      }
      tt = r.body.t.t;
    }
    // the first four joins one by one; the fifth takes the channel over 4 and opens interval mode
    assert.deepEqual(joins, users.slice(0, 4));
    assert.deepEqual(intervalJoins, users.slice(4));
    for (const u of users) {
      await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/leave`, as(u));
    }
    const leaves = [];
    while (leaves.length < users.length) {
      const r = await get(BASE_A, `v2/subscribe/k/${ch}-pnpres/0`, as(watcher, { tt, tr: "1" }));
      for (const m of r.body.m) {
        if (m.d.action === "leave") leaves.push(m.d.uuid);
        else if (m.d.action === "interval") leaves.push(...(m.d.leave || []));
      }
      tt = r.body.t.t;
    }
    assert.deepEqual([...leaves].sort(), [...users].sort());
  });

  test("here_now pages with limit and offset; occupancy stays the total", async () => {
    const ch = unique("page");
    const users = [unique("p1"), unique("p2"), unique("p3")].sort();
    for (const u of users) {
      assert.equal((await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(u, { heartbeat: "60" }))).status, 200);
    }
    const page = await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}`, as(users[0], { limit: "1", offset: "1" }));
    assert.equal(page.body.occupancy, 3);
    assert.deepEqual(page.body.uuids, [users[1]]);
    const none = await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}`, as(users[0], { disable_uuids: "1" }));
    assert.equal(none.body.occupancy, 3);
    assert.equal(none.body.uuids, undefined);
    await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/leave`, as(users[0]));
    await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/leave`, as(users[1]));
    await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/leave`, as(users[2]));
  });

  test("the /v2 resource is not reachable under /api/v1 (SPEC 4.4 404 there)", async () => {
    const u = unique("u");
    const r = await get(BASE_A, `api/v1/presence/sub-key/k/channel/c`, as(u));
    assert.equal(r.status, 404, r.text);
    assert.equal(typeof r.body.error.code, "string", r.text);
    const s = await get(BASE_A, `api/v1/subscribe/k/c/0`, as(u));
    assert.equal(s.status, 404, s.text);
  });

  test("time and the unsupported paths outside /v2", async () => {
    const t = await get(BASE_A, "time/0");
    assert.equal(t.status, 200);
    assert.match(t.type, /json/);
    assert.equal(t.body.length, 1);
    assert.ok(t.body[0] > 1.7e16);
  });
});

describe("a pubnub client and a presence.js client in one channel", { skip: NEEDS_SERVER }, () => {
  for (const version of [7, 12]) {
    test(`pubnub ${version} and WebSocket see each other's join, attributes and leave`, async () => {
      const ch = unique("mixed");
      const pnUser = unique("pn");
      const wsUser = unique("ws");
      const ws = connect(wsUser);
      const rec = new Recorder();
      await ws.addPresenceListener({ channel: ch }, rec.listener);

      const pn = client(version, pnUser, BASE_A, { presenceTimeout: 20 });
      pn.subscribe({ channels: [ch], withPresence: true });
      await rec.waitForEvent("join", pnUser);
      await pn.setState({ channels: [ch], state: { mood: "pubnub" } });
      await rec.waitForEvent("attributesUpdate", pnUser, (m) => m.attributes.mood === "pubnub");

      await ws.joinPresenceChannel({ channel: ch });
      await ws.setPresenceUserAttributes({ channel: ch, attributes: { mood: "ws" } });
      await seen(pn, "join", wsUser, ch);
      await seen(pn, "state-change", wsUser, ch, (e) => e.state?.mood === "ws");
      const here = await pn.hereNow({ channels: [ch], includeState: true });
      assert.deepEqual(
        here.channels[ch].occupants.map((o) => [o.uuid, o.state?.mood]).sort(),
        [
          [pnUser, "pubnub"],
          [wsUser, "ws"],
        ].sort(),
      );
      await ws.leavePresenceChannel({ channel: ch });
      await seen(pn, "leave", wsUser, ch);
      pn.unsubscribe({ channels: [ch] });
      await rec.waitForEvent("leave", pnUser);
    });
  }
});
