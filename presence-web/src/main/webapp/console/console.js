// The operator console at "/console/" (SPEC 13.4): channels by occupancy, the live event rate, the
// users of a channel with their attributes, and kick. Plain ES module, no framework, no CDN; it uses
// only the public API of ../presence.js, the admin REST API and /metrics of the node serving it.
//
// Sign-in: the operator pastes a JWT whose `groups` or `roles` claim holds "presence-admin". In
// development mode (the server sets X-Presence-Dev-Mode: true) the console signs in with a name, as
// the demo does, by making an unsigned token (alg "none") for that name with
// `roles: ["presence-admin"]`: a server in development mode accepts any well-formed token and its
// claims, so anyone can be an admin there; a server in jwt mode refuses unsigned tokens, so this
// path does not exist in production. The token is kept in memory only (a reload signs out).
//
// Where each part comes from:
// - Channels: GET ../api/v1/channels?prefix=&limit=&cursor= (cluster-wide), page by page
//   (PAGE_SIZE channels a page; "Load more" adds a page); sorted here by occupancy (then name), since
//   the API pages in its own order. Refreshed every REFRESH_MS while the tab is visible.
// - Totals and event rate: ../metrics polled every METRICS_MS: presence_channels and
//   presence_present_users (cluster-wide gauges) and the sum of presence_events_total{kind} (events
//   produced on the node serving the console), whose difference between two polls is the rate.
//   Behind a load balancer each poll may reach another node; the rate is then of whichever node
//   answered, so operators reach the console on one node (or read the cluster rate from Prometheus).
// - The open channel: a presence.js subscription (WebSocket) to that one channel: its snapshot,
//   then every event live; the console observes only, it never joins.
// - Kick: POST ../api/v1/channels/{channel}/users/{user}/kick; the user then leaves through the
//   subscription (a `leave` with reason "kicked").
//
// Everything that comes from users (ids, attribute keys and values, error messages) is put in the
// page as text (textContent, setAttribute), never as HTML.

import { createPresenceClient } from "../presence.js";
import { appendLog, devToken, el } from "../demo/page.js";

const PAGE_SIZE = 1000; // the API's largest page
const REFRESH_MS = 5000;
const METRICS_MS = 2000;
const RATE_POINTS = 60;
const MAX_USER_ROWS = 1000;
const MAX_LOG = 100;
const SHOWN_VALUE_CHARS = 200;
const ADMIN_ROLE = "presence-admin";
const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

const $ = (id) => document.getElementById(id);

const state = {
  devMode: false,
  token: null,
  user: null,
  client: null,
  prefix: "", // the filter asked for
  listedPrefix: "", // the filter of the channels shown
  channels: [],
  next: null,
  loadedPages: 1,
  open: null, // { channel, listener, users: Map<user, attributes>, occupancy }
  samples: [], // { t, rate }
  lastEvents: null, // { t, total }
  timers: [],
};

// --- start ---

checkMode();
$("sign-in-form").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn().catch(showSignInError);
});
$("sign-out").addEventListener("click", () => signOut());
$("refresh").addEventListener("click", () => loadChannels(state.loadedPages));
$("filter-form").addEventListener("submit", (e) => {
  e.preventDefault();
  state.prefix = $("prefix").value.trim();
  loadChannels(1);
});
$("more").addEventListener("click", () => loadChannels(state.loadedPages + 1));
addEventListener("pagehide", () => state.client?.close());

async function checkMode() {
  try {
    const res = await fetch(new URL("../health/live", location.href), { cache: "no-store" });
    state.devMode = res.headers.get("X-Presence-Dev-Mode") === "true";
  } catch {
    state.devMode = false;
  }
  $("name-label").hidden = !state.devMode;
  $("name").required = state.devMode;
  $("token-label").hidden = state.devMode;
  $("token").required = !state.devMode;
  $("mode").textContent = state.devMode
    ? `Development mode: the console signs you in with an unsigned token for this name with the ${ADMIN_ROLE} role.`
    : `Paste a JWT whose groups or roles claim holds ${ADMIN_ROLE}. It stays in this tab's memory only.`;
  $("mode").dataset.devMode = String(state.devMode);
  const name = new URLSearchParams(location.search).get("name");
  if (name) {
    $("name").value = name;
  }
}

// --- signing in and out ---

async function signIn() {
  let token;
  if (state.devMode) {
    const name = $("name").value.trim();
    if (!ID_PATTERN.test(name)) {
      throw new Error("Names use 1 to 128 of A-Z a-z 0-9 . _ - : @ only.");
    }
    token = devToken(name, { roles: [ADMIN_ROLE] });
  } else {
    token = $("token").value.trim();
    if (!token) {
      throw new Error("Paste an admin token.");
    }
  }
  $("sign-in").disabled = true;
  $("sign-in-error").textContent = "";
  try {
    // The listing is admin-only: its answer says whether the token is an admin's.
    const res = await api("GET", `channels?limit=1`, token);
    if (res.status === 403) {
      throw new Error(`This token is valid but lacks the ${ADMIN_ROLE} role: ${await errorText(res)}`);
    }
    if (!res.ok) {
      throw new Error(`Signing in failed (${res.status}): ${await errorText(res)}`);
    }
  } finally {
    $("sign-in").disabled = false;
  }
  state.token = token;
  state.user = subjectOf(token);
  state.client = createPresenceClient({
    url: new URL("../", location.href).href,
    token,
    heartbeatInterval: 10_000,
    onStatus: showStatus,
    onError: (e) => log("error", null, `${e.code || "ERROR"}: ${e.message}`),
  });
  $("who").textContent = state.user ? `signed in as ${state.user}` : "";
  $("sign-in-panel").hidden = true;
  $("console").hidden = false;
  $("sign-out").hidden = false;
  $("token").value = "";
  await loadChannels(1);
  pollMetrics();
  state.timers.push(
    setInterval(() => {
      if (document.visibilityState === "visible") {
        loadChannels(state.loadedPages);
      }
    }, REFRESH_MS),
    setInterval(pollMetrics, METRICS_MS),
  );
}

async function signOut() {
  for (const t of state.timers) {
    clearInterval(t);
  }
  state.timers = [];
  const client = state.client;
  Object.assign(state, {
    token: null,
    user: null,
    client: null,
    open: null,
    channels: [],
    next: null,
    samples: [],
    lastEvents: null,
  });
  await client?.close();
  $("channels").replaceChildren();
  $("users").replaceChildren();
  $("log").replaceChildren();
  $("channel-view").hidden = true;
  $("no-channel").hidden = false;
  $("console").hidden = true;
  $("sign-out").hidden = true;
  $("sign-in-panel").hidden = false;
  $("who").textContent = "";
  showStatus("closed");
}

// --- channels ---

let loading = null;

/** Loads the first `pages` pages of the listing (at least one), replacing what is shown. */
async function loadChannels(pages) {
  if (loading) {
    return loading;
  }
  loading = (async () => {
    const token = state.token;
    const prefix = state.prefix;
    const all = [];
    let cursor = null;
    let loaded = 0;
    try {
      do {
        const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
        if (prefix) {
          query.set("prefix", prefix);
        }
        if (cursor) {
          query.set("cursor", cursor);
        }
        const res = await api("GET", `channels?${query}`, token);
        if (!res.ok) {
          throw new Error(`listing channels failed (${res.status}): ${await errorText(res)}`);
        }
        const body = await res.json();
        all.push(...(Array.isArray(body.channels) ? body.channels : []));
        cursor = typeof body.next === "string" && body.next ? body.next : null;
        loaded++;
      } while (cursor && loaded < pages);
      if (token !== state.token) {
        return; // signed out meanwhile
      }
      state.channels = all;
      state.listedPrefix = prefix;
      state.next = cursor;
      state.loadedPages = loaded;
      $("channels-error").textContent = "";
      renderChannels();
    } catch (e) {
      if (token === state.token) {
        $("channels-error").textContent = e.message;
        if (prefix !== state.listedPrefix) {
          // The list shown is not of this filter: show none rather than the wrong one.
          state.channels = [];
          state.next = null;
          state.listedPrefix = prefix;
          renderChannels(false);
        }
      }
    }
  })();
  try {
    await loading;
  } finally {
    loading = null;
  }
}

/** Shows the loaded channels; `withNote` false leaves out the count (after a refused filter). */
function renderChannels(withNote = true) {
  const sorted = [...state.channels].sort(
    (a, b) => b.occupancy - a.occupancy || (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0),
  );
  const rows = sorted.map(({ channel, occupancy }) => {
    const tr = el("tr", { className: "channel-row", "data-testid": "channel-row", "data-channel": channel });
    if (state.open && state.open.channel === channel) {
      tr.classList.add("selected");
    }
    const link = el("button", { type: "button", className: "link" }, channel);
    link.addEventListener("click", () => openChannel(channel).catch((e) => showChannelError(e)));
    const name = el("td", { className: "channel-name" });
    name.append(link);
    tr.append(name, el("td", { className: "num", "data-testid": "channel-occupancy-cell" }, String(occupancy)));
    return tr;
  });
  $("channels").replaceChildren(...rows);
  const what = state.listedPrefix ? ` starting with “${state.listedPrefix}”` : "";
  $("channels-note").textContent = !withNote
    ? ""
    : sorted.length === 0
      ? `No channels${what} have users.`
      : `${sorted.length} channel${sorted.length === 1 ? "" : "s"}${what}` +
        (state.next ? ", more on the server (load more, or filter by prefix); sorted among those loaded" : "");
  $("more").hidden = !state.next;
}

// --- one channel ---

async function openChannel(channel) {
  const previous = state.open;
  if (previous && previous.channel === channel) {
    return;
  }
  if (previous) {
    state.open = null;
    state.client.removePresenceListener({ channel: previous.channel }, previous.listener).catch(() => {});
  }
  const open = { channel, listener: null, users: new Map(), occupancy: 0 };
  open.listener = (e) => {
    if (state.open === open) {
      onChannelEvent(e);
    }
  };
  state.open = open;
  $("log").replaceChildren();
  $("channel-error").textContent = "";
  $("channel-name").textContent = channel;
  $("no-channel").hidden = true;
  $("channel-view").hidden = false;
  $("users").replaceChildren();
  $("users-note").textContent = "Loading…";
  renderChannels();
  const snapshot = await state.client.addPresenceListener({ channel }, open.listener);
  if (state.open !== open) {
    return;
  }
  open.users = new Map(snapshot.channelUsers.map((u) => [u.userProfileId, u.attributes || {}]));
  open.occupancy = snapshot.occupancy;
  log("info", null, `watching #${channel}`);
  renderUsers();
}

function onChannelEvent({ event, message }) {
  const open = state.open;
  const { userProfileId: user, attributes } = message;
  if (event === "join" || event === "attributesUpdate") {
    open.users.set(user, attributes || {});
  } else if (event === "leave" || event === "timeout") {
    open.users.delete(user);
  }
  open.occupancy = typeof message.occupancy === "number" ? message.occupancy : open.users.size;
  const extra = [];
  if (message.reason) {
    extra.push(`reason: ${message.reason}`);
  }
  if (message.synthetic) {
    extra.push("(caught up after reconnect)");
  }
  log(event, user, extra.join(" "));
  renderUsers();
  const row = state.channels.find((c) => c.channel === open.channel);
  if (row && row.occupancy !== open.occupancy) {
    row.occupancy = open.occupancy;
    renderChannels();
  }
}

function renderUsers() {
  const open = state.open;
  $("channel-occupancy").textContent = String(open.occupancy);
  const users = [...open.users.keys()].sort();
  const rows = users.slice(0, MAX_USER_ROWS).map((user) => userRow(user, open.users.get(user)));
  $("users").replaceChildren(...rows);
  $("users-note").textContent =
    users.length === 0
      ? "Nobody is present."
      : users.length > MAX_USER_ROWS
        ? `Showing the first ${MAX_USER_ROWS} of ${users.length} users (by id).`
        : "";
}

function userRow(user, attributes) {
  const tr = el("tr", { className: "user-row", "data-testid": "user-row", "data-user": user });
  const chips = el("div", { className: "attributes" });
  // In order of key (the server keeps no order), so the chips do not move between updates.
  const entries = Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [key, raw] of entries) {
    const value = String(raw);
    const chip = el("span", { className: "chip attribute", "data-testid": "attribute" });
    chip.append(el("span", { className: "key" }, key), el("span", { className: "value" }, shown(value)));
    if (value.length > SHOWN_VALUE_CHARS) {
      chip.title = value;
    }
    chips.append(chip);
  }
  const kick = el("button", { type: "button", className: "danger small-button", "data-testid": "kick" }, "Kick");
  kick.addEventListener("click", () => kickUser(state.open.channel, user, kick));
  const action = el("td", { className: "action" });
  action.append(kick);
  const cell = el("td", {});
  cell.append(chips);
  tr.append(el("td", { className: "user-id" }, user), cell, action);
  return tr;
}

async function kickUser(channel, user, button) {
  if (!confirm(`Kick ${user} from #${channel}? Their clients are told they were kicked.`)) {
    return;
  }
  button.disabled = true;
  button.textContent = "Kicking…";
  $("channel-error").textContent = "";
  try {
    const path = `channels/${encodeURIComponent(channel)}/users/${encodeURIComponent(user)}/kick`;
    const res = await api("POST", path, state.token);
    if (!res.ok) {
      throw new Error(`kicking ${user} failed (${res.status}): ${await errorText(res)}`);
    }
    log("info", user, "kicked by you");
  } catch (e) {
    showChannelError(e);
    button.disabled = false;
    button.textContent = "Kick";
  }
}

function showChannelError(e) {
  $("channel-error").textContent = e && e.code ? `${e.code}: ${e.message}` : String((e && e.message) || e);
}

// --- metrics: totals and the event rate ---

let polling = false;

async function pollMetrics() {
  if (polling || !state.token) {
    return;
  }
  polling = true;
  try {
    const res = await fetch(new URL("../metrics", location.href), { cache: "no-store" });
    if (!res.ok) {
      throw new Error(`/metrics answered ${res.status}`);
    }
    const text = await res.text();
    const now = performance.now();
    const m = parseMetrics(text);
    $("total-channels").textContent = m.channels === null ? "–" : String(m.channels);
    $("total-users").textContent = m.users === null ? "–" : String(m.users);
    const last = state.lastEvents;
    state.lastEvents = { t: now, total: m.events };
    if (last && m.events >= last.total && now > last.t) {
      addRate(((m.events - last.total) * 1000) / (now - last.t));
    }
    $("rate-note").textContent = "from /metrics, every 2 s";
  } catch (e) {
    $("rate-note").textContent = `metrics unavailable: ${e.message}`;
  } finally {
    polling = false;
  }
}

/** The gauges and the event counter sum of a Prometheus text; null for a gauge not there. */
function parseMetrics(text) {
  let events = 0;
  let channels = null;
  let users = null;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) {
      continue;
    }
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match) {
      continue;
    }
    const value = Number(match[3]);
    if (!Number.isFinite(value)) {
      continue;
    }
    if (match[1] === "presence_events_total") {
      events += value;
    } else if (match[1] === "presence_channels") {
      channels = value;
    } else if (match[1] === "presence_present_users") {
      users = value;
    }
  }
  return { events, channels, users };
}

function addRate(rate) {
  state.samples.push(rate);
  if (state.samples.length > RATE_POINTS) {
    state.samples.shift();
  }
  const shownRate = rate >= 10 ? Math.round(rate) : Math.round(rate * 10) / 10;
  $("rate").textContent = String(shownRate);
  $("rate").dataset.rate = String(rate);
  $("rate-chart").dataset.samples = String(state.samples.length);
  drawChart();
}

function drawChart() {
  const canvas = $("rate-chart");
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 320;
  const height = canvas.clientHeight || 64;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const samples = state.samples;
  const max = Math.max(1, ...samples);
  const step = width / (RATE_POINTS - 1);
  const x0 = width - (samples.length - 1) * step;
  const y = (v) => height - 4 - (v / max) * (height - 12);
  g.strokeStyle = "#e2e5ec";
  g.lineWidth = 1;
  g.beginPath();
  g.moveTo(0, height - 3.5);
  g.lineTo(width, height - 3.5);
  g.stroke();
  if (samples.length < 2) {
    return;
  }
  g.beginPath();
  samples.forEach((v, i) => (i === 0 ? g.moveTo(x0, y(v)) : g.lineTo(x0 + i * step, y(v))));
  g.strokeStyle = "#3857d6";
  g.lineWidth = 2;
  g.stroke();
  g.lineTo(x0 + (samples.length - 1) * step, height - 4);
  g.lineTo(x0, height - 4);
  g.closePath();
  g.fillStyle = "rgba(56, 87, 214, 0.12)";
  g.fill();
  g.fillStyle = "#6b7385";
  g.font = "10px system-ui, sans-serif";
  g.fillText(`max ${Math.round(max * 10) / 10}/s`, 4, 10);
}

// --- shared ---

function api(method, path, token) {
  return fetch(new URL(`../api/v1/${path}`, location.href), {
    method,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
    cache: "no-store",
  });
}

/** The message of an error answer ({"error":{"code","message"}}), or its status text. */
async function errorText(res) {
  try {
    const body = await res.json();
    if (body && body.error) {
      return `${body.error.code}: ${body.error.message}`;
    }
  } catch {
    // not JSON
  }
  return res.statusText || "no details";
}

function showStatus(status, detail) {
  const pill = $("status");
  pill.dataset.status = status;
  pill.textContent =
    { connecting: "connecting…", open: "live", reconnecting: "reconnecting…", closed: "not connected" }[status] ||
    status;
  pill.title = detail || "";
}

function showSignInError(e) {
  $("sign-in-error").textContent = e && e.code ? `${e.code}: ${e.message}` : String((e && e.message) || e);
}

function log(kind, user, text) {
  appendLog($("log"), MAX_LOG, kind, user, text);
}

/** An attribute value as shown: at most SHOWN_VALUE_CHARS characters (the rest in its title). */
function shown(value) {
  if (value.length <= SHOWN_VALUE_CHARS) {
    return value;
  }
  return `${value.slice(0, SHOWN_VALUE_CHARS)}… (${value.length} characters)`;
}

/** The `sub` of a JWT, for display only (the server checks the token). */
function subjectOf(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const sub = JSON.parse(new TextDecoder().decode(bytes)).sub;
    return typeof sub === "string" ? sub : null;
  } catch {
    return null;
  }
}
