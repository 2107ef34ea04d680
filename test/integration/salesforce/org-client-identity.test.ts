/**
 * The OrgClient against the org's identity rules (issue 18; core/salesforce/identity-rules.ts): it reads
 * whether the org enforces them from the Asset describe, writes Key_Change_Approved__c only where the org
 * has it (an older package refuses the unknown field once, then the station stops sending it), and a key
 * change of a registered device passes the org only with an admin's approval.
 */
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { caught, facts, jwtClient, JWT_KEYS, keyFingerprint, useOrgEmulator } from './helpers';

describe('an org with the identity metadata', () => {
  let emu: OrgEmulator;
  useOrgEmulator({ jwtBearerCertPem: JWT_KEYS.publicPem }, (e) => (emu = e));

  it('reports the rules enforced; a new key for a registered UID needs the approval, a clone is refused', async () => {
    const { client } = await jwtClient(emu);
    expect(await client.identityRules()).toEqual({ enforced: true });
    await client.upsertAsset(facts('ID-1', 'key-1'));
    const calls = client.stats.restCalls;
    const rekey = await caught(client.upsertAsset(facts('ID-1', 'key-2')));
    expect(rekey.code).toBe('REPROVISION_REQUIRED');
    expect(rekey.details).toMatchObject({
      sfCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      reason: 'uid-has-other-key',
      enforcedBy: 'org',
    });
    expect(rekey.message).toContain('already registered');
    expect(emu.assets().find((a) => a.Device_UID__c === 'ID-1')!.Key_Fingerprint__c).toBe(
      keyFingerprint('key-1'),
    );
    const approved = await client.upsertAsset({ ...facts('ID-1', 'key-2'), keyChangeApproved: true });
    expect(approved.created).toBe(false);
    const rec = emu.assets().find((a) => a.Device_UID__c === 'ID-1')!;
    expect([rec.Key_Fingerprint__c, rec.Key_Change_Approved__c]).toEqual([keyFingerprint('key-2'), true]);
    // the next ordinary upsert clears the approval again
    await client.upsertAsset(facts('ID-1', 'key-2'));
    expect(emu.assets().find((a) => a.Device_UID__c === 'ID-1')!.Key_Change_Approved__c).toBe(false);
    expect(client.stats.restCalls - calls).toBe(3); // one Composite each, nothing else
    const clone = await caught(client.upsertAsset(facts('ID-CLONE', 'key-2')));
    expect(clone.code).toBe('CLONE_SUSPECTED');
    expect(clone.details).toMatchObject({
      sfCode: 'DUPLICATE_VALUE',
      otherUid: 'ID-1',
      otherAssetId: rec.Id,
    });
    expect(clone.message).toContain('UID ID-1');
    expect(emu.assets().some((a) => a.Device_UID__c === 'ID-CLONE')).toBe(false);
  });

  it('a Collections batch: the clone and the re-keyed UID fail alone, named; the others are registered, one call', async () => {
    const { client } = await jwtClient(emu);
    await client.upsertAssets([facts('B-ORIG', 'b-key'), facts('B-REKEY', 'b-old')]);
    const calls = client.stats.restCalls;
    const out = await client.upsertAssets([
      facts('B-CLONE', 'b-key'),
      facts('B-REKEY', 'b-new'),
      facts('B-FINE', 'b-fine'),
    ]);
    expect(client.stats.restCalls - calls).toBe(1);
    expect(out[0]).toMatchObject({
      ok: false,
      error: { code: 'CLONE_SUSPECTED', details: { otherUid: 'B-ORIG' } },
    });
    expect(out[1]).toMatchObject({ ok: false, error: { code: 'REPROVISION_REQUIRED' } });
    expect(out[2]).toMatchObject({ ok: true, created: true });
    expect(emu.assets().some((a) => a.Device_UID__c === 'B-CLONE')).toBe(false);
  });
});

describe('an org that has not deployed the identity metadata', () => {
  let emu: OrgEmulator;
  useOrgEmulator({ jwtBearerCertPem: JWT_KEYS.publicPem, legacyAssetMetadata: true }, (e) => (emu = e));

  it('reports what is missing; the checkbox is dropped after the first refusal and never sent again', async () => {
    const { client } = await jwtClient(emu);
    const first = await client.upsertAsset(facts('OLD-1', 'key-1'));
    expect(first.created).toBe(true);
    expect(client.stats.restCalls).toBe(2); // refused once for the unknown field, then without it
    const batch = await client.upsertAssets([facts('OLD-2', 'key-2'), facts('OLD-3', 'key-3')]);
    expect(batch.every((o) => o.ok)).toBe(true);
    expect(client.stats.restCalls).toBe(3);
    const rules = await client.identityRules();
    expect(rules.enforced).toBe(false);
    expect(rules.missing).toMatch(/Key_Fingerprint__c is not unique.*Key_Change_Approved__c is missing/);
    // a fresh session that read the describe first never sends the checkbox
    const { client: c2 } = await jwtClient(emu);
    await c2.identityRules();
    const before = c2.stats.restCalls;
    await c2.upsertAsset(facts('OLD-4', 'key-4'));
    expect(c2.stats.restCalls - before).toBe(1);
  });
});
