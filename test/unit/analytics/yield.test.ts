/**
 * Yield analytics over a real journal (SQLite, written through the Journal API as the saga writes it,
 * with the clock set so times are known): attempts kept per step, first-pass and final yield, the
 * failure Pareto by step and class, breakdowns, filters, and active cycle time that leaves out the
 * idle time between attempts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PROVISION_STEPS, type StepName } from '../../../shared/domain';
import type { ErrorCode } from '../../../shared/errors';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { yieldReport } from '../../../core/analytics';
import { computeYield, dayOf } from '../../../core/analytics/yield';
import { loadYieldJobs } from '../../../core/analytics/jobs';

let dir: string;
let db: Db;
let journal: Journal;
let now: number;

const T0 = Date.parse('2026-03-02T08:00:00.000Z');
/** Idle time between two attempts (operator away, device replugged), ms: never in the cycle time. */
const IDLE_MS = 60_000;
/** Active time of each step attempt, ms. */
const STEP_MS = 1_000;

function tick(ms: number): void {
  now += ms;
  vi.setSystemTime(now);
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  now = T0;
  vi.setSystemTime(now);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yield-'));
  db = openStationDb(dir);
  journal = new Journal(db);
});
afterEach(() => {
  vi.useRealTimers();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const err = (code: ErrorCode) => ({ code, message: `${code} happened`, remedy: 'do something' });

interface JobPlan {
  uid?: string;
  workOrder?: string;
  lot?: string;
  station?: string;
  model?: string;
  firmware?: string;
  reprovision?: boolean;
  /** Errors of attempts before the step passes (retried), per step. */
  retries?: Partial<Record<StepName, ErrorCode[]>>;
  /** The step at which the job stops failed, with its error. */
  failAt?: { step: StepName; code: ErrorCode };
  /** Leave the job running after this many steps. */
  runningAfter?: number;
}

/** Runs a provisioning job through the Journal API as the saga does; each attempt takes STEP_MS. */
function runJob(p: JobPlan): string {
  const id = journal.createJob({
    kind: 'provision',
    bayId: 'bay-1',
    locator: 'sim:x',
    ...(p.uid ? { deviceUid: p.uid } : {}),
    inputs: {
      ...(p.workOrder ? { workOrder: p.workOrder } : {}),
      ...(p.lot ? { lot: p.lot } : {}),
    },
    reprovision: p.reprovision ?? false,
    stationId: p.station ?? 'st-A',
    steps: PROVISION_STEPS,
  });
  journal.setJobState(id, 'running');
  let n = 0;
  for (const step of PROVISION_STEPS) {
    if (p.runningAfter !== undefined && n++ >= p.runningAfter) return id;
    for (const code of p.retries?.[step] ?? []) {
      journal.startStep(id, step, {});
      tick(STEP_MS);
      journal.retryStep(id, step, err(code));
      tick(IDLE_MS);
    }
    journal.startStep(id, step, {});
    tick(STEP_MS);
    if (p.failAt?.step === step) {
      journal.failStep(id, step, err(p.failAt.code));
      journal.setJobState(id, 'failed', err(p.failAt.code));
      return id;
    }
    journal.finishStep(id, step, 'done', {});
    if (step === 'identify')
      journal.addSummary(id, { model: p.model ?? 'AS-1', firmware: p.firmware ?? '1.0.0' });
  }
  journal.setJobState(id, 'succeeded');
  return id;
}

describe('journal step attempts', () => {
  it('keeps every attempt of a step with its outcome, error and times', () => {
    const id = runJob({ uid: 'D1', retries: { csr: ['DEVICE_PROTOCOL'] } });
    const csr = journal.attempts([id]).filter((a) => a.step === 'csr');
    expect(csr.map((a) => [a.attempt, a.outcome, a.errorCode])).toEqual([
      [1, 'retried', 'DEVICE_PROTOCOL'],
      [2, 'done', undefined],
    ]);
    expect(Date.parse(csr[0]!.endedAt!) - Date.parse(csr[0]!.startedAt)).toBe(STEP_MS);
    expect(journal.attempts([id])).toHaveLength(PROVISION_STEPS.length + 1);
  });

  it('a retried attempt after which recovery gives up becomes the failed one and keeps its own end', () => {
    const id = journal.createJob({
      kind: 'provision',
      bayId: 'b',
      locator: 'l',
      stationId: 's',
      steps: PROVISION_STEPS,
    });
    journal.startStep(id, 'identify', {});
    tick(STEP_MS);
    journal.retryStep(id, 'identify', err('DEVICE_PORT_VANISHED'));
    tick(IDLE_MS); // waiting for the device to come back, which it never does
    journal.failStep(id, 'identify', err('DEVICE_PORT_NOT_FOUND'));
    const [a] = journal.attempts([id]);
    expect(a).toMatchObject({ outcome: 'failed', errorCode: 'DEVICE_PORT_NOT_FOUND', attempt: 1 });
    expect(Date.parse(a!.endedAt!) - Date.parse(a!.startedAt)).toBe(STEP_MS);
  });

  it('an attempt open when the station stopped is marked interrupted, without an end time', () => {
    const id = runJob({ uid: 'D1', runningAfter: 3 });
    journal.startStep(id, 'proof-of-possession', {});
    journal.markInterrupted();
    const last = journal.attempts([id]).at(-1)!;
    expect(last).toMatchObject({ step: 'proof-of-possession', outcome: 'interrupted' });
    expect(last.endedAt).toBeUndefined();
  });
});

describe('yield report', () => {
  /** A shift: D1 clean; D2 a garbled CSR retried, then passes; D3 fails at install-cert, passes on a second job; D4 fails at install-cert. */
  function shift(): void {
    runJob({ uid: 'D1', workOrder: 'WO-1', lot: 'L1' });
    tick(IDLE_MS);
    runJob({ uid: 'D2', workOrder: 'WO-1', lot: 'L1', retries: { csr: ['DEVICE_PROTOCOL'] } });
    tick(IDLE_MS);
    runJob({
      uid: 'D3',
      workOrder: 'WO-2',
      lot: 'L2',
      firmware: '1.1.0',
      failAt: { step: 'install-cert', code: 'DEVICE_TIMEOUT' },
    });
    tick(IDLE_MS);
    runJob({
      uid: 'D4',
      workOrder: 'WO-2',
      lot: 'L2',
      firmware: '1.1.0',
      failAt: { step: 'install-cert', code: 'DEVICE_TIMEOUT' },
    });
    tick(IDLE_MS);
    runJob({ uid: 'D3', workOrder: 'WO-2', lot: 'L2', firmware: '1.1.0' });
    // Neither production nor finished: an admin's re-provision, and a job still running.
    runJob({
      uid: 'D1',
      workOrder: 'WO-1',
      reprovision: true,
      failAt: { step: 'keygen', code: 'DEVICE_REFUSED' },
    });
    runJob({ uid: 'D5', workOrder: 'WO-1', runningAfter: 2 });
  }

  it('first-pass and final yield count units, not jobs; re-provision and running jobs stay out', () => {
    shift();
    const r = yieldReport(journal, {});
    expect(r.jobs).toBe(6);
    expect(r.inProgress).toBe(1);
    expect(r.totals).toEqual({
      units: 4,
      firstPass: 1,
      passed: 3,
      firstPassYield: 0.25,
      finalYield: 0.75,
      failures: 3,
    });
  });

  it('the Pareto puts the step and class with the most failed attempts first, with counts and shares', () => {
    shift();
    const r = yieldReport(journal, {});
    expect(r.paretoByStep.map((b) => [b.key, b.failures, b.units])).toEqual([
      ['install-cert', 2, 2],
      ['csr', 1, 1],
    ]);
    expect(r.paretoByStep.map((b) => b.cumulative)).toEqual([2 / 3, 1]);
    expect(r.paretoByClass.map((b) => [b.key, b.failures])).toEqual([
      ['NOT RESPONDING', 2],
      ['LINK NOISE', 1],
    ]);
  });

  it('breaks the figures down per work order, lot, firmware, station and day', () => {
    shift();
    const b = yieldReport(journal, {}).breakdowns;
    expect(b.workOrder).toEqual([
      { key: 'WO-1', units: 2, firstPass: 1, passed: 2, firstPassYield: 0.5, finalYield: 1, failures: 1 },
      { key: 'WO-2', units: 2, firstPass: 0, passed: 1, firstPassYield: 0, finalYield: 0.5, failures: 2 },
    ]);
    expect(b.lot.map((g) => g.key)).toEqual(['L1', 'L2']);
    expect(b.firmware.map((g) => [g.key, g.units, g.failures])).toEqual([
      ['1.0.0', 2, 1],
      ['1.1.0', 2, 2],
    ]);
    expect(b.station).toEqual([
      { key: 'st-A', units: 4, firstPass: 1, passed: 3, firstPassYield: 0.25, finalYield: 0.75, failures: 3 },
    ]);
    expect(b.day.map((g) => [g.key, g.units])).toEqual([['2026-03-02', 4]]);
  });

  it('filters by work order and lot; choices list every value in the journal', () => {
    shift();
    const wo2 = yieldReport(journal, { workOrder: 'WO-2' });
    expect(wo2.totals).toMatchObject({ units: 2, firstPass: 0, passed: 1, failures: 2 });
    expect(wo2.paretoByStep.map((b) => b.key)).toEqual(['install-cert']);
    expect(yieldReport(journal, { lot: 'L1' }).totals).toMatchObject({ units: 2, firstPass: 1 });
    expect(yieldReport(journal, { firmware: '9.9' }).totals).toEqual({
      units: 0,
      firstPass: 0,
      passed: 0,
      failures: 0,
    });
    expect(wo2.choices).toEqual({
      workOrder: ['WO-1', 'WO-2'],
      lot: ['L1', 'L2'],
      station: ['st-A'],
      model: ['AS-1'],
      firmware: ['1.0.0', '1.1.0'],
    });
  });

  it('cycle time is active time: every attempt counted, the idle time between attempts left out', () => {
    shift();
    const c = yieldReport(journal, {}).cycleTime;
    const steps = PROVISION_STEPS.length;
    // the failed job's attempts: every step up to and including install-cert (8 since issue 18's order)
    const failed = PROVISION_STEPS.indexOf('install-cert') + 1;
    // D1: 11 attempts; D2: 12 (one CSR retried); D3: `failed` in the failed job + 11 in the passing one.
    const expected = [steps, steps + 1, failed + steps].map((n) => n * STEP_MS).sort((a, b) => a - b);
    expect(c.samples).toBe(3);
    expect(c.medianMs).toBe(expected[1]);
    expect(c.p90Ms).toBe(expected[2]);
    expect(c.meanMs).toBeCloseTo((expected[0]! + expected[1]! + expected[2]!) / 3, 6);
    expect(c.meanAttempts).toBeCloseTo((11 + 12 + (failed + 11)) / 3, 6);
    expect(c.binMs).toBe(2_000);
    expect(c.bins.reduce((n, b) => n + b.count, 0)).toBe(3);
    const binOf = (ms: number) => c.bins.find((b) => b.fromMs <= ms && ms < b.toMs)!;
    expect(binOf(11_000).count).toBe(1); // 11 s is in [10 s, 12 s)
    expect(binOf(12_000).count).toBe(1);
    expect(binOf(18_000).count).toBe(1);
  });

  it('days are the station clock’s: a job at 23:30 UTC is the next day at UTC+1, and the range follows', () => {
    now = Date.parse('2026-03-02T23:30:00.000Z');
    vi.setSystemTime(now);
    runJob({ uid: 'N1' });
    expect(yieldReport(journal, {}).breakdowns.day.map((g) => g.key)).toEqual(['2026-03-02']);
    expect(yieldReport(journal, { utcOffsetMinutes: 60 }).breakdowns.day.map((g) => g.key)).toEqual([
      '2026-03-03',
    ]);
    expect(yieldReport(journal, { utcOffsetMinutes: 60, fromDay: '2026-03-03' }).totals.units).toBe(1);
    expect(yieldReport(journal, { utcOffsetMinutes: 60, toDay: '2026-03-02' }).totals.units).toBe(0);
    expect(dayOf('2026-03-03T00:30:00Z', -60)).toBe('2026-03-02');
  });

  it('a device that failed on an earlier day is not first-pass on the day it passes', () => {
    runJob({ uid: 'R1', failAt: { step: 'keygen', code: 'DEVICE_REFUSED' } });
    tick(24 * 3_600_000);
    runJob({ uid: 'R1' });
    const today = yieldReport(journal, { fromDay: '2026-03-03' });
    expect(today.totals).toMatchObject({ units: 1, passed: 1, firstPass: 0 });
  });

  it('a job that never identified its device is a failed unit of its own', () => {
    runJob({ failAt: { step: 'identify', code: 'DEVICE_TIMEOUT' } });
    runJob({ failAt: { step: 'identify', code: 'DEVICE_TIMEOUT' } });
    const r = yieldReport(journal, {});
    expect(r.totals).toMatchObject({ units: 2, passed: 0, firstPass: 0, failures: 2 });
    expect(r.paretoByStep[0]).toMatchObject({ key: 'identify', failures: 2, units: 2 });
  });

  it('jobs journaled before attempts were kept are read from their step rows', () => {
    const id = runJob({ uid: 'OLD', failAt: { step: 'sign', code: 'CA_PASSPHRASE' } });
    db.prepare('DELETE FROM step_attempts').run();
    const [job] = loadYieldJobs(journal);
    expect(job!.id).toBe(id);
    expect(job!.failures).toEqual([{ step: 'sign', errorCode: 'CA_PASSPHRASE' }]);
    expect(job!).toMatchObject({ attempts: 6, activeMs: 6 * STEP_MS, clean: false });
    expect(computeYield([job!], {}).paretoByClass).toMatchObject([{ key: 'CONFIGURATION', failures: 1 }]);
  });
});
