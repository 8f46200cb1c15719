#!/usr/bin/env node
// WebSocket load driver for issue #9 (a program run by hand, not a test). One driver, two
// protocols with the same pacing and measurement:
//   --target presence : Presence's JSON protocol on /ws/v1?access_token=<unsigned dev-mode JWT>
//   --target soketi   : the Pusher protocol (soketi), presence-* channels signed with the app secret
// Scenarios:
//   paced : --observers subscribers of one channel; --rate "joins" per second, each a NEW
//           connection that joins the channel, leaves it as soon as the join is confirmed, and
//           closes. Every join and every leave is one event to each observer. Reports server CPU
//           (from /proc/<pid>/stat) over the measured window, CPU per delivered event and the
//           send->observer delay of every delivery.
//   idle  : --sessions connections, each connects and joins one of sessions/--per-channel
//           channels, then idles (answers pings; soketi: pusher:ping every 30 s as pusher-js).
//           Reports connect+join rate, and heap after a full GC (Java, via jcmd) and RSS per
//           session above the baseline measured before connecting. With --hold S it holds them S
//           seconds and reports every close seen (code/reason) = sessions lost.
//   receive: --connections open connections (Presence: each joined to a channel of its own) send
//           --rate requests per second in all, each answered by the server: Presence a heartbeat
//           with an id (answered ok, no store access; --request getAttributes: the connection's own
//           user's attributes in its channel, a store read; --request unreadable: a frame cut
//           short after its id, answered with an INVALID_ARGUMENT error carrying that id, the path
//           a hostile client takes), soketi pusher:ping (answered
//           pusher:pong). The server's receive path (frame read, parse, dispatch) and a small reply.
//           Reports server CPU per request over the measured window and the round-trip p50/p99.
// Everything is bounded: every phase has a deadline, and the program exits by itself.
// Only meant for 127.0.0.1: the driver refuses other hosts.
import { WebSocket } from 'ws';
import { createHmac } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const opts = {
  target: 'presence', // presence | soketi
  scenario: 'paced', // paced | idle | receive
  connections: '100', // receive
  request: 'heartbeat', // receive, Presence: heartbeat (no store access) | getAttributes (a store read) | unreadable
  url: '', // default per target
  pid: '', // server pid for CPU/RSS/heap (same machine)
  jcmd: 'jcmd', // jcmd of the server's JDK (Java targets only)
  observers: '100',
  rate: '40', // joins per second (paced)
  duration: '10', // measured seconds (paced)
  warmup: '5', // seconds at the same rate before the measured window (paced)
  sessions: '10000', // idle
  'per-channel': '50', // idle: sessions per channel
  concurrency: '100', // idle: connects+joins in flight
  hold: '0', // idle: seconds to hold the sessions after measuring (0 = close at once)
  settle: '5', // idle: seconds between the last join and the memory reading
  'app-key': 'app-key',
  'app-secret': 'app-secret',
  json: '', // write the result object to this file too
  histogram: '', // idle, Java targets: write jcmd GC.class_histogram to <this>-baseline.txt and -loaded.txt
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
const target = opts.target;
if (!['presence', 'soketi'].includes(target)) throw new Error('--target presence|soketi');
const url = opts.url || (target === 'presence'
  ? 'ws://127.0.0.1:8080/ws/v1'
  : `ws://127.0.0.1:6001/app/${opts['app-key']}?protocol=7&client=js&version=8.4.0&flash=false`);
const host = new URL(url).hostname;
if (host !== '127.0.0.1' && host !== 'localhost') throw new Error('loopback targets only: ' + url);
const pid = opts.pid ? Number(opts.pid) : 0;
const run = Date.now().toString(36);
const log = (...a) => console.log(new Date().toISOString().slice(11, 23), ...a);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

// ---------------------------------------------------------------- server process readings
let clkTck = 100;
try { clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100; } catch { /* 100 */ }
function cpuSeconds() {
  if (!pid) return NaN;
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
  return (Number(f[11]) + Number(f[12])) / clkTck; // fields 14 utime, 15 stime
}
/**
 * CPU seconds of the server's threads by name, the trailing number of pooled threads removed
 * ("presence-ws-send-1" and "-2" count as "presence-ws-send-"); names are the kernel's, at most 15
 * characters. A thread that ended since is missing: read the difference of two calls as a lower
 * bound per name.
 */
function threadCpuSeconds() {
  const byName = {};
  if (!pid) return byName;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')).replace(/\d+$/, '');
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      byName[name] = (byName[name] ?? 0) + (Number(f[11]) + Number(f[12])) / clkTck;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return byName;
}
/** The names whose CPU grew most from a to b, as {name: seconds}, largest first. */
function topThreads(a, b, n) {
  return Object.fromEntries(
    Object.entries(b)
      .map(([k, v]) => [k, r2(v - (a[k] ?? 0))])
      .sort((x, y) => y[1] - x[1])
      .slice(0, n),
  );
}
function rssKb() {
  if (!pid) return NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}
/** Java heap used after a full GC (KB), or NaN for a non-Java target. */
function heapAfterGcKb() {
  if (!pid || target !== 'presence') return NaN;
  execFileSync(opts.jcmd, [String(pid), 'GC.run'], { timeout: 60000 });
  const out = execFileSync(opts.jcmd, [String(pid), 'GC.heap_info'], { timeout: 60000 }).toString();
  const m = /total[^,]*?\d+K,(?: committed \d+K,)? used (\d+)K/.exec(out); // JDK 17 and 25 formats
  return m ? Number(m[1]) : NaN;
}
function memory(phase) {
  const heap = heapAfterGcKb();
  if (opts.histogram && phase && pid && target === 'presence') {
    const out = execFileSync(opts.jcmd, [String(pid), 'GC.class_histogram'], { timeout: 120000, maxBuffer: 64 << 20 });
    writeFileSync(`${opts.histogram}-${phase}.txt`, out);
  }
  return { heapKb: heap, rssKb: rssKb() };
}

// ---------------------------------------------------------------- protocols
const b64 = (s) => Buffer.from(s).toString('base64url');
const token = (sub) => `${b64('{"alg":"none"}')}.${b64(JSON.stringify({ sub }))}.`;

/**
 * A connection speaking one protocol. Callbacks: onEvent(kind, userId, t) for join/leave
 * (member_added/member_removed) events, onClose(code, reason).
 */
class Client {
  constructor(user, handlers = {}) {
    this.user = user;
    this.h = handlers;
    this.pending = new Map(); // request id -> resolve (presence)
    this.subscribed = null; // resolve of the current subscribe/join (soketi)
    this.closed = false;
    const u = target === 'presence' ? `${url}?access_token=${token(user)}` : url;
    this.ws = new WebSocket(u, { perMessageDeflate: false, handshakeTimeout: 20000 });
    this.opened = new Promise((resolve, reject) => {
      this.openResolve = resolve;
      this.ws.once('error', reject);
      if (target === 'presence') this.ws.once('open', () => resolve());
    });
    this.opened.catch(() => {});
    this.ws.on('error', () => {});
    this.ws.on('message', (data) => this.onMessage(data.toString(), now()));
    this.ws.on('close', (code, reason) => {
      this.closed = true;
      this.closeInfo = `${code} ${reason.toString()}`.trim();
      for (const r of this.pending.values()) r({ type: 'closed' });
      this.pending.clear();
      if (this.subscribed) this.subscribed({ event: 'closed' });
      if (this.pinger) clearInterval(this.pinger);
      this.h.onClose?.(code, reason.toString());
    });
  }

  onMessage(text, t) {
    if (observerFrames.counting && this.h.observer) observerFrames.count++;
    const m = JSON.parse(text);
    if (target === 'presence') {
      const list = m.type === 'batch' ? m.messages : [m];
      for (const x of list) {
        if (x.type === 'event') {
          this.h.onEvent?.(x.event, x.userId, t);
        } else if (x.id !== undefined && this.pending.has(x.id)) {
          const r = this.pending.get(x.id);
          this.pending.delete(x.id);
          r(x);
        } else if (x.type === 'resync' || x.type === 'interval') {
          this.h.onOther?.(x.type);
        }
      }
      return;
    }
    if (this.h.onPong && m.event === 'pusher:pong') { this.h.onPong(t); return; }
    switch (m.event) {
      case 'pusher:connection_established':
        this.socketId = JSON.parse(m.data).socket_id;
        this.openResolve();
        break;
      case 'pusher_internal:member_added':
      case 'pusher_internal:member_removed': {
        const d = typeof m.data === 'string' ? JSON.parse(m.data) : m.data;
        this.h.onEvent?.(m.event === 'pusher_internal:member_added' ? 'join' : 'leave', d.user_id, t);
        break;
      }
      case 'pusher_internal:subscription_succeeded':
      case 'pusher:subscription_error':
      case 'pusher:error':
        if (this.subscribed) { const r = this.subscribed; this.subscribed = null; r(m); }
        break;
      case 'pusher:ping':
        this.ws.send('{"event":"pusher:pong","data":{}}');
        break;
      default:
    }
  }

  request(obj) {
    return this.requestText(obj.id, JSON.stringify(obj));
  }

  /** Sends a frame as it is; resolves with the reply that carries `id`. */
  requestText(id, text) {
    return new Promise((resolve) => {
      if (this.closed) return resolve({ type: 'closed' });
      this.pending.set(id, resolve);
      this.ws.send(text);
    });
  }

  /** Joins (presence) or subscribes to (soketi) the channel as a member; resolves true if ok. */
  async join(channel) {
    if (target === 'presence') {
      const r = await this.request({ id: 'j', type: 'join', channel });
      this.lastReply = r.type === 'closed' ? { closed: this.closeInfo } : r;
      return r.type === 'ok';
    }
    const channelData = JSON.stringify({ user_id: this.user, user_info: {} });
    const sig = createHmac('sha256', opts['app-secret'])
      .update(`${this.socketId}:${channel}:${channelData}`).digest('hex');
    const r = await new Promise((resolve) => {
      if (this.closed) return resolve({ event: 'closed' });
      this.subscribed = resolve;
      this.ws.send(JSON.stringify({
        event: 'pusher:subscribe',
        data: { channel, auth: `${opts['app-key']}:${sig}`, channel_data: channelData },
      }));
    });
    this.lastReply = r.event === 'closed' ? { closed: this.closeInfo } : r;
    return r.event === 'pusher_internal:subscription_succeeded';
  }

  /** Subscribes as an observer; soketi observers are members of the presence channel. */
  async observe(channel) {
    if (target === 'presence') {
      return (await this.request({ id: 's', type: 'subscribe', channel })).type === 'snapshot';
    }
    return this.join(channel);
  }

  /** Leaves the channel; resolves when sent (soketi has no reply) or confirmed (presence). */
  async leave(channel) {
    if (target === 'presence') {
      return (await this.request({ id: 'l', type: 'leave', channel })).type === 'ok';
    }
    if (this.closed) return false;
    this.ws.send(JSON.stringify({ event: 'pusher:unsubscribe', data: { channel } }));
    return true;
  }

  /** pusher-js sends pusher:ping after activity_timeout (30 s) of silence; Presence needs none. */
  heartbeat(periodMs, offsetMs) {
    if (target !== 'soketi') return;
    setTimeout(() => {
      if (this.closed) return;
      this.ws.send('{"event":"pusher:ping","data":{}}');
      this.pinger = setInterval(() => {
        if (!this.closed) this.ws.send('{"event":"pusher:ping","data":{}}');
      }, periodMs);
    }, offsetMs);
  }

  close() {
    if (!this.closed) this.ws.close(1000, 'done');
  }

  terminate() {
    if (!this.closed) this.ws.terminate();
  }
}

// Frames received by paced observers while observerFrames.counting (the window and its drain).
const observerFrames = { counting: false, count: 0 };

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}
const r1 = (x) => Math.round(x * 10) / 10;
const r2 = (x) => Math.round(x * 100) / 100;

function finish(result) {
  console.log('RESULT ' + JSON.stringify(result));
  if (opts.json) {
    import('node:fs').then((fs) => {
      fs.writeFileSync(opts.json, JSON.stringify(result, null, 2) + '\n');
      process.exit(0);
    });
  } else {
    process.exit(0);
  }
}

/**
 * Paces work without drift: every 2 ms, calls start(n) (n = 0, 1, ...) as many times as `rate` per
 * second calls for since the start, for warmupMs + durationMs. When the warm-up ends it reads the
 * server's CPU (in all and by thread) and the driver's, then calls onWindow(). Resolves with those
 * readings ({cpu0, threads0, driverCpu0, tm0}) and the number of starts inside the window.
 */
async function pace(rate, warmupMs, durationMs, start, onWindow) {
  const t0 = now();
  const end = t0 + warmupMs + durationMs;
  let w = null;
  let started = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const t = now();
      if (!w && t >= t0 + warmupMs) {
        w = { cpu0: cpuSeconds(), threads0: threadCpuSeconds(), driverCpu0: process.cpuUsage(), tm0: t, first: started };
        onWindow();
      }
      if (t >= end) return resolve();
      const due = Math.floor(((t - t0) / 1000) * rate);
      while (started < due) start(started++);
      setTimeout(tick, 2);
    };
    tick();
  });
  return { ...w, startedInWindow: started - w.first };
}

// ---------------------------------------------------------------- scenario A: paced joins
async function paced() {
  const observerCount = Number(opts.observers);
  const rate = Number(opts.rate);
  const warmup = Number(opts.warmup) * 1000;
  const duration = Number(opts.duration) * 1000;
  const channel = (target === 'soketi' ? 'presence-' : '') + `paced-${run}`;
  const sent = new Map(); // "join:user" / "leave:user" -> send time
  let measuring = false; // ops sent inside the measured window are tagged
  const windowOps = new Set();
  const delays = [];
  let windowDeliveries = 0;
  let otherDeliveries = 0; // deliveries to joiners (soketi: members see each other)
  let observerCloses = 0;
  let others = 0;
  const onEvent = (kind, user, t) => {
    const key = `${kind === 'join' ? 'join' : 'leave'}:${user}`;
    if (!windowOps.has(key)) return;
    windowDeliveries++;
    delays.push(t - sent.get(key));
  };
  log(`${target} paced: ${observerCount} observers on ${channel}, ${rate} joins/s, warm-up ${warmup / 1000}s, measured ${duration / 1000}s`);
  const observers = [];
  for (let i = 0; i < observerCount; i++) {
    const c = new Client(`obs-${run}-${i}`, {
      onEvent,
      observer: true,
      onClose: () => observerCloses++,
      onOther: () => others++,
    });
    await withTimeout(c.opened, 20000, 'observer connect');
    if (!(await withTimeout(c.observe(channel), 20000, 'observer subscribe'))) throw new Error('observer subscribe refused');
    observers.push(c);
  }
  log(`${observerCount} observers subscribed`);

  let failed = 0;
  let inFlight = 0;
  const live = new Set();
  async function cycle(n) {
    const user = `j-${run}-${n}`;
    const tagged = measuring;
    inFlight++;
    const c = new Client(user, { onEvent: (k, u) => { if (u !== user) otherDeliveries += tagged ? 1 : 0; } });
    live.add(c);
    const deadline = setTimeout(() => { c.terminate(); }, 10000);
    try {
      await c.opened;
      if (tagged) windowOps.add(`join:${user}`);
      sent.set(`join:${user}`, now());
      if (!(await c.join(channel))) throw new Error('join refused: ' + JSON.stringify(c.lastReply));
      if (tagged) windowOps.add(`leave:${user}`);
      sent.set(`leave:${user}`, now());
      if (!(await c.leave(channel))) throw new Error('leave refused');
      c.close();
    } catch (e) {
      failed++;
      if (failed <= 5) log(`cycle ${n} failed: ${e.message}`);
      c.terminate();
    } finally {
      clearTimeout(deadline);
      inFlight--;
      live.delete(c);
    }
  }
  const w = await pace(rate, warmup, duration, cycle, () => {
    measuring = true;
    observerFrames.counting = true;
  });
  const { cpu0, threads0, driverCpu0, tm0 } = w;
  const windowCycles = w.startedInWindow;
  // Drain: wait for the window's cycles to end and their deliveries to arrive (at most 10 s; a
  // missing delivery ends the wait after 2 s without progress), then read the CPU.
  const drainEnd = now() + 10000;
  let last = -1;
  let lastChange = now();
  while (now() < drainEnd && (inFlight > 0 || windowDeliveries < windowOps.size * observerCount)) {
    if (windowDeliveries !== last) { last = windowDeliveries; lastChange = now(); }
    if (inFlight === 0 && now() - lastChange > 2000) break;
    await sleep(20);
  }
  const expected = windowOps.size * observerCount; // ops actually sent in the window
  const tm1 = now();
  const cpu1 = cpuSeconds();
  const threads1 = threadCpuSeconds();
  const cpu = cpu1 - cpu0;
  const driverCpu = process.cpuUsage(driverCpu0);
  delays.sort((a, b) => a - b);
  const result = {
    target, scenario: 'paced', url, observers: observerCount, rate,
    measuredSeconds: r2((tm1 - tm0) / 1000), windowCycles, cyclesFailed: failed,
    expectedDeliveries: expected, delivered: windowDeliveries,
    lost: expected - windowDeliveries,
    deliveriesPerSecond: r1(windowDeliveries / (duration / 1000)),
    joinerDeliveries: otherDeliveries,
    serverCpuSeconds: r2(cpu),
    cpuMicrosPerDelivery: r1((cpu * 1e6) / windowDeliveries),
    driverCpuSeconds: r2((driverCpu.user + driverCpu.system) / 1e6),
    delayMs: { p50: r2(quantile(delays, 0.5)), p90: r2(quantile(delays, 0.9)), p99: r2(quantile(delays, 0.99)), max: r2(delays[delays.length - 1]) },
    observerCloses, resyncOrInterval: others,
    // frames the observers received from the window's start until the drain ended: below 1 per
    // delivery when the server packed several events into one frame (a batch)
    observerFramesPerDelivery: r2(observerFrames.count / windowDeliveries),
    serverThreadCpuSeconds: topThreads(threads0, threads1, 8),
  };
  for (const c of live) c.terminate();
  for (const o of observers) o.close();
  await sleep(500);
  finish(result);
}

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms); }),
  ]);
}

// ---------------------------------------------------------------- scenario E: the receive path
async function receive() {
  const count = Number(opts.connections);
  const rate = Number(opts.rate);
  const warmup = Number(opts.warmup) * 1000;
  const duration = Number(opts.duration) * 1000;
  log(`${target} receive: ${count} connections, ${rate} requests/s, warm-up ${warmup / 1000}s, measured ${duration / 1000}s`);
  const conns = [];
  for (let i = 0; i < count; i++) {
    const c = new Client(`recv-${run}-${i}`, {});
    await withTimeout(c.opened, 20000, 'connect');
    if (target === 'presence') {
      c.channel = `recv-${run}-${i}`;
      if (!(await withTimeout(c.join(c.channel), 20000, 'join'))) throw new Error('join refused: ' + JSON.stringify(c.lastReply));
    } else {
      c.pongs = []; // the pings in flight, oldest first (soketi answers in order)
      c.h.onPong = (t) => { const p = c.pongs.shift(); if (p) done(p.tagged, p.sentAt, t); };
    }
    conns.push(c);
  }
  log(`${count} connections ready`);
  let measuring = false;
  let sentInWindow = 0;
  let answeredInWindow = 0;
  let failed = 0;
  const rtts = [];
  function done(tagged, sentAt, t) {
    if (tagged) { answeredInWindow++; rtts.push(t - sentAt); }
  }
  function send(n) {
    const c = conns[n % count];
    const id = `r${n}`;
    const tagged = measuring;
    const sentAt = now();
    if (tagged) sentInWindow++;
    if (target === 'presence') {
      const unreadable = opts.request === 'unreadable';
      const reply = unreadable
        ? c.requestText(id, `{"id":"${id}","type":"heartbeat"`)
        : c.request(opts.request === 'getAttributes'
          ? { id, type: 'getAttributes', channel: c.channel, userId: c.user }
          : { id, type: 'heartbeat' });
      reply.then((r) => {
        const expected = unreadable ? r.type === 'error' && r.code === 'INVALID_ARGUMENT' : r.type === 'ok';
        if (!expected) { failed++; if (failed <= 5) log(`request failed: ${JSON.stringify(r)}`); }
        done(tagged, sentAt, now());
      });
    } else {
      c.pongs.push({ sentAt, tagged });
      c.ws.send('{"event":"pusher:ping","data":{}}');
    }
  }
  const { cpu0, threads0, driverCpu0, tm0 } = await pace(rate, warmup, duration, send, () => {
    measuring = true;
  });
  measuring = false;
  const drainEnd = now() + 10000;
  while (now() < drainEnd && answeredInWindow < sentInWindow) await sleep(10);
  const tm1 = now();
  const cpu = cpuSeconds() - cpu0;
  const threads1 = threadCpuSeconds();
  const driverCpu = process.cpuUsage(driverCpu0);
  rtts.sort((a, b) => a - b);
  const result = {
    target, scenario: 'receive', url, connections: count, rate, request: target === 'presence' ? opts.request : 'pusher:ping',
    measuredSeconds: r2((tm1 - tm0) / 1000), requests: sentInWindow, answered: answeredInWindow,
    unanswered: sentInWindow - answeredInWindow, failed,
    serverCpuSeconds: r2(cpu),
    cpuMicrosPerRequest: r1((cpu * 1e6) / answeredInWindow),
    driverCpuSeconds: r2((driverCpu.user + driverCpu.system) / 1e6),
    roundTripMs: { p50: r2(quantile(rtts, 0.5)), p90: r2(quantile(rtts, 0.9)), p99: r2(quantile(rtts, 0.99)), max: r2(rtts[rtts.length - 1]) },
    closes: conns.filter((c) => c.closed).map((c) => c.closeInfo).slice(0, 5),
    serverThreadCpuSeconds: topThreads(threads0, threads1, 8),
  };
  for (const c of conns) c.close();
  await sleep(500);
  finish(result);
}

// ---------------------------------------------------------------- scenarios B and C: idle sessions
async function idle() {
  const sessions = Number(opts.sessions);
  const perChannel = Number(opts['per-channel']);
  const concurrency = Number(opts.concurrency);
  const hold = Number(opts.hold) * 1000;
  const prefix = (target === 'soketi' ? 'presence-' : '') + `idle-${run}-`;
  log(`${target} idle: ${sessions} sessions, ${perChannel} per channel, ${concurrency} in flight, hold ${hold / 1000}s`);
  const base = memory('baseline');
  log(`baseline: heap ${base.heapKb} KB after GC, RSS ${base.rssKb} KB`);
  const clients = [];
  const closes = new Map(); // "code reason" -> count, after the session was up
  let up = 0;
  let failed = 0;
  let next = 0;
  const t0 = now();
  const rampCpu0 = process.cpuUsage();
  const rampServerCpu0 = cpuSeconds();
  const connectDeadline = t0 + 300000; // 5 minutes at most for the ramp
  async function worker() {
    while (next < sessions && now() < connectDeadline) {
      const i = next++;
      const c = new Client(`idle-${run}-${i}`, {
        onClose: (code, reason) => {
          if (c.up) {
            const k = `${code} ${reason}`.trim();
            closes.set(k, (closes.get(k) || 0) + 1);
          }
        },
      });
      try {
        await withTimeout(c.opened, 20000, 'connect');
        if (!(await withTimeout(c.join(prefix + Math.floor(i / perChannel)), 20000, 'join'))) throw new Error('join refused: ' + JSON.stringify(c.lastReply));
        c.up = true;
        up++;
        clients.push(c);
        c.heartbeat(30000, Math.floor(Math.random() * 30000));
      } catch (e) {
        failed++;
        if (failed <= 5) log(`session ${i} failed: ${e.message}`);
        c.terminate();
      }
    }
  }
  let lastLog = 0;
  const progress = setInterval(() => {
    if (up - lastLog >= 1000) { log(`${up} up`); lastLog = up; }
  }, 1000);
  await Promise.all(Array.from({ length: concurrency }, worker));
  clearInterval(progress);
  const rampSeconds = (now() - t0) / 1000;
  const rampDriverCpu = process.cpuUsage(rampCpu0);
  const rampServerCpu = cpuSeconds();
  log(`${up} sessions up in ${r2(rampSeconds)} s (${failed} failed); settling ${opts.settle}s`);
  await sleep(Number(opts.settle) * 1000);
  const loaded = memory('loaded');
  const result = {
    target, scenario: hold ? 'hold' : 'idle', url, sessions, up, failed, perChannel, concurrency,
    connectsJoinsPerSecond: r1(up / rampSeconds), rampSeconds: r2(rampSeconds),
    rampServerCpuSeconds: r2(rampServerCpu - rampServerCpu0),
    rampDriverCpuSeconds: r2((rampDriverCpu.user + rampDriverCpu.system) / 1e6),
    baseline: base, loaded,
    heapKbPerSession: r2((loaded.heapKb - base.heapKb) / up),
    rssKbPerSession: r2((loaded.rssKb - base.rssKb) / up),
  };
  log(`loaded: heap ${loaded.heapKb} KB, RSS ${loaded.rssKb} KB`);
  if (hold) {
    const lostBefore = [...closes.values()].reduce((a, b) => a + b, 0);
    const cpu0 = cpuSeconds();
    const tEnd = now() + hold;
    while (now() < tEnd) {
      await sleep(Math.min(30000, tEnd - now()));
      const open = clients.filter((c) => !c.closed).length;
      log(`holding: ${open} open, closes ${JSON.stringify(Object.fromEntries(closes))}`);
    }
    result.holdSeconds = hold / 1000;
    result.lostBeforeHold = lostBefore;
    result.closesSeen = Object.fromEntries(closes);
    result.openAtEnd = clients.filter((c) => !c.closed).length;
    result.lostDuringHold = [...closes.values()].reduce((a, b) => a + b, 0) - lostBefore;
    result.holdServerCpuSeconds = r2(cpuSeconds() - cpu0);
    result.rssKbAtEnd = rssKb();
  } else {
    result.closesSeen = Object.fromEntries(closes);
  }
  for (const c of clients) c.close();
  await sleep(2000);
  for (const c of clients) c.terminate();
  finish(result);
}

const watchdog = setTimeout(() => { console.error('watchdog: run exceeded its bound'); process.exit(3); },
  (opts.scenario === 'paced'
    ? 120 + Number(opts.warmup) + Number(opts.duration) + Number(opts.observers) * 0.5
    : opts.scenario === 'receive'
      ? 120 + Number(opts.warmup) + Number(opts.duration) + Number(opts.connections) * 0.5
      : 900 + Number(opts.hold) + Number(opts.settle)) * 1000);
watchdog.unref();
const scenarios = { paced, idle, receive };
if (!(opts.scenario in scenarios)) { console.error(`--scenario ${Object.keys(scenarios).join('|')}`); process.exit(2); }
scenarios[opts.scenario]().catch((e) => { console.error(e); process.exit(1); });
