/**
 * Attack: swap the device between runs of a job. A job parks after sign (org outage; its certificate waits
 * on the station until the org accepts the identity, issue 18), another
 * device is put on the same port (the bay's PTY link now leads to it), and the operator presses Retry.
 * The station must refuse with DEVICE_MISMATCH before any further step and write nothing to the other
 * device — whether it says another UID, or the job's UID with no key or with another key (a clone of
 * the UID on a board that never held the job's key). Simulated devices on real PTYs, org emulator over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../dev/embedded';
import { startDeviceSimulator, type DeviceSimulator } from '../../dev/simulators';
import { openDevice } from '../../core/device';

const envs: Embedded[] = [];
const sims: DeviceSimulator[] = [];
const dirs: string[] = [];

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-swap-'));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  while (sims.length) await sims.pop()!.stop();
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/**
 * A station with `devices` PTY devices whose first job parked at upsert-asset (after sign) during
 * an org outage; the org stays down (so no Asset is registered meanwhile) until a test brings it back.
 */
async function failedAfterInstall(devices: number) {
  const env = await startEmbedded({
    home: tmp(),
    devices,
    keygenDelayMs: 50,
    watch: false,
    reconnectWindowMs: 2000,
  });
  envs.push(env);
  const [bay] = await env.station.listBays({});
  // The org goes down once the certificate is being signed: the job stops at upsert-asset.
  const off = env.station.subscribe((event, payload) => {
    const step = (payload as { step?: { name: string; state: string } }).step;
    if (event === 'step' && step?.name === 'sign' && step.state === 'running')
      env.org.faults.htmlErrors = 1000;
  });
  const failed = await env.station.waitForJob(
    (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
  );
  off();
  expect(failed.state).toBe('parked');
  expect(bay!.locator.startsWith('serial:')).toBe(true);
  expect(failed.steps.find((s) => s.name === 'sign')?.state).toBe('done');
  expect(failed.steps.find((s) => s.name === 'install-cert')?.state).not.toBe('done');
  const link = bay!.locator.slice('serial:'.length);
  return { env, jobId: failed.id, link, uid: bay!.device!.uid };
}

/** Points the bay's port link at another PTY (the device on the bay is now another board). */
function swapLink(link: string, toLink: string): void {
  const target = fs.readlinkSync(toLink);
  fs.unlinkSync(link);
  fs.symlinkSync(target, link);
}

async function retryRefused(env: Embedded, jobId: string) {
  const retried = await env.station.waitForJob((await env.station.retryJob({ jobId })).id);
  expect(retried.state).toBe('failed');
  expect(retried.error?.code).toBe('DEVICE_MISMATCH');
  expect(retried.error?.remedy).toMatch(/bay/);
  expect(env.org.assets()).toHaveLength(0);
  const audited = env.station.db
    .prepare(`SELECT action FROM audit WHERE action = 'device.mismatch' AND job_id = ?`)
    .all(jobId);
  expect(audited.length).toBeGreaterThan(0);
  return retried;
}

describe('adversarial: device swapped between runs of a job', () => {
  it('another UID on the port at Retry: DEVICE_MISMATCH, nothing written to it', async () => {
    const { env, jobId, link, uid } = await failedAfterInstall(2);
    const other = env.sim.devices.find((d) => d.uid !== uid)!;
    swapLink(link, other.locator.slice('serial:'.length));
    const r = await retryRefused(env, jobId);
    expect(r.error?.message).toContain(other.uid);
    const snap = env.sim.device(other.uid).snapshot();
    expect(snap.keyPresent).toBe(false);
    expect(snap.certInstalled).toBe(false);
    expect(snap.assetId).toBeUndefined();
  }, 60_000);

  it('the job UID on a board holding another key at Retry: DEVICE_MISMATCH, nothing written', async () => {
    const { env, jobId, link, uid } = await failedAfterInstall(1);
    // A rogue board that says the same UID but holds its own key.
    const rogue = await startDeviceSimulator({ home: tmp(), count: 1, keygenDelayMs: 10, transport: 'pty' });
    sims.push(rogue);
    expect(rogue.devices[0]!.uid).toBe(uid);
    const c = await openDevice(rogue.devices[0]!.locator);
    await c.keygen(0, 'ECDSA-P256', false);
    await c.close();
    swapLink(link, rogue.devices[0]!.locator.slice('serial:'.length));
    const r = await retryRefused(env, jobId);
    expect(r.error?.message).toMatch(/holds key/);
    const snap = rogue.device(uid).snapshot();
    expect(snap.certInstalled).toBe(false);
    expect(snap.assetId).toBeUndefined();
  }, 60_000);

  it('the job UID on a board with no key at Retry: DEVICE_MISMATCH before any KEYGEN', async () => {
    const { env, jobId, link, uid } = await failedAfterInstall(1);
    const rogue = await startDeviceSimulator({ home: tmp(), count: 1, keygenDelayMs: 10, transport: 'pty' });
    sims.push(rogue);
    swapLink(link, rogue.devices[0]!.locator.slice('serial:'.length));
    const r = await retryRefused(env, jobId);
    expect(r.error?.message).toMatch(/holds no key/);
    expect(rogue.device(uid).snapshot().keyPresent).toBe(false);
  }, 60_000);

  it('the same device at Retry still finishes the job (the check lets it through)', async () => {
    const { env, jobId, uid } = await failedAfterInstall(1);
    env.org.faults.htmlErrors = 0; // the org is back
    const ok = await env.station.waitForJob((await env.station.retryJob({ jobId })).id);
    expect(ok.state).toBe('succeeded');
    expect(env.sim.device(uid).snapshot().assetId).toBe(env.org.assets()[0]!.Id);
  }, 60_000);

  it('a stray frame, then another UID in HELLO on the recovery reopen: DEVICE_MISMATCH, nothing written', async () => {
    const env = await startEmbedded({ home: tmp(), devices: 2, keygenDelayMs: 50, watch: false });
    envs.push(env);
    const [bay] = await env.station.listBays({});
    const uid = bay!.device!.uid;
    const link = bay!.locator.slice('serial:'.length);
    const other = env.sim.devices.find((d) => d.uid !== uid)!;
    // The job's device answers PUT_CERT with a frame no request carried (a protocol error); by the time
    // the station reopens the port to retry, another board is on it.
    env.sim.device(uid).setFaults({ strayOn: { command: 'PUT_CERT' } });
    const off = env.station.subscribe((event, payload) => {
      const step = (payload as { step?: { name: string; state: string } }).step;
      if (event === 'step' && step?.name === 'install-cert' && step.state === 'running')
        swapLink(link, other.locator.slice('serial:'.length));
    });
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    off();
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('DEVICE_MISMATCH');
    expect(job.error?.message).toContain(other.uid);
    expect(job.steps.find((s) => s.name === 'install-cert')?.state).not.toBe('done');
    // the stray frame did happen (the fault was consumed) and nothing reached either board afterwards
    expect(env.sim.device(uid).faults.strayOn).toBeUndefined();
    expect(env.sim.device(uid).snapshot().certInstalled).toBe(false);
    const snap = env.sim.device(other.uid).snapshot();
    expect(snap.keyPresent).toBe(false);
    expect(snap.certInstalled).toBe(false);
    expect(snap.assetId).toBeUndefined();
    // issue 18: the org accepted the job device's identity before the install; the other board got nothing
    expect(env.org.assets().map((a) => a.Device_UID__c)).toEqual([uid]);
    expect(env.sim.device(uid).snapshot().assetId).toBeUndefined();
    const audited = env.station.db
      .prepare(`SELECT action FROM audit WHERE action = 'device.mismatch' AND job_id = ?`)
      .all(job.id);
    expect(audited.length).toBeGreaterThan(0);
  }, 60_000);
});
