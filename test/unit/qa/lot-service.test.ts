/**
 * The lot service's own decisions on a real station database (SQLite in a temp home, the real journal):
 * a production-lot source takes only devices whose provisioning succeeded with that lot; lot ids count
 * up per day; a verify job whose device turned out to be another UID (a unit swapped on the bay between
 * identification and verification) is not credited to the lot's device; and the CSV keeps every
 * field one cell (RFC 4180) with no cell a spreadsheet would run as a formula.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Bay, VerifyReport } from '../../../shared/domain';
import { PROVISION_STEPS } from '../../../shared/domain';
import type { Lot } from '../../../shared/qa';
import { lotCsv } from '../../../core/qa/report-csv';
import { LotService } from '../../../core/qa/service';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { parseCsv } from '../../../sim/org/bulk-csv';

let home: string;
let db: Db;
let journal: Journal;
const audits: Array<{ action: string; uid?: string | undefined }> = [];
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'lot-unit-'));
  db = openStationDb(home);
  journal = new Journal(db);
  audits.length = 0;
});
afterEach(() => {
  db.close();
  fs.rmSync(home, { recursive: true, force: true });
});

function provisioned(
  uid: string,
  inputs: Record<string, string>,
  state: 'succeeded' | 'failed' = 'succeeded',
) {
  const id = journal.createJob({
    kind: 'provision',
    bayId: 'b',
    locator: 'sim:x',
    deviceUid: uid,
    inputs,
    stationId: 'st-1',
    steps: PROVISION_STEPS,
  });
  journal.setJobState(id, state);
  return id;
}

function service(bays: Bay[], verify: (bayId: string) => Promise<VerifyReport>) {
  return new LotService({
    db,
    journal,
    bays: () => bays,
    verify,
    signedIn: () => undefined,
    operator: () => 'quinn',
    stationId: () => 'st-1',
    audit: (action, _data, uid) => audits.push({ action, uid }),
    now: () => new Date('2026-12-02T10:00:00Z'),
  });
}

const bay = (id: string, uid: string): Bay => ({
  id,
  locator: `sim:${id}`,
  status: 'ready',
  device: {
    protocolVersion: 1,
    model: 'AS-SIM-1',
    uid,
    firmware: '1.0.0',
    maxFrame: 4096,
    capabilities: { keyAlgorithms: ['ECDSA-P256'], assetToken: false },
    state: { keyPresent: true, certInstalled: true, assetIdSet: true, locked: false },
  },
  since: '2026-12-02T09:00:00Z',
});

it('a production lot takes the devices provisioned with it; lot ids count up per day', () => {
  provisioned('D-1', { lot: 'L-7' });
  provisioned('D-2', { lot: 'L-7' }, 'failed');
  provisioned('D-3', { lot: 'L-8' });
  provisioned('D-4', { lot: 'L-7', workOrder: 'WO-1' });
  const s = service([], () => Promise.reject(new Error('unused')));
  const a = s.create({ source: { kind: 'lot', value: 'L-7' } });
  expect(a.id).toBe('QA-20261202-001');
  expect(a.name).toBe('production lot L-7');
  expect(a.devices.map((d) => d.deviceUid)).toEqual(['D-1', 'D-4']);
  expect(s.create({ source: { kind: 'work-order', value: 'WO-1' } }).id).toBe('QA-20261202-002');
  expect(() => s.create({ source: { kind: 'lot', value: 'L-9' } })).toThrow(/No device was provisioned/);
  expect(audits.map((x) => x.action)).toEqual(['qa.lot.created', 'qa.lot.created']);
});

it('a verify of another UID on the bay (a swapped unit) is not credited to the lot device', async () => {
  provisioned('D-1', { workOrder: 'WO-5' });
  provisioned('D-2', { workOrder: 'WO-5' });
  const report = (uid: string): VerifyReport => ({
    jobId: `job-${uid}`,
    deviceUid: uid,
    passed: true,
    checks: [{ name: 'identify', passed: true, detail: uid }],
    at: '2026-12-02T10:00:00Z',
  });
  // bay b1 was identified as D-1, but by verification time it holds D-9
  const s = service([bay('b1', 'D-1'), bay('b2', 'D-2')], async (bayId) =>
    report(bayId === 'b1' ? 'D-9' : 'D-2'),
  );
  const lot = s.create({ source: { kind: 'work-order', value: 'WO-5' } });
  const after = await s.verify(lot.id);
  const d1 = after.devices.find((d) => d.deviceUid === 'D-1')!;
  expect(d1.verification).toBeUndefined();
  expect(d1.notVerified).toBe('the bay held device D-9 when it was verified, not this one');
  expect(audits.filter((x) => x.action === 'qa.lot.verified').map((x) => x.uid)).toEqual(['D-2']);
});

it('the lot CSV: one cell per field whatever the text, and no cell starts a formula', () => {
  const lot: Lot = {
    id: 'QA-20261202-001',
    name: '+cmd|calc',
    source: { kind: 'scan' },
    createdAt: '2026-12-02T10:00:00Z',
    createdBy: 'quinn',
    stationId: 'st-1',
    devices: [
      {
        deviceUid: '-2+3',
        addedAt: '2026-12-02T10:00:00Z',
        addedBy: 'quinn',
        verification: {
          jobId: 'job-1',
          passed: false,
          at: '2026-12-02T10:00:00Z',
          checks: [
            { name: 'chain', passed: false, detail: 'issuer "Evil, Inc."\r\nline two' },
            { name: 'org-asset', passed: true, detail: '@SUM(1+1)' },
          ],
        },
      },
    ],
  };
  const text = lotCsv(lot);
  expect(text.endsWith('\r\n')).toBe(true);
  const [header, ...rows] = parseCsv(text);
  expect(rows).toHaveLength(2);
  expect(rows.every((r) => r.length === header!.length)).toBe(true);
  const col = (n: string) => header!.indexOf(n);
  expect(rows[0]![col('detail')]).toBe('issuer "Evil, Inc."\r\nline two');
  expect(rows[0]![col('lotName')]).toBe("'+cmd|calc");
  expect(rows[0]![col('deviceUid')]).toBe("'-2+3");
  expect(rows[1]![col('detail')]).toBe("'@SUM(1+1)");
  expect(rows.flat().some((cell) => /^[=+\-@]/.test(cell))).toBe(false);
});
