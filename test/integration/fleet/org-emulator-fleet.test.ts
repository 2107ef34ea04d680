/**
 * The org emulator's fleet-evidence side (docs/salesforce-setup.md §6, §9, §10): it runs the shared
 * asset-token rules on every exchange (quarantine + alert, like the Apex handler), keeps the org-written
 * identity fields read-only to stations, and enforces the chain-head rule (`Head_Cannot_Go_Back`).
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { useOrgEmulator } from '../salesforce/helpers';
import { rawHttp } from '../salesforce/raw-http';

let emu: OrgEmulator;
useOrgEmulator({}, (e) => (emu = e));
const { call, token } = rawHttp(() => emu);

/** SHA-256 of the SPKI DER, lowercase hex: the Key_Fingerprint__c rule (docs/salesforce-setup.md §6.2). */
const spkiFingerprint = (k: crypto.KeyObject) =>
  crypto
    .createHash('sha256')
    .update(k.export({ format: 'der', type: 'spki' }))
    .digest('hex');

/** A device-signed RS256 actor token for `did` over `key`, linking Asset `assetId`. */
function actorToken(did: string, key: crypto.KeyPairKeyObjectResult, assetId: string): string {
  const jwk = key.publicKey.export({ format: 'jwk' });
  const h = Buffer.from('{"alg":"RS256"}').toString('base64url');
  const p = Buffer.from(JSON.stringify({ did, Name: did, Asset: { Id: assetId }, cnf: { jwk } })).toString(
    'base64url',
  );
  const sig = crypto.sign('sha256', Buffer.from(`${h}.${p}`), key.privateKey).toString('base64url');
  return `${h}.${p}.${sig}`;
}

async function exchange(actor: string) {
  return token({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: emu.accessToken,
    actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    actor_token: actor,
  });
}

async function registerAsset(uid: string, key: crypto.KeyPairKeyObjectResult): Promise<string> {
  const r = await call('PATCH', `/sobjects/Asset/Device_UID__c/${uid}`, {
    Name: uid,
    AccountId: emu.defaultAccountId,
    Key_Fingerprint__c: spkiFingerprint(key.publicKey),
  });
  expect(r.status).toBe(201);
  return (r.body as { id: string }).id;
}

describe('org-side asset-token check in the emulator', () => {
  it('a genuine exchange passes: no alert, the Asset stays Registered', async () => {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = await registerAsset('FLEET-OK-1', key);
    const before = emu.records('Asset_Identity_Alert__c').length;
    expect((await exchange(actorToken('FLEET-OK-1', key, id))).status).toBe(200);
    const ev = emu.tokenEvents().find((e) => e.DeviceId === 'FLEET-OK-1')!;
    expect(ev.Verdict).toEqual({ ok: true, reasonCodes: '', quarantined: [] });
    expect(emu.records('Asset_Identity_Alert__c')).toHaveLength(before);
    expect(emu.assets().find((a) => a.Id === id)!.Identity_Status__c).toBeUndefined();
  });

  it('a clone exchange (same key, other UID, linked to the original Asset) quarantines it and records an alert', async () => {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = await registerAsset('FLEET-ORIG-1', key);
    // the clone presents the original's key under its own UID, and links the original's Asset
    expect((await exchange(actorToken('FLEET-CLONE-1', key, id))).status).toBe(200);
    const ev = emu.tokenEvents().find((e) => e.DeviceId === 'FLEET-CLONE-1')!;
    expect(ev.Verdict!.ok).toBe(false);
    expect(ev.Verdict!.reasonCodes.split(',')).toEqual(
      expect.arrayContaining(['DEVICE_NOT_REGISTERED', 'KEY_REGISTERED_TO_OTHER_DEVICE']),
    );
    const orig = emu.assets().find((a) => a.Id === id)!;
    expect(orig.Identity_Status__c).toBe('Quarantined');
    expect(String(orig.Quarantine_Reason__c)).toContain('KEY_REGISTERED_TO_OTHER_DEVICE');
    const alert = emu.records('Asset_Identity_Alert__c').find((a) => a.Alert_Key__c === ev.EventUuid)!;
    expect(alert).toMatchObject({ Asset__c: id, Device_Id__c: 'FLEET-CLONE-1', Status__c: 'New' });
    expect(alert.Key_Fingerprint__c).toBe(spkiFingerprint(key.publicKey));
    // the quarantine is visible over REST (SOQL), as a station or admin would read it
    const q = await call(
      'GET',
      `/query?q=${encodeURIComponent(`SELECT Id, Identity_Status__c FROM Asset WHERE Id = '${id}'`)}`,
    );
    expect((q.body as { records: Array<Record<string, unknown>> }).records[0]!.Identity_Status__c).toBe(
      'Quarantined',
    );
    // a later genuine exchange for a quarantined Asset is still flagged
    expect((await exchange(actorToken('FLEET-ORIG-1', key, id))).status).toBe(200);
    const again = emu
      .tokenEvents()
      .filter((e) => e.DeviceId === 'FLEET-ORIG-1')
      .at(-1)!;
    expect(again.Verdict!.reasonCodes).toContain('ASSET_QUARANTINED');
  });

  it('a station cannot lift a quarantine: the identity fields are written by the org only', async () => {
    const key = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const id = await registerAsset('FLEET-RO-1', key);
    const r = await call('PATCH', `/sobjects/Asset/${id}`, { Identity_Status__c: 'Registered' });
    expect(r.status).toBe(400);
    expect((r.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });
});

describe('Station_Chain_Head__c: the head cannot go back', () => {
  it('accepts a forward move, refuses a lower sequence and another hash at the same sequence', async () => {
    const url = '/sobjects/Station_Chain_Head__c/Station_Id__c/ST-HEAD-1';
    const h = (n: number) => crypto.createHash('sha256').update(String(n)).digest('hex');
    expect((await call('PATCH', url, { Head_Seq__c: 5, Head_Hash__c: h(5) })).status).toBe(201);
    expect((await call('PATCH', url, { Head_Seq__c: 9, Head_Hash__c: h(9) })).status).toBe(200);
    expect((await call('PATCH', url, { Head_Seq__c: 9, Head_Hash__c: h(9) })).status).toBe(200); // same head again
    const back = await call('PATCH', url, { Head_Seq__c: 3, Head_Hash__c: h(3) });
    expect(back.status).toBe(400);
    expect((back.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe(
      'FIELD_CUSTOM_VALIDATION_EXCEPTION',
    );
    const forked = await call('PATCH', url, { Head_Seq__c: 9, Head_Hash__c: h(10) });
    expect(forked.status).toBe(400);
    const head = emu.records('Station_Chain_Head__c').find((r) => r.Station_Id__c === 'ST-HEAD-1')!;
    expect([head.Head_Seq__c, head.Head_Hash__c]).toEqual([9, h(9)]);
  });
});

describe('fleet evidence is immutable (StationEvidenceGuard triggers)', () => {
  const h = (n: number) => crypto.createHash('sha256').update(`e${n}`).digest('hex');
  const code = (r: { body: unknown }) => (r.body as Array<{ errorCode: string }>)[0]!.errorCode;
  const entry = (seq: number) => ({
    Entry_Key__c: `ST-IMM-1:${seq}`,
    Station_Id__c: 'ST-IMM-1',
    Seq__c: seq,
    Entry_Hash__c: h(seq),
    Prev_Hash__c: h(seq - 1),
    Kind__c: 'step.done',
  });
  const stored = (key: string) => emu.records('Station_Audit_Entry__c').find((r) => r.Entry_Key__c === key);

  it('an audit entry can be created, with the org naming it, but neither edited nor deleted by any route', async () => {
    const created = await call('POST', '/sobjects/Station_Audit_Entry__c', entry(1));
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect(String(stored('ST-IMM-1:1')!.Name)).toMatch(/^SAE-\d{10}$/);
    const named = await call('POST', '/sobjects/Station_Audit_Entry__c', { ...entry(2), Name: 'mine' });
    expect([named.status, code(named)]).toEqual([400, 'INVALID_FIELD_FOR_INSERT_UPDATE']); // AutoNumber

    const attempts = [
      await call('PATCH', `/sobjects/Station_Audit_Entry__c/${id}`, { Entry_Hash__c: h(99) }),
      await call('PATCH', '/sobjects/Station_Audit_Entry__c/Entry_Key__c/ST-IMM-1:1', {
        Entry_Hash__c: h(99),
      }),
      await call('DELETE', `/sobjects/Station_Audit_Entry__c/${id}`),
    ];
    for (const r of attempts) expect([r.status, code(r)]).toEqual([400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION']);
    expect((attempts[2]!.body as Array<{ message: string }>)[0]!.message).toMatch(/cannot be deleted/);

    // sObject Collections: each record refused on its own
    const upd = await call('PATCH', '/composite/sobjects', {
      allOrNone: false,
      records: [{ attributes: { type: 'Station_Audit_Entry__c' }, id, Entry_Hash__c: h(99) }],
    });
    expect((upd.body as Array<{ success: boolean }>)[0]!.success).toBe(false);
    const del = await call('DELETE', `/composite/sobjects?ids=${id}&allOrNone=false`);
    expect((del.body as Array<{ success: boolean }>)[0]!.success).toBe(false);

    expect(stored('ST-IMM-1:1')).toMatchObject({ Id: id, Entry_Hash__c: h(1) });
  });

  it('a chain head cannot be deleted, so a lower head cannot be planted in its place', async () => {
    const url = '/sobjects/Station_Chain_Head__c/Station_Id__c/ST-IMM-2';
    const made = await call('PATCH', url, { Head_Seq__c: 7, Head_Hash__c: h(7) });
    expect(made.status).toBe(201);
    const id = (made.body as { id: string }).id;
    const del = await call('DELETE', `/sobjects/Station_Chain_Head__c/${id}`);
    expect([del.status, code(del)]).toEqual([400, 'FIELD_CUSTOM_VALIDATION_EXCEPTION']);
    const planted = await call('PATCH', url, { Head_Seq__c: 2, Head_Hash__c: h(2) });
    expect(planted.status).toBe(400);
    const head = emu.records('Station_Chain_Head__c').find((r) => r.Station_Id__c === 'ST-IMM-2')!;
    expect([head.Id, head.Head_Seq__c, head.Head_Hash__c]).toEqual([id, 7, h(7)]);
  });
});
