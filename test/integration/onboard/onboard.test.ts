/**
 * Onboard mode on the embedded defaults (simulated devices on real PTYs, the org emulator over HTTP,
 * every call through dispatchCall as the window makes it): an installer finds the customer by name
 * (name and address), picks a Contact, and onboards a provisioned device — the org's Asset is linked,
 * Installed, dated; the handover PDF's text names the device, the Asset, the customer, the Contact and
 * the installer. The attacks fail: a unit whose key is not the one the Asset registers (a swapped or
 * cloned unit) and a unit never provisioned are refused with nothing written; a technician may not
 * onboard.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import type { CustomerAccount, CustomerDetail, OnboardResult } from '../../../shared/onboard';
import { startEmbedded, type Embedded } from '../../../dev/embedded';
import { pdfText } from './pdf-text';
import { stationCalls } from '../station-calls';

let env: Embedded | undefined;
let home: string | undefined;
afterEach(async () => {
  await env?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const { call, as } = stationCalls(() => env!.station);

it('an installer onboards a provisioned device; a swapped, a blank unit and a technician are refused', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-it-'));
  env = await startEmbedded({ home, devices: 3, keygenDelayMs: 50, watch: false });
  await call('addOperator', { login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  await as('boss', '975310');
  await call('addOperator', { login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' });
  await call('addOperator', { login: 'ivy', name: 'Ivy Installer', role: 'installer', secret: '8642' });

  const [b1, b2, b3] = await env.station.listBays({});
  await as('tom', '1357');
  for (const b of [b1!, b2!]) {
    const started = await call<Job>('startJob', { bayId: b.id, kind: 'provision' });
    expect((await env.station.waitForJob(started.value!.id)).state).toBe('succeeded');
  }
  expect((await call('onboardDevice', { bayId: b1!.id, accountId: env.org.defaultAccountId })).code).toBe(
    'UNAUTHORIZED',
  );

  await as('ivy', '8642');
  const found = await call<CustomerAccount[]>('searchAccounts', { text: 'acme' });
  expect(found.value).toEqual([
    {
      id: env.org.defaultAccountId,
      name: 'Acme Devices Ltd',
      address: '1 Foundry Lane, S1 2AB, Sheffield, United Kingdom',
    },
  ]);
  expect((await call<CustomerAccount[]>('searchAccounts', { text: "o'; DROP" })).value).toEqual([]);
  const acme = (await call<CustomerDetail>('getAccount', { accountId: env.org.defaultAccountId })).value!;
  const ada = acme.contacts.find((c) => c.name === 'Ada Lovelace')!;
  expect(ada.email).toBe('ada@acme.invalid');

  // the swapped unit: the Asset of bay 2's UID registers another key
  const uid2 = b2!.device!.uid;
  const assetOf = (uid: string) => env!.org.assets().find((a) => JSON.stringify(a).includes(uid))!;
  const tamper = await fetch(`${env.org.baseUrl}/services/data/v62.0/sobjects/Asset/${assetOf(uid2).Id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${env.org.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ Key_Fingerprint__c: 'f'.repeat(64), Key_Change_Approved__c: true }),
  });
  expect(tamper.status).toBe(204);
  const swapped = await call('onboardDevice', { bayId: b2!.id, accountId: acme.id, contactId: ada.id });
  expect(swapped).toMatchObject({ code: 'VERIFY_FAILED' });
  expect(swapped.message).toMatch(
    new RegExp(`^This is not the registered device ${uid2}: .*Nothing was changed`),
  );
  expect(swapped.remedy).toMatch(/Do not install this unit/);
  expect(assetOf(uid2).Status).not.toBe('Installed');
  expect(assetOf(uid2).ContactId).toBeUndefined();
  // the blank unit (never provisioned)
  const blank = await call('onboardDevice', { bayId: b3!.id, accountId: acme.id });
  expect(blank.code).toBe('VERIFY_FAILED');

  const done = await call<OnboardResult>('onboardDevice', {
    bayId: b1!.id,
    accountId: acme.id,
    contactId: ada.id,
    location: 'Loading bay 3, north wall',
  });
  expect(done.code).toBeUndefined();
  const r = done.value!;
  const uid1 = b1!.device!.uid;
  const asset1 = env.org.assets().find((a) => a.Id === r.assetId)!;
  expect(asset1).toMatchObject({
    AccountId: acme.id,
    ContactId: ada.id,
    Status: 'Installed',
    InstallDate: r.at.slice(0, 10),
  });
  expect(String(asset1.Description)).toContain('Installed by Ivy Installer (ivy)');
  expect(String(asset1.Description)).toContain('Loading bay 3, north wall');
  expect(r.checks.every((c) => c.passed)).toBe(true);
  expect(r.installer).toEqual({ login: 'ivy', name: 'Ivy Installer' });

  const file = path.join(home, 'handover', r.report.filename);
  const bytes = fs.readFileSync(file);
  expect(Buffer.from(r.report.pdfBase64, 'base64').equals(bytes)).toBe(true);
  const { pages, text } = await pdfText(bytes);
  expect(pages).toBe(1);
  for (const s of [uid1, r.assetId, 'Acme Devices Ltd', 'Sheffield', 'Ada Lovelace', 'Ivy Installer (ivy)'])
    expect(text).toContain(s);
  expect(text).toMatch(/PASS chain/);
  // the EC/no-login token is shown as skipped with its reason, not as a pass
  expect(text).toMatch(/SKIPPED asset-token: /);

  const audit = env.station.db
    .prepare(
      `SELECT actor, action, device_uid AS uid FROM audit WHERE action LIKE 'onboard%' OR action = 'device.onboarded'`,
    )
    .all();
  expect(audit).toEqual([
    { actor: 'ivy', action: 'onboard.refused', uid: uid2 },
    { actor: 'ivy', action: 'onboard.refused', uid: b3!.device!.uid },
    { actor: 'ivy', action: 'device.onboarded', uid: uid1 },
  ]);
}, 180_000);
