/**
 * Org outage keeps the line running (issue 14, core/jobs/parking.ts): with the org emulator stopped
 * (connection refused), provisioning jobs finish the device-side steps and park at the Asset step
 * ("waiting for Salesforce"), journaled and audited, the bay free; when the org is back the drainer
 * registers each parked device once (also when the first attempt reached the org but its answer was lost),
 * a station restart keeps the queue, and the device's next attach (same-device check) writes the Asset ID.
 * Embedded station, in-process simulated devices, the org emulator over real HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, startEmbedded, type Embedded } from '../../../dev/embedded';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { issuedCount } from './db-counts';

const envs: Embedded[] = [];
const orgs: OrgEmulator[] = [];
const dirs: string[] = [];

afterEach(async () => {
  while (orgs.length) await orgs.pop()!.stop();
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function embedded(devices: number, home?: string): Promise<Embedded> {
  const dir = home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'station-outage-'));
  if (!home) dirs.push(dir);
  const env = await startEmbedded({
    home: dir,
    devices,
    keygenDelayMs: 20,
    watch: false,
    deviceTransport: 'sim',
    reconnectWindowMs: 2000,
  });
  envs.push(env);
  return env;
}

/** The org emulator again, on the same port and data folder (the org came back). */
async function orgBack(env: Embedded): Promise<OrgEmulator> {
  const org = await startOrgEmulator({
    home: path.join(env.station.home, 'org'),
    port: env.org.port,
    jwtBearerCertPem: await jwtPublicKeyPem(env.secrets),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  orgs.push(org);
  return org;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const stepState = (job: Job, name: string) => job.steps.find((s) => s.name === name)?.state;

describe('an org outage during provisioning', () => {
  it('parks each job after sign with the bay free (nothing on the device yet), registers it once when the org is back, and the next attach installs the certificate and writes the Asset ID', async () => {
    const env = await embedded(2);
    await env.org.stop(); // connection refused from now on
    const bays = await env.station.listBays({});
    const started = await Promise.all(
      bays.map((b) => env.station.startJob({ bayId: b.id, kind: 'provision' })),
    );
    const parked = await Promise.all(started.map((j) => env.station.waitForJob(j.id)));
    for (const job of parked) {
      expect(job.state).toBe('parked');
      expect(job.error?.message).toMatch(/^Waiting for Salesforce/);
      expect(job.error?.remedy).toMatch(/Unplug the device and go on/);
      expect(job.error?.details?.parked).toBe('salesforce');
      expect(stepState(job, 'sign')).toBe('done');
      expect(stepState(job, 'upsert-asset')).toBe('failed');
      // issue 18: nothing reaches the device before the org has accepted the identity
      expect(stepState(job, 'install-cert')).toBe('pending');
      expect(stepState(job, 'write-back')).toBe('pending');
      const dev = env.sim.device(job.deviceUid!).snapshot();
      expect(dev).toMatchObject({ keyPresent: true, certInstalled: false });
      expect(dev.assetId).toBeUndefined();
    }
    // the bays are free for the next device
    for (const b of await env.station.listBays({})) expect(b.status).toBe('ready');
    expect((await env.station.listParkedJobs({})).map((j) => j.id).sort()).toEqual(
      started.map((j) => j.id).sort(),
    );
    const audit = env.station.db
      .prepare(`SELECT job_id AS jobId FROM audit WHERE action = 'job.parked' ORDER BY seq`)
      .all() as Array<{ jobId: string }>;
    expect(audit.map((e) => e.jobId).sort()).toEqual(started.map((j) => j.id).sort());

    const org = await orgBack(env);
    await until('both jobs registered in the org', async () => {
      const q = await env.station.listParkedJobs({});
      return q.length === 2 && q.every((j) => j.error?.details?.parked === 'device');
    });
    expect(org.assets()).toHaveLength(2);
    for (const job of await env.station.listParkedJobs({})) {
      expect(job.error?.message).toMatch(
        /^Registered in Salesforce \(Asset \w+\), certificate and Asset ID not yet on the device: plug it in again\./,
      );
      expect(env.sim.device(job.deviceUid!).snapshot()).toMatchObject({ certInstalled: false });
      expect(env.sim.device(job.deviceUid!).snapshot().assetId).toBeUndefined();
    }

    // the technician plugs each device in again: the job resumes (same device), writes and reads back
    for (const b of bays) {
      const again = await env.station.startJob({ bayId: b.id, kind: 'provision' });
      expect(started.map((j) => j.id)).toContain(again.id);
      const done = await env.station.waitForJob(again.id);
      expect(done.state).toBe('succeeded');
      const asset = org.assets().find((a) => a.Device_UID__c === done.deviceUid);
      expect(env.sim.device(done.deviceUid!).snapshot().assetId).toBe(asset!.Id);
      expect(env.sim.device(done.deviceUid!).snapshot().certInstalled).toBe(true);
      expect(issuedCount(env.station.home, done.deviceUid!)).toBe(1);
    }
    expect(org.assets()).toHaveLength(2);
    expect(await env.station.listParkedJobs({})).toEqual([]);
  }, 120_000);

  it('an upsert that reached the org but whose answer was lost parks, and the drain finds the same Asset (no second one)', async () => {
    const env = await embedded(1);
    const [bay] = await env.station.listBays({});
    // the org does the upsert, but its answer is cut off on the way back (the station cannot tell)
    const off = env.station.subscribe((event, payload) => {
      const p = payload as { step?: { name: string; state: string } };
      if (event === 'step' && p.step?.name === 'upsert-asset' && p.step.state === 'running')
        env.org.faults.malformedJson = 2; // the client's own retry of the upsert loses its answer too
    });
    const job = await env.station.startJob({ bayId: bay!.id, kind: 'provision' });
    const first = await env.station.waitForJob(job.id);
    off();
    expect(first.state).toBe('parked');
    expect(env.org.assets().filter((a) => a.Device_UID__c === first.deviceUid)).toHaveLength(1); // it did reach the org
    await until(
      'the drain to register it',
      async () => (await env.station.getJob({ jobId: job.id })).error?.details?.parked === 'device',
    );
    const done = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(done.state).toBe('succeeded');
    const assets = env.org.assets().filter((a) => a.Device_UID__c === first.deviceUid);
    expect(assets).toHaveLength(1);
    expect(env.sim.device(first.deviceUid!).snapshot().assetId).toBe(assets[0]!.Id);
  }, 60_000);

  it('survives a station restart: the parked queue is journaled and drained by the next station', async () => {
    const env = await embedded(1);
    const home = env.station.home;
    await env.org.stop();
    const [bay] = await env.station.listBays({});
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('parked');
    await envs.pop()!.stop(); // the station closes with the job parked
    const next = await embedded(1, home); // the org is up again in this run
    await until('the parked job registered after the restart', async () => {
      const j = await next.station.getJob({ jobId: job.id });
      return j.state === 'parked' && j.error?.details?.parked === 'device';
    });
    expect(next.org.assets().filter((a) => a.Device_UID__c === job.deviceUid)).toHaveLength(1);
    const [again] = await next.station.listBays({});
    const done = await next.station.waitForJob(
      (await next.station.startJob({ bayId: again!.id, kind: 'provision' })).id,
    );
    expect(done.id).toBe(job.id);
    expect(done.state).toBe('succeeded');
  }, 60_000);

  it('a clone provisioned during the outage: the org refuses its Asset when it is back; the certificate is revoked and never installed', async () => {
    const env = await embedded(1);
    await env.org.stop();
    const [bay] = await env.station.listBays({});
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('parked');
    // the session read at connect that the org enforces the identity rules: the check rides in the upsert
    expect(job.steps.find((s) => s.name === 'policy')?.detail).toMatch(
      /Salesforce checks the key when the Asset is registered/,
    );
    const { record } = await env.station.getRecord({ jobId: job.id });
    // Meanwhile the org has this key registered to another device (the attack: a cloned key).
    const org = await orgBack(env);
    const other = org.seedAsset({
      Name: 'the original',
      Device_UID__c: 'SIM-ORIGINAL',
      Key_Fingerprint__c: record.keyFingerprint,
      AccountId: org.defaultAccountId,
    });
    await until(
      'the drain to decide',
      async () => (await env.station.getJob({ jobId: job.id })).state === 'failed',
    );
    const failed = await env.station.getJob({ jobId: job.id });
    expect(failed.error?.code).toBe('CLONE_SUSPECTED');
    expect(failed.error?.message).toContain(String(other.Id));
    expect(failed.error?.message).toContain(
      `Certificate ${record.certSerial} was revoked at once (keyCompromise) and never left the station`,
    );
    const revoked = env.station.db
      .prepare('SELECT reason FROM pki_revoked WHERE serial = ?')
      .all(record.certSerial) as Array<{ reason: string }>;
    expect(revoked.map((r) => r.reason)).toEqual(['keyCompromise']);
    expect(env.sim.device(job.deviceUid!).snapshot()).toMatchObject({ certInstalled: false });
    expect(org.assets().filter((a) => a.Device_UID__c === job.deviceUid)).toEqual([]);
    expect(await env.station.listParkedJobs({})).toEqual([]);
  }, 60_000);
});
