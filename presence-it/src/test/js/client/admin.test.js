// The administration API (SPEC 13.4) as presence.js sees it from a running server: a kick reaches
// the kicked client's onKicked and observers' listeners as a leave with reason "kicked", and the
// client does not join the channel again after a reconnect; a connection an administrator closed
// (close code 4003) is not reconnected.

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { BASE, NEEDS_SERVER, Recorder, closeClients, connect, devToken, unique, until } from "../lib/support.js";

after(closeClients);

const ADMIN = devToken("ops", { groups: ["presence-admin"] });

async function admin(method, path) {
  const response = await fetch(new URL(path, BASE), {
    method,
    headers: { Authorization: `Bearer ${ADMIN}` },
  });
  assert.equal(response.status, 204, `${method} ${path}`);
}

describe("administration", { skip: NEEDS_SERVER }, () => {
  test("a kick calls onKicked, observers see leave with reason kicked, and the join is forgotten", async () => {
    const ch = unique("adm-kick");
    const alice = unique("alice");
    const kicked = [];
    const observer = connect(unique("observer"));
    const rec = new Recorder();
    await observer.addPresenceListener({ channel: ch }, rec.listener);
    const a = connect(alice, { onKicked: (channel) => kicked.push(channel) });
    await a.joinPresenceChannel({ channel: ch });
    await rec.waitForEvent("join", alice);

    await admin("POST", `api/v1/channels/${ch}/users/${alice}/kick`);

    const leave = await rec.waitForEvent("leave", alice);
    assert.equal(leave.message.reason, "kicked");
    await until(() => kicked.length === 1, "onKicked");
    assert.deepEqual(kicked, [ch]);
    // the client still works, and joins again only when asked
    await a.joinPresenceChannel({ channel: ch });
    const again = await rec.waitForEvent("join", alice, (m) => m.seq > leave.message.seq);
    assert.equal(again.message.reason, undefined);
    rec.assertConsecutive();
  });

  test("a connection closed by an administrator (4003) is not reconnected", async () => {
    const bob = unique("bob");
    const b = connect(bob);
    await b.joinPresenceChannel({ channel: unique("adm-close") });
    await admin("DELETE", `api/v1/users/${bob}/connections`);
    await until(() => b.status === "closed", "the client to close");
    assert.ok(
      b.errors.some((e) => e.code === "CLOSED" && /administrator/.test(e.message)),
      `errors: ${b.errors.map((e) => `${e.code} ${e.message}`)}`,
    );
    assert.ok(!b.statuses.includes("reconnecting") || b.statuses.at(-1) === "closed");
    assert.equal(b.statuses.at(-1), "closed");
  });
});
