/**
 * Journaled step outputs are checked when read back from SQLite: a row that is not JSON, or JSON of
 * an older shape, gives JOURNAL_CORRUPT naming the job and the step — it never reaches a step.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROVISION_STEPS, type DeviceIdentity } from '../../../shared/domain';
import { isStationError } from '../../../shared/errors';
import { openStationDb, type Db } from '../../../core/records/db';
import { checkedOutput, Journal } from '../../../core/records/journal';
import { PROVISION_JOB } from '../../../core/jobs/steps';
import { KeygenOut, SignOut } from '../../../core/jobs/steps/outputs';

let dir: string;
let db: Db;
let journal: Journal;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'readback-'));
  db = openStationDb(dir);
  journal = new Journal(db);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const identity: DeviceIdentity = {
  protocolVersion: 1,
  model: 'AS-SIM-1',
  uid: 'UID-1',
  firmware: '1.0.0',
  maxFrame: 4096,
  capabilities: { keyAlgorithms: ['ECDSA-P256'], assetToken: false },
  state: { keyPresent: false, certInstalled: false, assetIdSet: false, locked: false },
};
const keygen = { algorithm: 'ECDSA-P256', spki: 'AAEC', keyFingerprint: 'ab'.repeat(32), created: true };

/** A provisioning job with identify and keygen finished. */
function twoStepsDone(): string {
  const id = journal.createJob({
    kind: 'provision',
    bayId: 'bay-1',
    locator: 'sim:a',
    deviceUid: 'UID-1',
    stationId: 'st',
    steps: PROVISION_STEPS,
  });
  journal.finishStep(id, 'identify', 'done', { identity }, 'ok');
  journal.finishStep(id, 'keygen', 'done', keygen, 'ok');
  return id;
}

const rowOf = (jobId: string, name: string) => journal.steps(jobId).find((s) => s.name === name)!;
const setOutput = (jobId: string, name: string, text: string) =>
  db.prepare(`UPDATE steps SET output = ? WHERE job_id = ? AND name = ?`).run(text, jobId, name);

function restoreAll(jobId: string) {
  const run = PROVISION_JOB.begin(jobId);
  return journal
    .steps(jobId)
    .filter((r) => r.state === 'done')
    .map((r) => run.restore(r));
}

describe('journal read-back', () => {
  it('reads back well-formed outputs as they were written', () => {
    const id = twoStepsDone();
    expect(restoreAll(id)).toEqual([undefined, undefined]);
    expect(checkedOutput(id, rowOf(id, 'keygen'), KeygenOut)).toEqual(keygen);
    const run = PROVISION_JOB.begin(id);
    run.restore(rowOf(id, 'identify'));
    expect(run.deviceUid()).toBe('UID-1');
  });

  it('a row that is not JSON gives JOURNAL_CORRUPT naming the job and the step', () => {
    const id = twoStepsDone();
    setOutput(id, 'keygen', '{"algorithm":"ECDSA-P2');
    expect(() => journal.steps(id)).not.toThrow(); // reading the rows never crashes
    const [first, second] = restoreAll(id);
    expect(first).toBeUndefined();
    expect(second?.code).toBe('JOURNAL_CORRUPT');
    expect(second?.message).toContain(id);
    expect(second?.message).toContain('"keygen"');
    expect(second?.message).toContain('not valid JSON');
    expect(second?.remedy).toMatch(/Start a new job for this device/);
    expect(second?.remedy).toMatch(/old job record is kept/);
    expect(second?.details).toEqual({ jobId: id, step: 'keygen' });
  });

  it('an old-format row (valid JSON, another shape) gives JOURNAL_CORRUPT with the offending field', () => {
    const id = twoStepsDone();
    // e.g. an older version that journaled the fingerprint as `fp` and the key as hex
    setOutput(
      id,
      'keygen',
      JSON.stringify({ algorithm: 'ECDSA-P256', spki: 'zz!', fp: 'ab', created: true }),
    );
    const err = restoreAll(id)[1];
    expect(err?.code).toBe('JOURNAL_CORRUPT');
    expect(err?.message).toMatch(/step "keygen" in job job_/);
    expect(err?.message).toMatch(/spki|keyFingerprint/);
  });

  it('checkedOutput throws a StationError, not a TypeError, for every damaged shape', () => {
    const id = twoStepsDone();
    for (const text of ['null', '[]', '"x"', '{"chain":"not-an-array"}', '{}']) {
      setOutput(id, 'keygen', text);
      let thrown: unknown;
      try {
        checkedOutput(id, rowOf(id, 'keygen'), SignOut);
      } catch (e) {
        thrown = e;
      }
      expect(isStationError(thrown), text).toBe(true);
      expect((thrown as { code: string }).code).toBe('JOURNAL_CORRUPT');
    }
  });

  it('a step this job kind does not have (another version) is refused on read-back', () => {
    const id = twoStepsDone();
    db.prepare(`UPDATE steps SET name = 'keygen-v0' WHERE job_id = ? AND name = 'keygen'`).run(id);
    const err = restoreAll(id)[1];
    expect(err?.code).toBe('JOURNAL_CORRUPT');
    expect(err?.message).toContain('"keygen-v0"');
  });
});
