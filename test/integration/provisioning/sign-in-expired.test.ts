/**
 * A failed refresh stops jobs safely with "sign in again" (issue 14): the operator's Salesforce login
 * (PKCE, refresh token in the station's vault) is revoked in the org while the line runs. The job in flight
 * stops at its first org step before any org call can succeed, saying "Salesforce sign-in expired … sign in
 * again, then press Retry"; a new job is refused at pre-flight before its device is touched; after the
 * operator signs in again, Retry finishes the job with exactly one Asset and one certificate.
 * Real station core, simulated devices on PTYs through the serial stack, the org emulator over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { isStationError, type StationError } from '../../../shared/errors';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome } from '../../../dev/embedded';
import { startDeviceSimulator, startOrgEmulator } from '../../../dev/simulators';
import { loadConfig, saveConfig } from '../../../core/config';
import { FileVault } from '../../../core/secrets';
import { Station } from '../../../core/station';
import { realServices } from '../../../core/wiring';
import { autoBrowser, freePort } from '../salesforce/helpers';
import { issuedCount } from './db-counts';

const stops: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (stops.length) await stops.pop()!();
});

async function refused(p: Promise<unknown>): Promise<StationError> {
  try {
    await p;
  } catch (e) {
    if (isStationError(e)) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

it('a revoked login stops the job at its org step with "sign in again"; after signing in, Retry makes exactly one Asset', async () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-sign-in-expired-'));
  stops.push(() => fs.rmSync(home, { recursive: true, force: true }));
  const secrets = FileVault.inHome(home, 'sign-in-expired-test');
  const org = await startOrgEmulator({
    home: path.join(home, 'org'),
    jwtBearerCertPem: await jwtPublicKeyPem(secrets),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  stops.push(() => org.stop());
  await prepareHome(home, secrets, org);
  const config = loadConfig(home);
  // the operator's own login (PKCE through the system browser), not the station's JWT key
  saveConfig(home, {
    ...config,
    salesforce: { ...config.salesforce, authFlow: 'pkce', callbackPort: await freePort() },
  });
  const sim = await startDeviceSimulator({
    home,
    count: 2,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs: 50,
    transport: 'pty',
  });
  stops.push(() => sim.stop());
  const station = await Station.open({
    home,
    transport: 'in-process',
    services: realServices({ home, secrets, openUrl: autoBrowser }),
  });
  stops.push(() => station.close());
  expect((await station.connectOrg({})).connected).toBe(true);
  const [a, b] = await Promise.all(sim.devices.map((d) => station.attachBay({ locator: d.locator })));

  // the login is revoked in the org (an admin's "Revoke" in Setup, or the refresh-token policy)
  org.revokeRefreshTokens();
  const job = await station.startJob({ bayId: a!.id, kind: 'provision' });
  const stopped = await station.waitForJob(job.id);
  expect(stopped.state).toBe('failed');
  expect(stopped.error?.code).toBe('ORG_AUTH');
  expect(stopped.error?.message).toMatch(/^Salesforce sign-in expired/);
  expect(stopped.error?.remedy).toMatch(/Sign in to Salesforce again .*then press Retry/);
  // it stopped at an org step, before the Asset: nothing registered, nothing written back to the device
  const failedAt = stopped.steps.find((s) => s.state === 'failed')!.name;
  expect(['policy', 'upsert-asset']).toContain(failedAt);
  expect(stopped.steps.find((s) => s.name === 'upsert-asset')?.state).not.toBe('done');
  expect(org.assets()).toHaveLength(0);
  expect(sim.device(a!.device!.uid).snapshot().assetId ?? '').toBe('');
  expect((await station.getOrgStatus({})).connected).toBe(false);

  // a new job is refused at pre-flight with the same words, before its device is touched
  const e = await refused(station.startJob({ bayId: b!.id, kind: 'provision' }));
  expect(e.code).toBe('ORG_AUTH');
  expect(e.message).toMatch(/nothing was done to the device\): Salesforce sign-in expired/);
  expect(e.remedy).toMatch(/then press Retry/);
  expect(issuedCount(home, b!.device!.uid)).toBe(0);
  expect(sim.device(b!.device!.uid).snapshot().keyPresent).toBe(false);

  // the operator signs in again and presses Retry: the job finishes, one Asset, one certificate
  expect((await station.connectOrg({})).connected).toBe(true);
  await station.retryJob({ jobId: job.id });
  const done = await station.waitForJob(job.id);
  expect(done.state).toBe('succeeded');
  const uid = a!.device!.uid;
  expect(org.assets().filter((x) => x.Device_UID__c === uid)).toHaveLength(1);
  expect(issuedCount(home, uid)).toBe(1);
  // and the line goes on
  const next = await station.startJob({ bayId: b!.id, kind: 'provision' });
  expect((await station.waitForJob(next.id)).state).toBe('succeeded');
  expect(org.assets()).toHaveLength(2);
});
