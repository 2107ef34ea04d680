/**
 * The main job end to end on the embedded defaults: simulated devices on real PTYs (socat) through
 * serialport, the org emulator over HTTP through unmodified jsforce, the file CA — and the faults a
 * bench meets: a cloned device, an unplug mid-job, an org outage, a cancel, hot-plug in auto mode, a
 * tampered device at QA.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job, Step } from '../../../shared/domain';
import { startEmbedded, type Embedded } from '../../../dev/embedded';
import { openDevice } from '../../../core/device';
import { issuedCount } from './db-counts';

const envs: Embedded[] = [];
const dirs: string[] = [];

async function embedded(opts: Partial<Parameters<typeof startEmbedded>[0]> = {}): Promise<Embedded> {
  const home = opts.home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'station-it-'));
  dirs.push(home);
  const env = await startEmbedded({
    home,
    devices: 2,
    keygenDelayMs: 50,
    watch: false,
    reconnectWindowMs: 4000,
    ...opts,
  });
  envs.push(env);
  return env;
}

afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** Resolves at the first `step` event whose step matches. */
function stepSeen(env: Embedded, match: (step: Step) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = env.station.subscribe((event, payload) => {
      if (event === 'step' && match((payload as { step: Step }).step)) {
        off();
        resolve();
      }
    });
  });
}

async function provisionAll(env: Embedded): Promise<Job[]> {
  const bays = await env.station.listBays({});
  const started = await Promise.all(
    bays.map((b) => env.station.startJob({ bayId: b.id, kind: 'provision' })),
  );
  return Promise.all(started.map((j) => env.station.waitForJob(j.id)));
}

describe('provisioning station (PTYs + org emulator + CA)', () => {
  it('provisions devices in parallel, once, and a second run creates nothing', async () => {
    const env = await embedded({ devices: 4 });
    const jobs = await provisionAll(env);
    expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    const assets = env.org.assets();
    expect(assets).toHaveLength(4);
    for (const d of env.sim.devices) {
      const snap = env.sim.device(d.uid).snapshot();
      const asset = assets.find((a) => a.Device_UID__c === d.uid);
      expect(asset, d.uid).toBeDefined();
      expect(snap.certInstalled).toBe(true);
      expect(snap.assetId).toBe(asset!.Id);
      expect(issuedCount(env.station.home, d.uid)).toBe(1);
    }
    // RSA devices (1st, 3rd) got asset tokens through the device-signed actor token; EC devices skipped.
    const records = await env.station.listRecords({});
    const byUid = Object.fromEntries(records.map((r) => [r.deviceUid, r]));
    expect(byUid['SIM-0001']!.assetToken).toBe('issued');
    expect(byUid['SIM-0002']!.assetToken).toBe('skipped');
    expect(
      env.org
        .tokenEvents()
        .map((e) => e.DeviceId)
        .sort(),
    ).toEqual(['SIM-0001', 'SIM-0003']);

    const again = await provisionAll(env);
    expect(again.map((j) => j.id).sort()).toEqual(jobs.map((j) => j.id).sort());
    expect(env.org.assets()).toHaveLength(4);
    for (const d of env.sim.devices) expect(issuedCount(env.station.home, d.uid)).toBe(1);

    const report = await env.station.verifyDevice({ bayId: (await env.station.listBays({}))[0]!.id });
    expect(report.passed).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual([
      'identify',
      'chain',
      'challenge',
      'org-asset',
      'asset-link',
    ]);

    // The audit chain recorded it all and is intact.
    expect((await env.station.listRecords({ kind: 'verify' })).length).toBe(1);
  });

  it('refuses a cloned device (same key, another UID) and registers nothing for it', async () => {
    const env = await embedded({ devices: 1, clones: [{ of: 'SIM-0001' }] });
    const bays = await env.station.listBays({});
    const original = bays.find((b) => b.device?.uid === 'SIM-0001')!;
    const clone = bays.find((b) => b.device?.uid === 'SIM-0002')!;
    const j1 = await env.station.waitForJob(
      (await env.station.startJob({ bayId: original.id, kind: 'provision' })).id,
    );
    expect(j1.state).toBe('succeeded');
    const j2 = await env.station.waitForJob(
      (await env.station.startJob({ bayId: clone.id, kind: 'provision' })).id,
    );
    expect(j2.state).toBe('failed');
    expect(j2.error?.code).toBe('CLONE_SUSPECTED');
    expect(j2.error?.message).toContain('SIM-0001');
    expect(j2.steps.find((s) => s.state === 'failed')?.name).toBe('policy');
    expect(env.org.assets().map((a) => a.Device_UID__c)).toEqual(['SIM-0001']);
    expect(issuedCount(env.station.home, 'SIM-0002')).toBe(0);
  });

  it('rides through an unplug mid-job when the device comes back, and resumes on Retry when it does not', async () => {
    const env = await embedded({ devices: 2, keygenDelayMs: 1500 });
    const [b1, b2] = await env.station.listBays({});
    // Device 1 resets during KEYGEN and returns 500 ms later: the same job goes on.
    const j1 = await env.station.startJob({ bayId: b1!.id, kind: 'provision' });
    // Device 2 is unplugged during KEYGEN and stays away past the reconnect window.
    const j2 = await env.station.startJob({ bayId: b2!.id, kind: 'provision' });
    await new Promise((r) => setTimeout(r, 600));
    await env.sim.device(b1!.device!.uid).reset(500);
    await env.sim.device(b2!.device!.uid).unplug();
    const done1 = await env.station.waitForJob(j1.id);
    expect(done1.state).toBe('succeeded');
    const done2 = await env.station.waitForJob(j2.id);
    expect(done2.state).toBe('failed');
    expect(['DEVICE_PORT_VANISHED', 'DEVICE_PORT_NOT_FOUND', 'DEVICE_TIMEOUT']).toContain(done2.error?.code);
    expect(done2.error?.remedy).toMatch(/Retry/);
    await env.sim.device(b2!.device!.uid).plug();
    const retried = await env.station.waitForJob((await env.station.retryJob({ jobId: j2.id })).id);
    expect(retried.state).toBe('succeeded');
    expect(retried.id).toBe(j2.id);
    expect(env.org.assets()).toHaveLength(2);
    expect(issuedCount(env.station.home, b2!.device!.uid)).toBe(1);
  });

  it('follows a device that resets and comes back on another path mid-job (USB re-enumeration)', async () => {
    const env = await embedded({ devices: 1, keygenDelayMs: 1500 });
    const [bay] = await env.station.listBays({});
    const uid = bay!.device!.uid;
    const oldPath = bay!.locator.slice('serial:'.length);
    const newPath = path.join(path.dirname(oldPath), `reenumerated-${uid}`);
    const keygenRunning = stepSeen(env, (st) => st.name === 'keygen' && st.state === 'running');
    const job = await env.station.startJob({ bayId: bay!.id, kind: 'provision' });
    await keygenRunning;
    await env.sim.device(uid).unplug();
    await env.sim.device(uid).plug();
    fs.renameSync(oldPath, newPath); // the device's port now has another name
    const done = await env.station.waitForJob(job.id);
    expect(done.error).toBeUndefined();
    expect(done.state).toBe('succeeded');
    expect(env.station.journal.getJob(job.id)!.locator).toBe(`serial:${newPath}`);
    const bays = await env.station.listBays({});
    expect(bays.filter((b) => b.device?.uid === uid).map((b) => b.locator)).toEqual([`serial:${newPath}`]);
    expect(bays).toHaveLength(1);
    expect(env.org.assets()).toHaveLength(1);
    expect(issuedCount(env.station.home, uid)).toBe(1);
  });

  it('parks clearly during an org outage and resumes without a second certificate or Asset', async () => {
    const env = await embedded({ devices: 1 });
    const [bay] = await env.station.listBays({});
    env.org.faults.htmlErrors = 1000;
    const failed = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(failed.state).toBe('parked'); // core/jobs/parking.ts: the line keeps running
    expect(failed.error?.code).toMatch(/^ORG_/);
    const reached = failed.steps.filter((s) => s.state === 'done').map((s) => s.name);
    expect(reached).toContain('proof-of-possession');
    expect(reached).toContain('sign');
    // issue 18: nothing reaches the device before the org has accepted the identity
    expect(reached).not.toContain('install-cert');
    expect(env.sim.device(bay!.device!.uid).snapshot().certInstalled).toBe(false);
    env.org.faults.htmlErrors = 0;
    const ok = await env.station.waitForJob((await env.station.retryJob({ jobId: failed.id })).id);
    expect(ok.state).toBe('succeeded');
    expect(env.org.assets()).toHaveLength(1);
    expect(issuedCount(env.station.home, bay!.device!.uid)).toBe(1);
    expect(env.sim.device(bay!.device!.uid).snapshot().certInstalled).toBe(true);
  });

  it('cancels a job, states what it left behind, and Retry finishes it', async () => {
    const env = await embedded({ devices: 1, keygenDelayMs: 2000 });
    const [bay] = await env.station.listBays({});
    const keygenRunning = stepSeen(env, (st) => st.name === 'keygen' && st.state === 'running');
    const job = await env.station.startJob({ bayId: bay!.id, kind: 'provision' });
    await keygenRunning;
    const cancelled = await env.station.cancelJob({ jobId: job.id });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error?.message).toMatch(/Cancelled after "Identify device"/);
    expect(env.org.assets()).toHaveLength(0);
    const ok = await env.station.waitForJob((await env.station.retryJob({ jobId: job.id })).id);
    expect(ok.error).toBeUndefined();
    expect(ok.state).toBe('succeeded');
  });

  it('a cancel while the station waits for an unplugged device ends the job as cancelled', async () => {
    const env = await embedded({ devices: 1, keygenDelayMs: 1500, reconnectWindowMs: 15_000 });
    const [bay] = await env.station.listBays({});
    const waiting = stepSeen(env, (st) => st.detail?.startsWith('device went away') === true);
    const job = await env.station.startJob({ bayId: bay!.id, kind: 'provision' });
    await new Promise((r) => setTimeout(r, 500));
    await env.sim.device(bay!.device!.uid).unplug();
    await waiting;
    const t0 = Date.now();
    const cancelled = await env.station.cancelJob({ jobId: job.id });
    expect(Date.now() - t0).toBeLessThan(5000); // not the 15 s reconnect window
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error?.code).toBe('CANCELLED');
  });

  it('auto mode starts a job when a device is plugged in', async () => {
    const env = await embedded({ devices: 1 });
    const uid = env.sim.devices[0]!.uid;
    await env.sim.device(uid).unplug();
    await env.station.setAutoMode({ enabled: true });
    env.station.watch();
    const seen = new Promise<Job>((resolve) => {
      const off = env.station.subscribe((event, payload) => {
        const j = payload as Job;
        if (event === 'job' && j.state === 'succeeded') {
          off();
          resolve(j);
        }
      });
    });
    await env.sim.device(uid).plug();
    const job = await seen;
    expect(job.deviceUid).toBe(uid);
    expect(env.org.assets()).toHaveLength(1);
  });

  it('QA verify fails a device whose Asset ID was tampered with', async () => {
    const env = await embedded({ devices: 1 });
    await provisionAll(env);
    const [bay] = await env.station.listBays({});
    const dev = await openDevice(bay!.locator);
    try {
      const binding = await dev.getAsset();
      await dev.setAsset({ assetId: '02i000000000000AAA', orgId: binding!.orgId });
    } finally {
      await dev.close();
    }
    const report = await env.station.verifyDevice({ bayId: bay!.id });
    expect(report.passed).toBe(false);
    const link = report.checks.find((c) => c.name === 'asset-link')!;
    expect(link.passed).toBe(false);
    expect(link.detail).toContain('02i000000000000AAA');
    expect(report.checks.find((c) => c.name === 'chain')!.passed).toBe(true);
  });
});
