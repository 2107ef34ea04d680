/**
 * The device simulator's keys made ahead (`sim device --pregenerate-keys`, for the provisioning bench,
 * issue 18): each pregenerated key is handed out once, in order, for its own algorithm only, and a KEYGEN
 * finding none left makes a new key — no two devices ever get the same key.
 */
import { describe, expect, it } from 'vitest';
import { generateDeviceKey, pregenerateKeys } from '../../../sim/device/crypto';

const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

describe('simulator keys made ahead', () => {
  it('hands each made-ahead key out once, per algorithm, then makes new ones', async () => {
    const made = (await pregenerateKeys(['ECDSA-P256', 'ECDSA-P256', 'RSA-2048'])).map(hex);
    const ec = [];
    for (let i = 0; i < 3; i++) ec.push(await generateDeviceKey('ECDSA-P256'));
    const rsa = [await generateDeviceKey('RSA-2048'), await generateDeviceKey('RSA-2048')];
    expect(ec.map((k) => k.algorithm)).toEqual(['ECDSA-P256', 'ECDSA-P256', 'ECDSA-P256']);
    expect(rsa.map((k) => k.algorithm)).toEqual(['RSA-2048', 'RSA-2048']);
    const all = [...ec, ...rsa].map((k) => hex(k.spki));
    expect([hex(ec[0]!.spki), hex(ec[1]!.spki), hex(rsa[0]!.spki)]).toEqual(made);
    expect(new Set(all).size).toBe(5); // the third EC and the second RSA key were made fresh
    expect(await generateDeviceKey('RSA-3072').then((k) => k.algorithm)).toBe('RSA-3072');
  }, 60_000);
});
