/**
 * Operator roles are enforced by the core, not only by the window: every call goes through dispatchCall
 * (the validator both real transports run) on the embedded defaults (simulated devices on real PTYs, the
 * org emulator over HTTP). A signed-in technician provisions, but cannot change settings, re-provision or
 * manage accounts; a signed-in admin can without the PIN; audit entries and jobs name the operator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { MethodName } from '../../../shared/api';
import { dispatchCall } from '../../../shared/api-server';
import type { Job } from '../../../shared/domain';
import { DEMO_ADMIN_PIN, startEmbedded, type Embedded } from '../../../dev/embedded';
import { loadConfig } from '../../../core/config';

let env: Embedded | undefined;
let home: string | undefined;
afterEach(async () => {
  await env?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function call(method: MethodName, params: unknown): Promise<{ code?: string; value?: unknown }> {
  const out = await dispatchCall(env!.station, method, params);
  return out.ok ? { value: out.value } : { code: out.error.code };
}
const audit = () =>
  env!.station.db.prepare(`SELECT actor, action, data FROM audit ORDER BY seq`).all() as Array<{
    actor: string;
    action: string;
    data: string;
  }>;

it('a technician provisions but cannot change settings, re-provision or add operators; an admin can', async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'roles-it-'));
  env = await startEmbedded({ home, devices: 1, keygenDelayMs: 50, watch: false });
  expect(
    (await call('addOperator', { login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' })).code,
  ).toBeUndefined();
  expect((await call('signIn', { login: 'boss', secret: '975310' })).value).toMatchObject({ role: 'admin' });
  expect(
    (await call('addOperator', { login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' })).code,
  ).toBeUndefined();
  await call('signOut', {});
  expect((await call('signIn', { login: 'tom', secret: '9999' })).code).toBe('UNAUTHORIZED');
  expect((await call('signIn', { login: 'tom', secret: '1357' })).value).toMatchObject({
    role: 'technician',
  });
  expect((await call('getOperator', {})).value).toEqual({
    operator: { login: 'tom', name: 'Tom Tech', role: 'technician' },
    signInRequired: true,
  });

  const config = await env.station.getConfig({});
  const next = { ...config, stationId: 'bench-9' };
  expect((await call('setConfig', { config: next })).code).toBe('UNAUTHORIZED');
  expect(loadConfig(env.station.home).stationId).toBe(config.stationId);
  expect(audit().at(-1)).toMatchObject({ actor: 'tom', action: 'operator.refused' });
  expect(JSON.parse(audit().at(-1)!.data)).toMatchObject({ act: 'change the station settings', by: 'tom' });
  expect((await call('addOperator', { login: 'eve', name: 'Eve', role: 'admin', secret: '2468' })).code).toBe(
    'UNAUTHORIZED',
  );

  const [bay] = await env.station.listBays({});
  const started = await call('startJob', { bayId: bay!.id, kind: 'provision' });
  expect(started.code).toBeUndefined();
  const job = await env.station.waitForJob((started.value as Job).id);
  expect(job.state).toBe('succeeded');
  const jobEntries = audit().filter((a) => a.action.startsWith('job.'));
  expect(jobEntries.length).toBeGreaterThan(0);
  expect(new Set(jobEntries.map((a) => a.actor))).toEqual(new Set(['tom']));

  const jobsBefore = env.station.journal.allJobs().length;
  expect((await call('startJob', { bayId: bay!.id, kind: 'provision', reprovision: true })).code).toBe(
    'UNAUTHORIZED',
  );
  // the attack: a technician who knows the old admin PIN still cannot re-provision or change settings
  const withPin = { bayId: bay!.id, kind: 'provision', reprovision: true, adminPin: DEMO_ADMIN_PIN };
  expect((await call('startJob', withPin)).code).toBe('UNAUTHORIZED');
  expect((await call('setConfig', { config: next, adminPin: DEMO_ADMIN_PIN })).code).toBe('UNAUTHORIZED');
  expect((await call('verifyDevice', { bayId: bay!.id })).code).toBe('UNAUTHORIZED');
  expect(env.station.journal.allJobs()).toHaveLength(jobsBefore);
  expect(loadConfig(env.station.home).stationId).toBe(config.stationId);
  expect(audit().at(-1)).toMatchObject({ actor: 'tom', action: 'operator.refused' });

  // signed out, nothing but signing in works
  await call('signOut', {});
  expect((await call('listBays', {})).code).toBe('UNAUTHORIZED');
  expect((await call('startJob', { bayId: bay!.id, kind: 'provision' })).code).toBe('UNAUTHORIZED');
  expect((await call('getOperator', {})).value).toEqual({ operator: null, signInRequired: true });

  await call('signIn', { login: 'boss', secret: '975310' });
  expect((await call('setConfig', { config: next })).code).toBeUndefined();
  expect(loadConfig(env.station.home).stationId).toBe('bench-9');
  expect(audit().at(-1)).toMatchObject({ actor: 'boss', action: 'config.changed' });
  expect((await call('listOperators', {})).value).toEqual([
    { login: 'boss', name: 'Ada Admin', role: 'admin', disabled: false },
    { login: 'tom', name: 'Tom Tech', role: 'technician', disabled: false },
  ]);

  // the admin re-provisions without a PIN; the job and the audit entry name them
  const again = await call('startJob', { bayId: bay!.id, kind: 'provision', reprovision: true });
  expect(again.code).toBeUndefined();
  const redone = await env.station.waitForJob((again.value as Job).id);
  expect(redone).toMatchObject({ state: 'succeeded', operator: 'boss' });
  expect(audit().find((a) => a.action === 'reprovision.override')).toMatchObject({ actor: 'boss' });
  expect(JSON.parse(audit().find((a) => a.action === 'reprovision.override')!.data)).toMatchObject({
    authorisedBy: 'administrator boss',
  });
}, 120_000);
