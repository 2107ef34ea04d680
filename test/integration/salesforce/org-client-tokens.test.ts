/**
 * OrgClient's asset tokens and fault handling against the org emulator over real HTTP on 127.0.0.1:
 * device-signed actor token → exchange → validation (an RSA key in the test stands in for the device),
 * the station org service's saga port, EC devices skipped; and each fault of the emulator.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OrgClient, assetTokenSupported, assetTokenSkipReason } from '../../../core/salesforce';
import { orgService } from '../../../core/salesforce/station-org';
import { defaultConfig } from '../../../core/config';
import { SECRET_NAMES } from '../../../core/secrets';
import { AUDIENCE, orgClientSuite } from './helpers';

const suite = orgClientSuite();
const { jwtClient, keys, caught, facts, keyFingerprint, sfConfig, storeWithJwtKey } = suite;

describe('asset tokens', () => {
  const device = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = device.publicKey.export({ format: 'jwk' });
  /** The actor token of device `uid` (serial number = UID) for the Asset `assetId`. */
  const actorFor = (client: OrgClient, uid: string, assetId: string, name = 'n') =>
    client.buildActorToken({ did: uid, name, assetId, serialNumber: uid, jwk });

  it('device-signed actor token → exchange → validation against /id/keys and a pinned key', async () => {
    const { client, secrets } = await jwtClient({}, { assetSigningCertPem: undefined });
    const { id } = await client.upsertAsset(facts('TOKEN-1'));
    const unsigned = actorFor(client, 'TOKEN-1', id, 'AS-SIM-1 TOKEN-1');
    // the device signs (stand-in: the test's RSA key)
    const actor = unsigned.finish(
      crypto.sign('sha256', Buffer.from(unsigned.signingInput), device.privateKey),
    );
    const issued = await client.exchangeAssetToken(actor);
    expect(issued.expiresIn).toBe(300);
    expect(issued.claims).toMatchObject({ did: 'TOKEN-1', Asset: { Id: id } });
    const claims = await client.validateAssetToken(issued.assetToken, { audience: AUDIENCE, deviceJwk: jwk });
    expect(claims.aud).toEqual([AUDIENCE]);
    const ev = suite.emu.tokenEvents().find((e) => e.DeviceId === 'TOKEN-1');
    expect(ev).toMatchObject({ AssetId: id, AssetSerialNumber: 'TOKEN-1' });
    expect(JSON.parse(ev!.DeviceKey).n).toBe(jwk.n);
    expect(suite.emu.assets().filter((a) => a.Device_UID__c === 'TOKEN-1')).toHaveLength(1); // linked, not created

    const pinned = await OrgClient.fromSecrets(sfConfig(suite.emu), secrets, {
      assetSigningCertPem: suite.emu.assetSigningKeyPem,
    });
    expect((await pinned.validateAssetToken(issued.assetToken, { audience: AUDIENCE })).did).toBe('TOKEN-1');
    expect(pinned.stats.otherCalls).toBe(0);

    // invalid: wrong audience, tampered payload, expired, alg none, another device key
    expect(
      (await caught(client.validateAssetToken(issued.assetToken, { audience: 'https://other.invalid' })))
        .code,
    ).toBe('ASSET_TOKEN_INVALID');
    const [h, p, s] = issued.assetToken.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...issued.claims, did: 'EVIL' })).toString('base64url')}.${s}`;
    expect((await caught(client.validateAssetToken(tampered, { audience: AUDIENCE }))).message).toMatch(
      /signature/,
    );
    expect(
      (
        await caught(
          client.validateAssetToken(issued.assetToken, { audience: AUDIENCE, nowMs: Date.now() + 3600_000 }),
        )
      ).message,
    ).toMatch(/expired/);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.`;
    expect((await caught(client.validateAssetToken(none, { audience: AUDIENCE }))).message).toMatch(/RS256/);
    const otherJwk = crypto
      .generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ format: 'jwk' });
    expect(
      (
        await caught(
          client.validateAssetToken(issued.assetToken, { audience: AUDIENCE, deviceJwk: otherJwk }),
        )
      ).message,
    ).toMatch(/cnf/);
    // the org's token for this device and Asset, checked against another device or Asset: refused
    const full = { audience: AUDIENCE, deviceJwk: jwk, deviceUid: 'TOKEN-1', assetId: id };
    await expect(client.validateAssetToken(issued.assetToken, full)).resolves.toMatchObject({
      did: 'TOKEN-1',
    });
    for (const [o, rule] of [
      [{ deviceUid: 'TOKEN-2' }, 'did'],
      [{ assetId: '02i00000000ZZZZAAA' }, 'asset'],
      [{ issuer: 'https://evil.example' }, 'iss'],
      [{ maxLifetimeSec: 60 }, 'lifetime'],
    ] as const) {
      expect(
        (await caught(client.validateAssetToken(issued.assetToken, { ...full, ...o }))).details,
      ).toMatchObject({
        rule,
      });
    }
  });

  it('refuses a signature by another key (POP_FAILED) and reports a rejected exchange', async () => {
    const { client } = await jwtClient();
    const { id } = await client.upsertAsset(facts('TOKEN-2'));
    const unsigned = actorFor(client, 'TOKEN-2', id);
    const intruder = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const pop = await caught(
      Promise.resolve().then(() =>
        unsigned.finish(crypto.sign('sha256', Buffer.from(unsigned.signingInput), intruder)),
      ),
    );
    expect(pop.code).toBe('POP_FAILED');
    // bypassing finish: the org itself refuses the bad signature
    const forged = `${unsigned.signingInput}.${crypto.sign('sha256', Buffer.from(unsigned.signingInput), intruder).toString('base64url')}`;
    const rej = await caught(client.exchangeAssetToken(forged));
    expect(rej.code).toBe('ASSET_TOKEN_REJECTED');
    expect(suite.emu.tokenEvents().some((e) => e.DeviceId === 'TOKEN-2')).toBe(false);
  });

  it('the station org service: connect (JWT), then the saga port issues a validated asset token with the device as signer', async () => {
    const secrets = await storeWithJwtKey(keys.privatePem);
    const config = { ...defaultConfig(), salesforce: sfConfig(suite.emu) };
    const svc = orgService(() => config, secrets);
    expect((await svc.status()).connected).toBe(false);
    const st = await svc.connect();
    expect(st).toMatchObject({ connected: true, orgId: suite.emu.orgId });
    expect(st.apiUsage?.limit).toBe(100_000);
    const port = await svc.port();
    expect(port.orgId).toBe(suite.emu.orgId);
    expect(
      await port.checkClone({
        deviceUid: 'PORT-1',
        keyFingerprint: keyFingerprint('port-1'),
        reprovision: false,
      }),
    ).toEqual({});
    const { id } = await port.upsertAsset({
      ...facts('PORT-1', 'port-1'),
      firmware: '1',
      provisionedBy: 'op',
    });
    const spki = device.publicKey.export({ type: 'spki', format: 'der' });
    const signed: Uint8Array[] = [];
    const t = await port.issueAssetToken({
      deviceUid: 'PORT-1',
      assetId: id,
      name: 'PORT-1',
      publicKeySpki: new Uint8Array(spki),
      sign: async (input) => {
        signed.push(input);
        return crypto.sign('sha256', input, device.privateKey);
      },
    });
    expect(t.expiresIn).toBe(300);
    expect(t.jti).toBeTruthy();
    expect(Buffer.from(signed[0]!).toString().split('.')).toHaveLength(2);
    expect((await port.findAssetByUid('PORT-1'))?.id).toBe(id);
    const ec = crypto
      .generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .publicKey.export({ type: 'spki', format: 'der' });
    const e = await caught(
      port.issueAssetToken({
        deviceUid: 'PORT-1',
        assetId: id,
        name: 'n',
        publicKeySpki: new Uint8Array(ec),
        sign: async () => new Uint8Array(64),
      }),
    );
    expect(e.code).toBe('ASSET_TOKEN_REJECTED');
    expect(await svc.disconnect()).toEqual({ connected: false });
    expect(await secrets.get(SECRET_NAMES.orgAccessToken)).toBeUndefined();
  });

  it('skips EC devices with a recorded reason', async () => {
    expect(assetTokenSupported('RSA-2048')).toBe(true);
    expect(assetTokenSupported('ECDSA-P256')).toBe(false);
    expect(assetTokenSkipReason('ECDSA-P256')).toMatch(/RS256/);
    const { client } = await jwtClient();
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const e = await caught(
      Promise.resolve().then(() =>
        client.buildActorToken({
          did: 'EC-1',
          name: 'n',
          assetId: '02i000000000000AAA',
          serialNumber: 'EC-1',
          jwk: ec,
        }),
      ),
    );
    expect(e.code).toBe('ASSET_TOKEN_REJECTED');
  });
});

describe('faults', () => {
  it('5xx: GETs are retried by jsforce; writes fail clearly, and a retry after an unclear answer never duplicates', async () => {
    const { client } = await jwtClient({}, { idempotentRetries: 0 });
    await client.upsertAsset(facts('FAULT-1'));
    suite.emu.faults.serverErrors = 1;
    expect((await client.findAssetByUid('FAULT-1'))?.deviceUid).toBe('FAULT-1');
    suite.emu.faults.serverErrors = 1;
    const e = await caught(client.upsertAsset(facts('FAULT-2')));
    expect(e.code).toBe('ORG_UNAVAILABLE');
    suite.emu.faults.htmlErrors = 1;
    const h = await caught(client.upsertAsset(facts('FAULT-2')));
    expect(h.code).toBe('ORG_UNAVAILABLE');
    expect(h.message).toMatch(/HTML/);
    suite.emu.faults.malformedJson = 1; // the write happens, the answer is garbage
    const m = await caught(client.upsertAsset(facts('FAULT-2')));
    expect(m.code).toBe('ORG_UNAVAILABLE');
    expect(m.message).toMatch(/malformed/);
    const retry = await client.upsertAsset(facts('FAULT-2'));
    expect(retry.created).toBe(false);
    expect(suite.emu.assets().filter((a) => a.Device_UID__c === 'FAULT-2')).toHaveLength(1);
  });

  it('retries an idempotent upsert once by itself after a malformed answer', async () => {
    const { client } = await jwtClient();
    suite.emu.faults.malformedJson = 1;
    const r = await client.upsertAsset(facts('FAULT-3'));
    expect(r.id).toMatch(/^02i/);
    expect(client.stats.restCalls).toBe(2);
    expect(suite.emu.assets().filter((a) => a.Device_UID__c === 'FAULT-3')).toHaveLength(1);
  });

  it('an HTML page from the token endpoint: login and asset-token exchange fail as ORG_UNAVAILABLE', async () => {
    suite.emu.faults.tokenHtmlErrors = 1;
    const login = await caught(
      OrgClient.loginWithJwtBearer(sfConfig(suite.emu), await storeWithJwtKey(keys.privatePem)),
    );
    expect(login.code).toBe('ORG_UNAVAILABLE');
    expect(login.message).toMatch(/HTML/);
    const { client } = await jwtClient();
    suite.emu.faults.tokenHtmlErrors = 1;
    const ex = await caught(client.exchangeAssetToken('a.b.c'));
    expect(ex.code).toBe('ORG_UNAVAILABLE');
  });

  it('429 → ORG_LIMIT; DUPLICATE_VALUE → ORG_DUPLICATE; slow org → timeout', async () => {
    const { client } = await jwtClient({}, { requestTimeoutMs: 200 });
    suite.emu.faults.rateLimited = 1;
    expect((await caught(client.upsertAsset(facts('FAULT-4')))).code).toBe('ORG_LIMIT');
    suite.emu.faults.duplicateValue = 1;
    expect((await caught(client.upsertAsset(facts('FAULT-4')))).code).toBe('ORG_DUPLICATE');
    suite.emu.faults.latencyMs = 400;
    const slow = await caught(client.upsertAsset(facts('FAULT-4')));
    expect(slow.code).toBe('ORG_UNAVAILABLE');
  });
});
