// Holds N PubNub subscribe long-polls open against one node, to measure what a waiting poll costs
// (README "Using the PubNub or LiveLike SDK", capacity). Not a test: run by hand,
//   node pubnub/bench/hold-polls.mjs http://127.0.0.1:8080/ 2000 [channels]
// then measure the node (jcmd <pid> GC.heap_info after GC.run) while it prints "holding".
// Each poll is a distinct user on one of `channels` -pnpres channels, made after a handshake.

import http from "node:http";
import { devToken } from "../../lib/support.js";

const [base, nText, chText] = process.argv.slice(2);
const N = Number(nText ?? 1000);
const CHANNELS = Number(chText ?? 100);
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

function get(path) {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(path, base), { agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
  });
}

const q = (u, more = "") => `uuid=${u}&auth=${devToken(u)}${more}`;
const handshakes = [];
for (let i = 0; i < N; i++) {
  const u = `hold-${i}`;
  const ch = `hold-${i % CHANNELS}-pnpres`;
  handshakes.push(get(`v2/subscribe/k/${ch}/0?${q(u)}`).then((r) => [u, ch, JSON.parse(r.body).t.t]));
  if (handshakes.length % 200 === 0) {
    await Promise.all(handshakes.slice(-200));
  }
}
const tokens = await Promise.all(handshakes);
let answered = 0;
for (const [u, ch, tt] of tokens) {
  get(`v2/subscribe/k/${ch}/0?${q(u, `&tt=${tt}`)}`).then(
    () => answered++,
    () => answered++,
  );
}
console.log(`holding ${N} polls on ${CHANNELS} channels (answered so far: ${answered}); Ctrl-C to stop`);
setInterval(() => console.log(`holding ${N - answered} of ${N}`), 10_000);
