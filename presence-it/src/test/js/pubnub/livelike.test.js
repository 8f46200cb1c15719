// @livelike/javascript 1.3.0, unmodified, running the seed's snippets against our node over TLS
// (LiveLike forces ssl: true). Its init reads an application resource and a profile: a small
// Node HTTP server here serves both, the application's pubnub_origin naming the node's TLS port
// (PRESENCE_PUBNUB_ORIGIN, host:port); the profile's id is the subject of the dev token the test
// passes as accessToken, which LiveLike sends to our node as auth. Node trusts the node's
// certificate through NODE_EXTRA_CA_CERTS (set by the IT).

import assert from "node:assert/strict";
import http from "node:http";
import { createRequire } from "node:module";
import { after, before, describe, test } from "node:test";
import { devToken, unique, until } from "../lib/support.js";

const require = createRequire(import.meta.url);
const ORIGIN = process.env.PRESENCE_PUBNUB_ORIGIN;
const SKIP = ORIGIN ? false : "PRESENCE_PUBNUB_ORIGIN is not set (no TLS node to test against)";

let server;
let endpoint;
const CLIENT_ID = "presence-test-client";

/** The subject of a dev token (its payload's sub). */
const subjectOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).sub;

/** A fresh copy of the LiveLike module (it is a singleton): one per user. */
const load = () => {
  delete require.cache[require.resolve("@livelike/javascript")];
  return require("@livelike/javascript");
};

const loaded = [];

before(async () => {
  if (SKIP) {
    return;
  }
  server = http.createServer((req, res) => {
    const json = (status, body) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method === "GET" && req.url === `/api/v1/applications/${CLIENT_ID}/`) {
      return json(200, {
        profile_url: `${endpoint}profile/`,
        pubnub_subscribe_key: "sub-test",
        pubnub_publish_key: "pub-test",
        pubnub_origin: ORIGIN,
        pubnub_heartbeat_interval: null,
        pubnub_presence_timeout: 20,
      });
    }
    if (req.method === "GET" && req.url === "/api/v1/profile/") {
      const token = (req.headers.authorization || "").replace(/^Bearer /, "");
      return json(200, { id: subjectOf(token), nickname: "n" });
    }
    return json(404, { detail: "not found" });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  endpoint = `http://127.0.0.1:${server.address().port}/api/v1/`;
});

after(() => {
  for (const LL of loaded) {
    try {
      LL._$$.pn?.stop();
    } catch {
      // stopped
    }
  }
  server?.close();
});

describe("@livelike/javascript 1.3.0 over TLS", { skip: SKIP }, () => {
  test("the seed's snippets: init, join, attributes, users, channels, listener events, leave", async () => {
    const room = unique("room");
    const idA = unique("alice");
    const idB = unique("bob");
    const A = load();
    loaded.push(A);
    const profileA = await A.init({ clientId: CLIENT_ID, accessToken: devToken(idA), endpoint });
    assert.equal(profileA.id, idA);
    const B = load();
    loaded.push(B);
    await B.init({ clientId: CLIENT_ID, accessToken: devToken(idB), endpoint });

    const seen = [];
    await B.addPresenceListener({ channel: room }, ({ event, message }) =>
      seen.push([event, message.userProfileId, message.attributes]),
    );
    // addPresenceListener subscribes B (PubNub's model): wait until B is in
    await waitUsers(B, room, [idB]);

    await A.joinPresenceChannel({ channel: room });
    await until(() => seen.some(([e, u]) => e === A.PresenceActionEvent.JOIN && u === idA), `join of ${idA}: ${JSON.stringify(seen)}`, 20_000);

    const set = await A.setPresenceUserAttributes({ channel: room, attributes: { mood: "happy" } });
    assert.deepEqual(set, { mood: "happy" });
    await until(
      () => seen.some(([e, u, a]) => e === "attributesUpdate" && u === idA && a?.mood === "happy"),
      `attributesUpdate of ${idA}: ${JSON.stringify(seen)}`,
      20_000,
    );

    const users = await B.getPresenceChannelUsers({ channel: room });
    assert.deepEqual(
      users.channelUsers.map((u) => [u.userProfileId, u.attributes?.mood]).sort(),
      [
        [idA, "happy"],
        [idB, undefined],
      ].sort(),
    );
    assert.deepEqual(await B.getPresenceUserChannels({ userProfileId: idA }), { channels: [room] });
    assert.deepEqual(await B.getPresenceUserAttributes({ userProfileId: idA, channel: room }), { mood: "happy" });

    await A.leavePresenceChannel({ channel: room });
    await until(() => seen.some(([e, u]) => e === "leave" && u === idA), `leave of ${idA}: ${JSON.stringify(seen)}`, 20_000);
    assert.deepEqual(await B.getPresenceUserChannels({ userProfileId: idA }), { channels: [] });
  });
});

async function waitUsers(LL, channel, ids) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const users = await LL.getPresenceChannelUsers({ channel });
    const got = users.channelUsers.map((u) => u.userProfileId).sort();
    if (JSON.stringify(got) === JSON.stringify([...ids].sort())) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`users of ${channel}: ${JSON.stringify(got)}, expected ${JSON.stringify(ids)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
