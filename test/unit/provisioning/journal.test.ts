import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROVISION_STEPS } from '../../../shared/domain';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { listRecords, toCsv } from '../../../core/records/records';
import { describeState } from '../../../core/jobs/saga';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-'));
  db = openStationDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function job(j: Journal, uid: string): string {
  return j.createJob({
    kind: 'provision',
    bayId: 'bay-1',
    locator: 'sim:a',
    deviceUid: uid,
    stationId: 'st',
    steps: PROVISION_STEPS,
  });
}

describe('journal', () => {
  it('keeps finished steps across a reopen (what resume relies on)', () => {
    const j = new Journal(db);
    const id = job(j, 'UID1');
    j.setJobState(id, 'running');
    j.startStep(id, 'identify', {});
    j.finishStep(id, 'identify', 'done', { identity: { uid: 'UID1' } }, 'ok');
    j.startStep(id, 'keygen', {});
    db.close();
    db = openStationDb(dir);
    const j2 = new Journal(db);
    const interrupted = j2.markInterrupted();
    expect(interrupted.map((r) => r.id)).toEqual([id]);
    const steps = j2.steps(id);
    expect(steps.find((s) => s.name === 'identify')).toMatchObject({
      state: 'done',
      output: { identity: { uid: 'UID1' } },
    });
    expect(steps.find((s) => s.name === 'keygen')?.state).toBe('pending');
    expect(j2.getJob(id)?.state).toBe('interrupted');
  });

  it('filters records by text and outcome and exports CSV safely', () => {
    const j = new Journal(db);
    const a = j.createJob({
      kind: 'provision',
      bayId: 'bay-1',
      locator: 'sim:a',
      deviceUid: 'UID-A',
      stationId: 'st',
      steps: PROVISION_STEPS,
      inputs: { workOrder: 'WO-77' },
    });
    j.addSummary(a, { assetId: '02i000000000001AAA', certSerial: 'abc123' });
    j.setJobState(a, 'succeeded');
    const b = job(j, 'UID-B');
    j.addSummary(b, { model: '=HYPERLINK("x")' });
    j.setJobState(b, 'failed', {
      code: 'DEVICE_TIMEOUT',
      message: 'no answer, "really"',
      remedy: 'check cable',
    });
    expect(listRecords(j, { text: '02i000000000001' }).map((r) => r.deviceUid)).toEqual(['UID-A']);
    expect(listRecords(j, { outcome: 'failed' }).map((r) => r.deviceUid)).toEqual(['UID-B']);
    expect(listRecords(j, { text: 'wo-77' }).map((r) => r.deviceUid)).toEqual(['UID-A']);
    const csv = toCsv(listRecords(j));
    expect(csv.split('\r\n')[0]).toMatch(/^jobId,kind,deviceUid,.*,workOrder,accountId,error$/);
    expect(csv).toMatch(/,WO-77,,/);
    expect(csv).toContain(`'=HYPERLINK(""x"")`);
    expect(csv).toContain('"DEVICE_TIMEOUT: no answer, ""really"""');
  });
});

describe('describeState', () => {
  it('states where a stopped job left device and org', () => {
    expect(describeState([])).toMatch(/nothing was changed/);
    expect(describeState(['identify', 'keygen', 'csr', 'proof-of-possession', 'policy', 'sign'])).toMatch(
      /issued but not installed/,
    );
    expect(describeState(['identify', 'keygen', 'sign', 'install-cert', 'upsert-asset'])).toMatch(
      /registered in Salesforce/,
    );
  });
});
