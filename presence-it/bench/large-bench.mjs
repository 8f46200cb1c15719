#!/usr/bin/env node
// Load driver for large channels (issue #15, SPEC 13.3); a program run by hand, not a test.
//
// One channel with --users present users: --ws-users of them are WebSocket sessions (one
// connection each, joined), the rest implicit REST sessions (PUT .../users/{user}), refreshed by a
// PUT every --rest-heartbeat seconds (run the server with presence.timeout above that, e.g. 600s).
// --observers WebSocket connections subscribe to the channel (events mode) once it is full. Then
// churn: --churn joins+leaves per second (half joins of new REST users, half leaves of the oldest
// REST users, so the occupancy stays put), --warmup seconds unmeasured, --duration seconds
// measured, then --drain seconds for what was sent in the window to arrive.
//
// The server decides the mode: per-event (presence.channels.announce-max above --users) or
// interval (default 100; one message per presence.channels.interval). The driver reads both and
// reports, over the measured window:
//   - deliveries/s: messages to observers per second (an interval message is one), and user
//     events/s (an interval's list entries counted one by one, as presence.js delivers them);
//   - server CPU (utime+stime of --pid from /proc/<pid>/stat), and by thread name;
//   - bytes per observer per second (WebSocket payload bytes);
//   - delay of an event to its observers, p50/p90/p99/max: from sending the REST request that
//     causes it to the observer's receipt of the event, or, in interval mode, of the interval that
//     lists it (a user who joined and left inside one interval is in no list: counted as
//     coalesced). Measured on --sample observers, which parse every message; the others count
//     frames and bytes only (and spot resyncs), so the single-threaded driver keeps up;
//   - snapshot time for a new subscriber: --snapshot-samples new connections during the window,
//     each subscribing and timing until the last page of the snapshot (pages counted);
//   - resyncs (slow-consumer) seen by observers, and the driver's own CPU.
// Everything on 127.0.0.1 (refuses other hosts); every phase has a deadline and a watchdog ends the
// program. Node 20+, `ws` (npm ci in this folder).
import { WebSocket } from 'ws';
import http from 'node:http';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const opts = {
  url: 'http://127.0.0.1:8080/', // the server's base URL (context root)
  pid: '', // the server's pid (same machine), for CPU
  channel: '', // default: large-<run>
  users: '50000',
  'ws-users': '', // default: min(10000, users / 5)
  observers: '1000',
  sample: '20', // observers that parse every message (delays)
  churn: '500', // joins + leaves per second
  warmup: '10',
  duration: '30',
  drain: '12', // seconds after the window for its events to arrive (interval mode: > interval)
  'rest-heartbeat': '240', // seconds between PUTs refreshing a REST session (< presence.timeout)
  concurrency: '200', // requests/connects in flight during the ramp
  'observer-concurrency': '10', // observer subscribes in flight (each takes the whole snapshot)
  'snapshot-samples': '3',
  resubscribe: 'true', // observers subscribe again after a resync (as presence.js does)
  label: '', // free text copied to the result (e.g. "interval" or "per-event")
  cleanup: 'true', // leave what was joined at the end (false: the server is stopped anyway)
  json: '',
  'max-seconds': '900', // watchdog
};
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '');
  if (!(k in opts) || i + 1 >= argv.length) {
    console.error(`unknown option or missing value: ${argv[i]}; known: ${Object.keys(opts).join(', ')}`);
    process.exit(2);
  }
  opts[k] = argv[i + 1];
}
const base = new URL(opts.url.replace(/\/?$/, '/'));
if (base.hostname !== '127.0.0.1' && base.hostname !== 'localhost') throw new Error('loopback targets only: ' + base);
const wsUrl = `ws://${base.host}${base.pathname}ws/v1`;
const pid = opts.pid ? Number(opts.pid) : 0;
const run = Date.now().toString(36);
const channel = opts.channel || `large-${run}`;
const USERS = Number(opts.users);
const WS_USERS = opts['ws-users'] === '' ? Math.min(10000, Math.floor(USERS / 5)) : Number(opts['ws-users']);
const REST_USERS = USERS - WS_USERS;
const OBSERVERS = Number(opts.observers);
const SAMPLE = Math.min(OBSERVERS, Number(opts.sample));
const CHURN = Number(opts.churn);
const WARMUP = Number(opts.warmup);
const DURATION = Number(opts.duration);
const DRAIN = Number(opts.drain);
const HEARTBEAT = Number(opts['rest-heartbeat']);
const CONCURRENCY = Number(opts.concurrency);
if (WS_USERS < 0 || REST_USERS < 0 || WS_USERS + OBSERVERS > 19000) {
  throw new Error('need 0 <= ws-users <= users and ws-users + observers <= 19000 (20,000 fds per process)');
}
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
const watchdog = setTimeout(() => {
  console.error('watchdog: run exceeded --max-seconds');
  process.exit(3);
}, Number(opts['max-seconds']) * 1000);
watchdog.unref();

// ---------------------------------------------------------------- server process readings
let clkTck = 100;
try { clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { /* 100 */ }
function cpuSeconds() {
  if (!pid) return NaN;
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / clkTck;
}
function threadCpuSeconds() {
  const byName = {};
  if (!pid) return byName;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')).replace(/\d+$/, '');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      byName[name] = (byName[name] ?? 0) + (Number(f[11]) + Number(f[12])) / clkTck;
    } catch { /* ended */ }
  }
  return byName;
}
const r1 = (x) => Math.round(x * 10) / 10;
const r2 = (x) => Math.round(x * 100) / 100;
function topThreads(a, b, n) {
  return Object.fromEntries(Object.entries(b).map(([k, v]) => [k, r2(v - (a[k] ?? 0))]).sort((x, y) => y[1] - x[1]).slice(0, n));
}
function quantile(sorted, q) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}
function loadAverage() {
  try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return ''; }
}

// ---------------------------------------------------------------- REST
const b64 = (s) => Buffer.from(s).toString('base64url');
const token = (sub) => `${b64('{"alg":"none"}')}.${b64(JSON.stringify({ sub }))}.`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Math.min(CONCURRENCY, 256) });
const restStats = { ok: 0, failed: 0, byStatus: {} };
function rest(method, user) {
  return new Promise((resolve) => {
    const req = http.request({
      host: base.hostname, port: base.port, method, agent, timeout: 30000,
      path: `${base.pathname}api/v1/channels/${encodeURIComponent(channel)}/users/${encodeURIComponent(user)}`,
      headers: { authorization: `Bearer ${token(user)}`, 'content-length': 0 },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        const ok = res.statusCode >= 200 && res.statusCode < 300;
        ok ? restStats.ok++ : restStats.failed++;
        restStats.byStatus[res.statusCode] = (restStats.byStatus[res.statusCode] ?? 0) + 1;
        resolve(ok);
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => { restStats.failed++; restStats.byStatus.error = (restStats.byStatus.error ?? 0) + 1; resolve(false); });
    req.end();
  });
}
async function pool(items, concurrency, fn) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

// ---------------------------------------------------------------- WebSocket connections
function connectWs(user) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsUrl}?access_token=${token(user)}`, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 30000 });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
function request(ws, frame) {
  return new Promise((resolve) => {
    const onMessage = (data) => {
      const m = JSON.parse(data.toString());
      if (m.id === frame.id) { ws.off('message', onMessage); resolve(m); }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(frame));
  });
}

/** When each user's join/leave request was sent (ms, performance.now), for the delays. */
const sentJoin = new Map();
const sentLeave = new Map();
const win = { measuring: false, start: Infinity, end: Infinity }; // set when the window opens

class Observer {
  constructor(index) {
    this.index = index;
    this.sampled = index < SAMPLE;
    this.bytes = 0;
    this.frames = 0;
    this.messages = 0; // sampled only: messages (a batch's members counted)
    this.userEvents = 0; // sampled only: user events (an interval's entries counted)
    this.intervals = 0;
    this.delays = [];
    this.seen = new Set(); // sampled: "kind user sentTime" of the deliveries measured, to spot duplicates
    this.duplicates = 0;
    this.resyncs = 0;
    this.snapshotDone = null;
  }

  async open() {
    this.ws = await connectWs(`obs-${run}-${this.index}`);
    this.ws.on('message', (data) => this.onFrame(data));
    this.ws.on('error', () => {});
    await this.subscribe();
  }

  subscribe() {
    return new Promise((resolve) => {
      this.subId = `s${Math.random().toString(36).slice(2)}`;
      this.snapshotDone = resolve;
      this.ws.send(JSON.stringify({ id: this.subId, type: 'subscribe', channel }));
    });
  }

  onFrame(data) {
    const t = now();
    const counting = win.measuring && t >= win.start && t < win.end;
    if (counting) { this.bytes += data.length; this.frames++; }
    if (!this.sampled) {
      // Cheap checks only: the end of a snapshot, and resyncs.
      if (this.snapshotDone && data.includes(this.subId) && !data.includes('"more":true')) {
        const done = this.snapshotDone; this.snapshotDone = null; done();
      }
      if (data.includes('"type":"resync"')) this.onResync();
      return;
    }
    const m = JSON.parse(data.toString());
    for (const x of m.type === 'batch' ? m.messages : [m]) this.onMessage(x, t, counting);
  }

  onMessage(x, t, counting) {
    if (x.type === 'snapshot' && x.id === this.subId && x.more !== true && this.snapshotDone) {
      const done = this.snapshotDone; this.snapshotDone = null; done();
      return;
    }
    if (x.type === 'resync') { this.onResync(); return; }
    if (x.type === 'event') {
      if (counting) { this.messages++; this.userEvents++; }
      this.delay(x.event === 'join' ? sentJoin : sentLeave, x.userId, t, x.event);
    } else if (x.type === 'interval') {
      if (counting) {
        this.messages++;
        this.intervals++;
        this.userEvents += (x.join?.length ?? 0) + (x.leave?.length ?? 0) + (x.timeout?.length ?? 0)
          + Object.keys(x.attributes ?? {}).filter((u) => !(x.join ?? []).includes(u)).length;
      }
      for (const u of x.join ?? []) this.delay(sentJoin, u, t, 'join');
      for (const u of x.leave ?? []) this.delay(sentLeave, u, t, 'leave');
      for (const u of x.timeout ?? []) this.delay(sentLeave, u, t, 'timeout');
    }
  }

  delay(sent, user, t, kind) {
    const s = sent.get(user);
    if (s === undefined || s < win.start || s >= win.end) return;
    const key = `${kind} ${user} ${s}`;
    if (this.seen.has(key)) { this.duplicates++; return; }
    this.seen.add(key);
    this.delays.push(t - s);
  }

  onResync() {
    this.resyncs++;
    if (opts.resubscribe === 'true' && !this.snapshotDone) this.subscribe();
  }
}

/** A new subscriber: connect, subscribe, time until the last page of the snapshot. */
async function snapshotSample(i) {
  const ws = await connectWs(`probe-${run}-${i}`);
  const id = 'p1';
  const t0 = now();
  let pages = 0;
  let bytes = 0;
  let users = 0;
  let occupancy = NaN;
  const done = new Promise((resolve) => {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      for (const x of m.type === 'batch' ? m.messages : [m]) {
        if (x.type === 'snapshot' && x.id === id) {
          pages++;
          bytes += data.length;
          users += x.users?.length ?? 0;
          occupancy = x.occupancy;
          if (x.more !== true) resolve();
        }
      }
    });
  });
  ws.send(JSON.stringify({ id, type: 'subscribe', channel }));
  await Promise.race([done, sleep(60000)]);
  const ms = now() - t0;
  ws.terminate();
  return { ms: r1(ms), pages, users, occupancy, bytes };
}

// ---------------------------------------------------------------- the run
async function main() {
  const restUsers = Array.from({ length: REST_USERS }, (_, i) => `r-${run}-${i}`);
  const wsUsers = Array.from({ length: WS_USERS }, (_, i) => `w-${run}-${i}`);
  log(`channel ${channel}: ${REST_USERS} REST + ${WS_USERS} WebSocket users, ${OBSERVERS} observers (${SAMPLE} sampled), churn ${CHURN}/s; load ${loadAverage()}`);

  // 1. Ramp: REST users, then WebSocket users.
  let t = now();
  const live = new Set(); // REST users present (heartbeated)
  const fifo = []; // REST users in join order (the oldest leave first)
  await pool(restUsers, CONCURRENCY, async (u) => { if (await rest('PUT', u)) { live.add(u); fifo.push(u); } });
  log(`REST ramp: ${live.size} joined in ${r1((now() - t) / 1000)} s (${JSON.stringify(restStats.byStatus)})`);
  t = now();
  const wsSessions = [];
  await pool(wsUsers, Math.min(CONCURRENCY, 100), async (u) => {
    try {
      const ws = await connectWs(u);
      ws.on('error', () => {});
      const r = await request(ws, { id: '1', type: 'join', channel });
      if (r.type === 'ok') wsSessions.push(ws); else { log('ws join refused', JSON.stringify(r)); ws.terminate(); }
    } catch (e) {
      log('ws connect failed', e.message);
    }
  });
  log(`WebSocket ramp: ${wsSessions.length} joined in ${r1((now() - t) / 1000)} s`);

  // REST heartbeats: every live REST user once per HEARTBEAT seconds, spread evenly.
  let heartbeats = 0;
  let hbIndex = 0;
  const hbPerTick = Math.max(1, Math.ceil((REST_USERS / HEARTBEAT) / 10));
  const hbTimer = setInterval(() => {
    for (let k = 0; k < hbPerTick && fifo.length > 0; k++) {
      const u = fifo[hbIndex++ % fifo.length];
      if (live.has(u)) { heartbeats++; rest('PUT', u); }
    }
  }, 100);

  // 2. Idle snapshot samples (the full channel, no churn), then the observers subscribe.
  const idleSnapshots = [];
  for (let i = 0; i < Number(opts['snapshot-samples']); i++) idleSnapshots.push(await snapshotSample(`idle${i}`));
  log('snapshot of the idle channel:', JSON.stringify(idleSnapshots));
  t = now();
  const observers = Array.from({ length: OBSERVERS }, (_, i) => new Observer(i));
  await pool(observers, Number(opts['observer-concurrency']), (o) => Promise.race([o.open(), sleep(120000)]));
  log(`${OBSERVERS} observers subscribed in ${r1((now() - t) / 1000)} s`);

  // 3. Churn: a tick every 20 ms, joins of new REST users and leaves of the oldest ones.
  let churnCount = 0;
  let churnDebt = 0;
  let lastTick = now();
  const churnTimer = setInterval(() => {
    const tick = now();
    churnDebt += ((tick - lastTick) / 1000) * CHURN;
    lastTick = tick;
    while (churnDebt >= 2) {
      churnDebt -= 2;
      const joiner = `c-${run}-${churnCount++}`;
      sentJoin.set(joiner, now());
      rest('PUT', joiner).then((ok) => { if (ok) { live.add(joiner); fifo.push(joiner); } });
      const leaver = fifo.shift();
      if (leaver !== undefined) {
        live.delete(leaver);
        sentLeave.set(leaver, now());
        rest('DELETE', leaver);
      }
    }
  }, 20);

  log(`warm-up ${WARMUP} s`);
  await sleep(WARMUP * 1000);
  const cpu0 = cpuSeconds();
  const threads0 = threadCpuSeconds();
  const driver0 = process.cpuUsage();
  const churn0 = churnCount;
  win.start = now();
  win.end = win.start + DURATION * 1000;
  win.measuring = true;
  const loadStart = loadAverage();
  log(`measuring ${DURATION} s`);
  // The readings at the window's end exactly (the snapshot samples inside it may run past it).
  let end = null;
  const ended = sleep(DURATION * 1000).then(() => {
    end = { cpu: cpuSeconds(), threads: threadCpuSeconds(), driver: process.cpuUsage(driver0), churn: churnCount, load: loadAverage() };
  });
  const duringSnapshots = [];
  const samples = Number(opts['snapshot-samples']);
  for (let i = 0; i < samples; i++) {
    await sleep((DURATION * 1000) / (samples + 1));
    duringSnapshots.push(await snapshotSample(`churn${i}`));
  }
  await ended;
  const { cpu: cpu1, threads: threads1, driver: driver1, load: loadEnd } = end;
  const churned = end.churn - churn0;
  clearInterval(churnTimer);
  log(`window over; draining ${DRAIN} s`);
  await sleep(DRAIN * 1000);
  win.measuring = false;
  clearInterval(hbTimer);

  // 4. Results.
  const sampled = observers.filter((o) => o.sampled);
  const delays = sampled.flatMap((o) => o.delays).sort((a, b) => a - b);
  const expected = 2 * churned * sampled.length; // joins + leaves sent in the window, to each sampled observer
  const sum = (f, list = observers) => list.reduce((a, o) => a + f(o), 0);
  const perSampled = (f) => (sampled.length ? sum(f, sampled) / sampled.length : NaN);
  const result = {
    label: opts.label,
    channel,
    users: USERS,
    restUsers: REST_USERS,
    wsUsers: wsSessions.length,
    observers: OBSERVERS,
    sampledObservers: sampled.length,
    churnPerSecond: r1((2 * churned) / DURATION), // joins + leaves sent per second
    durationSeconds: DURATION,
    serverCpuSeconds: r2(cpu1 - cpu0),
    serverCpuPercentOfOneCore: r1(((cpu1 - cpu0) / DURATION) * 100),
    serverThreadCpuSeconds: topThreads(threads0, threads1, 8),
    messagesPerSecondToObservers: r1((perSampled((o) => o.messages) * OBSERVERS) / DURATION),
    userEventsPerSecondToObservers: r1((perSampled((o) => o.userEvents) * OBSERVERS) / DURATION),
    framesPerSecondToObservers: r1(sum((o) => o.frames) / DURATION),
    intervalsPerObserver: r1(perSampled((o) => o.intervals)),
    bytesPerObserverPerSecond: Math.round(sum((o) => o.bytes) / OBSERVERS / DURATION),
    delayMs: {
      count: delays.length,
      expected,
      coalescedOrLost: expected - delays.length,
      p50: r1(quantile(delays, 0.5)),
      p90: r1(quantile(delays, 0.9)),
      p99: r1(quantile(delays, 0.99)),
      max: r1(delays.at(-1) ?? NaN),
    },
    resyncs: sum((o) => o.resyncs),
    duplicateDeliveries: sum((o) => o.duplicates, sampled), // the same event measured twice (after a resync, or a fault)
    snapshotIdle: idleSnapshots,
    snapshotDuringChurn: duringSnapshots,
    restRequests: { ...restStats, heartbeats },
    driverCpuSeconds: r2((driver1.user + driver1.system) / 1e6),
    loadAverage: { start: loadStart, end: loadEnd },
  };
  if (process.env.LARGE_BENCH_DEBUG) {
    writeFileSync(process.env.LARGE_BENCH_DEBUG, JSON.stringify({ seen: [...(sampled[0]?.seen ?? [])], start: win.start, end: win.end,
      joins: [...sentJoin].filter(([, s]) => s >= win.start && s < win.end).length,
      leaves: [...sentLeave].filter(([, s]) => s >= win.start && s < win.end).length, churned }));
  }
  console.log(JSON.stringify(result, null, 2));
  if (opts.json) writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');

  // 5. Clean up: leave what we joined (the server would time the rest out).
  for (const o of observers) o.ws?.terminate();
  if (opts.cleanup !== 'true') return;
  await pool([...live], CONCURRENCY, (u) => rest('DELETE', u));
  await Promise.all(wsSessions.map((ws) => new Promise((r) => { ws.once('close', r); ws.close(1000); setTimeout(r, 5000).unref(); })));
  agent.destroy();
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
