/**
 * Contract tests of the emulator's describe resources (docs/salesforce-wire.md §8.5) over raw HTTP: the
 * global describe, an object's basic information and its full describe, in the shapes Salesforce documents;
 * each names its public source.
 */
import { describe, expect, it } from 'vitest';
import { Connection } from 'jsforce';
import type { OrgEmulator } from '../../../sim/org';
import { useOrgEmulator } from './helpers';
import { rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({}, (e) => (emu = e));
const { call } = rawHttp(() => emu);
type Obj = Record<string, unknown>;

describe('org emulator: describe', () => {
  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_describeGlobal.htm
  it('describeGlobal lists every object with its key prefix, labels, abilities and urls', async () => {
    const r = await call('GET', '/sobjects');
    expect(r.status).toBe(200);
    const g = r.body as { encoding: string; maxBatchSize: number; sobjects: Obj[] };
    expect(g).toMatchObject({ encoding: 'UTF-8', maxBatchSize: 200 });
    const asset = g.sobjects.find((o) => o.name === 'Asset')!;
    expect(asset).toMatchObject({
      label: 'Asset',
      labelPlural: 'Assets',
      keyPrefix: '02i',
      custom: false,
      createable: true,
      queryable: true,
      urls: {
        sobject: '/services/data/v62.0/sobjects/Asset',
        describe: '/services/data/v62.0/sobjects/Asset/describe',
        rowTemplate: '/services/data/v62.0/sobjects/Asset/{ID}',
      },
    });
    const audit = g.sobjects.find((o) => o.name === 'Station_Audit_Entry__c')!;
    expect(audit).toMatchObject({ custom: true, keyPrefix: 'a0A', updateable: false, deletable: false });
    expect(g.sobjects.map((o) => o.name)).toEqual(
      expect.arrayContaining(['Account', 'Contact', 'Product2', 'Asset_Identity_Alert__c']),
    );
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_basic_info.htm
  it('an object’s basic information: objectDescribe and recentItems', async () => {
    const r = await call('GET', '/sobjects/Account');
    expect(r.body).toMatchObject({
      objectDescribe: { name: 'Account', keyPrefix: '001', labelPlural: 'Accounts' },
      recentItems: [],
    });
  });

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
  // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm
  it('sobjects/Asset/describe: field properties, relationship names, child relationships, record types', async () => {
    const d = (await call('GET', '/sobjects/Asset/describe')).body as {
      fields: Obj[];
      childRelationships: Obj[];
      recordTypeInfos: Obj[];
    } & Obj;
    expect(d).toMatchObject({ name: 'Asset', keyPrefix: '02i', custom: false });
    const field = (n: string) => d.fields.find((f) => f.name === n)!;
    expect(field('Id')).toMatchObject({
      type: 'id',
      soapType: 'tns:ID',
      length: 18,
      nillable: false,
      defaultedOnCreate: true,
      idLookup: true,
      createable: false,
    });
    expect(field('Device_UID__c')).toMatchObject({
      label: 'Device UID',
      type: 'string',
      soapType: 'xsd:string',
      length: 80,
      byteLength: 240,
      custom: true,
      externalId: true,
      unique: true,
      caseSensitive: true,
      idLookup: true,
      nillable: true,
    });
    expect(field('Name')).toMatchObject({ nameField: true, nillable: false, length: 255 });
    expect(field('AccountId')).toMatchObject({
      type: 'reference',
      referenceTo: ['Account'],
      relationshipName: 'Account',
      label: 'Account ID',
    });
    expect(field('CreatedDate')).toMatchObject({ soapType: 'xsd:dateTime', updateable: false });
    expect(d.childRelationships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          childSObject: 'Asset',
          field: 'ParentId',
          relationshipName: 'ChildAssets',
        }),
        expect.objectContaining({
          childSObject: 'Asset_Identity_Alert__c',
          field: 'Asset__c',
          relationshipName: 'Identity_Alerts__r',
        }),
      ]),
    );
    expect(d.recordTypeInfos).toEqual([expect.objectContaining({ master: true, name: 'Master' })]);
    const account = (await call('GET', '/sobjects/Account/describe')).body as { childRelationships: Obj[] };
    expect(account.childRelationships.map((r) => r.relationshipName)).toEqual(
      expect.arrayContaining(['Assets', 'Contacts']),
    );
  });

  it('unmodified jsforce reads the describe (describeGlobal, describe) and retrieves many records with it', async () => {
    const conn = new Connection({ instanceUrl: emu.baseUrl, accessToken: emu.accessToken, version: '62.0' });
    const g = await conn.describeGlobal();
    expect(g.sobjects.some((o) => o.name === 'Asset' && o.keyPrefix === '02i')).toBe(true);
    const d = await conn.sobject('Asset').describe();
    expect(d.fields.find((f) => f.name === 'Device_UID__c')?.externalId).toBe(true);
    const acct = emu.defaultAccountId;
    const made = await conn.sobject('Asset').create([
      { Name: 'Describe one', AccountId: acct, Device_UID__c: 'DESC-1' },
      { Name: 'Describe two', AccountId: acct, Device_UID__c: 'DESC-2' },
    ]);
    const ids = made.map((m) => (m as { id: string }).id);
    const got = (await conn.sobject('Asset').retrieve(ids)) as Array<{ Name: string }>;
    expect(got.map((r) => r.Name)).toEqual(['Describe one', 'Describe two']);
  });
});
