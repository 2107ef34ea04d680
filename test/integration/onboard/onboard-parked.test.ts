/**
 * A job parked during an org outage meets the installer's onboarding (issue 14, core/jobs/parked-onboard.ts):
 * the org is stopped, two devices park after sign — their certificates wait on the station, nothing is on
 * the devices before the org accepts them (issue 18); the org returns and the drainer registers them. The
 * first device is then taken to the onboarding kiosk instead of a bay: onboarding cannot give it the
 * certificate, so it refuses and writes nothing, and the job stays parked; plugged in at a bay, the job
 * installs the certificate, writes the Asset ID and ends `succeeded`, one Asset, one certificate. The second
 * device is given another key under the same UID: onboarding refuses it and its job stays parked, and the
 * same-device check of the closer refuses it on its own.
 * Embedded station, simulated devices on real PTYs, the org emulator over real HTTP, every call through
 * dispatchCall as the window makes it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import type { OnboardResult } from '../../../shared/onboard';
import { openDeviceDriver } from '../../../core/device';
import { ParkedCloser } from '../../../core/jobs/parked-onboard';
import type { AuditLog } from '../../../core/records/audit';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, startEmbedded, type Embedded } from '../../../dev/embedded';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { issuedCount } from '../provisioning/db-counts';
import { stationCalls } from '../station-calls';

let env: Embedded | undefined;
let org: OrgEmulator | undefined;
let home: string | undefined;
afterEach(async () => {
  await org?.stop();
  await env?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const { call, as } = stationCalls(() => env!.station);
async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('onboarding a device whose job is parked waiting for it completes the job; the same UID with another key is refused', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-parked-'));
  env = await startEmbedded({ home, devices: 2, keygenDelayMs: 20, watch: false, reconnectWindowMs: 2000 });
  await call('addOperator', { login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  await as('boss', '975310');
  await call('addOperator', { login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' });
  await call('addOperator', { login: 'ivy', name: 'Ivy Installer', role: 'installer', secret: '8642' });
  const [b1, b2] = await env.station.listBays({});
  const [uid1, uid2] = [b1!.device!.uid, b2!.device!.uid];

  // the org goes away: both jobs park after sign (nothing on the devices yet)
  await as('tom', '1357');
  await env.org.stop();
  const started: Job[] = [];
  for (const b of [b1!, b2!])
    started.push((await call<Job>('startJob', { bayId: b.id, kind: 'provision' })).value!);
  for (const j of started) expect((await env.station.waitForJob(j.id)).state).toBe('parked');

  // the org returns (same port, same data): the drainer registers both, now waiting for their devices
  org = await startOrgEmulator({
    home: path.join(env.station.home, 'org'),
    port: env.org.port,
    jwtBearerCertPem: await jwtPublicKeyPem(env.secrets),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  await until('both jobs registered', async () => {
    const q = await env!.station.listParkedJobs({});
    return q.length === 2 && q.every((j) => j.error?.details?.parked === 'device');
  });
  expect(org.assets()).toHaveLength(2);
  expect(env.sim.device(uid1).snapshot().assetId).toBeUndefined();

  // the installer takes the first device to the kiosk: it holds no certificate yet, so onboarding refuses
  await as('ivy', '8642');
  const r = await call<OnboardResult>('onboardDevice', { bayId: b1!.id, accountId: org.defaultAccountId });
  expect(r.code).toBe('VERIFY_FAILED');
  expect(env.sim.device(uid1).snapshot()).toMatchObject({ certInstalled: false });
  expect(env.sim.device(uid1).snapshot().assetId).toBeUndefined();
  expect((await env.station.getJob({ jobId: started[0]!.id })).state).toBe('parked');
  // plugged in at a bay: the same job installs the certificate and stores the Asset ID
  await as('tom', '1357');
  const again = await call<Job>('startJob', { bayId: b1!.id, kind: 'provision' });
  expect(again.value!.id).toBe(started[0]!.id);
  const job1 = await env.station.waitForJob(started[0]!.id);
  expect(job1.state).toBe('succeeded');
  const asset1 = org.assets().find((a) => a.Device_UID__c === uid1)!;
  expect(env.sim.device(uid1).snapshot()).toMatchObject({ certInstalled: true, assetId: asset1.Id });
  expect(issuedCount(env.station.home, uid1)).toBe(1);
  expect((await env.station.listParkedJobs({})).map((j) => j.id)).toEqual([started[1]!.id]);

  // the attack: a unit with the second device's UID but another key (KEYGEN with replace)
  const drv = await openDeviceDriver(b2!.locator);
  try {
    await drv.identify();
    await drv.generateKey({ algorithm: 'ECDSA-P256', replace: true, subject: { CN: 'x' }, sans: [] });
    const asset2 = org.assets().find((a) => a.Device_UID__c === uid2)!;
    // the closer's own same-device check refuses it (the key is not the one the job generated)
    const closer = new ParkedCloser({
      journal: env.station.journal,
      audit: undefined as unknown as AuditLog, // claim() never audits
      actor: () => 'ivy',
      onJob: () => undefined,
    });
    await expect(closer.claim(uid2, asset2.Id as string, drv)).rejects.toMatchObject({
      code: 'DEVICE_MISMATCH',
    });
  } finally {
    await drv.close();
  }
  await as('ivy', '8642');
  const refused = await call('onboardDevice', { bayId: b2!.id, accountId: org.defaultAccountId });
  expect(refused.code).toBe('VERIFY_FAILED');
  expect(env.sim.device(uid2).snapshot().assetId).toBeUndefined();
  expect((await env.station.getJob({ jobId: started[1]!.id })).state).toBe('parked');
  expect((await env.station.listParkedJobs({})).map((j) => j.id)).toEqual([started[1]!.id]);
  expect(org.assets()).toHaveLength(2);
  expect(org.assets().filter((a) => a.Device_UID__c === uid1)).toHaveLength(1);
}, 180_000);
