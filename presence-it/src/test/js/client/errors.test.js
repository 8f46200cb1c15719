// Calls that fail reject with a PresenceError carrying the server's code and message (SPEC 4.4).
// Server settings of the IT: development mode, 50 users per channel.

import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { after, describe, test } from "node:test";
import {
  NEEDS_SERVER,
  WebSocket,
  closeClients,
  connect,
  presence,
  rejectsWith,
  unique,
} from "../lib/support.js";

after(closeClients);

const USERS_PER_CHANNEL = Number(process.env.PRESENCE_TEST_USERS_PER_CHANNEL || 0);

describe("server errors", { skip: NEEDS_SERVER }, () => {
  test("NOT_JOINED: setting attributes before joining", async () => {
    const c = connect(unique("nj"));
    await rejectsWith(c.setPresenceUserAttributes({ channel: unique("err"), attributes: { mood: "x" } }), "NOT_JOINED");
  });

  test("NOT_PRESENT: reading the attributes of a user not present", async () => {
    const c = connect(unique("np"));
    await rejectsWith(
      c.getPresenceUserAttributes({ channel: unique("err"), userProfileId: unique("absent") }),
      "NOT_PRESENT",
    );
  });

  test("INVALID_ARGUMENT: a bad channel name, a missing channel, a non-string attribute value", async () => {
    const c = connect(unique("ia"));
    await rejectsWith(c.joinPresenceChannel({ channel: "no spaces allowed" }), "INVALID_ARGUMENT");
    await rejectsWith(c.joinPresenceChannel({}), "INVALID_ARGUMENT");
    const ch = unique("err");
    await c.joinPresenceChannel({ channel: ch });
    await rejectsWith(c.setPresenceUserAttributes({ channel: ch, attributes: { n: 1 } }), "INVALID_ARGUMENT");
    await rejectsWith(c.addPresenceListener({ channel: "bad name!" }, () => {}), "INVALID_ARGUMENT");
    // The connection is still usable after errors.
    assert.deepEqual((await c.getPresenceUserChannels()).channels, [ch]);
  });

  test("TOO_LARGE: more attributes than allowed, and nothing is stored", async () => {
    const c = connect(unique("tl"));
    const ch = unique("err");
    await c.joinPresenceChannel({ channel: ch });
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, "v"]));
    await rejectsWith(c.setPresenceUserAttributes({ channel: ch, attributes: many }), "TOO_LARGE");
    assert.deepEqual(await c.getPresenceUserAttributes({ channel: ch }), {});
  });

  test("RATE_LIMITED: attribute sets beyond the per-user burst, with retryAfter", async () => {
    const c = connect(unique("rl"));
    const ch = unique("err");
    await c.joinPresenceChannel({ channel: ch });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) => c.setPresenceUserAttributes({ channel: ch, attributes: { n: String(i) } })),
    );
    const refused = results.filter((r) => r.status === "rejected").map((r) => r.reason);
    assert.ok(refused.length > 0, "some sets refused");
    for (const e of refused) {
      assert.equal(e.code, "RATE_LIMITED", e.message);
      assert.ok(e.retryAfter >= 1, `retryAfter ${e.retryAfter}`);
    }
  });

  test("CHANNEL_FULL: joining a channel at its member limit", { skip: !USERS_PER_CHANNEL && "PRESENCE_TEST_USERS_PER_CHANNEL not set" }, async () => {
    const ch = unique("full");
    const members = Array.from({ length: USERS_PER_CHANNEL }, (_, i) => connect(unique(`m${i}`)));
    await Promise.all(members.map((m) => m.joinPresenceChannel({ channel: ch })));
    const late = connect(unique("late"));
    await rejectsWith(late.joinPresenceChannel({ channel: ch }), "CHANNEL_FULL");
    await members[0].leavePresenceChannel({ channel: ch });
    await late.joinPresenceChannel({ channel: ch });
    await Promise.all(members.map((m) => m.close()));
  });

  test("UNAUTHENTICATED: a token the server does not accept", async () => {
    const c = connect("x", { token: "not-a-jwt", requestTimeout: 10_000 });
    await rejectsWith(c.joinPresenceChannel({ channel: unique("err") }), "UNAUTHENTICATED");
    await rejectsWith(c.addPresenceListener({ channel: unique("err") }, () => {}), "UNAUTHENTICATED");
    assert.ok(c.errors.some((e) => e.code === "UNAUTHENTICATED"), "reported to onError too");
  });
});

describe("client errors", () => {
  test("TIMEOUT: no reply (here: a server that never completes the handshake)", async () => {
    const silent = net.createServer(() => {});
    silent.listen(0, "127.0.0.1");
    await once(silent, "listening");
    const sockets = new Set();
    silent.on("connection", (s) => sockets.add(s));
    try {
      const c = presence.createPresenceClient({
        url: `http://127.0.0.1:${silent.address().port}/`,
        token: "t",
        WebSocket,
        requestTimeout: 300,
        onError: () => {},
      });
      await rejectsWith(c.joinPresenceChannel({ channel: "c" }), "TIMEOUT");
      await c.close();
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});
