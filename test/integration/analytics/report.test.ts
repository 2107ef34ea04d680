/**
 * Yield analytics on real jobs: simulated devices on the embedded defaults (real serial stack, org
 * emulator over HTTP, file CA), two of them with a fault switch that garbles the certificate install
 * (every PUT_CERT gets a stray frame back). The station API's report shows install-cert first in the
 * Pareto with both attempts of both devices, and `asset-station report --json` — a real child process
 * on the same home — prints the very same report.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { YieldReport } from '../../../shared/analytics';
import { DEMO_VAULT_PASSPHRASE, startEmbedded } from '../../../dev/embedded';

let home: string;
let fromApi: YieldReport;
let faulty: string[];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, ...args], {
    env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: DEMO_VAULT_PASSPHRASE },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'yield-it-'));
  const env = await startEmbedded({ home, devices: 4, keygenDelayMs: 50, watch: false });
  try {
    faulty = env.sim.devices.slice(2).map((d) => d.uid);
    for (const uid of faulty)
      env.sim.device(uid).setFaults({ strayOn: { command: 'PUT_CERT', once: false } });
    const bays = await env.station.listBays({});
    const jobs = await Promise.all(
      bays.map((b) =>
        env.station.startJob({
          bayId: b.id,
          kind: 'provision',
          inputs: { workOrder: 'WO-77', lot: 'LOT-3' },
        }),
      ),
    );
    const ended = await Promise.all(jobs.map((j) => env.station.waitForJob(j.id)));
    expect(ended.map((j) => j.state).sort()).toEqual(['failed', 'failed', 'succeeded', 'succeeded']);
    fromApi = await env.station.getYieldReport({ utcOffsetMinutes: 0 });
  } finally {
    await env.stop();
  }
}, 90_000);

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('yield report on real jobs', () => {
  it('shows the faulty step first in the Pareto, with every failed attempt, and the yields', () => {
    expect(fromApi.totals).toEqual({
      units: 4,
      firstPass: 2,
      passed: 2,
      firstPassYield: 0.5,
      finalYield: 0.5,
      failures: 4,
    });
    // Each faulty device: a garbled answer, one reopen and retry (recovery.ts), then the job stops.
    expect(fromApi.paretoByStep).toEqual([
      { key: 'install-cert', failures: 4, units: 2, share: 1, cumulative: 1 },
    ]);
    expect(fromApi.paretoByClass.map((b) => [b.key, b.failures])).toEqual([['LINK NOISE', 4]]);
    expect(fromApi.breakdowns.workOrder.map((g) => [g.key, g.units, g.firstPass])).toEqual([['WO-77', 4, 2]]);
    expect(fromApi.breakdowns.lot.map((g) => g.key)).toEqual(['LOT-3']);
    expect(fromApi.cycleTime.samples).toBe(2);
    expect(fromApi.cycleTime.medianMs).toBeGreaterThan(0);
    expect(fromApi.cycleTime.meanAttempts).toBe(11);
  });

  it('`report --json` prints the same figures as the station API', () => {
    const out = cli('report', '--json', '--utc-offset', '0');
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual(fromApi);
    const wo = cli('report', '--json', '--utc-offset', '0', '--work-order', 'WO-77', '--lot', 'LOT-3');
    expect(JSON.parse(wo.stdout).totals).toEqual(fromApi.totals);
    const none = cli('report', '--json', '--work-order', 'WO-other');
    expect(JSON.parse(none.stdout).totals.units).toBe(0);
  });

  it('prints the figures for people, and refuses a bad day with what to type instead', () => {
    const out = cli('report', '--utc-offset', '0');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('First-pass yield 50.0 % (2 of 4)');
    expect(out.stdout).toMatch(/Failures by step:\n {2}install-cert +4 failed attempts +2 units/);
    const bad = cli('report', '--from', '2026-3-1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--from '2026-3-1' is not a day");
    expect(bad.stderr).toContain('YYYY-MM-DD');
  });
});
