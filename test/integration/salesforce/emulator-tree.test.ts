/**
 * Contract test of the emulator's Composite tree resource over raw HTTP (docs/salesforce-wire.md §8.4):
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobject_tree.htm
 */
import { describe, expect, it } from 'vitest';
import type { OrgEmulator } from '../../../sim/org';
import { useOrgEmulator } from './helpers';
import { rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({}, (e) => (emu = e));
const { call } = rawHttp(() => emu);
type TreeBody = {
  hasErrors: boolean;
  results: Array<{ referenceId: string; id?: string; errors?: Array<{ statusCode: string }> }>;
};

const account = (ref: string, assets: Array<Record<string, unknown>>) => ({
  attributes: { type: 'Account', referenceId: ref },
  Name: `Tree ${ref}`,
  Assets: {
    records: assets.map((a, i) => ({ attributes: { type: 'Asset', referenceId: `${ref}a${i}` }, ...a })),
  },
});

describe('org emulator: Composite tree', () => {
  it('creates parents and their nested children in one call, children linked to the new parent', async () => {
    const r = await call('POST', '/composite/tree/Account', {
      records: [
        account('acc1', [
          { Name: 'T1', Device_UID__c: 'TREE-1' },
          { Name: 'T2', Device_UID__c: 'TREE-2' },
        ]),
      ],
    });
    expect(r.status).toBe(201);
    const body = r.body as TreeBody;
    expect(body.hasErrors).toBe(false);
    expect(body.results.map((x) => x.referenceId)).toEqual(['acc1', 'acc1a0', 'acc1a1']);
    const accId = body.results[0]!.id!;
    expect(
      emu
        .assets()
        .filter((a) => a.AccountId === accId)
        .map((a) => a.Device_UID__c)
        .sort(),
    ).toEqual(['TREE-1', 'TREE-2']);
  });

  it('one bad record: 400 with its referenceId and error, and nothing is created', async () => {
    const before = emu.assets().length;
    const r = await call('POST', '/composite/tree/Account', {
      records: [
        account('acc2', [
          { Name: 'ok', Device_UID__c: 'TREE-3' },
          { Name: 'x'.repeat(256), Device_UID__c: 'TREE-4' },
        ]),
      ],
    });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      hasErrors: true,
      results: [
        {
          referenceId: 'acc2a1',
          errors: [
            {
              statusCode: 'STRING_TOO_LONG',
              message: 'Name: data value too large (max length=255)',
              fields: ['Name'],
            },
          ],
        },
      ],
    });
    expect(emu.assets().length).toBe(before);
    const dup = await call('POST', '/composite/tree/Account', {
      records: [account('d', []), account('d', [])],
    });
    expect(dup.status).toBe(400);
  });
});
