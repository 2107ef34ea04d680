/**
 * OrgClient's Asset records against the org emulator over real HTTP on 127.0.0.1: upsert create / update /
 * 300, refusals before any call, Collections batching and the coalescing of several bays' calls, the
 * clone check, and the daily API limit.
 */
import { describe, expect, it } from 'vitest';
import { startOrgEmulator } from '../../../sim/org';
import { OrgClient } from '../../../core/salesforce';
import { toPort } from '../../../core/salesforce/station-org';
import { SECRET_NAMES } from '../../../core/secrets';
import { orgClientSuite } from './helpers';

const suite = orgClientSuite();
const { jwtClient, keys, caught, facts, keyFingerprint, sfConfig, storeWithJwtKey } = suite;

describe('JWT bearer login and Asset upsert', () => {
  it('creates the Asset once (201), then updates it (200) — a retry never duplicates', async () => {
    const { client, secrets } = await jwtClient();
    expect(JSON.parse((await secrets.get(SECRET_NAMES.orgAccessToken))!).flow).toBe('jwt');
    const uid = 'AS:01+ab?#%&é'.replace('é', 'e'); // characters that must be URL-encoded
    const first = await client.upsertAsset(facts(uid));
    expect(first.created).toBe(true);
    const again = await client.upsertAsset({ ...facts(uid), firmware: '1.2.4' });
    expect(again).toEqual({ id: first.id, created: false });
    const stored = suite.emu.assets().filter((a) => a.Device_UID__c === uid);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      Name: `AS-SIM-1 ${uid}`,
      SerialNumber: uid,
      AccountId: suite.emu.defaultAccountId,
      Product2Id: suite.emu.productIds['AS-SENSOR-1'],
      Status: 'Registered',
      Firmware_Version__c: '1.2.4',
      Key_Fingerprint__c: keyFingerprint(uid),
      Station_Id__c: 'station-test',
      Provisioned_By__c: 'tester',
    });
    expect(client.stats.restCalls).toBe(2);
    const read = await client.findAssetByUid(uid);
    expect(read).toMatchObject({
      id: first.id,
      deviceUid: uid,
      keyFingerprint: keyFingerprint(uid),
      firmware: '1.2.4',
    });
    expect(await client.findAssetByUid('NOT-THERE')).toBeUndefined();
    const st = client.status();
    expect(st).toMatchObject({ connected: true, username: suite.emu.adminUsername, orgId: suite.emu.orgId });
    expect(st.apiUsage!.limit).toBe(100_000);
    expect(st.apiUsage!.used).toBeGreaterThan(0);
  });

  it('refuses bad input before any call: no Account/Contact, bad UID', async () => {
    const { client } = await jwtClient({ accountId: undefined });
    const e = await caught(client.upsertAsset(facts('NO-ACCOUNT-1')));
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.remedy).toMatch(/accountId/);
    const bad = await caught(client.upsertAsset(facts('has/slash')));
    expect(bad.code).toBe('BAD_REQUEST');
    const space = await caught(client.upsertAsset(facts('has space')));
    expect(space.code).toBe('BAD_REQUEST');
    expect(client.stats.restCalls).toBe(0);
    // a per-job Contact is enough
    const ok = await client.upsertAsset({
      ...facts('CONTACT-ONLY-1'),
      contactId: suite.emu.defaultContactId,
    });
    expect(ok.created).toBe(true);
  });

  it('maps an unknown mapped field (INVALID_FIELD) to ORG_CONFIG and a 300 to ORG_DUPLICATE without writing', async () => {
    const { client } = await jwtClient(
      {},
      {
        fieldMap: {
          ...(await import('../../../core/salesforce')).DEFAULT_FIELD_MAP,
          firmware: 'Nope__c',
        },
      },
    );
    const e = await caught(client.upsertAsset(facts('FIELD-1')));
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.details?.sfCode).toBe('INVALID_FIELD');

    const { client: c2 } = await jwtClient();
    suite.emu.seedAsset({
      Name: 'legacy a',
      AccountId: suite.emu.defaultAccountId,
      Device_UID__c: 'DUP-300',
    });
    suite.emu.seedAsset({
      Name: 'legacy b',
      AccountId: suite.emu.defaultAccountId,
      Device_UID__c: 'DUP-300',
    });
    const before = suite.emu.assets().length;
    const d = await caught(c2.upsertAsset(facts('DUP-300')));
    expect(d.code).toBe('ORG_DUPLICATE');
    expect((d.details?.assetIds as string[]).length).toBe(2);
    expect(suite.emu.assets().length).toBe(before);
    expect((await caught(c2.findAssetByUid('DUP-300'))).code).toBe('ORG_DUPLICATE');
  });
});

describe('Collections batching', () => {
  it('upserts several devices in one call and maps per-record statusCode errors', async () => {
    const { client } = await jwtClient();
    const uids = ['BATCH-1', 'BATCH-2', 'BATCH-3', 'BATCH-4', 'BATCH-5'];
    const out = await client.upsertAssets(uids.map((u) => facts(u)));
    expect(client.stats.restCalls).toBe(1);
    expect(out.every((o) => o.ok && o.created)).toBe(true);
    suite.emu.faults.duplicateValue = 1; // the first record of the next call fails
    const again = await client.upsertAssets([
      ...uids.map((u) => facts(u)),
      { ...facts('BATCH-6'), deviceUid: 'bad uid' },
    ]);
    // the Collections call, then the look-up that finds the DUPLICATE_VALUE is not this device's own Asset
    expect(client.stats.restCalls).toBe(3);
    expect(again[0]!.ok).toBe(false);
    if (!again[0]!.ok) expect(again[0]!.error.code).toBe('ORG_DUPLICATE');
    expect(again.slice(1, 5).every((o) => o.ok && !o.created)).toBe(true);
    const last = again[5]!;
    expect(last.ok ? 'ok' : last.error.code).toBe('BAD_REQUEST'); // refused before the call
    expect(suite.emu.assets().filter((a) => String(a.Device_UID__c).startsWith('BATCH-'))).toHaveLength(5);
  });

  it('coalesces concurrent upserts from several bays within the window into one call', async () => {
    const { client } = await jwtClient();
    const b = client.batcher({ windowMs: 50 });
    const results = await Promise.all(['BAY-1', 'BAY-2', 'BAY-3', 'BAY-4'].map((u) => b.upsert(facts(u))));
    expect(client.stats.restCalls).toBe(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(4);
    const single = await b.upsert(facts('BAY-1'));
    expect(single).toEqual({ id: results[0]!.id, created: false });
    expect(client.stats.restCalls).toBe(2);
  });
  it('coalesces the clone checks and read-backs of several bays into one query each', async () => {
    const { client } = await jwtClient();
    await client.upsertAsset(facts('LOOK-A', 'look-key-a'));
    const base = client.stats.restCalls;
    const l = client.lookups({ windowMs: 50 });
    const checks = await Promise.allSettled([
      l.checkClone({ deviceUid: 'LOOK-A', keyFingerprint: keyFingerprint('look-key-a'), reprovision: false }),
      l.checkClone({ deviceUid: 'LOOK-B', keyFingerprint: keyFingerprint('look-key-b'), reprovision: false }),
      l.checkClone({
        deviceUid: 'LOOK-CLONE',
        keyFingerprint: keyFingerprint('look-key-a'),
        reprovision: false,
      }),
    ]);
    expect(client.stats.restCalls - base).toBe(1);
    expect(checks[0]).toMatchObject({
      status: 'fulfilled',
      value: { existingAssetId: expect.stringMatching(/^02i/) },
    });
    expect(checks[1]).toEqual({ status: 'fulfilled', value: {} });
    expect(checks[2]).toMatchObject({ status: 'rejected', reason: { code: 'CLONE_SUSPECTED' } });
    const found = await Promise.all(['LOOK-A', 'LOOK-B'].map((u) => l.findAssetByUid(u)));
    expect(client.stats.restCalls - base).toBe(2);
    expect(found[0]?.keyFingerprint).toBe(keyFingerprint('look-key-a'));
    expect(found[1]).toBeUndefined();
  });
});

describe('batches that wait for the bays still heading for the call (issue 18)', () => {
  it('bays arriving 100 ms apart share one query and one Collections call; a lone bay never waits', async () => {
    const { client } = await jwtClient();
    const sf = () => sfConfig(suite.emu);
    let ahead = 3;
    const port = toPort(client, sf, { notPast: () => ahead });
    const base = client.stats.restCalls;
    const later = <T>(ms: number, f: () => Promise<T>) =>
      new Promise<T>((resolve, reject) => setTimeout(() => f().then(resolve, reject), ms));
    const uids = ['WAIT-1', 'WAIT-2', 'WAIT-3'];
    const portFacts = (u: string) => ({ ...facts(u, u), firmware: '1', provisionedBy: 'op' });
    const checks = await Promise.all(
      uids.map((u, i) =>
        later(i * 100, () =>
          port.checkClone({ deviceUid: u, keyFingerprint: keyFingerprint(u), reprovision: false }),
        ),
      ),
    );
    expect(checks).toEqual([{}, {}, {}]);
    expect(client.stats.restCalls - base).toBe(1);
    const ups = await Promise.all(uids.map((u, i) => later(i * 100, () => port.upsertAsset(portFacts(u)))));
    expect(new Set(ups.map((u) => u.id)).size).toBe(3);
    expect(client.stats.restCalls - base).toBe(2);
    ahead = 1;
    await port.upsertAsset(portFacts('WAIT-ALONE'));
    expect(client.stats.restCalls - base).toBe(3);
  });
});

describe('clone check', () => {
  it('refuses a key under another UID and a UID with another key unless re-provisioning', async () => {
    const { client } = await jwtClient();
    await client.upsertAsset(facts('CLONE-A', 'key-a'));
    const check = (deviceUid: string, key: string, reprovision = false) =>
      client.checkClone({ deviceUid, keyFingerprint: keyFingerprint(key), reprovision });
    expect(await check('CLONE-NEW', 'fresh')).toEqual({});
    const clone = await caught(check('CLONE-B', 'key-a'));
    expect(clone.code).toBe('CLONE_SUSPECTED');
    expect(clone.details?.reason).toBe('key-under-other-uid');
    const rekeyed = await caught(check('CLONE-A', 'key-z'));
    expect(rekeyed.code).toBe('REPROVISION_REQUIRED');
    expect(rekeyed.details?.reason).toBe('uid-has-other-key');
    expect((await check('CLONE-A', 'key-z', true)).reprovisioned).toBe(true);
    expect((await check('CLONE-A', 'key-a')).existingAssetId).toMatch(/^02i/);
    expect(client.stats.restCalls).toBe(6); // 1 upsert + one query per check
  });
});

describe('daily API limit', () => {
  it('stops at the reserve before the org refuses, and maps REQUEST_LIMIT_EXCEEDED', async () => {
    const limited = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, dailyLimit: 100 });
    try {
      const secrets = await storeWithJwtKey(keys.privatePem);
      const client = await OrgClient.loginWithJwtBearer(sfConfig(limited), secrets, { apiReserve: 10 });
      limited.setApiUsage(88);
      await client.upsertAsset(facts('LIM-1')); // → 89/100
      await client.upsertAsset(facts('LIM-2')); // → 90/100: at the reserve
      const e = await caught(client.upsertAsset(facts('LIM-3')));
      expect(e.code).toBe('ORG_LIMIT');
      expect(e.details).toMatchObject({ used: 90, limit: 100, reserve: 10 });
      expect(limited.stats().apiUsed).toBe(90); // the station stopped itself
      const noReserve = await OrgClient.fromSecrets(sfConfig(limited), secrets, { apiReserve: 0 });
      limited.setApiUsage(100);
      const hard = await caught(noReserve.upsertAsset(facts('LIM-3')));
      expect(hard.code).toBe('ORG_LIMIT');
      expect(hard.details?.sfCode).toBe('REQUEST_LIMIT_EXCEEDED');
    } finally {
      await limited.stop();
    }
  });
});
