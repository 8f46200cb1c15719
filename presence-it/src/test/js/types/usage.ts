// Compiled (never run) by types.test.js with tsc --strict: the seed's examples type-check against
// presence.d.ts, and misuse does not (each @ts-expect-error must meet an error).

import {
  init,
  createPresenceClient,
  disconnect,
  joinPresenceChannel,
  leavePresenceChannel,
  getPresenceChannelUsers,
  getPresenceUserChannels,
  setPresenceUserAttributes,
  getPresenceUserAttributes,
  addPresenceListener,
  removePresenceListener,
  PresenceError,
  PresenceActionEvent,
  type PresenceListener,
  type PresenceEventKind,
  type OccupancyListener,
  type OccupancySnapshot,
  type ObserveMode,
} from "../../../../../presence-web/src/main/webapp/presence.js";

const client = init({ url: "https://presence.example.com/", token: "jwt", heartbeatInterval: 20_000 });
const status: "connecting" | "open" | "reconnecting" | "closed" = client.status;
const other = createPresenceClient({ token: async () => "jwt", onStatus: (s) => console.log(s) });
const renewing = createPresenceClient({ url: "https://x/", token: "jwt", tokenProvider: async () => "jwt2" });
const providedOnly = createPresenceClient({ tokenProvider: () => "jwt" });

getPresenceUserChannels({ userProfileId: "user-id" }).then((res) => {
  const channels: string[] = res.channels;
  console.log(channels);
});

getPresenceChannelUsers({ channel: "test-channel" }).then(({ channelUsers }) => {
  for (const u of channelUsers) {
    const id: string = u.userProfileId;
    const mood: string | undefined = u.attributes["mood"];
    console.log(id, mood);
  }
});

function onPresenceListener({ event, message }: { event: PresenceEventKind; message: { userProfileId: string } }) {
  console.log(event, message.userProfileId);
}
const listener: PresenceListener = ({ event, message }) => {
  const kind: "join" | "leave" | "timeout" | "attributesUpdate" = event;
  const channel: string = message.channel;
  const attrs: Record<string, string> = message.attributes;
  console.log(kind, channel, attrs, message.occupancy, message.seq, message.timestamp, message.synthetic);
};

async function main() {
  const snapshot = await addPresenceListener({ channel: "test-channel" }, onPresenceListener);
  console.log(snapshot.channelUsers.length, snapshot.seq, status);
  await addPresenceListener({ channel: "test-channel" }, listener);
  await removePresenceListener({ channel: "test-channel" }, onPresenceListener);
  await joinPresenceChannel({ channel: "test-channel" });
  await leavePresenceChannel({ channel: "test-channel" });
  const set: Record<string, string> = await setPresenceUserAttributes({
    channel: "test-channel",
    attributes: { mood: "happy" },
  });
  const got: Record<string, string> = await getPresenceUserAttributes({
    channel: "test-channel",
    userProfileId: "test-user-id",
  });
  console.log(set, got);
  try {
    await other.joinPresenceChannel({ channel: "c" });
  } catch (e) {
    if (e instanceof PresenceError) {
      const code: string = e.code;
      console.log(code, e.message, e.retryAfter);
    }
  }
  await disconnect();

  // @ts-expect-error the event kinds are the spec's four
  const wrong: PresenceEventKind = "updateAttributes";
  // @ts-expect-error attribute values are strings
  await setPresenceUserAttributes({ channel: "c", attributes: { n: 1 } });
  // @ts-expect-error a channel is required
  await joinPresenceChannel({});
  // @ts-expect-error a token is required
  init({ url: "https://x/" });
  // @ts-expect-error the tokenProvider returns a JWT string
  createPresenceClient({ tokenProvider: async () => 42 });
  // SPEC 13.3: interval events carry interval and fromSeq; occupancy-only listeners.
  const onInterval: PresenceListener = ({ event, message }) => {
    if (message.interval === true) {
      const range: [number | undefined, number] = [message.fromSeq, message.seq];
      console.log(event, range);
    }
  };
  await addPresenceListener({ channel: "big", mode: "events" }, onInterval);
  const onOccupancy: OccupancyListener = ({ event, message }) => {
    const kind: "occupancy" = event;
    const n: number = message.occupancy;
    console.log(kind, n, message.seq);
  };
  const occ: OccupancySnapshot = await addPresenceListener({ channel: "big", mode: "occupancy" }, onOccupancy);
  const n: number = occ.occupancy;
  const mode: ObserveMode = "occupancy";
  console.log(n, mode);
  await client.addPresenceListener({ channel: "big", mode: "occupancy" }, onOccupancy);
  await removePresenceListener({ channel: "big" }, onOccupancy);
  // @ts-expect-error an occupancy listener gets no user
  await addPresenceListener({ channel: "big", mode: "occupancy" }, ({ message }) => console.log(message.userProfileId));
  // @ts-expect-error the modes are events and occupancy
  await addPresenceListener({ channel: "big", mode: "users" }, onInterval);
  await renewing.close();
  await providedOnly.close();
  console.log(wrong);
}

main();

// PresenceActionEvent: the seed's names for the event kinds, read-only.
const joinKind: PresenceEventKind = PresenceActionEvent.JOIN;
const updateKind: "attributesUpdate" = PresenceActionEvent.ATTRIBUTES_UPDATE;
console.log(joinKind, updateKind);
// @ts-expect-error: read-only
PresenceActionEvent.JOIN = "leave";
