/**
 * Org-outage parks in yield analytics (docs/analytics.md, "Parked attempts"): a job parked "waiting for
 * Salesforce" is journaled as run-step.ts does it — a `failed` attempt of an org step with the parked
 * shape (core/jobs/parking.ts) — and is neither a failure nor a reason to lose first pass; a real
 * failure in the same job still counts, and so does an org error that does not park. Checked on a real
 * journal (SQLite) through both readers: the SQL sums (loadYieldJobs) and the attempt list
 * (summariseAttempts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROVISION_STEPS, type StepName } from '../../../shared/domain';
import type { ErrorCode } from '../../../shared/errors';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { yieldReport } from '../../../core/analytics';
import { isParkedAttempt, loadYieldJobs, summariseAttempts } from '../../../core/analytics/jobs';
import { parkedShape, parksAt } from '../../../core/jobs/parking';

let dir: string;
let db: Db;
let journal: Journal;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yield-parked-'));
  db = openStationDb(dir);
  journal = new Journal(db);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const err = (code: ErrorCode) => ({ code, message: `${code} happened`, remedy: 'do something' });

interface Plan {
  uid: string;
  /** Steps at which the org is out of reach on the first attempt (the job parks there, then resumes). */
  parkAt?: StepName[];
  /** The code of the org error that parks it (run-step.ts keeps it as the cause). */
  cause?: ErrorCode;
  /** Steps retried once with this error before they pass. */
  retries?: Partial<Record<StepName, ErrorCode>>;
  /** The step at which the job stops failed. */
  failAt?: { step: StepName; code: ErrorCode };
}

/** Runs a provisioning job through the Journal API as the saga and run-step.ts do. */
function runJob(p: Plan): string {
  const id = journal.createJob({
    kind: 'provision',
    bayId: 'bay-1',
    locator: 'sim:x',
    deviceUid: p.uid,
    stationId: 'st-A',
    steps: PROVISION_STEPS,
  });
  journal.setJobState(id, 'running');
  for (const step of PROVISION_STEPS) {
    if (p.parkAt?.includes(step)) {
      const cause = err(p.cause ?? 'ORG_UNAVAILABLE');
      expect(parksAt(step, cause)).toBe(true); // the plan is one run-step.ts really parks
      journal.startStep(id, step, {});
      journal.failStep(id, step, parkedShape('salesforce', undefined, cause));
      journal.setJobState(id, 'parked', parkedShape('salesforce', undefined, cause));
      journal.setJobState(id, 'running'); // the drainer resumes it once Salesforce answers
    }
    const retry = p.retries?.[step];
    if (retry) {
      journal.startStep(id, step, {});
      journal.retryStep(id, step, err(retry));
    }
    journal.startStep(id, step, {});
    if (p.failAt?.step === step) {
      journal.failStep(id, step, err(p.failAt.code));
      journal.setJobState(id, 'failed', err(p.failAt.code));
      return id;
    }
    journal.finishStep(id, step, 'done', {});
  }
  journal.setJobState(id, 'succeeded');
  return id;
}

describe('parked attempts in yield', () => {
  it('a job that parked (at either org step, for either outage code) and then completed is first-pass', () => {
    const a = runJob({ uid: 'D1', parkAt: ['upsert-asset'] });
    runJob({ uid: 'D2', parkAt: ['upsert-asset', 'asset-token'], cause: 'ORG_LIMIT' });
    runJob({ uid: 'D3' });
    // The park is journaled as a failed attempt — the analytics decide by its step and error.
    const parked = journal.attempts([a]).filter((x) => x.outcome === 'failed');
    expect(parked.map((x) => [x.step, x.errorCode])).toEqual([['upsert-asset', 'ORG_UNAVAILABLE']]);
    expect(isParkedAttempt(parked[0]!)).toBe(true);

    const r = yieldReport(journal, {});
    expect(r.totals).toEqual({
      units: 3,
      firstPass: 3,
      passed: 3,
      firstPassYield: 1,
      finalYield: 1,
      failures: 0,
    });
    expect(r.paretoByStep).toEqual([]);
    expect(r.paretoByClass).toEqual([]);
  });

  it('a parked job with a real failure elsewhere is not first-pass, and only that failure is counted', () => {
    runJob({ uid: 'D1', parkAt: ['upsert-asset'], retries: { csr: 'DEVICE_PROTOCOL' } });
    runJob({ uid: 'D2', parkAt: ['upsert-asset'], failAt: { step: 'write-back', code: 'DEVICE_TIMEOUT' } });
    const r = yieldReport(journal, {});
    expect(r.totals).toMatchObject({ units: 2, firstPass: 0, passed: 1, failures: 2 });
    expect(r.paretoByStep.map((b) => [b.key, b.failures])).toEqual([
      ['csr', 1],
      ['write-back', 1],
    ]);
  });

  it('org errors that do not park are still failures: a refusal at upsert-asset, an outage retried elsewhere', () => {
    runJob({ uid: 'D1', failAt: { step: 'upsert-asset', code: 'ORG_REJECTED' } });
    runJob({ uid: 'D2', retries: { identify: 'ORG_UNAVAILABLE' } });
    const r = yieldReport(journal, {});
    expect(r.totals).toMatchObject({ units: 2, firstPass: 0, passed: 1, failures: 2 });
    expect(r.paretoByStep.map((b) => [b.key, b.failures])).toEqual([
      ['identify', 1],
      ['upsert-asset', 1],
    ]);
    expect(isParkedAttempt({ step: 'identify', outcome: 'failed', errorCode: 'ORG_UNAVAILABLE' })).toBe(
      false,
    );
    expect(isParkedAttempt({ step: 'upsert-asset', outcome: 'retried', errorCode: 'ORG_UNAVAILABLE' })).toBe(
      false,
    );
  });

  it('the SQL sums and the attempt list agree on every job', () => {
    runJob({ uid: 'D1', parkAt: ['upsert-asset', 'asset-token'] });
    runJob({ uid: 'D2', parkAt: ['asset-token'], retries: { sign: 'CA_SIGNER_UNAVAILABLE' } });
    runJob({ uid: 'D3', failAt: { step: 'upsert-asset', code: 'ORG_REJECTED' } });
    for (const j of loadYieldJobs(journal)) {
      const fromList = summariseAttempts(
        journal.attempts([j.id]).map((a) => ({
          step: a.step,
          outcome: a.outcome,
          startedAt: a.startedAt,
          ...(a.endedAt ? { endedAt: a.endedAt } : {}),
          ...(a.errorCode ? { errorCode: a.errorCode } : {}),
        })),
      );
      expect({ clean: j.clean, failures: j.failures }, j.deviceUid).toEqual({
        clean: fromList.clean,
        failures: fromList.failures,
      });
    }
    expect(loadYieldJobs(journal).map((j) => [j.deviceUid, j.clean, j.failures.length])).toEqual([
      ['D1', true, 0],
      ['D2', false, 1],
      ['D3', false, 1],
    ]);
  });
});
