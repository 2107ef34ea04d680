/**
 * Issue 18: a running job's rows are served from memory (Journal.hold) and written through. Every read of
 * a held job must equal what SQLite holds — checked after each kind of write against a second connection
 * that reads the database itself — and a transaction that rolls back must not leave memory ahead of disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROVISION_STEPS } from '../../../shared/domain';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { AuditLog } from '../../../core/records/audit';
import { FileVault } from '../../../core/secrets';

let dir: string;
let db: Db;
let disk: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-live-'));
  db = openStationDb(dir);
  disk = openStationDb(dir);
});
afterEach(() => {
  disk.close();
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function newJob(j: Journal): string {
  return j.createJob({
    kind: 'provision',
    bayId: 'bay-1',
    locator: 'sim:a',
    inputs: { accountId: '001000000000001AAA' },
    stationId: 'st',
    steps: PROVISION_STEPS,
  });
}

/** The held job as served from memory equals the rows another connection reads from the file. */
function expectSameAsDisk(j: Journal, id: string): void {
  const fromDisk = new Journal(disk);
  expect(j.getJob(id)).toEqual(fromDisk.getJob(id));
  expect(j.steps(id)).toEqual(fromDisk.steps(id));
  for (const s of PROVISION_STEPS) expect(j.step(id, s)).toEqual(fromDisk.step(id, s));
}

/** Counts SELECTs run on the station connection (any statement, cached or not) while `fn` runs. */
function selectsDuring(fn: () => void): number {
  let n = 0;
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Record<'get' | 'all', unknown>;
  const saved = { get: proto.get, all: proto.all };
  for (const k of ['get', 'all'] as const) {
    const orig = saved[k] as (this: { database: Db; source: string }, ...a: unknown[]) => unknown;
    proto[k] = function (this: { database: Db; source: string }, ...a: unknown[]) {
      if (this.database === db && /^\s*SELECT/i.test(this.source)) n++;
      return orig.apply(this, a);
    };
  }
  try {
    fn();
  } finally {
    Object.assign(proto, saved);
  }
  return n;
}

describe('journal: a held job in memory, written through', () => {
  it('every kind of write leaves the memory rows equal to the database rows', () => {
    const j = new Journal(db);
    const id = newJob(j);
    const release = j.hold(id);
    expectSameAsDisk(j, id);
    j.setJobState(id, 'running');
    j.startStep(id, 'identify', { attempt: 1 });
    expectSameAsDisk(j, id);
    j.finishStep(id, 'identify', 'done', { identity: { uid: 'U1', at: new Date(0) } }, 'found');
    j.setDeviceUid(id, 'U1');
    j.addSummary(id, { keyFingerprint: 'ab:cd', missing: undefined });
    j.addSummary(id, { assetId: '02i000000000001AAA' });
    expectSameAsDisk(j, id);
    j.startStep(id, 'keygen', undefined);
    j.retryStep(id, 'keygen', { code: 'DEVICE_PROTOCOL', message: 'm', remedy: 'r' });
    j.startStep(id, 'keygen', { attempt: 2 });
    j.finishStep(id, 'keygen', 'skipped', undefined);
    j.startStep(id, 'csr', {});
    j.failStep(id, 'csr', { code: 'DEVICE_TIMEOUT', message: 'late', remedy: 'replug' });
    expectSameAsDisk(j, id);
    j.startStep(id, 'csr', {}); // a retry clears the error and ends nothing yet
    expectSameAsDisk(j, id);
    j.resetStep(id, 'identify');
    j.relocate(id, 'bay-2', 'sim:b');
    j.setInputs(id, { accountId: '001000000000002AAA', workOrder: 'WO-7' });
    j.setJobState(id, 'failed', { code: 'DEVICE_TIMEOUT', message: 'late', remedy: 'replug' });
    expectSameAsDisk(j, id);
    j.setJobState(id, 'running');
    expectSameAsDisk(j, id);
    expect(
      j
        .attempts([id])
        .filter((a) => a.step === 'keygen')
        .map((a) => a.outcome),
    ).toEqual(['retried', 'skipped']);
    release();
    expectSameAsDisk(j, id);
  });

  it('reads of a held job do not touch SQLite; released, they read it again', () => {
    const j = new Journal(db);
    const id = newJob(j);
    const release = j.hold(id);
    expect(selectsDuring(() => (j.getJob(id), j.steps(id), j.step(id, 'sign')))).toBe(0);
    release();
    expect(selectsDuring(() => (j.getJob(id), j.steps(id)))).toBe(2);
  });

  it('what a caller does to a row it got never changes the held row', () => {
    const j = new Journal(db);
    const id = newJob(j);
    j.hold(id);
    const got = j.getJob(id)!;
    got.inputs.accountId = 'edited';
    got.summary.assetId = 'edited';
    got.state = 'succeeded';
    j.steps(id)[0]!.state = 'done';
    expectSameAsDisk(j, id);
    expect(j.getJob(id)!.inputs.accountId).toBe('001000000000001AAA');
  });

  it('a step transaction that fails part-way rolls back on disk and in memory alike', async () => {
    const j = new Journal(db);
    const vault = FileVault.inHome(dir, 'correct horse battery');
    const audit = await AuditLog.open(db, vault, 'st');
    const id = newJob(j);
    j.hold(id);
    j.startStep(id, 'identify', {});
    expect(() =>
      j.atomically(() => {
        j.finishStep(id, 'identify', 'done', { uid: 'U1' });
        j.addSummary(id, { keyFingerprint: 'ff' });
        j.setDeviceUid(id, 'U1');
        audit.append({ actor: 'op', action: 'step.done', jobId: id });
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(j.step(id, 'identify')?.state).toBe('running');
    expect(j.getJob(id)?.deviceUid).toBeUndefined();
    expectSameAsDisk(j, id);
    expect(audit.entries()).toHaveLength(0);
    // and the same writes committed together are all there
    j.atomically(() => {
      j.finishStep(id, 'identify', 'done', { uid: 'U1' });
      audit.append({ actor: 'op', action: 'step.done', jobId: id });
    });
    expectSameAsDisk(j, id);
    expect(audit.verify()).toEqual({ ok: true, entries: 1 });
    await audit.anchored();
  });

  it('holds nest: the job stays in memory until the last run lets go', () => {
    const j = new Journal(db);
    const id = newJob(j);
    const a = j.hold(id);
    const b = j.hold(id);
    a();
    a(); // a second call of the same release does nothing
    expect(selectsDuring(() => j.getJob(id))).toBe(0);
    b();
    expect(selectsDuring(() => j.getJob(id))).toBe(1);
    expect(j.hold('job_nope')).toBeTypeOf('function');
    expect(j.getJob('job_nope')).toBeUndefined();
  });
});
