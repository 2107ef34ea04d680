/**
 * Contract tests of the emulator's SOQL, IDs and datetimes over raw HTTP (docs/salesforce-wire.md §8.2);
 * each names its public source.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { caseSafeSuffix } from '../../../sim/org/sf-format';
import { useOrgEmulator } from './helpers';
import { rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({}, (e) => (emu = e));
const { call } = rawHttp(() => emu);
type QueryBody = { totalSize: number; done: boolean; records: Array<Record<string, unknown>> };
const soql = async (q: string) => {
  const r = await call('GET', `/query?q=${encodeURIComponent(q)}`);
  return { status: r.status, body: r.body as QueryBody & Array<{ errorCode: string }> };
};

beforeAll(async () => {
  for (const [i, name] of ['Sensor b', 'sensor A', 'Gateway c'].entries()) {
    const r = await call('POST', '/sobjects/Asset', {
      Name: name,
      AccountId: emu.defaultAccountId,
      Device_UID__c: `SOQL-${i}`,
      ...(i === 2 ? {} : { Status: 'Installed' }),
    });
    expect(r.status).toBe(201);
  }
});

describe('org emulator: SOQL an admin writes', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm
  // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm
  it('ORDER BY, LIKE, IN, LIMIT and OFFSET', async () => {
    const q = await soql(
      "SELECT Name FROM Asset WHERE Device_UID__c LIKE 'SOQL-%' ORDER BY Name DESC LIMIT 2 OFFSET 1",
    );
    expect(q.body.records.map((r) => r.Name)).toEqual(['sensor A', 'Gateway c']);
    const inList = await soql("SELECT Device_UID__c FROM Asset WHERE Device_UID__c IN ('SOQL-0', 'SOQL-2')");
    expect(inList.body.records.map((r) => r.Device_UID__c).sort()).toEqual(['SOQL-0', 'SOQL-2']);
    const byParent = await soql(
      "SELECT Id FROM Asset WHERE Account.Name = 'acme devices ltd' AND Status = null",
    );
    expect(byParent.body.totalSize).toBe(1);
  });

  // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_count.htm
  it('COUNT() answers totalSize and no records', async () => {
    const q = await soql("SELECT COUNT() FROM Asset WHERE Device_UID__c LIKE 'SOQL-%'");
    expect(q.body).toEqual({ totalSize: 3, done: true, records: [] });
    expect((await soql('SELECT COUNT(), Name FROM Asset')).status).toBe(400);
  });

  // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_understanding.htm
  it('one level of child subquery: a nested query result per parent, null when it has no rows', async () => {
    const q = await soql(
      "SELECT Name, (SELECT Device_UID__c FROM Assets WHERE Device_UID__c LIKE 'SOQL-%' ORDER BY Device_UID__c) FROM Account ORDER BY Name",
    );
    expect(q.status).toBe(200);
    const [acme, globex] = q.body.records;
    expect(acme).toMatchObject({ Name: 'Acme Devices Ltd', Assets: { totalSize: 3, done: true } });
    const kids = (acme!.Assets as QueryBody).records;
    expect(kids.map((k) => k.Device_UID__c)).toEqual(['SOQL-0', 'SOQL-1', 'SOQL-2']);
    expect(kids[0]!.attributes).toMatchObject({ type: 'Asset' });
    expect(globex).toMatchObject({ Name: 'Globex Field Services', Assets: null });
    const bad = await soql('SELECT Name, (SELECT Id FROM Widgets) FROM Account');
    expect(bad.status).toBe(400);
    expect(bad.body[0]!.errorCode).toBe('INVALID_TYPE');
  });

  it('columns=true lists a child subquery as one aggregate column with its fields', async () => {
    const q = encodeURIComponent('SELECT Name, (SELECT Id, Name FROM Assets) FROM Account');
    const r = await call('GET', `/query?q=${q}&columns=true`);
    const cols = (r.body as { columnMetadata: Array<Record<string, unknown>> }).columnMetadata;
    expect(cols[1]).toMatchObject({ columnName: 'Assets', aggregate: true });
    expect((cols[1]!.joinColumns as Array<{ columnName: string }>).map((c) => c.columnName)).toEqual([
      'Id',
      'Name',
    ]);
  });
});

describe('org emulator: IDs and datetimes as Salesforce writes them', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm (ID: 15 case-sensitive / 18 case-safe)
  it('record IDs are 18 characters with the case-safe suffix, and an 18-character ID works in any case', async () => {
    const q = await soql("SELECT Id FROM Asset WHERE Device_UID__c = 'SOQL-0'");
    const id = String(q.body.records[0]!.Id);
    expect(id.slice(15)).toBe(caseSafeSuffix(id.slice(0, 15)));
    const upper = await call('GET', `/sobjects/Asset/${id.toUpperCase()}`);
    expect(upper.status).toBe(200);
    expect((upper.body as { Id: string }).Id).toBe(id);
    expect((await call('GET', `/sobjects/Asset/${id.slice(0, 15)}`)).status).toBe(200);
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/intro_valid_date_formats.htm
  it('datetimes come back as yyyy-MM-ddTHH:mm:ss.SSS+0000, whatever offset they were written with', async () => {
    const c = await call('POST', '/sobjects/Asset', {
      Name: 'dated',
      AccountId: emu.defaultAccountId,
      Device_UID__c: 'SOQL-DATED',
      Cert_Not_After__c: '2030-01-01T01:00:00+01:00',
    });
    const id = (c.body as { id: string }).id;
    const r = (await call('GET', `/sobjects/Asset/${id}`)).body as Record<string, string>;
    expect(r.Cert_Not_After__c).toBe('2030-01-01T00:00:00.000+0000');
    expect(r.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/);
  });
});
