#!/usr/bin/env node
// Tabulates the JSON results of run-ws-bench.sh (default dir presence-it/target/ws-bench) as
// Markdown rows, one per run, grouped by scenario:  node presence-it/bench/summarize.mjs [dir]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] || 'presence-it/target/ws-bench';
const rows = readdirSync(dir)
  .filter((f) => /-\d+\.json$/.test(f))
  .sort()
  .map((f) => {
    const [, stamp, scenario, target] = /^(\d+-\d+)-(\w+)-(\w+)-\d+\.json$/.exec(f);
    return { file: f, stamp, scenario, target, r: JSON.parse(readFileSync(join(dir, f), 'utf8')) };
  });

const paced = rows.filter((x) => x.scenario === 'paced');
if (paced.length) {
  console.log('| run | target | deliveries/s | lost | server CPU s | CPU µs/delivery | p50 ms | p99 ms | max ms | driver CPU s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { stamp, target, r } of paced) {
    console.log(`| ${stamp} | ${target} | ${r.deliveriesPerSecond} | ${r.lost} | ${r.serverCpuSeconds} | ${r.cpuMicrosPerDelivery} | ${r.delayMs.p50} | ${r.delayMs.p99} | ${r.delayMs.max} | ${r.driverCpuSeconds} |`);
  }
  console.log();
}
const idle = rows.filter((x) => x.scenario === 'idle' || x.scenario === 'hold');
if (idle.length) {
  console.log('| run | scenario | target | up / failed | connects+joins/s | heap KB/session | RSS KB/session | baseline heap / RSS MB | ramp CPU server / driver s | hold: lost, open at end, closes |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { stamp, scenario, target, r } of idle) {
    const mb = (kb) => (kb == null ? '-' : Math.round(kb / 1024));
    const hold = r.holdSeconds ? `${r.lostDuringHold}, ${r.openAtEnd}, ${JSON.stringify(r.closesSeen)}` : '';
    console.log(`| ${stamp} | ${scenario} | ${target} | ${r.up} / ${r.failed} | ${r.connectsJoinsPerSecond} | ${r.heapKbPerSession ?? '-'} | ${r.rssKbPerSession} | ${mb(r.baseline.heapKb)} / ${mb(r.baseline.rssKb)} | ${r.rampServerCpuSeconds} / ${r.rampDriverCpuSeconds} | ${hold} |`);
  }
}
