/**
 * Contract tests of the emulator behaviours Salesforce's sf CLI relies on (docs/salesforce-wire.md §8.1),
 * over raw HTTP; each names its public source.
 */
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { useOrgEmulator } from './helpers';
import { rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({ dailyLimit: 5000 }, (e) => (emu = e));
const { call } = rawHttp(() => emu);
const get = (path: string) =>
  fetch(`${emu.baseUrl}${path}`, { headers: { Authorization: `Bearer ${emu.accessToken}` } });

describe('org emulator: what the sf CLI reads', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
  it('the versions list runs from v42.0 to v62.0, each with its release name', async () => {
    const r = await fetch(`${emu.baseUrl}/services/data`);
    const list = (await r.json()) as Array<{ label: string; url: string; version: string }>;
    expect(list[0]).toEqual({ label: "Spring '18", url: '/services/data/v42.0', version: '42.0' });
    expect(list.at(-1)).toEqual({ label: "Winter '25", url: '/services/data/v62.0', version: '62.0' });
    expect(list.find((v) => v.version === '60.0')?.label).toBe("Spring '24");
    expect(list.find((v) => v.version === '61.0')?.label).toBe("Summer '24");
    expect(list).toHaveLength(21);
  });

  it('a path with `//` (instance URL ending in / joined with /services/…) is the same resource', async () => {
    const r = await get('//services/data/v62.0//limits');
    expect(r.status).toBe(200);
    const versions = await fetch(`${emu.baseUrl}//services/data`);
    expect(versions.status).toBe(200);
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_retrieve.htm
  it('sobjects/User/{id} and sobjects/Organization/{id} (userinfo → User, as sf login does)', async () => {
    const info = (await (await get('/services/oauth2/userinfo')).json()) as { user_id: string };
    const u = await call('GET', `/sobjects/User/${info.user_id}`);
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ Id: emu.adminUserId, Username: emu.adminUsername });
    expect((await call('GET', `/sobjects/User/005000000000000AAA`)).status).toBe(404);
    const o = await call('GET', `/sobjects/Organization/${emu.orgId}`);
    expect(o.body).toMatchObject({ Id: emu.orgId, IsSandbox: false });
    const q = await call(
      'GET',
      `/query?q=${encodeURIComponent('SELECT Name, IsSandbox, OrganizationType FROM Organization')}`,
    );
    expect(q.body).toMatchObject({ totalSize: 1, records: [{ IsSandbox: false }] });
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
  it('/limits: DailyApiRequests counts the same calls as Sforce-Limit-Info', async () => {
    const r = await call('GET', '/limits');
    const used = Number(/api-usage=(\d+)\/5000/.exec(r.headers.get('sforce-limit-info') ?? '')![1]);
    expect(r.body).toMatchObject({ DailyApiRequests: { Max: 5000, Remaining: 5000 - used } });
  });

  // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_understanding.htm
  it('SOQL parent relationship field: nested record, null without a parent; unknown relationship refused', async () => {
    const c = await call('POST', '/sobjects/Asset', {
      Name: 'rel',
      AccountId: emu.defaultAccountId,
      Device_UID__c: 'REL-1',
    });
    expect(c.status).toBe(201);
    const soql = "SELECT Id, Account.Name, Contact.LastName FROM Asset WHERE Device_UID__c = 'REL-1'";
    const q = await call('GET', `/query?q=${encodeURIComponent(soql)}`);
    const rec = (q.body as { records: Array<Record<string, unknown>> }).records[0]!;
    expect(rec.Account).toEqual({
      attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${emu.defaultAccountId}` },
      Name: 'Acme Devices Ltd',
    });
    expect(rec.Contact).toBeNull();
    const bad = await call('GET', `/query?q=${encodeURIComponent('SELECT Widget.Name FROM Asset')}`);
    expect(bad.status).toBe(400);
    expect((bad.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe('INVALID_FIELD');
  });

  it('query columns=true: column metadata, a relationship as joinColumns (what sf data query lays out)', async () => {
    const soql = 'SELECT Id, Name, Account.Name FROM Asset';
    const r = await call('GET', `/query?q=${encodeURIComponent(soql)}&columns=true`);
    const body = r.body as {
      entityName: string;
      columnMetadata: Array<{ columnName: string; joinColumns: Array<{ columnName: string }> }>;
    };
    expect(body.entityName).toBe('Asset');
    expect(body.columnMetadata.map((c) => c.columnName)).toEqual(['Id', 'Name', 'Account']);
    expect(body.columnMetadata[2]!.joinColumns.map((c) => c.columnName)).toEqual(['Name']);
  });
});
