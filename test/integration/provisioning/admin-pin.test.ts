/**
 * The admin PIN is enforced by the core, not only by the window: every call below goes through
 * dispatchCall, the validator both real transports (IPC, WebSocket) run, on the embedded defaults
 * (simulated devices on real PTYs, the org emulator over HTTP, the file CA). For each admin act:
 * refused without the PIN and with a wrong one (nothing changes, the refusal is audited), allowed with it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MethodName } from '../../../shared/api';
import { dispatchCall } from '../../../shared/api-server';
import type { Job } from '../../../shared/domain';
import { DEMO_ADMIN_PIN, startEmbedded, type Embedded } from '../../../dev/embedded';
import { loadConfig } from '../../../core/config';
import { issuedCount } from './db-counts';

const envs: Embedded[] = [];
const dirs: string[] = [];

async function embedded(devices = 1): Promise<Embedded> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pin-it-'));
  dirs.push(home);
  const env = await startEmbedded({ home, devices, keygenDelayMs: 50, watch: false });
  envs.push(env);
  return env;
}

afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** Calls a station method the way a transport does; resolves to the value or the error code. */
async function call(
  env: Embedded,
  method: MethodName,
  params: unknown,
): Promise<{ code?: string; value?: unknown }> {
  const out = await dispatchCall(env.station, method, params);
  return out.ok ? { value: out.value } : { code: out.error.code };
}

function auditActions(env: Embedded): Array<{ action: string; data: Record<string, unknown> }> {
  return (
    env.station.db.prepare(`SELECT action, data FROM audit ORDER BY seq`).all() as Array<{
      action: string;
      data: string;
    }>
  ).map((r) => ({ action: r.action, data: JSON.parse(r.data) as Record<string, unknown> }));
}

describe('admin PIN (enforced in the core)', () => {
  it('settings: refused without the right PIN, saved with it', async () => {
    const env = await embedded();
    const config = await env.station.getConfig({});
    const next = { ...config, stationId: 'bench-7' };
    expect((await call(env, 'setConfig', { config: next })).code).toBe('UNAUTHORIZED'); // no PIN, nobody signed in
    expect((await call(env, 'setConfig', { config: next, adminPin: '0000' })).code).toBe('UNAUTHORIZED');
    // An in-process caller that skips the schema meets the same check.
    await expect(env.station.setConfig({ config: next, adminPin: '' })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
    });
    expect(loadConfig(env.station.home).stationId).toBe(config.stationId);
    expect(auditActions(env).at(-1)).toMatchObject({
      action: 'admin.pin.rejected',
      data: { act: 'change the station settings' },
    });
    const saved = await call(env, 'setConfig', { config: next, adminPin: DEMO_ADMIN_PIN });
    expect(saved.code).toBeUndefined();
    expect(loadConfig(env.station.home).stationId).toBe('bench-7');
    expect(auditActions(env).at(-1)?.action).toBe('config.changed');
  });

  it('re-provision override: refused without the right PIN (no job, no key change), done with it', async () => {
    const env = await embedded();
    const [bay] = await env.station.listBays({});
    const uid = bay!.device!.uid;
    const first = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(first.state).toBe('succeeded');
    const jobsBefore = env.station.journal.allJobs().length;
    const keyBefore = env.sim.device(uid).snapshot();

    const req = { bayId: bay!.id, kind: 'provision', reprovision: true };
    expect((await call(env, 'startJob', req)).code).toBe('UNAUTHORIZED');
    expect((await call(env, 'startJob', { ...req, adminPin: '9999' })).code).toBe('UNAUTHORIZED');
    expect(env.station.journal.allJobs()).toHaveLength(jobsBefore);
    expect(env.sim.device(uid).snapshot()).toEqual(keyBefore);
    expect(issuedCount(env.station.home, uid)).toBe(1);
    expect(auditActions(env).at(-1)).toMatchObject({
      action: 'admin.pin.rejected',
      data: { act: 're-provision a device' },
    });

    const started = await call(env, 'startJob', { ...req, adminPin: DEMO_ADMIN_PIN });
    expect(started.code).toBeUndefined();
    const done = await env.station.waitForJob((started.value as Job).id);
    expect(done.state).toBe('succeeded');
    expect(done.id).not.toBe(first.id);
    expect(issuedCount(env.station.home, uid)).toBe(2); // a new key, a new certificate
    expect(env.org.assets()).toHaveLength(1); // the same Asset, updated
    expect(auditActions(env).find((a) => a.action === 'reprovision.override')?.data).toMatchObject({
      authorisedBy: 'the admin PIN',
    });
  });

  it('org connection with the station key (JWT): refused without the right PIN, connected with it', async () => {
    const env = await embedded();
    await env.station.disconnectOrg({});
    expect((await call(env, 'connectOrg', {})).code).toBe('UNAUTHORIZED');
    expect((await call(env, 'connectOrg', { adminPin: '1111' })).code).toBe('UNAUTHORIZED');
    expect((await env.station.getOrgStatus({})).connected).toBe(false);
    const ok = await call(env, 'connectOrg', { adminPin: DEMO_ADMIN_PIN });
    expect(ok.code).toBeUndefined();
    expect(ok.value).toMatchObject({ connected: true, username: env.org.adminUsername });
    expect(auditActions(env).at(-1)).toMatchObject({ action: 'org.connected', data: { flow: 'jwt' } });
  });

  it('an operator PKCE login is not an admin act: no PIN asked', async () => {
    const env = await embedded();
    const config = await env.station.getConfig({});
    await env.station.setConfig({
      config: { ...config, salesforce: { ...config.salesforce, authFlow: 'pkce' } },
      adminPin: DEMO_ADMIN_PIN,
    });
    // The embedded station has no browser to open, so the login itself stops — not the PIN check.
    expect((await call(env, 'connectOrg', {})).code).toBe('ORG_CONFIG');
  });
});
