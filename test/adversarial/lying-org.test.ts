/**
 * Attack: the org's word. An upsert is answered with ANOTHER record's Id (the emulator's `otherAssetId`
 * switch plays the lying org). The station must check the answer in the same round trip (one Composite
 * call: upsert + read by external ID), refuse with ORG_INCONSISTENT and write no Asset ID to the device;
 * with an honest answer the same job finishes. Real station, PTY devices, org emulator over HTTP.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmbedded, type Embedded } from '../../dev/embedded';
import { caught, facts, orgClientSuite } from '../integration/salesforce/helpers';
import { readCheckedUpsert } from '../../core/salesforce/asset-answer';
import { buildAssetFields, DEFAULT_FIELD_MAP } from '../../core/salesforce';
import { defaultConfig } from '../../core/config';

const envs: Embedded[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (envs.length) await envs.pop()!.stop();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

const suite = orgClientSuite();

describe('adversarial: the org answers an upsert with another record', () => {
  it('the station refuses ORG_INCONSISTENT, writes nothing to the device; an honest answer then finishes', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-org-'));
    dirs.push(home);
    const env = await startEmbedded({ home, devices: 1, keygenDelayMs: 50, watch: false });
    envs.push(env);
    const victim = env.org.seedAsset({
      Name: 'someone else',
      AccountId: env.org.defaultAccountId,
      Device_UID__c: 'OTHER-0001',
    });
    env.org.faults.otherAssetId = 1000;
    const [bay] = await env.station.listBays({});
    const uid = bay!.device!.uid;
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('ORG_INCONSISTENT');
    expect(job.error?.message).toContain(victim.Id);
    expect(job.error?.message).toMatch(/No Asset ID was written to the device/);
    expect(job.error?.remedy).toMatch(/Retry/);
    expect(job.steps.find((s) => s.name === 'upsert-asset')?.state).toBe('failed');
    expect(env.sim.device(uid).snapshot().assetId).toBeUndefined();

    env.org.faults.otherAssetId = 0;
    const ok = await env.station.waitForJob((await env.station.retryJob({ jobId: job.id })).id);
    expect(ok.state).toBe('succeeded');
    const own = env.org.assets().find((a) => a.Device_UID__c === uid)!;
    expect(env.sim.device(uid).snapshot().assetId).toBe(own.Id);
    expect(own.Id).not.toBe(victim.Id);
  }, 90_000);

  it('one lie in a Collections batch fails only that device, in one REST call', async () => {
    const { client } = await suite.jwtClient();
    suite.emu.seedAsset({ Name: 'x', AccountId: suite.emu.defaultAccountId, Device_UID__c: 'LIE-OTHER' });
    suite.emu.faults.otherAssetId = 1; // the first record's answer names another Asset
    const out = await client.upsertAssets([facts('LIE-1'), facts('LIE-2'), facts('LIE-3')]);
    expect(client.stats.restCalls).toBe(1);
    expect(out[0]).toMatchObject({ ok: false, error: { code: 'ORG_INCONSISTENT' } });
    const ids = suite.emu.assets();
    for (const [i, uid] of [
      [1, 'LIE-2'],
      [2, 'LIE-3'],
    ] as const) {
      expect(out[i]).toMatchObject({ ok: true, id: ids.find((a) => a.Device_UID__c === uid)!.Id });
    }
  });

  it('a single upsert answered with another Id is refused; the honest answer is accepted, one call each', async () => {
    const { client } = await suite.jwtClient();
    suite.emu.faults.otherAssetId = 1;
    const e = await caught(client.upsertAsset(facts('LIE-SINGLE')));
    expect(e.code).toBe('ORG_INCONSISTENT');
    expect(e.details).toMatchObject({ deviceUid: 'LIE-SINGLE' });
    expect(client.stats.restCalls).toBe(1);
    const r = await client.upsertAsset(facts('LIE-SINGLE'));
    expect(r.id).toBe(suite.emu.assets().find((a) => a.Device_UID__c === 'LIE-SINGLE')!.Id);
    expect(client.stats.restCalls).toBe(2);
  });
});

describe('the org-answer check on crafted Composite answers', () => {
  const f = { ext: 'Device_UID__c', map: DEFAULT_FIELD_MAP };
  const sf = { ...defaultConfig().salesforce, accountId: '001000000000001AAA' };
  const mine = facts('CRAFT-1');
  const ups = [{ facts: mine, fields: buildAssetFields(sf, mine) }];
  const ID = '02i000000000001AAA';
  const answer = (upBody: unknown, status: number, records: unknown[]) => ({
    compositeResponse: [
      { body: upBody, httpStatusCode: status, referenceId: 'upsert' },
      { body: { totalSize: records.length, done: true, records }, httpStatusCode: 200, referenceId: 'check' },
    ],
  });
  const row = (over: Record<string, unknown> = {}) => ({
    Id: ID,
    Device_UID__c: 'CRAFT-1',
    Key_Fingerprint__c: mine.keyFingerprint,
    ...over,
  });
  const one = (res: unknown) => readCheckedUpsert(res, ups, f, 'upsert')[0]!;

  it('accepts the answer naming the record read back (also a 15-character Id, and a 204 without body)', () => {
    expect(one(answer({ id: ID, success: true, created: true }, 201, [row()]))).toEqual({
      ok: true,
      id: ID,
      created: true,
    });
    expect(one(answer({ id: ID.slice(0, 15), success: true }, 200, [row()]))).toMatchObject({
      ok: true,
      id: ID,
    });
    expect(one(answer(null, 204, [row()]))).toMatchObject({ ok: true, id: ID, created: false });
  });

  it.each([
    ['another Id', { id: '02i000000000002AAA', success: true }, [row()], /names Asset 02i000000000002AAA/],
    ['no record with the external ID', { id: ID, success: true }, [], /no Asset carries its external ID/],
    [
      'the record lacks the key fingerprint just written',
      { id: ID, success: true },
      [row({ Key_Fingerprint__c: 'f'.repeat(64) })],
      /does not carry the key fingerprint/,
    ],
    ['a malformed Id', { id: '02i<script>', success: true }, [row()], /names Asset/],
  ])('refuses %s with ORG_INCONSISTENT', (_what, upBody, records, message) => {
    const r = one(answer(upBody, 200, records));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('ORG_INCONSISTENT');
      expect(r.error.message).toMatch(message);
    }
  });

  it('a failed read fails the upsert it should have checked; a body that is not Composite is refused', () => {
    const r = one({
      compositeResponse: [
        { body: { id: ID, success: true }, httpStatusCode: 200, referenceId: 'upsert' },
        {
          body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'x' }],
          httpStatusCode: 503,
          referenceId: 'check',
        },
      ],
    });
    expect(r.ok).toBe(false);
    expect(() => one({ id: ID })).toThrow(/unexpected body/);
  });
});
