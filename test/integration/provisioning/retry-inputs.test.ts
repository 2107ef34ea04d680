/**
 * Inputs given on a Retry (core/jobs/retry-inputs.ts): a job that failed because the org has no such Account
 * completes when Retry gives an Account (no administrator needed: the org refused the old one), journaled
 * and audited; a technician cannot replace an Account the org accepted (an administrator can); malformed
 * inputs are refused with what to do. Every call goes through dispatchCall (the validator both transports
 * run) on the embedded defaults: simulated devices on real PTYs, the org emulator over HTTP, a real CA.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MethodName } from '../../../shared/api';
import { dispatchCall } from '../../../shared/api-server';
import type { Job } from '../../../shared/domain';
import type { StationErrorShape } from '../../../shared/errors';
import { customerRefused } from '../../../shared/retry';
import { DEMO_ADMIN_PIN, startEmbedded, type Embedded } from '../../../dev/embedded';
import { issuedCount, provisionJobCount } from './db-counts';

let env: Embedded | undefined;
let home: string | undefined;
afterEach(async () => {
  await env?.stop();
  env = undefined;
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function embedded(): Promise<Embedded> {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-retry-inputs-'));
  env = await startEmbedded({ home, devices: 1, keygenDelayMs: 50, watch: false, reconnectWindowMs: 4000 });
  return env;
}

async function call<T = unknown>(
  method: MethodName,
  params: unknown,
): Promise<{ error?: StationErrorShape; value?: T }> {
  const out = await dispatchCall(env!.station, method, params);
  return out.ok ? { value: out.value as T } : { error: out.error };
}

/** Creates an Account in the emulated org over its REST API; returns its Id. */
async function createAccount(name: string): Promise<string> {
  const v = (await env!.station.getConfig({})).salesforce.apiVersion;
  const res = await fetch(`${env!.org.baseUrl}/services/data/v${v}/sobjects/Account`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env!.org.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ Name: name }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const audited = (action: string) =>
  (
    env!.station.db
      .prepare(`SELECT actor, data FROM audit WHERE action = ? ORDER BY seq`)
      .all(action) as Array<{
      actor: string;
      data: string;
    }>
  ).map((r) => ({ actor: r.actor, data: JSON.parse(r.data) as Record<string, unknown> }));

describe('inputs given on a retry', () => {
  it('a job that failed because the org has no such Account completes on Retry with the Account given', async () => {
    await embedded();
    const [bay] = await env!.station.listBays({});
    const uid = bay!.device!.uid;
    const unknown = '001000000000077AAA';
    // Salesforce does not answer at Start, so pre-flight cannot check the Account (an outage does not hold
    // the line); it answers again before the job reaches its Asset step, which then meets the unknown Account.
    env!.org.faults.serverErrors = 1000;
    const started = await call<Job>('startJob', {
      bayId: bay!.id,
      kind: 'provision',
      inputs: { accountId: unknown },
    });
    env!.org.faults.serverErrors = 0;
    expect(started.error).toBeUndefined();
    const failed = await env!.station.waitForJob(started.value!.id);
    expect(failed.state).toBe('failed');
    expect(failed.steps.find((s) => s.name === 'upsert-asset')?.state).toBe('failed');
    expect(customerRefused(failed)).toBe(true);
    expect(failed.error?.message).toMatch(/Salesforce has no Account with the Id given for this device/);
    expect(failed.error?.remedy).toMatch(/Pick the customer's Account on Retry \(search by name\)/);
    // the setting it names is in the station home's real settings file, named with its path
    expect(failed.error?.remedy).toContain(
      `salesforce.accountId in the station settings file ${path.join(env!.station.home, 'config.json')}`,
    );
    expect(env!.org.assets()).toHaveLength(0);

    // a malformed Account is refused with what to do, and the job is left as it was
    const bad = await call('retryJob', { jobId: failed.id, inputs: { accountId: '003000000000001AAA' } });
    expect(bad.error?.code).toBe('BAD_REQUEST');
    // an Account the org does not have either is refused like at Start (pre-flight), nothing run
    const none = await call('retryJob', { jobId: failed.id, inputs: { accountId: '001000000000088AAA' } });
    expect(none.error?.message).toMatch(/Salesforce has no Account 001000000000088AAA/);
    expect((await env!.station.getJob({ jobId: failed.id })).inputs?.accountId).toBe(unknown);

    // the operator gives the customer's Account on Retry (open bench, no admin PIN: the org refused the old one)
    const retried = await call<Job>('retryJob', {
      jobId: failed.id,
      inputs: { accountId: env!.org.defaultAccountId, workOrder: 'WO-7' },
    });
    expect(retried.error).toBeUndefined();
    const done = await env!.station.waitForJob(failed.id);
    expect(done.state).toBe('succeeded');
    expect(done.inputs).toMatchObject({ accountId: env!.org.defaultAccountId, workOrder: 'WO-7' });
    const assets = env!.org.assets();
    expect(assets).toHaveLength(1);
    expect(assets[0]).toMatchObject({ AccountId: env!.org.defaultAccountId, Device_UID__c: uid });
    // the same job went on: one job, one certificate for the device
    expect(provisionJobCount(env!.station.home, uid)).toBe(1);
    expect(issuedCount(env!.station.home, uid)).toBe(1);
    const [entry] = audited('job.inputs');
    expect(entry?.data.changes).toEqual([
      { key: 'accountId', from: unknown, to: env!.org.defaultAccountId, kind: 'refused' },
      { key: 'workOrder', to: 'WO-7', kind: 'filled' },
    ]);
    expect(entry?.data.authorisedBy).toBeUndefined();
  });

  it('a Start that resumes the failed job (what `asset-station provision --port … --account …` does) takes the Account', async () => {
    await embedded();
    const [bay] = await env!.station.listBays({});
    const uid = bay!.device!.uid;
    env!.org.faults.serverErrors = 1000;
    const started = await env!.station.startJob({
      bayId: bay!.id,
      kind: 'provision',
      inputs: { accountId: '001000000000066AAA', workOrder: 'WO-1' },
    });
    env!.org.faults.serverErrors = 0;
    expect((await env!.station.waitForJob(started.id)).state).toBe('failed');
    // the bench's work order field now shows another lot: a resume keeps the job's own (only an admin changes it)
    const resumed = await env!.station.startJob({
      bayId: bay!.id,
      kind: 'provision',
      inputs: { accountId: env!.org.defaultAccountId, workOrder: 'WO-2' },
    });
    expect(resumed.id).toBe(started.id);
    const done = await env!.station.waitForJob(started.id);
    expect(done.state).toBe('succeeded');
    expect(done.inputs).toMatchObject({ accountId: env!.org.defaultAccountId, workOrder: 'WO-1' });
    expect(env!.org.assets().map((a) => [a.Device_UID__c, a.AccountId])).toEqual([
      [uid, env!.org.defaultAccountId],
    ]);
    const logs = await env!.station.listLog({ text: 'keeps its workOrder WO-1' });
    expect(logs).toHaveLength(1);
  });

  it('a technician cannot replace an Account the org accepted; fills a missing work order; an admin replaces it', async () => {
    await embedded();
    const [bay] = await env!.station.listBays({});
    const other = await createAccount('Globex Field Services');
    expect(
      (await call('addOperator', { login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' }))
        .error,
    ).toBeUndefined();
    await call('signIn', { login: 'boss', secret: '975310' });
    await call('addOperator', { login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' });
    await call('signOut', {});
    await call('signIn', { login: 'tom', secret: '1357' });

    const started = await call<Job>('startJob', {
      bayId: bay!.id,
      kind: 'provision',
      inputs: { accountId: env!.org.defaultAccountId },
    });
    const cancelled = await env!.station.cancelJob({ jobId: started.value!.id });
    expect(cancelled.state).toBe('cancelled');

    // the attack: a technician moves the device to another customer by pressing Retry (the PIN does not help)
    const refused = await call('retryJob', {
      jobId: cancelled.id,
      inputs: { accountId: other },
      adminPin: DEMO_ADMIN_PIN,
    });
    expect(refused.error?.code).toBe('UNAUTHORIZED');
    expect(refused.error?.message).toMatch(
      /only an administrator may change the Account or work order of a job/,
    );
    expect((await env!.station.getJob({ jobId: cancelled.id })).inputs?.accountId).toBe(
      env!.org.defaultAccountId,
    );
    expect(audited('job.inputs')).toHaveLength(0);

    // a missing work order: a technician fills it
    const filled = await call<Job>('retryJob', { jobId: cancelled.id, inputs: { workOrder: 'WO-1' } });
    expect(filled.error).toBeUndefined();
    const cancelledAgain = await env!.station.cancelJob({ jobId: cancelled.id });
    expect(cancelledAgain.inputs).toMatchObject({ workOrder: 'WO-1', accountId: env!.org.defaultAccountId });
    expect(audited('job.inputs').map((e) => e.actor)).toEqual(['tom']);

    // an administrator replaces the Account; the Asset goes to that customer
    await call('signOut', {});
    await call('signIn', { login: 'boss', secret: '975310' });
    expect(
      (await call('retryJob', { jobId: cancelled.id, inputs: { accountId: other } })).error,
    ).toBeUndefined();
    const done = await env!.station.waitForJob(cancelled.id);
    expect(done.state).toBe('succeeded');
    expect(env!.org.assets().map((a) => a.AccountId)).toEqual([other]);
    const last = audited('job.inputs').at(-1)!;
    expect(last).toMatchObject({ actor: 'boss', data: { authorisedBy: 'administrator boss' } });
    expect(last.data.changes).toEqual([
      { key: 'accountId', from: env!.org.defaultAccountId, to: other, kind: 'replaced' },
    ]);
  });
});
