/**
 * DUPLICATE_VALUE and HTTP 300 on an Asset upsert (core/salesforce/asset-duplicate.ts), and the Asset field
 * lengths refused before any call (core/salesforce/asset-limits.ts), against the org emulator over real HTTP.
 */
import { describe, expect, it } from 'vitest';
import { orgClientSuite } from './helpers';

const suite = orgClientSuite();
const { jwtClient, caught, facts, keyFingerprint } = suite;
const withUid = (uid: string) => suite.emu.assets().filter((a) => a.Device_UID__c === uid);

describe('DUPLICATE_VALUE and 300 resolve to the device’s own Asset only when unambiguous', () => {
  it('DUPLICATE_VALUE naming the Asset that carries this UID and key (a lost race): that Asset, updated', async () => {
    const { client } = await jwtClient();
    const first = await client.upsertAsset(facts('DUP-OWN-1'));
    suite.emu.faults.duplicateValueOwn = 1;
    const again = await client.upsertAsset({ ...facts('DUP-OWN-1'), firmware: '9.9.9' });
    expect(again).toEqual({ id: first.id, created: false });
    expect(suite.emu.faults.duplicateValueOwn).toBe(0); // the fault was met
    expect(withUid('DUP-OWN-1')).toHaveLength(1);
    expect(withUid('DUP-OWN-1')[0]!.Firmware_Version__c).toBe('9.9.9');
  });

  it('DUPLICATE_VALUE for an Asset with this UID but another key: ORG_DUPLICATE naming it, nothing written', async () => {
    const { client } = await jwtClient();
    const first = await client.upsertAsset(facts('DUP-OWN-2', 'other-key'));
    suite.emu.faults.duplicateValueOwn = 1;
    const e = await caught(client.upsertAsset({ ...facts('DUP-OWN-2'), firmware: '9.9.9' }));
    expect(e.code).toBe('ORG_DUPLICATE');
    expect(e.details?.assetIds).toEqual([first.id]);
    expect(e.message).toContain(first.id);
    expect(e.remedy).toMatch(/merge or delete/);
    expect(withUid('DUP-OWN-2')[0]).toMatchObject({
      Key_Fingerprint__c: keyFingerprint('other-key'),
      Firmware_Version__c: '1.2.3',
    });
  });

  it('DUPLICATE_VALUE naming another record (e.g. a unique serial elsewhere): ORG_DUPLICATE with both Ids', async () => {
    const { client } = await jwtClient();
    const mine = await client.upsertAsset(facts('DUP-OTHER-1'));
    suite.emu.faults.duplicateValue = 1; // names 02i000000000000AAA
    const e = await caught(client.upsertAsset(facts('DUP-OTHER-1')));
    expect(e.code).toBe('ORG_DUPLICATE');
    expect(e.details?.assetIds).toEqual(['02i000000000000AAA', mine.id]);
  });

  it('300 where exactly one of the Assets carries this device’s key: that one, updated; no new Asset', async () => {
    const { client } = await jwtClient();
    const ours = suite.emu.seedAsset({
      Name: 'ours',
      AccountId: suite.emu.defaultAccountId,
      Device_UID__c: 'DUP-300-MINE',
      Key_Fingerprint__c: keyFingerprint('DUP-300-MINE'),
    });
    suite.emu.seedAsset({
      Name: 'placeholder',
      AccountId: suite.emu.defaultAccountId,
      Device_UID__c: 'DUP-300-MINE',
    });
    const r = await client.upsertAsset(facts('DUP-300-MINE'));
    expect(r).toEqual({ id: ours.Id, created: false });
    expect(withUid('DUP-300-MINE')).toHaveLength(2);
    expect(withUid('DUP-300-MINE').find((a) => a.Id === ours.Id)!.Name).toBe('AS-SIM-1 DUP-300-MINE');
  });

  it('300 where both Assets carry this key: ORG_DUPLICATE with both Ids', async () => {
    const { client } = await jwtClient();
    const kf = keyFingerprint('DUP-300-BOTH');
    const a = suite.emu.seedAsset({
      Name: 'a',
      AccountId: suite.emu.defaultAccountId,
      Device_UID__c: 'DUP-300-BOTH',
      Key_Fingerprint__c: kf,
    });
    const b = suite.emu.seedAsset({
      Name: 'b',
      AccountId: suite.emu.defaultAccountId,
      Device_UID__c: 'DUP-300-BOTH',
      Key_Fingerprint__c: kf,
    });
    const e = await caught(client.upsertAsset(facts('DUP-300-BOTH')));
    expect(e.code).toBe('ORG_DUPLICATE');
    expect([...(e.details?.assetIds as string[])].sort()).toEqual([a.Id, b.Id].sort());
  });

  it('in a Collections batch, a lost race resolves per record and the others are untouched', async () => {
    const { client } = await jwtClient();
    await client.upsertAssets([facts('DUP-B-1'), facts('DUP-B-2')]);
    suite.emu.faults.duplicateValueOwn = 1;
    const out = await client.upsertAssets([facts('DUP-B-1'), facts('DUP-B-2')]);
    expect(out.map((o) => o.ok && !o.created)).toEqual([true, true]);
    expect(withUid('DUP-B-1')).toHaveLength(1);
  });
});

describe('Asset field lengths are decided before any call: refused with field, limit and value, never cut', () => {
  const cases: Array<[string, (f: ReturnType<typeof facts>) => ReturnType<typeof facts>, string, number]> = [
    ['Name', (f) => ({ ...f, model: 'M'.repeat(256 - ' LEN-1'.length) }), 'Name', 255],
    ['SerialNumber', (f) => ({ ...f, serialNumber: 'S'.repeat(81) }), 'SerialNumber', 80],
    ['firmware', (f) => ({ ...f, firmware: 'v'.repeat(65) }), 'Firmware_Version__c', 64],
    ['station ID', (f) => ({ ...f, stationId: 's'.repeat(65) }), 'Station_Id__c', 64],
    ['operator', (f) => ({ ...f, provisionedBy: 'o'.repeat(129) }), 'Provisioned_By__c', 128],
    ['certificate serial', (f) => ({ ...f, certSerial: 'a'.repeat(65) }), 'Cert_Serial__c', 64],
    // 40 emoji = 40 characters on screen but 80 UTF-16 code units, + 1 → 81 > 80
    ['SerialNumber with emoji', (f) => ({ ...f, serialNumber: `${'📦'.repeat(40)}x` }), 'SerialNumber', 80],
  ];
  for (const [label, edit, field, limit] of cases) {
    it(`${label}: one over the limit is refused (${field} ≤ ${limit}), with no REST call`, async () => {
      const { client } = await jwtClient();
      const calls = client.stats.restCalls;
      const e = await caught(client.upsertAsset(edit(facts('LEN-1'))));
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.details).toMatchObject({ field, limit });
      expect((e.details as { length: number }).length).toBe(limit + 1);
      expect(e.message).toContain(`at most ${limit}`);
      expect(e.message).toContain('Nothing was sent');
      expect(client.stats.restCalls).toBe(calls);
    });
  }

  it('exactly at the limit is accepted and stored whole (255-character Name, 80-unit serial with emoji)', async () => {
    const { client } = await jwtClient();
    const f = { ...facts('LEN-2'), model: 'M'.repeat(255 - ' LEN-2'.length), serialNumber: '📦'.repeat(40) };
    await client.upsertAsset(f);
    const stored = withUid('LEN-2')[0]!;
    expect(String(stored.Name)).toHaveLength(255);
    expect(stored.SerialNumber).toBe('📦'.repeat(40));
  });
});
