// The seed's way of using the module: functions imported by name, after one init({url, token}).
// (Each test file runs in its own process, so the module's default client starts uninitialized.)

import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import {
  BASE,
  NEEDS_SERVER,
  Recorder,
  WebSocket,
  closeClients,
  connect,
  devToken,
  presence,
  rejectsWith,
  unique,
} from "../lib/support.js";

const {
  init,
  disconnect,
  joinPresenceChannel,
  leavePresenceChannel,
  getPresenceChannelUsers,
  getPresenceUserChannels,
  setPresenceUserAttributes,
  getPresenceUserAttributes,
  addPresenceListener,
  removePresenceListener,
} = presence;

after(async () => {
  await disconnect();
  await closeClients();
});

test("before init every function rejects with NOT_INITIALIZED", async () => {
  await rejectsWith(joinPresenceChannel({ channel: "c" }), "NOT_INITIALIZED");
  await rejectsWith(leavePresenceChannel({ channel: "c" }), "NOT_INITIALIZED");
  await rejectsWith(getPresenceChannelUsers({ channel: "c" }), "NOT_INITIALIZED");
  await rejectsWith(getPresenceUserChannels({ userProfileId: "u" }), "NOT_INITIALIZED");
  await rejectsWith(setPresenceUserAttributes({ channel: "c", attributes: {} }), "NOT_INITIALIZED");
  await rejectsWith(getPresenceUserAttributes({ channel: "c", userProfileId: "u" }), "NOT_INITIALIZED");
  await rejectsWith(addPresenceListener({ channel: "c" }, () => {}), "NOT_INITIALIZED");
  await rejectsWith(removePresenceListener({ channel: "c" }, () => {}), "NOT_INITIALIZED");
});

describe("after init", { skip: NEEDS_SERVER }, () => {
  test("the seed's examples work unchanged", async () => {
    const me = unique("seed");
    const channel = unique("test-channel");
    const client = init({ url: BASE, token: devToken(me), WebSocket, heartbeatInterval: 1000 });
    assert.equal(client.userId, me);

    const friend = connect(unique("friend"));
    const seen = new Recorder();
    function onPresenceListener({ event, message }) {
      seen.listener({ event, message });
    }
    await addPresenceListener({ channel }, onPresenceListener);
    await joinPresenceChannel({ channel });
    await setPresenceUserAttributes({ channel, attributes: { mood: "happy" } });
    await friend.joinPresenceChannel({ channel });
    await seen.waitForEvent("join", friend.userId);

    const { channelUsers } = await getPresenceChannelUsers({ channel });
    assert.deepEqual(
      channelUsers.sort((x, y) => x.userProfileId.localeCompare(y.userProfileId)),
      [
        { userProfileId: friend.userId, attributes: {} },
        { userProfileId: me, attributes: { mood: "happy" } },
      ].sort((x, y) => x.userProfileId.localeCompare(y.userProfileId)),
    );
    assert.deepEqual(await getPresenceUserChannels({ userProfileId: me }), { channels: [channel] });
    assert.deepEqual(await getPresenceUserAttributes({ channel, userProfileId: me }), { mood: "happy" });

    removePresenceListener({ channel }, onPresenceListener);
    await leavePresenceChannel({ channel });
    assert.deepEqual(
      seen.events.map((e) => `${e.event}:${e.message.userProfileId === me ? "me" : "friend"}`),
      ["join:me", "attributesUpdate:me", "join:friend"],
    );
    assert.deepEqual(await getPresenceUserChannels({ userProfileId: me }), { channels: [] });
  });

  test("init again replaces the default client (the old one is closed)", async () => {
    const first = init({ url: BASE, token: devToken(unique("one")), WebSocket });
    const second = init({ url: BASE, token: devToken(unique("two")), WebSocket });
    assert.equal(first.status, "closed");
    assert.notEqual(second.status, "closed");
    assert.deepEqual(await getPresenceUserChannels(), { channels: [] });
    await disconnect();
    assert.equal(second.status, "closed");
    await rejectsWith(getPresenceUserChannels(), "NOT_INITIALIZED");
  });
});
