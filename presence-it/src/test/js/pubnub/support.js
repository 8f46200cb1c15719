// Helpers of the PubNub-protocol tests: the unmodified SDKs from npm (pubnub 7.6.3 and 12.0.3,
// pinned in package-lock.json under the aliases pubnub7 / pubnub12), clients for a node, raw
// requests, and an event log that waits for events (no sleeping).

import { createRequire } from "node:module";
import { devToken, until } from "../lib/support.js";

const require = createRequire(import.meta.url);
export const PubNub7 = require("pubnub7");
export const PubNub12 = require("pubnub12");

/** Node A's base URL (http://127.0.0.1:port/), and node B's when the IT runs two nodes. */
export const BASE_A = process.env.PRESENCE_BASE_URL ? process.env.PRESENCE_BASE_URL.replace(/\/?$/, "/") : null;
export const BASE_B = process.env.PRESENCE_BASE_URL_B ? process.env.PRESENCE_BASE_URL_B.replace(/\/?$/, "/") : null;
export const NEEDS_SERVER = BASE_A ? false : "PRESENCE_BASE_URL is not set (no server to test against)";
export const NEEDS_TWO = BASE_A && BASE_B ? false : "PRESENCE_BASE_URL_B is not set (no second node)";

export const origin = (base) => new URL(base).host;

const open = new Set();

/**
 * A pubnub client of `version` (7 or 12) for `uuid` against `base`, our dev token in authKey.
 * Its presence events and statuses are recorded in `pn.events` / `pn.statuses`.
 */
export function client(version, uuid, base = BASE_A, options = {}) {
  const common = {
    subscribeKey: "sub-test",
    publishKey: "pub-test",
    origin: origin(base),
    ssl: false,
    authKey: devToken(uuid),
    ...options,
  };
  const pn =
    version === 7
      ? new PubNub7({ uuid, ...common })
      : new PubNub12({ userId: uuid, logVerbosity: false, ...common });
  pn.events = [];
  pn.statuses = [];
  pn.addListener({
    presence: (e) => pn.events.push(e),
    status: (s) => pn.statuses.push(s),
  });
  open.add(pn);
  return pn;
}

/** Stops every client without a leave (their heartbeats and polls end). */
export function stopAll() {
  for (const pn of open) {
    try {
      pn.stop();
    } catch {
      // already stopped
    }
  }
  open.clear();
}

/** Waits until `pn` saw a presence event `action` of `uuid` on `channel` (and `extra`). */
export async function seen(pn, action, uuid, channel, extra = () => true, timeout = 15_000) {
  const match = (e) => e.action === action && e.uuid === uuid && e.channel === channel && extra(e);
  await until(() => pn.events.some(match), `${action} of ${uuid} in ${channel}; saw ${describe(pn)}`, timeout);
  return pn.events.find(match);
}

export function describe(pn) {
  return JSON.stringify(pn.events.map((e) => `${e.action}:${e.uuid}@${e.channel}`));
}

/** A GET of a raw PubNub path; answers {status, type, body (parsed JSON or text)}. */
export async function get(base, path, query = {}) {
  const url = new URL(path.replace(/^\//, ""), base);
  for (const [k, v] of Object.entries(query)) {
    url.searchParams.set(k, v);
  }
  return getUrl(url.toString());
}

export async function getUrl(url) {
  const res = await fetch(url);
  const text = await res.text();
  let body = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the assertion message
  }
  return { status: res.status, type: res.headers.get("content-type"), body, text };
}

/** The query of an authenticated raw request of `uuid`. */
export const as = (uuid, more = {}) => ({ uuid, auth: devToken(uuid), pnsdk: "raw-test", ...more });
