// Token renewal (SPEC 13.2): with a tokenProvider, presence.js renews its token on the open
// connection (reauthenticate) ahead of exp, and after a close for expiry it reconnects with a fresh
// token. First against a scripted server (the frames exactly), then against the real server in
// development mode, which checks exp (with the server's 30 s leeway) like JWT mode does.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  FakeServer,
  NEEDS_SERVER,
  Recorder,
  WebSocket,
  closeClients,
  connect,
  devToken,
  expEndingIn,
  presence,
  unique,
  until,
} from "../lib/support.js";

const CH = "room";
const nowSeconds = () => Math.floor(Date.now() / 1000);
const subOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url")).sub;
const expOf = (token) => JSON.parse(Buffer.from(token.split(".")[1], "base64url")).exp;

describe("tokenProvider against a scripted server", () => {
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

  function newClient(options) {
    const errors = [];
    client = presence.createPresenceClient({
      url: server.url,
      WebSocket,
      heartbeatInterval: 60_000,
      reconnectMinDelay: 20,
      reconnectMaxDelay: 100,
      requestTimeout: 10_000,
      onError: (e) => errors.push(e),
      ...options,
    });
    client.errors = errors;
    return client;
  }

  test("renews ahead of exp with reauthenticate on the open connection, again for each new token", async () => {
    const provided = [];
    const started = Date.now();
    newClient({
      token: devToken("me", { exp: nowSeconds() + 3 }),
      tokenProvider: async () => {
        const t = devToken("me", { exp: nowSeconds() + 3 });
        provided.push(t);
        return t;
      },
    });
    const conn = await server.connection(0);
    const first = await conn.request("reauthenticate");
    // 80 % of a 2-3 s remaining lifetime (exp has whole seconds), not sooner than 1 s.
    const after = Date.now() - started;
    assert.ok(after >= 1000 && after < 3000, `renewed ${after} ms after connecting`);
    assert.equal(provided.length, 1, "the provider was asked once");
    assert.equal(first.token, provided[0]);
    assert.ok(typeof first.id === "string" && first.id.length > 0, "an id to answer");
    conn.send({ id: first.id, type: "ok" });

    const second = await conn.request("reauthenticate");
    assert.equal(second.token, provided[1]);
    conn.send({ id: second.id, type: "ok" });
    assert.equal(server.connections.length, 1, "no reconnect");
    assert.equal(client.status, "open");
    assert.deepEqual(client.errors, []);
  });

  test("a refused renewal is reported and tried again while the token lasts", async () => {
    let calls = 0;
    newClient({
      token: devToken("me", { exp: nowSeconds() + 4 }),
      tokenProvider: () => devToken("me", { exp: nowSeconds() + 60, n: ++calls }),
    });
    const conn = await server.connection(0);
    const refused = await conn.request("reauthenticate");
    conn.send({ id: refused.id, type: "error", code: "UNAUTHENTICATED", message: "the token's audience (aud) is not accepted" });
    const again = await conn.request("reauthenticate");
    assert.notEqual(again.token, refused.token, "a fresh token from the provider");
    conn.send({ id: again.id, type: "ok" });
    await until(() => client.errors.length === 1, "the refusal reported");
    assert.equal(client.errors[0].code, "UNAUTHENTICATED");
    assert.match(client.errors[0].message, /renewing the token failed/);
    assert.equal(server.connections.length, 1, "no reconnect");
  });

  test("after a close for expiry: a fresh token, a new connection, re-joined, the call in flight sent again", async () => {
    let calls = 0;
    newClient({
      token: devToken("me", { exp: nowSeconds() + 600 }),
      tokenProvider: async () => devToken("me", { exp: nowSeconds() + 600, n: ++calls }),
    });
    const conn = await server.connection(0);
    await client.joinPresenceChannel({ channel: CH });
    const channels = client.getPresenceUserChannels();
    await conn.request("userChannels");
    conn.send({ type: "error", code: "UNAUTHENTICATED", message: "token expired" });
    conn.ws.close(1008, "UNAUTHENTICATED: token expired");

    const next = await server.connection(1);
    assert.equal(calls, 1, "the provider gave the token of the reconnect");
    assert.equal(expOf(next.url.searchParams.get("access_token")) > nowSeconds() + 500, true);
    assert.equal(subOf(next.url.searchParams.get("access_token")), "me");
    assert.equal((await next.request("join")).channel, CH);
    const resent = await next.request("userChannels");
    next.send({ id: resent.id, type: "ok", result: { userId: "me", channels: [CH] } });
    assert.deepEqual(await channels, { channels: [CH] });
    assert.deepEqual(client.errors, [], "an expiry the client handles is not an error");
  });

  test("init with only a tokenProvider asks it for the first connection too", async () => {
    let calls = 0;
    newClient({ tokenProvider: async () => devToken(`user${++calls}`) });
    const conn = await server.connection(0);
    assert.equal(subOf(conn.url.searchParams.get("access_token")), "user1");
    await until(() => client.userId === "user1", "userId from the provided token");
    assert.throws(
      () => presence.createPresenceClient({ url: server.url, WebSocket, tokenProvider: "not a function" }),
      { code: "INVALID_ARGUMENT" },
    );
  });
});

describe("tokenProvider against the server", { skip: NEEDS_SERVER }, () => {
  afterEach(closeClients);

  test("renews before the first token ends: the client keeps working past it, never reconnecting", async () => {
    const ch = unique("renew");
    const alice = unique("alice");
    const endsAt = Date.now() + 3000;
    let calls = 0;
    // Accepted now, ended by the server about 3 s from now (its exp is inside the server's leeway).
    const a = connect(alice, {
      token: devToken(alice, { exp: expEndingIn(3) }),
      tokenProvider: async () => {
        calls++;
        return devToken(alice, { exp: nowSeconds() + 600 });
      },
    });
    const observer = connect(unique("observer"));
    const watched = new Recorder();
    await observer.addPresenceListener({ channel: ch }, watched.listener);
    await a.joinPresenceChannel({ channel: ch });
    await watched.waitForEvent("join", alice);

    // Well past the first token's end and the server's periodic check (every second).
    await until(() => Date.now() > endsAt + 2000, "the first token's end", 10_000);
    assert.ok(calls >= 1, "the tokenProvider was called");
    assert.deepEqual((await a.getPresenceUserChannels()).channels, [ch]);
    await a.setPresenceUserAttributes({ channel: ch, attributes: { mood: "renewed" } });
    await watched.waitForEvent("attributesUpdate", alice, (m) => m.attributes.mood === "renewed");
    assert.deepEqual(
      watched.about(alice).map((e) => e.event),
      ["join", "attributesUpdate"],
      "no timeout or leave: the connection never ended",
    );
    assert.ok(!a.statuses.includes("reconnecting"), `statuses ${a.statuses}`);
    assert.deepEqual(a.errors, []);
  });

  test("when renewing fails the server closes at the end; the client reconnects with a fresh token and re-joins", async () => {
    const ch = unique("expire");
    const bob = unique("bob");
    const provided = [];
    const b = connect(bob, {
      token: devToken(bob, { exp: expEndingIn(3) }),
      // While connected the provider hands out a token the server refuses (expired an hour ago);
      // for a reconnect a good one.
      tokenProvider: async () => {
        const open = b.status === "open";
        provided.push(open ? "refused" : "fresh");
        return devToken(bob, { exp: open ? nowSeconds() - 3600 : nowSeconds() + 600 });
      },
    });
    const observer = connect(unique("observer"));
    const watched = new Recorder();
    await observer.addPresenceListener({ channel: ch }, watched.listener);
    await b.joinPresenceChannel({ channel: ch });
    await watched.waitForEvent("join", bob);

    await until(() => b.statuses.includes("reconnecting"), "the server's close for expiry", 15_000);
    await until(() => b.status === "open", "the reconnect", 10_000);
    assert.equal(provided.at(-1), "fresh");
    assert.ok(provided.includes("refused"), `provider calls ${provided}`);
    assert.ok(
      b.errors.some((e) => e.code === "UNAUTHENTICATED" && /renewing the token failed/.test(e.message)),
      `errors ${b.errors.map((e) => `${e.code}: ${e.message}`)}`,
    );
    // Re-joined on the new connection, and served.
    assert.deepEqual((await b.getPresenceUserChannels()).channels, [ch]);
    const users = await observer.getPresenceChannelUsers({ channel: ch });
    assert.deepEqual(
      users.channelUsers.map((u) => u.userProfileId),
      [bob],
    );
  });
});
