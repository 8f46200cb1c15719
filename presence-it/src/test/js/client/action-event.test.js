// presence.js exports the seed's PresenceActionEvent: the four event names a listener receives.

import assert from "node:assert/strict";
import { test } from "node:test";
import { presence } from "../lib/support.js";

test("PresenceActionEvent names the four event kinds as the seed's SDK does, and is frozen", () => {
  assert.deepEqual(
    { ...presence.PresenceActionEvent },
    { JOIN: "join", LEAVE: "leave", TIMEOUT: "timeout", ATTRIBUTES_UPDATE: "attributesUpdate" },
  );
  assert.ok(Object.isFrozen(presence.PresenceActionEvent));
});
