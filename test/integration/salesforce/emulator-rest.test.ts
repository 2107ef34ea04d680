/**
 * Contract suite of the org emulator's REST side (docs/salesforce-wire.md §4.2, §4.3, §8) over raw HTTP: the
 * exact status codes, headers and bodies, limits and faults.
 */
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { JWT_KEYS as keys, useOrgEmulator } from './helpers';
import { json, rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({ jwtBearerCertPem: keys.publicPem, dailyLimit: 5000 }, (e) => (emu = e));
const { api, call } = rawHttp(() => emu);

describe('REST over raw HTTP', () => {
  it('401 INVALID_SESSION_ID only for a bad token; Sforce-Limit-Info on every response; versions list is free', async () => {
    const bad = await call('GET', '/sobjects', undefined, 'nope');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const ok = await call('GET', '/sobjects');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/5000$/);
    expect(ok.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const used = emu.stats().apiUsed;
    await fetch(`${emu.baseUrl}/services/data/`);
    expect(emu.stats().apiUsed).toBe(used);
  });

  it('upsert by external ID: 201 created, 200 updated, 300 several, updateOnly 404, encoded values', async () => {
    const uid = 'RAW 1/+?';
    const path = `/sobjects/Asset/Device_UID__c/${encodeURIComponent(uid)}`;
    const c = await call('PATCH', path, { Name: 'raw', AccountId: emu.defaultAccountId });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ success: true, created: true, errors: [] });
    const u = await call('PATCH', path, { Status: 'Installed' });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ id: (c.body as { id: string }).id, created: false });
    expect(emu.assets().find((a) => a.Device_UID__c === uid)?.Status).toBe('Installed');
    expect(
      (await call('PATCH', '/sobjects/Asset/Device_UID__c/NEW-ONLY?updateOnly=true', { Name: 'x' })).status,
    ).toBe(404);
    emu.seedAsset({ Name: 'a', AccountId: emu.defaultAccountId, Device_UID__c: 'RAW-300' });
    emu.seedAsset({ Name: 'b', AccountId: emu.defaultAccountId, Device_UID__c: 'RAW-300' });
    const m = await call('PATCH', '/sobjects/Asset/Device_UID__c/RAW-300', { Name: 'c' });
    expect(m.status).toBe(300);
    expect((m.body as string[]).every((s) => s.startsWith('/services/data/v62.0/sobjects/Asset/02i'))).toBe(
      true,
    );
    // a unique external ID refuses a second record with the same value
    const dup = await call('POST', '/sobjects/Asset', {
      Name: 'd',
      AccountId: emu.defaultAccountId,
      Device_UID__c: uid,
    });
    expect(dup.status).toBe(400);
    expect((dup.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe('DUPLICATE_VALUE');
    // upsert on a field that is not an external ID
    expect(
      (
        (await call('PATCH', '/sobjects/Asset/Name/x', { Name: 'x' })).body as Array<{ errorCode: string }>
      )[0]!.errorCode,
    ).toBe('INVALID_FIELD');
  });

  it('error bodies: FIELD_INTEGRITY_EXCEPTION, INVALID_FIELD, MALFORMED_ID, NOT_FOUND, JSON_PARSER_ERROR', async () => {
    const codes = async (p: Promise<{ status: number; body: unknown }>) => {
      const r = await p;
      return [r.status, (r.body as Array<{ errorCode: string }>)[0]!.errorCode];
    };
    expect(await codes(call('POST', '/sobjects/Asset', { Name: 'orphan' }))).toEqual([
      400,
      'FIELD_INTEGRITY_EXCEPTION',
    ]);
    expect(
      await codes(
        call('POST', '/sobjects/Asset', { Name: 'x', AccountId: emu.defaultAccountId, Bogus__c: 1 }),
      ),
    ).toEqual([400, 'INVALID_FIELD']);
    expect(await codes(call('PATCH', '/sobjects/Asset/not-an-id', { Name: 'x' }))).toEqual([
      400,
      'MALFORMED_ID',
    ]);
    expect(await codes(call('GET', '/sobjects/Asset/02i000000000000AAA'))).toEqual([404, 'NOT_FOUND']);
    const r = await fetch(`${api()}/sobjects/Asset`, {
      method: 'POST',
      headers: json(emu.accessToken),
      body: '{bad',
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Array<{ errorCode: string }>)[0]!.errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('SOQL subset with AND/OR, LIMIT, quotes; MALFORMED_QUERY and INVALID_FIELD', async () => {
    await call('PATCH', '/sobjects/Asset/Device_UID__c/Q-1', {
      Name: "O'Brien",
      AccountId: emu.defaultAccountId,
      Key_Fingerprint__c: 'kf1',
    });
    await call('PATCH', '/sobjects/Asset/Device_UID__c/Q-2', {
      Name: 'two',
      AccountId: emu.defaultAccountId,
      Key_Fingerprint__c: 'kf2',
    });
    const q = async (soql: string) => call('GET', `/query?q=${encodeURIComponent(soql)}`);
    const or = await q(
      "SELECT Id, Device_UID__c FROM Asset WHERE Key_Fingerprint__c = 'kf1' OR Device_UID__c = 'Q-2'",
    );
    expect((or.body as { totalSize: number }).totalSize).toBe(2);
    const quoted = await q(
      "SELECT Name FROM Asset WHERE Name = 'O\\'Brien' AND Device_UID__c = 'Q-1' LIMIT 1",
    );
    expect(
      (quoted.body as { records: Array<{ Name: string; attributes: { type: string } }> }).records[0],
    ).toMatchObject({ Name: "O'Brien", attributes: { type: 'Asset' } });
    expect(((await q('SELECT FROM Asset')).body as Array<{ errorCode: string }>)[0]!.errorCode).toBe(
      'MALFORMED_QUERY',
    );
    expect(((await q('SELECT Nope__c FROM Asset')).body as Array<{ errorCode: string }>)[0]!.errorCode).toBe(
      'INVALID_FIELD',
    );
    const acc = await q('SELECT Id, Name FROM Account');
    expect((acc.body as { totalSize: number }).totalSize).toBeGreaterThanOrEqual(2);
  });

  it('Collections: create/upsert with statusCode errors and allOrNone rollback; retrieve', async () => {
    const rec = (uid: string, extra: Record<string, unknown> = {}) => ({
      attributes: { type: 'Asset' },
      Device_UID__c: uid,
      Name: uid,
      AccountId: emu.defaultAccountId,
      ...extra,
    });
    const up = await call('PATCH', '/composite/sobjects/Asset/Device_UID__c', {
      allOrNone: false,
      records: [rec('COL-1'), rec('COL-2', { AccountId: null })],
    });
    expect(up.status).toBe(200);
    const res = up.body as Array<{
      success: boolean;
      created?: boolean;
      errors: Array<{ statusCode: string }>;
    }>;
    expect(res[0]).toMatchObject({ success: true, created: true });
    expect(res[1]!.errors[0]!.statusCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    const all = await call('PATCH', '/composite/sobjects/Asset/Device_UID__c', {
      allOrNone: true,
      records: [rec('COL-3'), rec('COL-4', { Bogus__c: 1 })],
    });
    const r2 = all.body as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>;
    expect(r2[0]!.errors[0]!.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(r2[1]!.errors[0]!.statusCode).toBe('INVALID_FIELD');
    expect(emu.assets().some((a) => a.Device_UID__c === 'COL-3')).toBe(false);
    const created = await call('POST', '/composite/sobjects', { allOrNone: false, records: [rec('COL-5')] });
    const id = (created.body as Array<{ id: string }>)[0]!.id;
    const got = await call('POST', '/composite/sobjects/Asset', {
      ids: [id, '02i000000000000AAA'],
      fields: ['Name'],
    });
    expect(got.body).toEqual([expect.objectContaining({ Name: 'COL-5' }), null]);
    const tooMany = await call('POST', '/composite/sobjects', {
      records: Array.from({ length: 201 }, (_, i) => rec(`X${i}`)),
    });
    expect(tooMany.status).toBe(400);
  });

  it('Composite: referenceId substitution, allOrNone → PROCESSING_HALTED and rollback', async () => {
    const ok = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Asset',
          referenceId: 'a1',
          body: { Name: 'CMP-1', AccountId: emu.defaultAccountId },
        },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Asset/@{a1.id}?fields=Name', referenceId: 'g1' },
      ],
    });
    const cr = (ok.body as { compositeResponse: Array<{ httpStatusCode: number; body: { Name?: string } }> })
      .compositeResponse;
    expect(cr.map((x) => x.httpStatusCode)).toEqual([201, 200]);
    expect(cr[1]!.body.Name).toBe('CMP-1');
    const bad = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Asset',
          referenceId: 'a1',
          body: { Name: 'CMP-2', AccountId: emu.defaultAccountId },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Asset',
          referenceId: 'a2',
          body: { Name: 'CMP-3' },
        },
      ],
    });
    const br = (
      bad.body as { compositeResponse: Array<{ httpStatusCode: number; body: Array<{ errorCode: string }> }> }
    ).compositeResponse;
    expect(br[0]!.body[0]!.errorCode).toBe('PROCESSING_HALTED');
    expect(br[1]!.body[0]!.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect(emu.assets().some((a) => a.Name === 'CMP-2')).toBe(false);
  });

  it('Composite with several Collections subrequests: one refused record rolls every subrequest back; 26 subrequests are refused', async () => {
    const asset = (name: string, extra: Record<string, unknown> = { AccountId: emu.defaultAccountId }) => ({
      attributes: { type: 'Asset' },
      Name: name,
      ...extra,
    });
    const coll = (ref: string, records: unknown[]) => ({
      method: 'POST',
      url: '/services/data/v62.0/composite/sobjects',
      referenceId: ref,
      body: { allOrNone: false, records },
    });
    const first = Array.from({ length: 200 }, (_, i) => asset(`MC-A${i}`));
    const ok = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [coll('c0', first), coll('c1', [asset('MC-B0'), asset('MC-B1')])],
    });
    const okr = (ok.body as { compositeResponse: Array<{ httpStatusCode: number; body: unknown[] }> })
      .compositeResponse;
    expect(okr.map((x) => [x.httpStatusCode, x.body.length])).toEqual([
      [200, 200],
      [200, 2],
    ]);
    expect(emu.assets().filter((a) => String(a.Name).startsWith('MC-'))).toHaveLength(202);
    const bad = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        coll('c0', [asset('MC-C0'), asset('MC-C1')]),
        coll('c1', [asset('MC-C2'), asset('MC-C3', {})]), // no Account or Contact: refused
        coll('c2', [asset('MC-C4')]),
      ],
    });
    const br = (
      bad.body as {
        compositeResponse: Array<{ httpStatusCode: number; body: Array<Record<string, unknown>> }>;
      }
    ).compositeResponse;
    expect(br.map((x) => x.httpStatusCode)).toEqual([400, 400, 400]);
    expect(br[0]!.body[0]!.errorCode).toBe('PROCESSING_HALTED');
    expect((br[1]!.body[1]!.errors as Array<{ statusCode: string }>)[0]!.statusCode).toBe(
      'FIELD_INTEGRITY_EXCEPTION',
    );
    expect(br[2]!.body[0]!.errorCode).toBe('PROCESSING_HALTED');
    expect(emu.assets().some((a) => String(a.Name).startsWith('MC-C'))).toBe(false);
    const tooMany = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: Array.from({ length: 26 }, (_, i) => coll(`t${i}`, [asset(`MC-T${i}`)])),
    });
    expect(tooMany.status).toBe(400);
    expect(emu.assets().some((a) => String(a.Name).startsWith('MC-T'))).toBe(false);
  });

  it('daily limit → 403 REQUEST_LIMIT_EXCEEDED; faults: HTML page, 503, 429', async () => {
    emu.setApiUsage(5000);
    const r = await call('GET', '/sobjects');
    expect([r.status, (r.body as Array<{ errorCode: string }>)[0]!.errorCode]).toEqual([
      403,
      'REQUEST_LIMIT_EXCEEDED',
    ]);
    emu.setApiUsage(0);
    emu.faults.htmlErrors = 1;
    const h = await fetch(`${api()}/sobjects`, { headers: json(emu.accessToken) });
    expect([h.status, h.headers.get('content-type')]).toEqual([503, 'text/html;charset=UTF-8']);
    emu.faults.serverErrors = 1;
    expect((await call('GET', '/sobjects')).status).toBe(503);
    emu.faults.rateLimited = 1;
    expect((await call('GET', '/sobjects')).status).toBe(429);
    // faults can be set over HTTP for an emulator started by the CLI
    await fetch(`${emu.baseUrl}/emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ serverErrors: 1 }),
    });
    expect((await call('GET', '/sobjects')).status).toBe(503);
    expect((await call('GET', '/sobjects')).status).toBe(200);
  });
});
