/**
 * Issue 16: a scanned Account Id is looked up in the org before use — the Account's name from the org
 * emulator over real HTTP (unmodified jsforce), "none" for an Id the org does not have, and a refusal
 * before any call for text that is not an Account Id (no SOQL built from it).
 */
import { describe, expect, it } from 'vitest';
import { findAccount } from '../../../core/salesforce/accounts';
import { orgClientSuite } from './helpers';

const suite = orgClientSuite();
const { jwtClient, caught } = suite;

describe('Account look-up', () => {
  it("finds the scanned Account and returns the customer's name", async () => {
    const { client } = await jwtClient();
    const id = suite.emu.defaultAccountId;
    expect(await findAccount(client.rest, id)).toEqual({ id, name: 'Acme Devices Ltd' });
  });

  it('an Account Id the org does not have is "none", not an error', async () => {
    const { client } = await jwtClient();
    expect(await findAccount(client.rest, '001000000000000ZZZ')).toBeUndefined();
  });

  it('text that is not an Account Id (an injection attempt, another object) is refused before any call', async () => {
    const { client } = await jwtClient();
    const calls = client.stats.restCalls;
    for (const bad of ["001' OR Name != '", '003000000000001AAA', 'WO-2026-0042']) {
      const e = await caught(findAccount(client.rest, bad));
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.remedy).toMatch(/Scan the Account barcode again/);
    }
    expect(client.stats.restCalls).toBe(calls);
  });
});
