/**
 * Duplicates in the org, met by whole provisioning jobs (issue 14; the client-level cases are in
 * test/integration/salesforce/org-client-duplicates.test.ts): a 300 (two legacy Assets carry the device's
 * UID, neither its key: the org answers the upsert so, before anything reaches the device) and a DUPLICATE_VALUE naming an Asset
 * that holds the UID without the device's key (a lost race) stop the job with ORG_DUPLICATE naming the Assets —
 * no new Asset, no Asset ID on the device — and once the admin removes the duplicate, Retry finishes with
 * exactly one Asset for each device.
 * Embedded station: simulated devices on PTYs, the org emulator over HTTP, a real CA.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../../dev/embedded';

let env: Embedded | undefined;
let home: string | undefined;
afterEach(async () => {
  await env?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

it('duplicate Assets for a UID and a DUPLICATE_VALUE naming another Asset stop the job naming them; Retry after the clean-up makes one Asset', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-org-duplicates-'));
  env = await startEmbedded({ home, devices: 2, keygenDelayMs: 50, watch: false });
  const [a, b] = await env.station.listBays({});
  const uidA = a!.device!.uid;
  const uidB = b!.device!.uid;
  const acct = env.org.defaultAccountId;
  // legacy data: two Assets with A's UID (no key), one with B's UID (no key)
  const legacy = [1, 2].map((i) =>
    env!.org.seedAsset({ Name: `Legacy ${i}`, AccountId: acct, Device_UID__c: uidA }),
  );
  const holder = env.org.seedAsset({ Name: 'Legacy B', AccountId: acct, Device_UID__c: uidB });
  // B's upsert by external ID loses a race: DUPLICATE_VALUE naming the Asset that holds the UID (not B's key)
  env.org.faults.duplicateValueOwn = 1;

  const [jobA, jobB] = await Promise.all(
    [a!, b!].map((bay) => env!.station.startJob({ bayId: bay.id, kind: 'provision' })),
  );
  const [failedA, failedB] = await Promise.all([jobA!, jobB!].map((j) => env!.station.waitForJob(j.id)));

  // two Assets with A's UID: the org answers the upsert with 300 (issue 18: no query before it, the org
  // enforces the identity rules), both named; the certificate was signed but never reached the device
  expect(failedA!.state).toBe('failed');
  expect(failedA!.error?.code).toBe('ORG_DUPLICATE');
  expect(failedA!.steps.find((s) => s.state === 'failed')?.name).toBe('upsert-asset');
  expect(failedA!.steps.find((s) => s.name === 'install-cert')?.state).not.toBe('done');
  expect(env.sim.device(uidA).snapshot().certInstalled).toBe(false);
  expect(failedA!.error?.remedy).toMatch(/merge or delete/i);
  expect(failedA!.error?.details?.assetIds).toEqual(expect.arrayContaining(legacy.map((x) => x.Id)));
  // DUPLICATE_VALUE naming an Asset with B's UID but not B's key: ORG_DUPLICATE naming it, at the Asset step
  expect(failedB!.state).toBe('failed');
  expect(failedB!.error?.code).toBe('ORG_DUPLICATE');
  expect(failedB!.steps.find((s) => s.state === 'failed')?.name).toBe('upsert-asset');
  expect(JSON.stringify(failedB!.error)).toContain(String(holder.Id));
  // nothing created, nothing written back
  const assetsOf = (uid: string) => env!.org.assets().filter((x) => x.Device_UID__c === uid);
  expect(assetsOf(uidA)).toHaveLength(2);
  expect(assetsOf(uidB).map((x) => x.Id)).toEqual([holder.Id]);
  expect(assetsOf(uidB)[0]!.Key_Fingerprint__c ?? null).toBeNull();
  for (const uid of [uidA, uidB]) expect(env.sim.device(uid).snapshot().assetId ?? '').toBe('');

  // the admin deletes one legacy duplicate; Retry finishes both jobs (B's race is over)
  const v = (await env.station.getConfig({})).salesforce.apiVersion;
  const rest = (method: string, p: string, body?: unknown) =>
    fetch(`${env!.org.baseUrl}/services/data/v${v}${p}`, {
      method,
      headers: { authorization: `Bearer ${env!.org.accessToken}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  expect((await rest('DELETE', `/sobjects/Asset/${String(legacy[1]!.Id)}`)).status).toBe(204);
  for (const j of [failedA!, failedB!]) await env.station.retryJob({ jobId: j.id });
  const [doneA, doneB] = await Promise.all([failedA!, failedB!].map((j) => env!.station.waitForJob(j.id)));
  expect([doneA!.state, doneB!.state]).toEqual(['succeeded', 'succeeded']);
  expect(assetsOf(uidA).map((x) => x.Id)).toEqual([legacy[0]!.Id]); // the remaining one, updated
  expect(assetsOf(uidB).map((x) => x.Id)).toEqual([holder.Id]); // the legacy Asset, now with B's key
  expect(env.sim.device(uidA).snapshot().assetId?.slice(0, 15)).toBe(String(legacy[0]!.Id).slice(0, 15));
});
