/**
 * Attack: a device (rogue or stuck firmware) answers KEYGEN with PROG "still working" keep-alives
 * forever. Keep-alives restart the idle timer, so without a ceiling the command would never end; with
 * the ceiling it must end in DEVICE_TIMEOUT naming the figure in seconds and the remedy (power-cycle,
 * then Retry), and the recovery policy must not wait for it again (3 × the ceiling before). A simulated
 * device on a real PTY, its keygen made to last an hour; the ceiling injected short (per command, as a
 * driver sets it) so nothing waits long.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDeviceSimulator, type DeviceSimulator } from '../../dev/simulators';
import { openDevice } from '../../core/device';
import { planRecovery, RECONNECT_MAX_ATTEMPTS } from '../../core/jobs/recovery';
import { StationError } from '../../shared/errors';
import { startEmbedded, type Embedded } from '../../dev/embedded';
import { loadConfig, saveConfig } from '../../core/config';

const sims: DeviceSimulator[] = [];
const envs: Embedded[] = [];
const dirs: string[] = [];

afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (sims.length) await sims.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function endlessKeygenDevice() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-prog-'));
  dirs.push(home);
  const sim = await startDeviceSimulator({ home, count: 1, keygenDelayMs: 3_600_000, transport: 'pty' });
  sims.push(sim);
  return sim.devices[0]!.locator;
}

describe('adversarial: endless PROG keep-alives', () => {
  it('KEYGEN that only ever says "still working" ends at the ceiling with DEVICE_TIMEOUT and the figure', async () => {
    const locator = await endlessKeygenDevice();
    const c = await openDevice(locator, { commandCeilingsMs: { KEYGEN: 3000 } });
    const progress: number[] = [];
    const e = await c.keygen(0, 'ECDSA-P256', false, { onProgress: (p) => progress.push(p) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    await c.close();
    expect(e).toBeInstanceOf(StationError);
    const err = e as StationError;
    // keep-alives did arrive (each would have restarted the idle timer), yet the command ended
    expect(progress.length).toBeGreaterThan(2);
    expect(err.code).toBe('DEVICE_TIMEOUT');
    expect(err.message).toContain('kept sending "still working" for KEYGEN but did not finish within 3 s');
    expect(err.remedy).toMatch(/Power-cycle the device.*then press Retry/);
    expect(err.details).toMatchObject({ command: 'KEYGEN', ceilingS: 3, keptAlive: true });
    // the recovery policy gives up at once instead of waiting for the device to "come back"
    expect(planRecovery(err.toShape(), 1)).toEqual({ kind: 'give-up' });
  }, 30_000);

  it('a device that went quiet is still waited for (only the keep-alive ceiling is not retried)', async () => {
    const locator = await endlessKeygenDevice();
    const c = await openDevice(locator);
    await c.hello();
    const e = (await c
      .sign(0, new Uint8Array(8), 'ES256', { timeoutMs: 1 })
      .catch((x: unknown) => x)) as StationError;
    await c.close();
    expect(e.code).toBe('DEVICE_TIMEOUT');
    expect(e.details?.keptAlive).toBeUndefined();
    expect(e.message).not.toMatch(/still working/);
    expect(planRecovery(e.toShape(), 1)).toEqual({ kind: 'wait-for-return' });
    expect(planRecovery(e.toShape(), RECONNECT_MAX_ATTEMPTS)).toEqual({ kind: 'give-up' });
  }, 30_000);

  it('a provisioning job: KEYGEN stops once at the configured ceiling, the job fails without waiting again', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-prog-job-'));
    dirs.push(home);
    const base = loadConfig(home);
    saveConfig(home, { ...base, device: { ...base.device, commandCeilingsMs: { KEYGEN: 2000 } } });
    const env = await startEmbedded({
      home,
      devices: 1,
      keygenDelayMs: 3_600_000,
      watch: false,
      reconnectWindowMs: 2000,
    });
    envs.push(env);
    const [bay] = await env.station.listBays({});
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('DEVICE_TIMEOUT');
    expect(job.error?.message).toMatch(
      /kept sending "still working" for KEYGEN but did not finish within 2 s/,
    );
    expect(job.error?.remedy).toMatch(/Power-cycle/);
    // one KEYGEN request only: no retry of a keep-alive ceiling
    expect(env.sim.device(bay!.device!.uid).stats.requests).toBeLessThanOrEqual(2); // HELLO is the other
    expect(env.org.assets()).toHaveLength(0);
  }, 60_000);
});
