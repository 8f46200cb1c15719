// The demo page in a real headless Chromium (Debian's, driven by playwright-core): two pages join
// the same channel and see each other; a mood set in one shows in the other; closing one shows
// `leave` in the other; cutting one's network (a TCP proxy between it and the server) shows
// `timeout`. Screenshots go to
// PRESENCE_SCREENSHOTS (the IT sets presence-it/target/screenshots).

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { launchChromium } from "../lib/browser.js";
import { BASE, NEEDS_SERVER, TcpProxy, closeClients, connect, unique } from "../lib/support.js";

const SHOTS =
  process.env.PRESENCE_SCREENSHOTS || fileURLToPath(new URL("../../../../target/screenshots/", import.meta.url));
const WAIT = { timeout: 15_000 };
// An occupancy-mode observer hears of a change at the end of its period (presence.channels.interval,
// 5 s) plus the reorder window (2 s) and the node's next tick: up to about 8 s on a quiet channel,
// 4-5.5 s measured. Twice that, with the margin of WAIT for a loaded machine.
const PERIOD_WAIT = { timeout: 30_000 };

let browser;
const pageErrors = [];

before(async () => {
  if (NEEDS_SERVER) {
    return;
  }
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
});

after(async () => {
  await closeClients();
  await browser?.close();
});

/** Opens the demo in its own browser context (its own tab and socket) and joins `channel`. */
async function joinAs(name, channel, base = BASE) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 820 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => pageErrors.push(`${name}: ${e.message}`));
  page.on("console", (m) => {
    // A failed reconnect attempt (while the network is cut) is expected; nothing else is.
    if (m.type() === "error" && !/WebSocket connection to .* failed/.test(m.text())) {
      pageErrors.push(`${name} console: ${m.text()}`);
    }
  });
  await page.goto(new URL(`?name=${encodeURIComponent(name)}&channel=${encodeURIComponent(channel)}`, base).href);
  await page.locator('[data-testid=mode][data-dev-mode="true"]').waitFor(WAIT);
  assert.equal(await page.getByTestId("name").inputValue(), name);
  await page.getByTestId("join").click();
  await page.locator("#room:not([hidden])").waitFor(WAIT);
  await page.locator('[data-testid=status][data-status="open"]').waitFor(WAIT);
  assert.equal(await page.getByTestId("room-channel").textContent(), channel);
  return { context, page };
}

const member = (page, user) => page.locator(`[data-testid=member][data-user="${user}"]`);
const logEntry = (page, event, user) => page.locator(`.log-entry[data-event="${event}"][data-user="${user}"]`);
const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, name), fullPage: true });

describe("the demo page in Chromium", { skip: NEEDS_SERVER }, () => {
  test("two pages see each other join, change mood and leave; a page whose network dies times out", async () => {
    const channel = unique("demo");
    const alice = unique("alice");
    const bob = unique("bob");
    const carol = unique("carol");

    const a = await joinAs(alice, channel);
    await member(a.page, alice).waitFor(WAIT);
    const b = await joinAs(bob, channel);

    // Each sees the other (alice live, bob from the snapshot).
    await member(a.page, bob).waitFor(WAIT);
    await member(b.page, alice).waitFor(WAIT);
    await logEntry(a.page, "join", bob).waitFor(WAIT);
    assert.equal(await a.page.getByTestId("occupancy").textContent(), "2");

    // A mood set in one page shows in the other.
    await b.page.getByTestId("mood-happy").click();
    await a.page.locator(`[data-testid=member][data-user="${bob}"] [data-mood="happy"]`).waitFor(WAIT);
    await logEntry(a.page, "attributesUpdate", bob).waitFor(WAIT);
    await b.page.locator(`[data-testid=member][data-user="${bob}"] [data-mood="happy"]`).waitFor(WAIT);
    await a.page.getByTestId("mood-cool").click();
    await b.page.locator(`[data-testid=member][data-user="${alice}"] [data-mood="cool"]`).waitFor(WAIT);
    assert.equal(await b.page.getByTestId("mood-happy").getAttribute("aria-pressed"), "true");
    await shot(a.page, "demo-1-alice-sees-bob-happy.png");
    await shot(b.page, "demo-2-bob-sees-alice-cool.png");

    // A third page, loaded through a TCP proxy, loses its network: the connection dies without a
    // close frame and cannot come back, and the others see timeout.
    const proxy = await new TcpProxy(BASE).start();
    try {
      const c = await joinAs(carol, channel, proxy.url);
      await member(a.page, carol).waitFor(WAIT);
      await c.page.getByTestId("mood-sad").click();
      await a.page.locator(`[data-testid=member][data-user="${carol}"] [data-mood="sad"]`).waitFor(WAIT);
      proxy.block();
      proxy.cut();
      await logEntry(a.page, "timeout", carol).waitFor(WAIT);
      await member(a.page, carol).waitFor({ state: "detached", ...WAIT });
      await c.page.locator('[data-testid=status][data-status="reconnecting"]').waitFor(WAIT);
      await shot(c.page, "demo-3-carol-offline-reconnecting.png");
      await c.context.close();
    } finally {
      await proxy.close();
    }

    // Closing bob's tab: alice sees leave (a clean close, after the grace period).
    await b.context.close();
    await logEntry(a.page, "leave", bob).waitFor(WAIT);
    await member(a.page, bob).waitFor({ state: "detached", ...WAIT });
    assert.equal(await a.page.getByTestId("occupancy").textContent(), "1");
    await shot(a.page, "demo-4-alice-after-carol-timeout-and-bob-leave.png");

    // Leaving returns to the form.
    await a.page.getByTestId("leave").click();
    await a.page.locator("#join-panel:not([hidden])").waitFor(WAIT);
    await shot(a.page, "demo-5-form-after-leaving.png");
    await a.context.close();

    assert.deepEqual(pageErrors, []);
  });

  test("the big-channel card shows another channel's occupancy live (occupancy mode)", async () => {
    const channel = unique("demo-room");
    const big = unique("demo-big");
    const a = await joinAs(unique("dora"), channel);
    await a.page.getByTestId("watch-channel").fill(big);
    await a.page.getByTestId("watch").click();
    await a.page.locator(`[data-testid=watch-name]:text-is("#${big}")`).waitFor(WAIT);
    assert.equal(await a.page.getByTestId("watch-occupancy").textContent(), "0");
    // Two users join the big channel from Node.js (presence.js over the same server).
    const u1 = connect(unique("fan"));
    const u2 = connect(unique("fan"));
    await Promise.all([u1.joinPresenceChannel({ channel: big }), u2.joinPresenceChannel({ channel: big })]);
    await a.page.locator('[data-testid=watch-occupancy]:text-is("2")').waitFor(PERIOD_WAIT);
    await u1.leavePresenceChannel({ channel: big });
    await a.page.locator('[data-testid=watch-occupancy]:text-is("1")').waitFor(PERIOD_WAIT);
    await shot(a.page, "demo-6-big-channel-occupancy.png");
    // The room's own member list is not touched by the watched channel.
    assert.equal(await a.page.getByTestId("occupancy").textContent(), "1");
    await a.context.close();
    assert.deepEqual(pageErrors, []);
  });
});
