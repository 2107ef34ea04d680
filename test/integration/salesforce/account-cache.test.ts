/**
 * Issue 18: the customer Account pre-flight asks about is confirmed once per org session — at connect for
 * the configured Account, at first use for a scanned one — and not once per device; an Account the org does
 * not have is asked again each time, and one the org refuses at the upsert (deleted meanwhile) is forgotten.
 * Org emulator over real HTTP (the org's own call counter), the station's org service and port.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../core/config';
import { orgService, toPort } from '../../../core/salesforce/station-org';
import { orgClientSuite, storeWithJwtKey } from './helpers';

const suite = orgClientSuite();
const { jwtClient, caught, facts, sfConfig, keys } = suite;
const used = () => suite.emu.stats().apiUsed;

describe('Account confirmed once per session', () => {
  it('connect confirms the configured Account, and no job of the session asks for it again', async () => {
    const secrets = await storeWithJwtKey(keys.privatePem);
    const sf = sfConfig(suite.emu);
    const svc = orgService(() => ({ ...defaultConfig(), salesforce: sf }), secrets);
    await svc.connect();
    const before = used();
    const port = await svc.port();
    for (let i = 0; i < 5; i++)
      expect(await port.findAccount!(sf.accountId!)).toEqual({
        id: sf.accountId,
        name: 'Acme Devices Ltd',
      });
    const again = await svc.port();
    expect(await again.findAccount!(sf.accountId!)).toMatchObject({ id: sf.accountId });
    expect(used() - before).toBe(0);
    await svc.disconnect();
  });

  it('a scanned Account is asked once; one the org does not have is asked every time', async () => {
    const { client } = await jwtClient({ accountId: '' });
    const port = toPort(client, () => sfConfig(suite.emu));
    const before = used();
    const found = await Promise.all([1, 2, 3].map(() => port.findAccount!(suite.emu.defaultAccountId)));
    expect(found.map((a) => a?.name)).toEqual(['Acme Devices Ltd', 'Acme Devices Ltd', 'Acme Devices Ltd']);
    expect(used() - before).toBe(1); // three jobs starting together share one query
    await port.findAccount!(suite.emu.defaultAccountId);
    expect(used() - before).toBe(1);
    const missing = '001000000000000ZZZ';
    expect(await port.findAccount!(missing)).toBeUndefined();
    expect(await port.findAccount!(missing)).toBeUndefined();
    expect(used() - before).toBe(3);
  });

  it('an Account deleted after it was confirmed: the upsert is refused, and the next look-up asks the org', async () => {
    const { client } = await jwtClient();
    const created = await client.rest.call<{ id: string }>(
      {
        method: 'POST',
        url: '/sobjects/Account',
        body: JSON.stringify({ Name: 'Gone Soon Ltd' }),
        headers: { 'content-type': 'application/json' },
      },
      'create an Account',
    );
    const port = toPort(client, () => sfConfig(suite.emu));
    expect(await port.findAccount!(created.id)).toMatchObject({ name: 'Gone Soon Ltd' });
    await client.rest.call(
      { method: 'DELETE', url: `/sobjects/Account/${created.id}` },
      'delete the Account',
    );
    const before = used();
    expect(await port.findAccount!(created.id)).toBeDefined(); // remembered: no call
    expect(used()).toBe(before);
    const e = await caught(
      port.upsertAsset({
        ...facts('ACC-GONE-1'),
        firmware: '1.0.0',
        provisionedBy: 'bench',
        accountId: created.id,
      }),
    );
    expect(['ORG_CONFIG', 'ORG_REJECTED']).toContain(e.code);
    expect(suite.emu.assets().some((a) => a.Device_UID__c === 'ACC-GONE-1')).toBe(false);
    expect(await port.findAccount!(created.id)).toBeUndefined(); // forgotten: the org was asked
    expect(used()).toBeGreaterThan(before + 1);
  });
});
