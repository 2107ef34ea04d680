/**
 * The org's identity invariants as the emulator enforces them over raw HTTP (issue 18; salesforce/…/Asset:
 * Key_Fingerprint__c unique and case-insensitive, the validation rule Key_Change_Needs_Reprovision), in the
 * three shapes the station sends an upsert: a single upsert by external ID, an sObject Collections upsert
 * (per-record errors, allOrNone false) and a Composite subrequest; and an org that has not deployed the
 * metadata yet (legacyAssetMetadata): no uniqueness, no approval field, and its describe says so.
 */
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { JWT_KEYS as keys, useOrgEmulator } from './helpers';
import { rawHttp } from './raw-http';

const kf = (c: string) => c.repeat(64);
type Err = Array<{ errorCode: string; message: string; fields: string[] }>;

describe('an org with the identity metadata', () => {
  let emu: OrgEmulator;
  useOrgEmulator({ jwtBearerCertPem: keys.publicPem }, (e) => (emu = e));
  const { call } = rawHttp(() => emu);
  const upsert = (uid: string, body: Record<string, unknown>) =>
    call('PATCH', `/sobjects/Asset/Device_UID__c/${uid}`, {
      Name: uid,
      AccountId: emu.defaultAccountId,
      ...body,
    });

  it('refuses a key registered under another UID (DUPLICATE_VALUE naming the holder, letter case ignored)', async () => {
    const first = await upsert('ID-ORIG', { Key_Fingerprint__c: kf('a') });
    expect(first.status).toBe(201);
    const holder = (first.body as { id: string }).id;
    for (const key of [kf('a'), kf('A')]) {
      const clone = await upsert('ID-CLONE', { Key_Fingerprint__c: key });
      expect(clone.status).toBe(400);
      expect((clone.body as Err)[0]).toMatchObject({
        errorCode: 'DUPLICATE_VALUE',
        message: `duplicate value found: Key_Fingerprint__c duplicates value on record with id: ${holder}`,
      });
    }
    expect(emu.assets().filter((a) => a.Device_UID__c === 'ID-CLONE')).toEqual([]);
    // the same device upserted again with its own key is an update, not a duplicate
    expect((await upsert('ID-ORIG', { Key_Fingerprint__c: kf('a'), Status: 'Installed' })).status).toBe(200);
  });

  it('refuses a key change of an existing Asset unless approved (FIELD_CUSTOM_VALIDATION_EXCEPTION)', async () => {
    expect((await upsert('ID-REKEY', { Key_Fingerprint__c: kf('b') })).status).toBe(201);
    for (const approved of [undefined, false]) {
      const r = await upsert('ID-REKEY', {
        Key_Fingerprint__c: kf('c'),
        ...(approved === undefined ? {} : { Key_Change_Approved__c: approved }),
      });
      expect(r.status).toBe(400);
      expect((r.body as Err)[0]).toMatchObject({
        errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        fields: ['Key_Fingerprint__c'],
      });
      expect((r.body as Err)[0]!.message).toContain('re-provision approved by an admin');
    }
    expect(emu.assets().find((a) => a.Device_UID__c === 'ID-REKEY')!.Key_Fingerprint__c).toBe(kf('b'));
    const ok = await upsert('ID-REKEY', { Key_Fingerprint__c: kf('c'), Key_Change_Approved__c: true });
    expect(ok.status).toBe(200);
    expect(emu.assets().find((a) => a.Device_UID__c === 'ID-REKEY')!.Key_Fingerprint__c).toBe(kf('c'));
    // a blank prior key may be filled without approval (ISBLANK(PRIORVALUE(…)))
    expect((await upsert('ID-BLANK', {})).status).toBe(201);
    expect((await upsert('ID-BLANK', { Key_Fingerprint__c: kf('d') })).status).toBe(200);
  });

  it('sObject Collections: each refused record gets its own error (statusCode), the others are written', async () => {
    expect((await upsert('ID-COLL-A', { Key_Fingerprint__c: kf('e') })).status).toBe(201);
    const rec = (uid: string, key: string) => ({
      attributes: { type: 'Asset' },
      Device_UID__c: uid,
      Name: uid,
      AccountId: emu.defaultAccountId,
      Key_Fingerprint__c: key,
    });
    const r = await call('PATCH', '/composite/sobjects/Asset/Device_UID__c', {
      allOrNone: false,
      records: [rec('ID-COLL-B', kf('e')), rec('ID-COLL-A', kf('f')), rec('ID-COLL-C', kf('1'))],
    });
    expect(r.status).toBe(200);
    const [clone, rekey, fine] = r.body as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>;
    expect(clone).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_VALUE' }] });
    expect(rekey).toMatchObject({
      success: false,
      errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' }],
    });
    expect(fine).toMatchObject({ success: true, created: true });
    expect(emu.assets().map((a) => a.Device_UID__c)).not.toContain('ID-COLL-B');
  });

  it('Composite: the refused upsert subrequest answers 400 with the error; the read after it still runs', async () => {
    expect((await upsert('ID-COMP-A', { Key_Fingerprint__c: kf('2') })).status).toBe(201);
    const r = await call('POST', '/composite', {
      allOrNone: false,
      compositeRequest: [
        {
          method: 'PATCH',
          url: '/services/data/v62.0/sobjects/Asset/Device_UID__c/ID-COMP-B',
          referenceId: 'upsert',
          body: { Name: 'b', AccountId: emu.defaultAccountId, Key_Fingerprint__c: kf('2') },
        },
        {
          method: 'GET',
          url: `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id, Device_UID__c FROM Asset WHERE Key_Fingerprint__c = '${kf('2')}'`)}`,
          referenceId: 'check',
        },
      ],
    });
    const [up, check] = (r.body as { compositeResponse: Array<{ httpStatusCode: number; body: unknown }> })
      .compositeResponse;
    expect(up).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'DUPLICATE_VALUE' }] });
    expect(check!.httpStatusCode).toBe(200);
    expect((check!.body as { records: Array<{ Device_UID__c: string }> }).records).toEqual([
      expect.objectContaining({ Device_UID__c: 'ID-COMP-A' }),
    ]);
  });

  it('describe reports Key_Fingerprint__c unique and case-insensitive, and the approval checkbox', async () => {
    const d = (await call('GET', '/sobjects/Asset/describe')).body as {
      fields: Array<{ name: string; unique: boolean; caseSensitive: boolean; type: string }>;
    };
    const f = (n: string) => d.fields.find((x) => x.name === n);
    expect(f('Key_Fingerprint__c')).toMatchObject({ unique: true, caseSensitive: false });
    expect(f('Device_UID__c')).toMatchObject({ unique: true, caseSensitive: true });
    expect(f('Key_Change_Approved__c')).toMatchObject({ type: 'boolean' });
  });
});

describe('an org that has not deployed the identity metadata', () => {
  let emu: OrgEmulator;
  useOrgEmulator({ jwtBearerCertPem: keys.publicPem, legacyAssetMetadata: true }, (e) => (emu = e));
  const { call } = rawHttp(() => emu);

  it('keeps a shared key and a changed key, has no approval field, and its describe says so', async () => {
    const up = (uid: string, body: Record<string, unknown>) =>
      call('PATCH', `/sobjects/Asset/Device_UID__c/${uid}`, {
        Name: uid,
        AccountId: emu.defaultAccountId,
        ...body,
      });
    expect((await up('OLD-1', { Key_Fingerprint__c: kf('a') })).status).toBe(201);
    expect((await up('OLD-2', { Key_Fingerprint__c: kf('a') })).status).toBe(201);
    expect((await up('OLD-1', { Key_Fingerprint__c: kf('b') })).status).toBe(200);
    const field = await up('OLD-3', { Key_Change_Approved__c: false });
    expect((field.body as Err)[0]!.errorCode).toBe('INVALID_FIELD');
    const d = (await call('GET', '/sobjects/Asset/describe')).body as {
      fields: Array<{ name: string; unique: boolean }>;
    };
    expect(d.fields.find((x) => x.name === 'Key_Fingerprint__c')!.unique).toBe(false);
    expect(d.fields.map((x) => x.name)).not.toContain('Key_Change_Approved__c');
  });
});
