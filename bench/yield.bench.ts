/**
 * Yield report benchmark (run: `npx tsx bench/yield.bench.ts [jobs]`). Fills a station database
 * through the Journal API with N provisioning jobs (default 20 000: a busy line's month) — 11 step
 * attempts each, every 10th job with a retried attempt, every 20th failed at install-cert, five work
 * orders — then times `yieldReport` (the query layer plus the pure computation) as the Yield view and
 * `asset-station report` call it. Figures only, no assertions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROVISION_STEPS } from '../shared/domain';
import { openStationDb } from '../core/records/db';
import { Journal } from '../core/records/journal';
import { yieldReport } from '../core/analytics';
import { loadYieldJobs } from '../core/analytics/jobs';
import { computeYield } from '../core/analytics/yield';

const n = Number(process.argv[2] ?? 20_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'as-yieldbench-'));
const db = openStationDb(dir);
const journal = new Journal(db);
const err = (code: 'DEVICE_PROTOCOL' | 'DEVICE_TIMEOUT') => ({ code, message: code, remedy: '-' });

const fill0 = performance.now();
db.transaction(() => {
  for (let i = 0; i < n; i++) {
    const id = journal.createJob({
      kind: 'provision',
      bayId: `bay-${i % 16}`,
      locator: 'sim:x',
      deviceUid: `U${i}`,
      inputs: { workOrder: `WO-${i % 5}`, lot: `L-${i % 40}` },
      stationId: 'st-1',
      steps: PROVISION_STEPS,
    });
    journal.setJobState(id, 'running');
    let failed = false;
    for (const step of PROVISION_STEPS) {
      if (i % 10 === 3 && step === 'csr') {
        journal.startStep(id, step, {});
        journal.retryStep(id, step, err('DEVICE_PROTOCOL'));
      }
      journal.startStep(id, step, {});
      if (i % 20 === 7 && step === 'install-cert') {
        journal.failStep(id, step, err('DEVICE_TIMEOUT'));
        failed = true;
        break;
      }
      journal.finishStep(id, step, 'done', {});
      if (step === 'identify') journal.addSummary(id, { model: 'AS-1', firmware: `1.${i % 3}.0` });
    }
    journal.setJobState(id, failed ? 'failed' : 'succeeded');
  }
})();
const fillMs = performance.now() - fill0;

const time = (f: () => unknown, runs = 5): number => {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    f();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[runs >> 1]!;
};

const jobs = loadYieldJobs(journal);
const attempts = jobs.reduce((s, j) => s + j.attempts, 0);
const report = yieldReport(journal, {});
console.log(`yield bench: ${n} jobs, ${attempts} step attempts (journal filled in ${fillMs.toFixed(0)} ms)`);
console.log(
  `  load from SQLite (loadYieldJobs)     median ${time(() => loadYieldJobs(journal)).toFixed(1)} ms`,
);
console.log(
  `  compute (computeYield, no filter)     median ${time(() => computeYield(jobs, {})).toFixed(1)} ms`,
);
console.log(
  `  compute (one work order)              median ${time(() => computeYield(jobs, { workOrder: 'WO-1' })).toFixed(1)} ms`,
);
console.log(
  `  yieldReport (load + compute)          median ${time(() => yieldReport(journal, {})).toFixed(1)} ms`,
);
console.log(
  `  report: ${report.totals.units} units, first-pass yield ${((report.totals.firstPassYield ?? 0) * 100).toFixed(1)} %, ` +
    `JSON ${Buffer.byteLength(JSON.stringify(report))} bytes`,
);
db.close();
fs.rmSync(dir, { recursive: true, force: true });
