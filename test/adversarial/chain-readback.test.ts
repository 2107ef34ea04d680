/**
 * Attack: the device lies about the certificate chain it stored. After PUT_CERT the station reads the
 * chain back (GET_CERT) and must compare every certificate, not just the leaf: the right leaf followed
 * by a bogus extra certificate is CERT_INSTALL_REFUSED and nothing is written to the device afterwards (no
 * Asset ID). Since issue 18 the org accepts the identity (upsert-asset) before the certificate goes onto the
 * device, so the device's Asset exists by then; it never receives its Asset ID. A device that reports only its leaf is refused too, unless the station allows
 * leaf-only read-back in its settings, and then the job's record carries a warning. Simulated devices on
 * real PTYs (fault `getCertLie`), org emulator over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, saveConfig } from '../../core/config';
import { startEmbedded, type Embedded } from '../../dev/embedded';

const envs: Embedded[] = [];
const dirs: string[] = [];

afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function station(lie: 'extra-cert' | 'leaf-only' | undefined, allowLeafOnly = false) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-chain-'));
  dirs.push(home);
  if (allowLeafOnly) {
    const c = loadConfig(home);
    saveConfig(home, { ...c, device: { ...c.device, allowLeafOnlyReadBack: true } });
  }
  const env = await startEmbedded({ home, devices: 1, keygenDelayMs: 50, watch: false });
  envs.push(env);
  const [bay] = await env.station.listBays({});
  const uid = bay!.device!.uid;
  if (lie) env.sim.device(uid).setFaults({ getCertLie: lie });
  const job = await env.station.waitForJob(
    (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
  );
  return { env, job, uid };
}

describe('adversarial: chain read-back', () => {
  it('the right leaf plus a bogus extra certificate: CERT_INSTALL_REFUSED, nothing written after', async () => {
    const { env, job, uid } = await station('extra-cert');
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('CERT_INSTALL_REFUSED');
    expect(job.error?.message).toMatch(/right certificate but a different certificate chain/);
    expect(job.error?.message).toMatch(/4 certificate\(s\) instead of the 3 installed/);
    expect(job.error?.remedy).toMatch(/set the device aside/);
    expect(job.steps.find((s) => s.name === 'install-cert')?.state).not.toBe('done');
    // issue 18: the org accepted the identity before the install; the device never gets its Asset ID
    expect(job.steps.find((s) => s.name === 'upsert-asset')?.state).toBe('done');
    expect(job.steps.find((s) => s.name === 'write-back')?.state ?? 'pending').toBe('pending');
    expect(env.org.assets().map((a) => a.Device_UID__c)).toEqual([uid]);
    expect(env.sim.device(uid).snapshot().assetId).toBeUndefined();
  }, 60_000);

  it('only the leaf read back: refused by default, with what to do', async () => {
    const { env, job, uid } = await station('leaf-only');
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('CERT_INSTALL_REFUSED');
    expect(job.error?.message).toMatch(/reports only its own certificate/);
    expect(job.error?.remedy).toMatch(/Update the device firmware/);
    expect(job.error?.remedy).toMatch(/leaf-only read-back/);
    expect(job.steps.find((s) => s.name === 'write-back')?.state ?? 'pending').toBe('pending');
    expect(env.sim.device(uid).snapshot().assetId).toBeUndefined();
  }, 60_000);

  it('only the leaf read back with leaf-only allowed in Settings: the job finishes and its record warns', async () => {
    const { env, job } = await station('leaf-only', true);
    expect(job.state).toBe('succeeded');
    const step = job.steps.find((s) => s.name === 'install-cert');
    expect(step?.detail).toMatch(/WARNING: the device reported only its own certificate/);
    // the setting never lets a bogus extra certificate through
    expect(env.org.assets()).toHaveLength(1);
  }, 60_000);

  it('leaf-only allowed still refuses the right leaf plus a bogus extra certificate', async () => {
    const { env, job, uid } = await station('extra-cert', true);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('CERT_INSTALL_REFUSED');
    expect(job.steps.find((s) => s.name === 'write-back')?.state ?? 'pending').toBe('pending');
    expect(env.sim.device(uid).snapshot().assetId).toBeUndefined();
  }, 60_000);

  it('an honest device (the whole chain read back): the job finishes with no warning', async () => {
    const { job } = await station(undefined);
    expect(job.state).toBe('succeeded');
    expect(job.steps.find((s) => s.name === 'install-cert')?.detail).toBe(
      'chain of 3 installed and read back',
    );
  }, 60_000);
});
