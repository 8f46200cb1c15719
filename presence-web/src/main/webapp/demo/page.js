// What the demo page (demo.js) and the operator console (../console/console.js) share: building
// elements with text only (never HTML, so ids, attributes and messages cannot inject markup), the
// event log, and unsigned development-mode tokens.

/**
 * A new element with attributes (`className` sets the class) and, if given, its text content.
 *
 * @param {string} tag
 * @param {Record<string, string>} [attributes]
 * @param {string} [text]
 */
export function el(tag, attributes, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes || {})) {
    if (k === "className") {
      e.className = v;
    } else {
      e.setAttribute(k, v);
    }
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

/**
 * Puts an entry at the top of an event log (an `ol`), keeping at most `max` entries.
 *
 * @param {HTMLElement} list the log
 * @param {number} max the most entries kept
 * @param {string} kind the event or "info" / "error"
 * @param {string | null} user who it is about
 * @param {string} [text] what happened
 */
export function appendLog(list, max, kind, user, text) {
  const li = el("li", { className: `log-entry kind-${kind}`, "data-event": kind, "data-user": user || "" });
  const line = el("span", { className: "line" });
  if (user) {
    line.append(el("strong", { className: "who" }, user));
  }
  if (text) {
    line.append(el("span", { className: "what" }, text));
  }
  li.append(el("time", {}, new Date().toLocaleTimeString()), el("span", { className: "kind" }, kind), line);
  list.prepend(li);
  while (list.children.length > max) {
    list.lastElementChild.remove();
  }
}

/**
 * An unsigned JWT (alg "none") for `sub` with more claims if given, accepted only by a server in
 * development mode (a server in jwt mode refuses unsigned tokens).
 *
 * @param {string} sub
 * @param {object} [claims]
 */
export function devToken(sub, claims = {}) {
  const part = (o) =>
    btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o))))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  return `${part({ alg: "none", typ: "JWT" })}.${part({ sub, iat: Math.floor(Date.now() / 1000), ...claims })}.`;
}
