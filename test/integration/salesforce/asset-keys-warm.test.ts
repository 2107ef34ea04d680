/**
 * Issue 18: the org's asset-token signing keys (`/id/keys`) can be read before the first device needs them
 * (the station does it at connect), so the first token validation waits for no extra round trip; with a
 * pinned certificate nothing is read. Org emulator over real HTTP, unmodified jsforce.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, orgClientSuite } from './helpers';

const suite = orgClientSuite();
const { jwtClient, facts } = suite;

describe('asset signing keys read ahead', () => {
  it('after warmAssetKeys, exchanging and validating a token reads no keys; a second warm-up reads nothing', async () => {
    const { client } = await jwtClient({}, { assetSigningCertPem: undefined });
    const before = client.stats.otherCalls;
    await client.warmAssetKeys();
    expect(client.stats.otherCalls).toBe(before + 1);
    await client.warmAssetKeys();
    expect(client.stats.otherCalls).toBe(before + 1);
    const device = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = device.publicKey.export({ format: 'jwk' });
    const { id } = await client.upsertAsset(facts('WARM-1'));
    const unsigned = client.buildActorToken({
      did: 'WARM-1',
      name: 'n',
      assetId: id,
      serialNumber: 'WARM-1',
      jwk,
    });
    const actor = unsigned.finish(
      crypto.sign('sha256', Buffer.from(unsigned.signingInput), device.privateKey),
    );
    const issued = await client.exchangeAssetToken(actor);
    const calls = client.stats.otherCalls;
    const claims = await client.validateAssetToken(issued.assetToken, { audience: AUDIENCE, deviceJwk: jwk });
    expect(claims.did).toBe('WARM-1');
    expect(client.stats.otherCalls).toBe(calls); // the keys were already there
  }, 60_000);

  it('with a pinned signing certificate, the warm-up reads nothing', async () => {
    const { client } = await jwtClient({}, { assetSigningCertPem: suite.emu.assetSigningKeyPem });
    const before = client.stats.otherCalls;
    await client.warmAssetKeys();
    expect(client.stats.otherCalls).toBe(before);
  });
});
