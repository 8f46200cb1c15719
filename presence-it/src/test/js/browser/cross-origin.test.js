// presence.js used from another origin, as the README shows: a page served by a small Node.js
// server on its own loopback port (a second origin) imports the client from the Presence server,
// joins a channel over the WebSocket and sees itself, and reads the channel over REST with fetch (a
// preflighted request: Authorization header). Proves in a real Chromium that /presence.js carries
// Access-Control-Allow-Origin, that the REST API answers the preflight and the request, and that
// the exposed X-Presence-Dev-Mode header is readable. The server must allow the page's origin in
// presence.http.cors.allowed-origins (ClientJsIT's container allows *, the port here being random).

import assert from "node:assert/strict";
import http from "node:http";
import { after, before, describe, test } from "node:test";
import { launchChromium } from "../lib/browser.js";
import { BASE, NEEDS_SERVER, devToken, unique } from "../lib/support.js";


let browser;
let site;
let siteOrigin;
const pages = new Map();

/** The page: imports presence.js from the server, joins, observes, fetches; result in window.result. */
function pageHtml(channel, user) {
  const config = JSON.stringify({ base: BASE, channel, token: devToken(user) });
  return `<!doctype html><meta charset="utf-8"><title>cross-origin</title>
<script type="module">
const { base, channel, token } = ${config};
const out = {};
try {
  const { init } = await import(new URL("presence.js", base).href);
  const client = init({ url: base, token });
  await client.joinPresenceChannel({ channel });
  const snapshot = await client.addPresenceListener({ channel }, () => {});
  out.wsUsers = snapshot.channelUsers.map((u) => u.userProfileId);
  const r = await fetch(new URL("api/v1/channels/" + encodeURIComponent(channel) + "/users", base), {
    headers: { Authorization: "Bearer " + token },
  });
  out.status = r.status;
  out.restUsers = (await r.json()).users.map((u) => u.userId);
  out.devMode = r.headers.get("X-Presence-Dev-Mode");
  await client.close();
} catch (e) {
  out.error = String(e && e.stack ? e.stack : e);
}
window.result = out;
</script>`;
}

before(async () => {
  if (NEEDS_SERVER) {
    return;
  }
  site = http.createServer((req, res) => {
    if (req.url === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const body = pages.get(req.url);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }).end(body);
  });
  await new Promise((resolve) => site.listen(0, "127.0.0.1", resolve));
  siteOrigin = `http://127.0.0.1:${site.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve()));
});

describe("presence.js from another origin in Chromium", { skip: NEEDS_SERVER }, () => {
  test("a page on a second origin imports presence.js, joins and sees itself, and calls REST", async () => {
    assert.notEqual(new URL(BASE).origin, siteOrigin, "the page must be on another origin");
    const channel = unique("cors");
    const user = unique("alice");
    pages.set("/page.html", pageHtml(channel, user));
    const context = await browser.newContext();
    const page = await context.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    await page.goto(`${siteOrigin}/page.html`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
    const result = await page.evaluate(() => window.result);
    await context.close();
    assert.equal(result.error, undefined, `the page failed: ${result.error} ${problems.join("; ")}`);
    assert.deepEqual(result.wsUsers, [user]);
    assert.equal(result.status, 200);
    assert.deepEqual(result.restUsers, [user]);
    assert.equal(result.devMode, "true", "X-Presence-Dev-Mode is exposed to the page");
    assert.deepEqual(problems, []);
  });
});
