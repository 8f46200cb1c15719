// Headless Chromium for the browser tests (Debian's, driven by playwright-core).

import { chromium } from "playwright-core";

/** The Chromium executable: PRESENCE_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.PRESENCE_CHROMIUM || "/usr/bin/chromium";

/**
 * Launches headless Chromium with flags for a closed network (no background connections, no
 * first-run work). Playwright gives each launch a fresh, temporary profile (--user-data-dir).
 */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
