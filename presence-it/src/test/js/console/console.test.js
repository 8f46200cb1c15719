// The operator console (/console/, SPEC 13.4) in a real headless Chromium against two Payara Micro
// nodes of one cluster (started by dev.presence.it.cluster.ConsoleIT): users join through both
// nodes' REST APIs; the console, served by node A and signed in with a name (development mode),
// lists the channels by occupancy, shows a channel's users and attributes, sees a join made through
// node B appear live, kicks a user (who is then gone on node B too), shows the event rate of node
// A, and renders hostile attribute keys and values as text. Screenshots go to PRESENCE_SCREENSHOTS
// (ConsoleIT sets presence-it/target/console-screenshots).
//
// Environment: PRESENCE_BASE_URL (node A), PRESENCE_BASE_URL_B (node B), PRESENCE_CHROMIUM,
// PRESENCE_SCREENSHOTS.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { launchChromium } from "../lib/browser.js";
import { BASE, devToken } from "../lib/support.js";

const BASE_B = process.env.PRESENCE_BASE_URL_B ? process.env.PRESENCE_BASE_URL_B.replace(/\/?$/, "/") : null;
const SKIP = BASE && BASE_B ? false : "PRESENCE_BASE_URL and PRESENCE_BASE_URL_B are not set (no cluster to test against)";
const SHOTS =
  process.env.PRESENCE_SCREENSHOTS ||
  fileURLToPath(new URL("../../../../target/console-screenshots/", import.meta.url));
const WAIT = { timeout: 15_000 };

/** Attribute keys and values that would run script if the console built HTML from them. */
const HOSTILE_KEY = '<img src=x onerror="window.__xss=1">';
const HOSTILE_VALUE = '</span><script>window.__xss=2</script><img src=x onerror="window.__xss=3">';
const LONG_VALUE = "W".repeat(1024); // presence.limits.attribute-value-length (default 1024)

let browser;
const problems = [];
const run = Date.now().toString(36);

before(async () => {
  if (SKIP) {
    return;
  }
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

/** A REST call as `user` (a development-mode token) to the node at `base`; fails unless 2xx. */
async function rest(base, method, path, user, body) {
  const res = await fetch(new URL(`api/v1/${path}`, base), {
    method,
    headers: {
      Authorization: `Bearer ${devToken(user)}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} on ${base} as ${user}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const member = (channel, user) => `channels/${encodeURIComponent(channel)}/users/${encodeURIComponent(user)}`;

async function join(base, channel, user, attributes) {
  await rest(base, "PUT", member(channel, user), user);
  if (attributes) {
    await rest(base, "PUT", `${member(channel, user)}/attributes`, user, attributes);
  }
}

/** presence_channels and presence_present_users of a node's /metrics. */
async function gauges(base) {
  const text = await (await fetch(new URL("metrics", base))).text();
  const value = (name) => {
    const match = new RegExp(`^${name} (\\d+)$`, "m").exec(text);
    assert.ok(match, `${name} in /metrics`);
    return Number(match[1]);
  };
  return { channels: value("presence_channels"), users: value("presence_present_users") };
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, name), fullPage: true });

describe("the operator console in Chromium against two nodes", { skip: SKIP }, () => {
  test("sign in, channels by occupancy, users and attributes, a live join, kick, hostile text", async () => {
    const prefix = `console-${run}-`;
    const big = `${prefix}big`;
    const mid = `${prefix}mid`;
    const small = `${prefix}small`;
    const u = (name) => `${name}-${run}`;

    // The cluster-wide gauges before (0 and 0 on ConsoleIT's fresh nodes).
    const before = await gauges(BASE);

    // Users on both nodes: big has 3 (A, A, B), mid 2 (A, B), small 1 (B, hostile attributes).
    await join(BASE, big, u("ann"), { role: "host", city: "Oslo" });
    await join(BASE, big, u("ben"), { role: "guest" });
    await join(BASE_B, big, u("cat:b@x.y"), { role: "guest", note: "through node B" });
    await join(BASE, mid, u("dan"));
    await join(BASE_B, mid, u("eve"));
    await join(BASE_B, small, u("mal"), { [HOSTILE_KEY]: HOSTILE_VALUE, long: LONG_VALUE });

    await signInWithPastedTokens();

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    let refusalExpected = false; // the browser logs a refused request (the hostile prefix's 400)
    page.on("console", (m) => {
      if (refusalExpected && /status of 400 \(Bad Request\)/.test(m.text())) {
        return;
      }
      if (m.type() === "error") {
        problems.push(`console error: ${m.text()}`);
      }
    });
    // The kick's confirmation is accepted; any other dialog (an injected alert) is a failure.
    page.on("dialog", async (d) => {
      if (d.type() === "confirm" && d.message().startsWith("Kick ")) {
        await d.accept();
      } else {
        problems.push(`unexpected ${d.type()} dialog: ${d.message()}`);
        await d.dismiss();
      }
    });

    // The console's own headers: scripts only from this origin, no framing.
    const response = await page.goto(new URL(`console/?name=${encodeURIComponent(u("ops"))}`, BASE).href);
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.match(headers["content-security-policy"] || "", /script-src 'self'/);
    assert.match(headers["content-security-policy"] || "", /frame-ancestors 'none'/);
    assert.equal(headers["x-frame-options"], "DENY");

    // Sign in with a name (development mode).
    await page.locator('[data-testid=mode][data-dev-mode="true"]').waitFor(WAIT);
    await shot(page, "console-1-sign-in.png");
    await page.getByTestId("sign-in").click();
    await page.locator("#console:not([hidden])").waitFor(WAIT);
    assert.equal(await page.getByTestId("who").textContent(), `signed in as ${u("ops")}`);

    // The cluster-wide gauges of /metrics: this run's 3 channels and 6 users more.
    await waitFor(() => page.getByTestId("total-channels").textContent(), String(before.channels + 3));
    await waitFor(() => page.getByTestId("total-users").textContent(), String(before.users + 6));

    // The channels of this run, by occupancy, users on both nodes counted.
    await page.getByTestId("prefix").fill(prefix);
    await page.getByTestId("prefix").press("Enter");
    const rows = page.locator("[data-testid=channel-row]");
    const listed = async () =>
      rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.channel, tr.cells[1].textContent]));
    await waitFor(async () => JSON.stringify(await listed()), JSON.stringify([[big, "3"], [mid, "2"], [small, "1"]]));
    await shot(page, "console-2-channels-by-occupancy.png");

    // Open big: its users from both nodes, with attributes.
    await page.locator(`[data-testid=channel-row][data-channel="${big}"] button`).click();
    await page.locator("#channel-view:not([hidden])").waitFor(WAIT);
    const userRow = (user) => page.locator(`[data-testid=user-row][data-user="${user}"]`);
    for (const user of [u("ann"), u("ben"), u("cat:b@x.y")]) {
      await userRow(user).waitFor(WAIT);
    }
    assert.equal(await page.getByTestId("channel-occupancy").textContent(), "3");
    const attributesOf = (user) =>
      userRow(user)
        .locator("[data-testid=attribute]")
        .evaluateAll((chips) => chips.map((c) => [c.querySelector(".key").textContent, c.querySelector(".value").textContent]));
    assert.deepEqual(await attributesOf(u("ann")), [["city", "Oslo"], ["role", "host"]]); // by key
    assert.deepEqual(await attributesOf(u("cat:b@x.y")), [["note", "through node B"], ["role", "guest"]]);

    // A join through node B appears live (over the console's WebSocket to node A).
    await page.locator('[data-testid=status][data-status="open"]').waitFor(WAIT);
    await join(BASE_B, big, u("fay"), { mood: "happy" });
    await userRow(u("fay")).waitFor(WAIT);
    await page.locator(`.log-entry[data-event="join"][data-user="${u("fay")}"]`).waitFor(WAIT);
    assert.deepEqual(await attributesOf(u("fay")), [["mood", "happy"]]);
    await waitFor(() => page.getByTestId("channel-occupancy").textContent(), "4");
    await shot(page, "console-3-channel-users-live-join.png");

    // Kick the user who joined through node B: gone from the console and from node B's answer.
    await userRow(u("cat:b@x.y")).getByTestId("kick").click();
    await userRow(u("cat:b@x.y")).waitFor({ state: "detached", ...WAIT });
    const kicked = page.locator(`.log-entry[data-event="leave"][data-user="${u("cat:b@x.y")}"]`);
    await kicked.waitFor(WAIT);
    assert.match(await kicked.textContent(), /reason: kicked/);
    await waitFor(() => page.getByTestId("channel-occupancy").textContent(), "3");
    await until(
      async () => {
        const body = await rest(BASE_B, "GET", `channels/${encodeURIComponent(big)}/users`, u("reader"));
        return !body.users.some((x) => x.userId === u("cat:b@x.y"));
      },
      "the kicked user gone on node B",
    );
    assert.equal(await page.getByTestId("channel-error").textContent(), "");
    await shot(page, "console-4-after-kick.png");

    // The event rate of node A: events made through node A now show as a rate above zero.
    for (let i = 0; i < 10; i++) {
      await rest(BASE, "PUT", `${member(big, u("ann"))}/attributes`, u("ann"), { role: "host", n: String(i) });
    }
    await until(
      async () => Number(await page.getByTestId("rate").getAttribute("data-rate")) > 0,
      "an event rate above zero",
      15_000,
    );
    assert.ok(Number(await page.getByTestId("rate-chart").getAttribute("data-samples")) >= 1);

    // Hostile attributes are text: the key and value show as written, nothing runs or loads.
    await page.locator(`[data-testid=channel-row][data-channel="${small}"] button`).click();
    await userRow(u("mal")).waitFor(WAIT);
    const chips = await attributesOf(u("mal"));
    assert.deepEqual(chips.map(([k]) => k), [HOSTILE_KEY, "long"]);
    assert.equal(chips[0][1], HOSTILE_VALUE);
    assert.equal(chips[1][1], `${"W".repeat(200)}… (1024 characters)`);
    assert.equal(
      await userRow(u("mal")).locator("[data-testid=attribute]").nth(1).getAttribute("title"),
      LONG_VALUE,
    );
    assert.equal(await page.locator("#console img, #console script").count(), 0);
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    await shot(page, "console-5-hostile-attributes-as-text.png");

    // The console's own input: a hostile prefix is refused by the server, and the refusal is text.
    refusalExpected = true;
    await page.getByTestId("prefix").fill(HOSTILE_KEY);
    await page.getByTestId("prefix").press("Enter");
    await waitFor(async () => /^listing channels failed \(400\): INVALID_ARGUMENT: /.test(await page.getByTestId("channels-error").textContent()), true);
    assert.equal(await page.locator("#console img").count(), 0);
    assert.equal(await rows.count(), 0, "no list shown for a refused filter");
    await shot(page, "console-6-hostile-prefix-refused.png");
    refusalExpected = false;
    await page.getByTestId("prefix").fill(prefix);
    await page.getByTestId("prefix").press("Enter");
    await waitFor(async () => JSON.stringify(await listed()), JSON.stringify([[big, "3"], [mid, "2"], [small, "1"]]));
    assert.equal(await page.getByTestId("channels-error").textContent(), "");

    // Signing out closes the WebSocket and returns to the form.
    await page.getByTestId("sign-out").click();
    await page.locator("#sign-in-panel:not([hidden])").waitFor(WAIT);
    await context.close();

    assert.deepEqual(problems, []);
  });
});

/**
 * The production sign-in (a pasted token), on the development-mode server: the page is made to
 * believe the server is in jwt mode (the test removes X-Presence-Dev-Mode from /health/live, the
 * only answer the page reads it from); everything else is the real server. A valid token without
 * presence-admin is refused with a message saying so; one with the role signs in.
 */
async function signInWithPastedTokens() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error (pasted tokens): ${e.message}`));
  await page.route("**/health/live", async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["x-presence-dev-mode"];
    await route.fulfill({ response, headers });
  });
  await page.goto(new URL("console/", BASE).href);
  await page.locator('[data-testid=mode][data-dev-mode="false"]').waitFor(WAIT);
  await page.getByTestId("token").fill(devToken(`plain-${run}`));
  await page.getByTestId("sign-in").click();
  await waitFor(
    async () => /lacks the presence-admin role: FORBIDDEN: /.test(await page.getByTestId("sign-in-error").textContent()),
    true,
  );
  assert.equal(await page.locator("#console").isHidden(), true);
  await shot(page, "console-0-token-without-admin-role.png");
  await page.getByTestId("token").fill(devToken(`admin-${run}`, { roles: ["presence-admin"] }));
  await page.getByTestId("sign-in").click();
  await page.locator("#console:not([hidden])").waitFor(WAIT);
  assert.equal(await page.getByTestId("who").textContent(), `signed in as admin-${run}`);
  assert.equal(await page.getByTestId("token").inputValue(), "", "the pasted token is cleared");
  await context.close();
}

/** Resolves when the async `condition()` is true; checks every 100 ms, fails after `timeout` ms. */
async function until(condition, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until `read()` resolves to `expected` (polling); fails with the last value. */
async function waitFor(read, expected, timeout = 15_000) {
  let last;
  await until(
    async () => {
      last = await read();
      return last === expected;
    },
    `${expected} (last: ${last})`,
    timeout,
  ).catch(() => assert.fail(`waited ${timeout} ms for ${expected}; last: ${last}`));
}
