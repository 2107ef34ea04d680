/**
 * Provisioning benchmark (`npm run bench`; issue 18): provisions N = 1, 4, 16 and 64 simulated devices
 * (or the numbers given as arguments) side by side in one run, with realistic device timing (key
 * generation 300 ms EC / 1500 ms RSA, UART at 115200 bit/s) and org latency (80 ms per response, or
 * BENCH_ORG_LATENCY_MS), plus a naive baseline (one device at a time; query + create + update per
 * device) at the smallest N above 1. Prints a table and one JSON line per scenario: station CPU ms per
 * device, wall time ÷ the computed physical floor, REST calls per device (the org's own count, audit sync included: the run waits for its queue to empty)
 * and, of those, the audit sync's, serial
 * bytes, peak RSS, open file descriptors, and the 16-vs-1 and 64-vs-1 throughput ratios.
 *
 * Each scenario runs in a fresh home with its own simulator and org processes (provisioning-run.ts).
 * BENCH_CPU_PROF=<folder> writes a CPU profile of each measured phase (bench/profile.ts).
 * BENCH_THREADS=1 prints (stderr) each measured phase's CPU ms by thread: main, thread pool, V8 helpers (bench/threads.ts, Linux).
 */
import os from 'node:os';
import { ALGS, BAUD, runScenario, type Row } from './provisioning-run';

const LATENCY_MS = Number(process.env.BENCH_ORG_LATENCY_MS ?? 80);
const args = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => Number.isInteger(x) && x > 0 && x <= 64);
const sizes = args.length ? args : [1, 4, 16, 64];
const naiveN = Number(process.env.BENCH_NAIVE_N ?? sizes.find((n) => n > 1) ?? 4);

const rows: Row[] = [];
for (const n of sizes) {
  const r = await runScenario('station', n, LATENCY_MS);
  rows.push(r);
  console.log(JSON.stringify({ bench: 'provisioning', ...round(r) }));
}
if (naiveN > 0) {
  const r = await runScenario('naive', naiveN, LATENCY_MS);
  rows.push(r);
  console.log(JSON.stringify({ bench: 'provisioning', ...round(r) }));
}

function round(r: Row): Record<string, number | string> {
  return Object.fromEntries(
    Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1000) / 1000 : v]),
  );
}

const station = (n: number) => rows.find((r) => r.scenario === 'station' && r.n === n);
const one = station(1);
const naive = rows.find((r) => r.scenario === 'naive');

console.log(
  `\nProvisioning benchmark — simulated devices on PTYs (${BAUD} bit/s 8N1, ${ALGS.join('/')} cycled, keygen EC 300 ms / RSA 1500 ms), org latency ${LATENCY_MS} ms, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
);
console.log(
  'scenario   N   ok   wall s  floor s  wall/floor  devices/min  CPU ms/device  REST/device  audit/device  org/device  serial B/device  peak RSS MiB  fds',
);
for (const r of rows) {
  console.log(
    [
      r.scenario.padEnd(8),
      String(r.n).padStart(3),
      String(r.ok).padStart(4),
      r.wallS.toFixed(2).padStart(8),
      r.floorS.toFixed(2).padStart(8),
      r.wallOverFloor.toFixed(2).padStart(11),
      r.devicesPerMin.toFixed(1).padStart(12),
      r.cpuMsPerDevice.toFixed(1).padStart(14),
      r.restCallsPerDevice.toFixed(3).padStart(12),
      r.auditCallsPerDevice.toFixed(3).padStart(13),
      r.orgCallsPerDevice.toFixed(3).padStart(11),
      r.serialBytesPerDevice.toFixed(0).padStart(16),
      r.peakRssMiB.toFixed(0).padStart(13),
      String(r.fds).padStart(4),
    ].join(' '),
  );
}
const ratio = (a?: Row, b?: Row) => (a && b ? (a.devicesPerMin / b.devicesPerMin).toFixed(1) : 'n/a');
const ratios = {
  bench: 'provisioning-ratios',
  throughput16vs1: ratio(station(16), one),
  throughput64vs1: ratio(station(64), one),
  ...(naive ? { [`station${naive.n}VsNaive${naive.n}`]: ratio(station(naive.n), naive) } : {}),
};
console.log(
  `\nthroughput: 16 bays = ${ratios.throughput16vs1}× one bay, 64 bays = ${ratios.throughput64vs1}× one bay` +
    (naive
      ? `; ${naive.n} bays batched = ${ratio(station(naive.n), naive)}× the naive one-at-a-time run`
      : ''),
);
console.log(JSON.stringify(ratios));
