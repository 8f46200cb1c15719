// Two nodes of one cluster: a PubNub client's subscribe goes to node B while its heartbeats go to
// node A (as behind a load balancer without affinity); observers on either node see one presence.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { TcpProxy, unique, until } from "../lib/support.js";
import { BASE_A, BASE_B, NEEDS_TWO, as, client, get, seen, stopAll } from "./support.js";

const proxies = [];
after(async () => {
  stopAll();
  await Promise.all(proxies.map((p) => p.close()));
});

describe("two nodes", { skip: NEEDS_TWO }, () => {
  test("subscribe on node B, heartbeat on node A: one presence, then a timeout seen on B", async () => {
    const ch = unique("cross");
    const x = unique("x");
    const observer = client(12, unique("obs"), BASE_B, { presenceTimeout: 20 });
    observer.subscribe({ channels: [`${ch}-pnpres`] });
    await until(() => observer.statuses.some((s) => s.category === "PNConnectedCategory"), "observer on B connected");

    // x subscribes on B (a join with heartbeat 4 s) ...
    const hs = await get(BASE_B, `v2/subscribe/k/${ch},${ch}-pnpres/0`, as(x, { heartbeat: "4" }));
    assert.equal(hs.status, 200, hs.text);
    await seen(observer, "join", x, ch);
    // ... and heartbeats on A for longer than its timeout: no timeout meanwhile
    const started = Date.now();
    while (Date.now() - started < 7_000) {
      const hb = await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(x, { heartbeat: "4" }));
      assert.equal(hb.status, 200, hb.text);
      await new Promise((r) => setTimeout(r, 1_000)); // the client's heartbeat interval
    }
    assert.ok(!observer.events.some((e) => e.action === "timeout" && e.uuid === x), "no timeout while heartbeating on A");
    const hereA = await get(BASE_A, `v2/presence/sub-key/k/channel/${ch}`, as(x));
    assert.deepEqual(hereA.body.uuids, [x]);

    // x's own long-poll on B, from its handshake timetoken, gets its join (the buffer on B)
    const poll = await get(BASE_B, `v2/subscribe/k/${ch},${ch}-pnpres/0`, as(x, { tt: hs.body.t.t, heartbeat: "4" }));
    assert.deepEqual(poll.body.m.map((m) => [m.d.action, m.d.uuid]).slice(0, 1), [["join", x]]);

    // the heartbeats stop: B's observer sees the timeout
    await seen(observer, "timeout", x, ch, () => true, 20_000);
  });

  test("state set through node A reaches a pubnub 7 listener on node B", async () => {
    const ch = unique("cross-state");
    const u = unique("u");
    const listener = client(7, unique("l"), BASE_B, { presenceTimeout: 20 });
    listener.subscribe({ channels: [ch], withPresence: true });
    await until(() => listener.statuses.some((s) => s.category === "PNConnectedCategory"), "listener on B connected");
    const writer = client(12, u, BASE_A, { presenceTimeout: 20 });
    writer.subscribe({ channels: [ch], withPresence: true });
    await seen(listener, "join", u, ch);
    await writer.setState({ channels: [ch], state: { where: "A" } });
    const change = await seen(listener, "state-change", u, ch);
    assert.deepEqual(change.state, { where: "A" });
    writer.unsubscribe({ channels: [ch] });
    await seen(listener, "leave", u, ch);
  });

  test("the node behind a pubnub 7 client's origin goes away, the origin then reaches the other node: the client resumes, stays present, gets events", async () => {
    const ch = unique("failover");
    const x = unique("x");
    const y = unique("y");
    // the client's origin is a proxy (a load balancer) in front of node A
    const proxy = await new TcpProxy(BASE_A).start();
    proxies.push(proxy);
    const observer = client(12, unique("obs"), BASE_B, { presenceTimeout: 20 });
    observer.subscribe({ channels: [`${ch}-pnpres`] });
    await until(() => observer.statuses.some((s) => s.category === "PNConnectedCategory"), "observer on B connected");

    const pn = client(7, x, proxy.url, { presenceTimeout: 20 });
    pn.subscribe({ channels: [ch], withPresence: true });
    await until(() => pn.statuses.some((s) => s.category === "PNConnectedCategory"), "x connected through the proxy");
    await seen(observer, "join", x, ch);

    // node A goes away: open connections reset, new ones refused
    proxy.block();
    proxy.cut();
    await until(() => pn.statuses.some((s) => s.category === "PNNetworkDownCategory" || s.category === "PNNetworkIssuesCategory"), `x sees the network go: ${JSON.stringify(pn.statuses.map((s) => s.category))}`);
    // the origin now reaches node B: pubnub 7 finds it with /time/0 and resumes with its last tt
    proxy.target = new URL(BASE_B);
    proxy.block(false);
    await until(
      () => pn.statuses.some((s) => s.category === "PNReconnectedCategory" || s.category === "PNNetworkUpCategory"),
      `x reconnects: ${JSON.stringify(pn.statuses.map((s) => s.category))}`,
      20_000,
    );

    // x gets new events through node B
    assert.equal((await get(BASE_B, `v2/presence/sub-key/k/channel/${ch}/heartbeat`, as(y, { heartbeat: "20" }))).status, 200);
    await seen(pn, "join", y, ch, () => true, 20_000);
    // and x is still present, never reported gone
    const here = await get(BASE_B, `v2/presence/sub-key/k/channel/${ch}`, as(y));
    assert.ok(here.body.uuids.includes(x), JSON.stringify(here.body));
    assert.ok(
      !observer.events.some((e) => e.uuid === x && (e.action === "leave" || e.action === "timeout")),
      `no leave/timeout of x: ${JSON.stringify(observer.events.map((e) => `${e.action}:${e.uuid}`))}`,
    );
    await get(BASE_B, `v2/presence/sub-key/k/channel/${ch}/leave`, as(y));
  });
});
