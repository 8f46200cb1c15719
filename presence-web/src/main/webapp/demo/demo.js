// The demo page at "/": who is online in a channel, with attributes, updating live. It uses only
// the public API of ../presence.js. In development mode (the server sets X-Presence-Dev-Mode: true)
// it makes its own unsigned token (alg "none") from the chosen name; otherwise it asks for a JWT.
//
// The member list is the snapshot that addPresenceListener resolves to, kept up to date by the
// listener's events (presence.js delivers each event once, in order, and after a reconnect the
// differences as synthetic events), so the page never has to poll. On a channel over the server's
// presence.channels.announce-max users the events come from interval messages (marked in the log).
// The "big channel" card observes another channel's occupancy only (mode "occupancy", SPEC 13.3).

import {
  init,
  disconnect,
  joinPresenceChannel,
  leavePresenceChannel,
  setPresenceUserAttributes,
  addPresenceListener,
  removePresenceListener,
} from "../presence.js";
import { appendLog, devToken, el } from "./page.js";

const MOODS = [
  ["happy", "😀"],
  ["cool", "😎"],
  ["meh", "😐"],
  ["sleepy", "😴"],
  ["sad", "😢"],
];
const MOOD_EMOJI = new Map(MOODS);
const MAX_LOG = 200;
const ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

const $ = (id) => document.getElementById(id);

const state = {
  devMode: false,
  user: null,
  channel: null,
  members: new Map(),
  occupancy: 0,
  listener: null,
  /** The channel observed for its occupancy only, and its listener. */
  watched: null,
  watchListener: null,
};

// --- start ---

const params = new URLSearchParams(location.search);
$("name").value = params.get("name") || sessionStorage.getItem("presence-demo-name") || guestName();
$("channel").value = params.get("channel") || "lobby";
renderMoodButtons();
checkMode();

$("join-form").addEventListener("submit", (e) => {
  e.preventDefault();
  enter().catch(showJoinError);
});
$("leave").addEventListener("click", () => exit().catch(showJoinError));
$("watch-channel").value = params.get("watch") || "stage";
$("watch-form").addEventListener("submit", (e) => {
  e.preventDefault();
  watch($("watch-channel").value.trim()).catch((err) => {
    $("watch-error").textContent = err && err.code ? `${err.code}: ${err.message}` : String((err && err.message) || err);
  });
});
// Closing the tab closes the socket cleanly: the others see "leave" after the grace period.
addEventListener("pagehide", () => {
  disconnect();
});

async function checkMode() {
  try {
    const res = await fetch(new URL("health/live", baseUrl()), { cache: "no-store" });
    state.devMode = res.headers.get("X-Presence-Dev-Mode") === "true";
  } catch {
    state.devMode = false;
  }
  $("token-label").hidden = state.devMode;
  $("token").required = !state.devMode;
  $("mode").textContent = state.devMode
    ? "Development mode: this page signs you in with an unsigned token for the name above."
    : "Paste a JWT whose subject (sub) is the name above.";
  $("mode").dataset.devMode = String(state.devMode);
}

// --- joining and leaving ---

async function enter() {
  const user = $("name").value.trim();
  const channel = $("channel").value.trim();
  if (!ID_PATTERN.test(user) || !/^[A-Za-z0-9._:@-]{1,200}$/.test(channel)) {
    throw new Error("Names and channels use A-Z a-z 0-9 . _ - : @ only.");
  }
  const token = state.devMode ? devToken(user) : $("token").value.trim();
  if (!token) {
    throw new Error("A token is needed: the server is not in development mode.");
  }
  sessionStorage.setItem("presence-demo-name", user);
  $("join").disabled = true;
  $("join-error").textContent = "";
  state.user = user;
  state.channel = channel;
  $("log").replaceChildren();
  init({ url: baseUrl(), token, onStatus: showStatus, onError: (e) => log("error", null, e.message) });
  try {
    state.listener = onPresenceEvent;
    const snapshot = await addPresenceListener({ channel }, onPresenceEvent);
    state.members = new Map(snapshot.channelUsers.map((u) => [u.userProfileId, u.attributes]));
    state.occupancy = snapshot.occupancy;
    await joinPresenceChannel({ channel });
  } catch (e) {
    await disconnect();
    state.listener = null;
    throw e;
  } finally {
    $("join").disabled = false;
  }
  $("room-channel").textContent = channel;
  $("room-user").textContent = user;
  $("join-panel").hidden = true;
  $("room").hidden = false;
  log("info", null, `you joined #${channel} as ${user}`);
  render();
}

async function exit() {
  const { channel, listener } = state;
  try {
    await leavePresenceChannel({ channel });
    await removePresenceListener({ channel }, listener);
  } finally {
    await disconnect();
    state.listener = null;
    state.watched = null;
    state.watchListener = null;
    $("watch-occupancy").textContent = "–";
    $("watch-name").textContent = "–";
    state.members = new Map();
    $("room").hidden = true;
    $("join-panel").hidden = false;
    showStatus("closed");
  }
}

async function setMood(mood) {
  $("mood-error").textContent = "";
  const current = state.members.get(state.user) || {};
  try {
    await setPresenceUserAttributes({ channel: state.channel, attributes: { ...current, mood } });
  } catch (e) {
    $("mood-error").textContent = `${e.code || "ERROR"}: ${e.message}`;
  }
}

// --- a big channel: occupancy only ---

async function watch(channel) {
  if (!/^[A-Za-z0-9._:@-]{1,200}$/.test(channel)) {
    throw new Error("Channels use A-Z a-z 0-9 . _ - : @ only.");
  }
  $("watch-error").textContent = "";
  if (state.watched) {
    await removePresenceListener({ channel: state.watched }, state.watchListener);
  }
  const listener = ({ message }) => {
    if (state.watchListener === listener) {
      $("watch-occupancy").textContent = String(message.occupancy);
    }
  };
  state.watched = channel;
  state.watchListener = listener;
  const snapshot = await addPresenceListener({ channel, mode: "occupancy" }, listener);
  if (state.watchListener === listener) {
    $("watch-name").textContent = `#${channel}`;
    $("watch-occupancy").textContent = String(snapshot.occupancy);
  }
}

// --- events ---

function onPresenceEvent({ event, message }) {
  const { userProfileId: user, attributes } = message;
  if (event === "join" || event === "attributesUpdate") {
    state.members.set(user, attributes);
  } else if (event === "leave" || event === "timeout") {
    state.members.delete(user);
  }
  state.occupancy = typeof message.occupancy === "number" ? message.occupancy : state.members.size;
  const detail =
    event === "attributesUpdate" || event === "join" ? describe(attributes) : "";
  const note = message.synthetic ? "(caught up after reconnect)" : message.interval ? "(interval)" : "";
  log(event, user, (detail ? detail + " " : "") + note);
  render();
}

// --- rendering ---

function render() {
  $("occupancy").textContent = String(state.occupancy);
  const items = [...state.members.keys()]
    .sort((a, b) => (a === state.user ? -1 : b === state.user ? 1 : a.localeCompare(b)))
    .map((user) => memberItem(user, state.members.get(user)));
  $("members").replaceChildren(...items);
  const mood = (state.members.get(state.user) || {}).mood;
  for (const button of $("moods").children) {
    button.setAttribute("aria-pressed", String(button.dataset.mood === mood));
  }
}

function memberItem(user, attributes) {
  const li = el("li", { className: "member", "data-user": user, "data-testid": "member" });
  const avatar = el("span", { className: "avatar" }, user.slice(0, 1).toUpperCase());
  avatar.style.background = `hsl(${hue(user)} 60% 45%)`;
  const name = el("span", { className: "member-name" }, user);
  if (user === state.user) {
    name.append(el("span", { className: "you" }, " (you)"));
  }
  const mood = attributes.mood;
  const moodEl = el(
    "span",
    { className: "mood", "data-testid": "member-mood", "data-mood": mood || "" },
    mood ? `${MOOD_EMOJI.get(mood) || "💬"} ${mood}` : "",
  );
  const extra = Object.entries(attributes)
    .filter(([k]) => k !== "mood")
    .map(([k, v]) => el("span", { className: "chip" }, `${k}: ${v}`));
  li.append(avatar, name, moodEl, ...extra);
  return li;
}

function renderMoodButtons() {
  const buttons = MOODS.map(([mood, emoji]) => {
    const b = el("button", { type: "button", className: "mood-button", "data-mood": mood, "data-testid": `mood-${mood}` });
    b.append(el("span", { className: "emoji" }, emoji), el("span", {}, mood));
    b.addEventListener("click", () => setMood(mood));
    return b;
  });
  $("moods").replaceChildren(...buttons);
}

function log(kind, user, text) {
  appendLog($("log"), MAX_LOG, kind, user, text);
}

function showStatus(status, detail) {
  const pill = $("status");
  pill.dataset.status = status;
  pill.textContent =
    { connecting: "connecting…", open: "connected", reconnecting: "reconnecting…", closed: "not connected" }[status] ||
    status;
  pill.title = detail || "";
  if (state.listener && (status === "reconnecting" || status === "open")) {
    log("info", null, status === "open" ? "connected" : `connection lost (${detail || "?"}); reconnecting`);
  }
}

function showJoinError(e) {
  $("join-error").textContent = e && e.code ? `${e.code}: ${e.message}` : String((e && e.message) || e);
}

// --- helpers ---

function baseUrl() {
  return new URL(".", location.href).href;
}

function describe(attributes) {
  const mood = attributes.mood;
  const rest = Object.entries(attributes).filter(([k]) => k !== "mood");
  const parts = [];
  if (mood) {
    parts.push(`mood ${MOOD_EMOJI.get(mood) || ""} ${mood}`.replace(/\s+/g, " "));
  }
  for (const [k, v] of rest) {
    parts.push(`${k}=${v}`);
  }
  return parts.join(", ");
}

function guestName() {
  return `guest-${Math.floor(Math.random() * 9000 + 1000)}`;
}

function hue(text) {
  let h = 0;
  for (const c of text) {
    h = (h * 31 + c.codePointAt(0)) % 360;
  }
  return h;
}
