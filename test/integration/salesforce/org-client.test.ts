/**
 * OrgClient against the org emulator over real HTTP on 127.0.0.1: each login flow, upsert create /
 * update / 300, Collections batching, clone check, asset-token exchange and validation (an RSA key in
 * the test stands in for the device), and each fault of the emulator.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { OrgClient, assetTokenSupported, assetTokenSkipReason } from '../../../core/salesforce';
import { orgService } from '../../../core/salesforce/station-org';
import { defaultConfig } from '../../../core/config';
import { SECRET_NAMES } from '../../../core/secrets';
import { FileVault } from '../../../core/secrets';
import { isStationError, type StationError } from '../../../shared/errors';
import {
  AUDIENCE,
  MemorySecrets,
  autoBrowser,
  facts,
  freePort,
  jwtKeys,
  keyFingerprint,
  sfConfig,
  storeWithJwtKey,
} from './helpers';

async function caught(p: Promise<unknown>): Promise<StationError> {
  try {
    await p;
  } catch (e) {
    if (isStationError(e)) return e as StationError;
    throw e;
  }
  throw new Error('expected a StationError');
}

const keys = jwtKeys();
let emu: OrgEmulator;

beforeAll(async () => {
  emu = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, assetAudience: AUDIENCE });
});
afterAll(async () => {
  await emu.stop();
});
afterEach(() => {
  Object.assign(emu.faults, {
    latencyMs: 0,
    serverErrors: 0,
    htmlErrors: 0,
    malformedJson: 0,
    rateLimited: 0,
    tokenHtmlErrors: 0,
    duplicateValue: 0,
    refuseConcurrentRefresh: true,
    acceptEs256: false,
  });
});

async function jwtClient(over: Parameters<typeof sfConfig>[1] = {}, opts = {}) {
  const secrets = await storeWithJwtKey(keys.privatePem);
  const client = await OrgClient.loginWithJwtBearer(sfConfig(emu, over), secrets, opts);
  return { client, secrets };
}

describe('JWT bearer login and Asset upsert', () => {
  it('creates the Asset once (201), then updates it (200) — a retry never duplicates', async () => {
    const { client, secrets } = await jwtClient();
    expect(JSON.parse((await secrets.get(SECRET_NAMES.orgAccessToken))!).flow).toBe('jwt');
    const uid = 'AS:01+ab?#%&é'.replace('é', 'e'); // characters that must be URL-encoded
    const first = await client.upsertAsset(facts(uid));
    expect(first.created).toBe(true);
    const again = await client.upsertAsset({ ...facts(uid), firmware: '1.2.4' });
    expect(again).toEqual({ id: first.id, created: false });
    const stored = emu.assets().filter((a) => a.Device_UID__c === uid);
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      Name: `AS-SIM-1 ${uid}`,
      SerialNumber: uid,
      AccountId: emu.defaultAccountId,
      Product2Id: emu.productIds['AS-SENSOR-1'],
      Status: 'Registered',
      Firmware_Version__c: '1.2.4',
      Key_Fingerprint__c: keyFingerprint(uid),
      Station_Id__c: 'station-test',
      Provisioned_By__c: 'tester',
    });
    expect(client.stats.restCalls).toBe(2);
    const read = await client.findAssetByUid(uid);
    expect(read).toMatchObject({
      id: first.id,
      deviceUid: uid,
      keyFingerprint: keyFingerprint(uid),
      firmware: '1.2.4',
    });
    expect(await client.findAssetByUid('NOT-THERE')).toBeUndefined();
    const st = client.status();
    expect(st).toMatchObject({ connected: true, username: emu.adminUsername, orgId: emu.orgId });
    expect(st.apiUsage!.limit).toBe(100_000);
    expect(st.apiUsage!.used).toBeGreaterThan(0);
  });

  it('refuses bad input before any call: no Account/Contact, bad UID', async () => {
    const { client } = await jwtClient({ accountId: undefined });
    const e = await caught(client.upsertAsset(facts('NO-ACCOUNT-1')));
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.remedy).toMatch(/accountId/);
    const bad = await caught(client.upsertAsset(facts('has/slash')));
    expect(bad.code).toBe('BAD_REQUEST');
    const space = await caught(client.upsertAsset(facts('has space')));
    expect(space.code).toBe('BAD_REQUEST');
    expect(client.stats.restCalls).toBe(0);
    // a per-job Contact is enough
    const ok = await client.upsertAsset({ ...facts('CONTACT-ONLY-1'), contactId: emu.defaultContactId });
    expect(ok.created).toBe(true);
  });

  it('maps an unknown mapped field (INVALID_FIELD) to ORG_CONFIG and a 300 to ORG_DUPLICATE without writing', async () => {
    const { client } = await jwtClient(
      {},
      {
        fieldMap: {
          ...(await import('../../../core/salesforce')).DEFAULT_FIELD_MAP,
          firmware: 'Nope__c',
        },
      },
    );
    const e = await caught(client.upsertAsset(facts('FIELD-1')));
    expect(e.code).toBe('ORG_CONFIG');
    expect(e.details?.sfCode).toBe('INVALID_FIELD');

    const { client: c2 } = await jwtClient();
    emu.seedAsset({ Name: 'legacy a', AccountId: emu.defaultAccountId, Device_UID__c: 'DUP-300' });
    emu.seedAsset({ Name: 'legacy b', AccountId: emu.defaultAccountId, Device_UID__c: 'DUP-300' });
    const before = emu.assets().length;
    const d = await caught(c2.upsertAsset(facts('DUP-300')));
    expect(d.code).toBe('ORG_DUPLICATE');
    expect((d.details?.assetIds as string[]).length).toBe(2);
    expect(emu.assets().length).toBe(before);
    expect((await caught(c2.findAssetByUid('DUP-300'))).code).toBe('ORG_DUPLICATE');
  });
});

describe('Collections batching', () => {
  it('upserts several devices in one call and maps per-record statusCode errors', async () => {
    const { client } = await jwtClient();
    const uids = ['BATCH-1', 'BATCH-2', 'BATCH-3', 'BATCH-4', 'BATCH-5'];
    const out = await client.upsertAssets(uids.map((u) => facts(u)));
    expect(client.stats.restCalls).toBe(1);
    expect(out.every((o) => o.ok && o.created)).toBe(true);
    emu.faults.duplicateValue = 1; // the first record of the next call fails
    const again = await client.upsertAssets([
      ...uids.map((u) => facts(u)),
      { ...facts('BATCH-6'), deviceUid: 'bad uid' },
    ]);
    expect(client.stats.restCalls).toBe(2);
    expect(again[0]!.ok).toBe(false);
    if (!again[0]!.ok) expect(again[0]!.error.code).toBe('ORG_DUPLICATE');
    expect(again.slice(1, 5).every((o) => o.ok && !o.created)).toBe(true);
    const last = again[5]!;
    expect(last.ok ? 'ok' : last.error.code).toBe('BAD_REQUEST'); // refused before the call
    expect(emu.assets().filter((a) => String(a.Device_UID__c).startsWith('BATCH-'))).toHaveLength(5);
  });

  it('coalesces concurrent upserts from several bays within the window into one call', async () => {
    const { client } = await jwtClient();
    const b = client.batcher({ windowMs: 50 });
    const results = await Promise.all(['BAY-1', 'BAY-2', 'BAY-3', 'BAY-4'].map((u) => b.upsert(facts(u))));
    expect(client.stats.restCalls).toBe(1);
    expect(new Set(results.map((r) => r.id)).size).toBe(4);
    const single = await b.upsert(facts('BAY-1'));
    expect(single).toEqual({ id: results[0]!.id, created: false });
    expect(client.stats.restCalls).toBe(2);
  });
  it('coalesces the clone checks and read-backs of several bays into one query each', async () => {
    const { client } = await jwtClient();
    await client.upsertAsset(facts('LOOK-A', 'look-key-a'));
    const base = client.stats.restCalls;
    const l = client.lookups({ windowMs: 50 });
    const checks = await Promise.allSettled([
      l.checkClone({ deviceUid: 'LOOK-A', keyFingerprint: keyFingerprint('look-key-a'), reprovision: false }),
      l.checkClone({ deviceUid: 'LOOK-B', keyFingerprint: keyFingerprint('look-key-b'), reprovision: false }),
      l.checkClone({
        deviceUid: 'LOOK-CLONE',
        keyFingerprint: keyFingerprint('look-key-a'),
        reprovision: false,
      }),
    ]);
    expect(client.stats.restCalls - base).toBe(1);
    expect(checks[0]).toMatchObject({
      status: 'fulfilled',
      value: { existingAssetId: expect.stringMatching(/^02i/) },
    });
    expect(checks[1]).toEqual({ status: 'fulfilled', value: {} });
    expect(checks[2]).toMatchObject({ status: 'rejected', reason: { code: 'CLONE_SUSPECTED' } });
    const found = await Promise.all(['LOOK-A', 'LOOK-B'].map((u) => l.findAssetByUid(u)));
    expect(client.stats.restCalls - base).toBe(2);
    expect(found[0]?.keyFingerprint).toBe(keyFingerprint('look-key-a'));
    expect(found[1]).toBeUndefined();
  });
});

describe('clone check', () => {
  it('refuses a key under another UID and a UID with another key unless re-provisioning', async () => {
    const { client } = await jwtClient();
    await client.upsertAsset(facts('CLONE-A', 'key-a'));
    expect(
      await client.checkClone({
        deviceUid: 'CLONE-NEW',
        keyFingerprint: keyFingerprint('fresh'),
        reprovision: false,
      }),
    ).toEqual({});
    const clone = await caught(
      client.checkClone({
        deviceUid: 'CLONE-B',
        keyFingerprint: keyFingerprint('key-a'),
        reprovision: false,
      }),
    );
    expect(clone.code).toBe('CLONE_SUSPECTED');
    expect(clone.details?.reason).toBe('key-under-other-uid');
    const rekeyed = await caught(
      client.checkClone({
        deviceUid: 'CLONE-A',
        keyFingerprint: keyFingerprint('key-z'),
        reprovision: false,
      }),
    );
    expect(rekeyed.code).toBe('REPROVISION_REQUIRED');
    expect(rekeyed.details?.reason).toBe('uid-has-other-key');
    const over = await client.checkClone({
      deviceUid: 'CLONE-A',
      keyFingerprint: keyFingerprint('key-z'),
      reprovision: true,
    });
    expect(over.reprovisioned).toBe(true);
    const same = await client.checkClone({
      deviceUid: 'CLONE-A',
      keyFingerprint: keyFingerprint('key-a'),
      reprovision: false,
    });
    expect(same.existingAssetId).toMatch(/^02i/);
    expect(client.stats.restCalls).toBe(6); // 1 upsert + one query per check
  });
});

describe('PKCE login and refresh with rotation', () => {
  it('logs in through the loopback callback, keeps rotated refresh tokens, and refreshes once for concurrent requests', async () => {
    const port = await freePort();
    const secrets = new MemorySecrets();
    const cfg = sfConfig(emu, { authFlow: 'pkce', callbackPort: port });
    const opened: string[] = [];
    const client = await OrgClient.loginWithPkce(cfg, secrets, {
      openUrl: async (u) => {
        opened.push(u);
        await autoBrowser(u);
      },
    });
    const authUrl = new URL(opened[0]!);
    expect(authUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authUrl.searchParams.get('redirect_uri')).toBe(`http://localhost:${port}/OauthRedirect`);
    const rt1 = await secrets.get(SECRET_NAMES.orgRefreshToken);
    expect(rt1).toBeTruthy();
    expect(client.status().username).toBe(emu.adminUsername);

    const refreshesBefore = emu.stats().tokenCalls.refresh_token ?? 0;
    emu.expireSessions();
    emu.faults.latencyMs = 30; // overlapping requests
    const uids = Array.from({ length: 8 }, (_, i) => `PKCE-${i}`);
    const res = await Promise.all(uids.map((u) => client.upsertAsset(facts(u))));
    expect(res.every((r) => r.created)).toBe(true);
    expect((emu.stats().tokenCalls.refresh_token ?? 0) - refreshesBefore).toBe(1);
    const rt2 = await secrets.get(SECRET_NAMES.orgRefreshToken);
    expect(rt2).not.toBe(rt1); // rotated token kept (jsforce alone drops it, docs/salesforce-wire.md §6.3)

    // a second expiry works with the rotated token; the session in the store follows
    emu.expireSessions();
    await client.findAssetByUid('PKCE-0');
    expect(await secrets.get(SECRET_NAMES.orgRefreshToken)).not.toBe(rt2);

    // a new client from the SecretStore continues the session
    const again = await OrgClient.fromSecrets(cfg, secrets);
    expect((await again.findAssetByUid('PKCE-1'))?.deviceUid).toBe('PKCE-1');

    // logout revokes the family: the old refresh token is dead, the store is empty
    await again.logout();
    expect(await secrets.get(SECRET_NAMES.orgRefreshToken)).toBeUndefined();
    expect((await caught(OrgClient.fromSecrets(cfg, secrets))).code).toBe('ORG_NOT_CONNECTED');
  });

  it('reports ORG_AUTH with a remedy when the refresh fails, and a denied login', async () => {
    const port = await freePort();
    const secrets = new MemorySecrets();
    const cfg = sfConfig(emu, { authFlow: 'pkce', callbackPort: port });
    const client = await OrgClient.loginWithPkce(cfg, secrets, { openUrl: autoBrowser });
    await secrets.set(SECRET_NAMES.orgRefreshToken, 'bogus-refresh-token');
    emu.expireSessions();
    const e = await caught(client.findAssetByUid('X-1'));
    expect(e.code).toBe('ORG_AUTH');
    expect(e.remedy).toMatch(/[Ll]og in/);
    expect(client.status().connected).toBe(false);
    expect(client.status().error?.code).toBe('ORG_AUTH');

    // the browser comes back with ?error=access_denied
    const denied = await caught(
      OrgClient.loginWithPkce(cfg, new MemorySecrets(), {
        openUrl: async (u) => {
          const q = new URL(u).searchParams;
          await fetch(
            `http://127.0.0.1:${port}/OauthRedirect?error=access_denied&error_description=denied&state=${q.get('state')}`,
          );
        },
      }),
    );
    expect(denied.code).toBe('ORG_AUTH');
    // a redirect with a forged state is ignored until the timeout
    const timeout = await caught(
      OrgClient.loginWithPkce(cfg, new MemorySecrets(), {
        timeoutMs: 300,
        openUrl: async () => {
          await fetch(`http://127.0.0.1:${port}/OauthRedirect?code=stolen&state=forged`);
        },
      }),
    );
    expect(timeout.code).toBe('ORG_AUTH');
    expect(timeout.message).toMatch(/not completed/);
  });

  it('a JWT bearer session that expires logs in again transparently', async () => {
    const { client } = await jwtClient();
    const before = emu.stats().tokenCalls['urn:ietf:params:oauth:grant-type:jwt-bearer'] ?? 0;
    emu.expireSessions();
    await client.upsertAsset(facts('JWT-REAUTH-1'));
    expect((emu.stats().tokenCalls['urn:ietf:params:oauth:grant-type:jwt-bearer'] ?? 0) - before).toBe(1);
  });

  it('does not reuse a stored session of another login URL (emulator on a new port): JWT logs in again', async () => {
    const { secrets } = await jwtClient();
    const other = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, clientId: emu.clientId });
    try {
      const c = await OrgClient.fromSecrets(sfConfig(other, { accountId: other.defaultAccountId }), secrets);
      expect(c.stats.tokenCalls).toBe(1);
      expect(c.status().instanceUrl).toBe(other.baseUrl);
      expect((await c.upsertAsset(facts('OTHER-ORG-1'))).created).toBe(true);
      const pkce = await caught(
        OrgClient.fromSecrets(
          sfConfig(emu, { authFlow: 'pkce', loginUrl: 'https://login.salesforce.com' }),
          secrets,
        ),
      );
      expect(pkce.code).toBe('ORG_NOT_CONNECTED');
    } finally {
      await other.stop();
    }
  });

  it('ends a refresh loop (sessions that die at once) with ORG_AUTH instead of hammering the token endpoint', async () => {
    const dying = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, sessionTtlMs: 1 });
    try {
      const c = await OrgClient.loginWithJwtBearer(sfConfig(dying), await storeWithJwtKey(keys.privatePem));
      const e = await caught(c.upsertAsset(facts('LOOP-1')));
      expect(e.code).toBe('ORG_AUTH');
      expect(e.message).toMatch(/right after each refresh/);
      expect(dying.stats().tokenCalls['urn:ietf:params:oauth:grant-type:jwt-bearer']).toBeLessThanOrEqual(4);
    } finally {
      await dying.stop();
    }
  });

  it('refuses a JWT login without username or key, and a wrong key', async () => {
    expect(
      (
        await caught(
          OrgClient.loginWithJwtBearer(
            sfConfig(emu, { username: undefined }),
            await storeWithJwtKey(keys.privatePem),
          ),
        )
      ).code,
    ).toBe('ORG_CONFIG');
    expect((await caught(OrgClient.loginWithJwtBearer(sfConfig(emu), new MemorySecrets()))).code).toBe(
      'SECRET_MISSING',
    );
    const other = jwtKeys();
    const e = await caught(
      OrgClient.loginWithJwtBearer(sfConfig(emu), await storeWithJwtKey(other.privatePem)),
    );
    expect(e.code).toBe('ORG_AUTH');
    expect(e.details?.oauthError).toBe('invalid_grant');
    expect(
      (
        await caught(
          OrgClient.loginWithJwtBearer(
            sfConfig(emu, { clientId: 'wrong' }),
            await storeWithJwtKey(keys.privatePem),
          ),
        )
      ).code,
    ).toBe('ORG_CONFIG');
  });
});

describe('asset tokens', () => {
  const device = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = device.publicKey.export({ format: 'jwk' });

  it('device-signed actor token → exchange → validation against /id/keys and a pinned key', async () => {
    const { client, secrets } = await jwtClient({}, { assetSigningCertPem: undefined });
    const { id } = await client.upsertAsset(facts('TOKEN-1'));
    const unsigned = client.buildActorToken({
      did: 'TOKEN-1',
      name: 'AS-SIM-1 TOKEN-1',
      assetId: id,
      serialNumber: 'TOKEN-1',
      jwk,
    });
    // the device signs (stand-in: the test's RSA key)
    const actor = unsigned.finish(
      crypto.sign('sha256', Buffer.from(unsigned.signingInput), device.privateKey),
    );
    const issued = await client.exchangeAssetToken(actor);
    expect(issued.expiresIn).toBe(300);
    expect(issued.claims).toMatchObject({ did: 'TOKEN-1', Asset: { Id: id } });
    const claims = await client.validateAssetToken(issued.assetToken, { audience: AUDIENCE, deviceJwk: jwk });
    expect(claims.aud).toEqual([AUDIENCE]);
    const ev = emu.tokenEvents().find((e) => e.DeviceId === 'TOKEN-1');
    expect(ev).toMatchObject({ AssetId: id, AssetSerialNumber: 'TOKEN-1' });
    expect(JSON.parse(ev!.DeviceKey).n).toBe(jwk.n);
    expect(emu.assets().filter((a) => a.Device_UID__c === 'TOKEN-1')).toHaveLength(1); // linked, not created

    const pinned = await OrgClient.fromSecrets(sfConfig(emu), secrets, {
      assetSigningCertPem: emu.assetSigningKeyPem,
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
  });

  it('refuses a signature by another key (POP_FAILED) and reports a rejected exchange', async () => {
    const { client } = await jwtClient();
    const { id } = await client.upsertAsset(facts('TOKEN-2'));
    const unsigned = client.buildActorToken({
      did: 'TOKEN-2',
      name: 'n',
      assetId: id,
      serialNumber: 'TOKEN-2',
      jwk,
    });
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
    expect(emu.tokenEvents().some((e) => e.DeviceId === 'TOKEN-2')).toBe(false);
  });

  it('the station org service: connect (JWT), then the saga port issues a validated asset token with the device as signer', async () => {
    const secrets = await storeWithJwtKey(keys.privatePem);
    const config = { ...defaultConfig(), salesforce: sfConfig(emu) };
    const svc = orgService(() => config, secrets);
    expect((await svc.status()).connected).toBe(false);
    const st = await svc.connect();
    expect(st).toMatchObject({ connected: true, orgId: emu.orgId });
    expect(st.apiUsage?.limit).toBe(100_000);
    const port = await svc.port();
    expect(port.orgId).toBe(emu.orgId);
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
    emu.faults.serverErrors = 1;
    expect((await client.findAssetByUid('FAULT-1'))?.deviceUid).toBe('FAULT-1');
    emu.faults.serverErrors = 1;
    const e = await caught(client.upsertAsset(facts('FAULT-2')));
    expect(e.code).toBe('ORG_UNAVAILABLE');
    emu.faults.htmlErrors = 1;
    const h = await caught(client.upsertAsset(facts('FAULT-2')));
    expect(h.code).toBe('ORG_UNAVAILABLE');
    expect(h.message).toMatch(/HTML/);
    emu.faults.malformedJson = 1; // the write happens, the answer is garbage
    const m = await caught(client.upsertAsset(facts('FAULT-2')));
    expect(m.code).toBe('ORG_UNAVAILABLE');
    expect(m.message).toMatch(/malformed/);
    const retry = await client.upsertAsset(facts('FAULT-2'));
    expect(retry.created).toBe(false);
    expect(emu.assets().filter((a) => a.Device_UID__c === 'FAULT-2')).toHaveLength(1);
  });

  it('retries an idempotent upsert once by itself after a malformed answer', async () => {
    const { client } = await jwtClient();
    emu.faults.malformedJson = 1;
    const r = await client.upsertAsset(facts('FAULT-3'));
    expect(r.id).toMatch(/^02i/);
    expect(client.stats.restCalls).toBe(2);
    expect(emu.assets().filter((a) => a.Device_UID__c === 'FAULT-3')).toHaveLength(1);
  });

  it('an HTML page from the token endpoint: login and asset-token exchange fail as ORG_UNAVAILABLE', async () => {
    emu.faults.tokenHtmlErrors = 1;
    const login = await caught(
      OrgClient.loginWithJwtBearer(sfConfig(emu), await storeWithJwtKey(keys.privatePem)),
    );
    expect(login.code).toBe('ORG_UNAVAILABLE');
    expect(login.message).toMatch(/HTML/);
    const { client } = await jwtClient();
    emu.faults.tokenHtmlErrors = 1;
    const ex = await caught(client.exchangeAssetToken('a.b.c'));
    expect(ex.code).toBe('ORG_UNAVAILABLE');
  });

  it('429 → ORG_LIMIT; DUPLICATE_VALUE → ORG_DUPLICATE; slow org → timeout', async () => {
    const { client } = await jwtClient({}, { requestTimeoutMs: 200 });
    emu.faults.rateLimited = 1;
    expect((await caught(client.upsertAsset(facts('FAULT-4')))).code).toBe('ORG_LIMIT');
    emu.faults.duplicateValue = 1;
    expect((await caught(client.upsertAsset(facts('FAULT-4')))).code).toBe('ORG_DUPLICATE');
    emu.faults.latencyMs = 400;
    const slow = await caught(client.upsertAsset(facts('FAULT-4')));
    expect(slow.code).toBe('ORG_UNAVAILABLE');
  });
});

describe('daily API limit', () => {
  it('stops at the reserve before the org refuses, and maps REQUEST_LIMIT_EXCEEDED', async () => {
    const limited = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, dailyLimit: 100 });
    try {
      const secrets = await storeWithJwtKey(keys.privatePem);
      const client = await OrgClient.loginWithJwtBearer(sfConfig(limited), secrets, { apiReserve: 10 });
      limited.setApiUsage(88);
      await client.upsertAsset(facts('LIM-1')); // → 89/100
      await client.upsertAsset(facts('LIM-2')); // → 90/100: at the reserve
      const e = await caught(client.upsertAsset(facts('LIM-3')));
      expect(e.code).toBe('ORG_LIMIT');
      expect(e.details).toMatchObject({ used: 90, limit: 100, reserve: 10 });
      expect(limited.stats().apiUsed).toBe(90); // the station stopped itself
      const noReserve = await OrgClient.fromSecrets(sfConfig(limited), secrets, { apiReserve: 0 });
      limited.setApiUsage(100);
      const hard = await caught(noReserve.upsertAsset(facts('LIM-3')));
      expect(hard.code).toBe('ORG_LIMIT');
      expect(hard.details?.sfCode).toBe('REQUEST_LIMIT_EXCEEDED');
    } finally {
      await limited.stop();
    }
  });
});

describe('persistence and the FileVault', () => {
  it('keeps Assets, client ID and the session across an emulator restart', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'org-emu-'));
    try {
      const a = await startOrgEmulator({ home, jwtBearerCertPem: keys.publicPem });
      const vault = FileVault.inHome(home, 'correct horse battery');
      await vault.set(SECRET_NAMES.orgJwtKey, keys.privatePem);
      const c = await OrgClient.fromSecrets(sfConfig(a), vault); // jwt flow logs in by itself
      const { id } = await c.upsertAsset(facts('PERSIST-1'));
      const clientId = a.clientId;
      await a.stop();
      const b = await startOrgEmulator({ home, jwtBearerCertPem: keys.publicPem, port: a.port });
      try {
        expect(b.clientId).toBe(clientId);
        expect(b.assets().find((r) => r.Device_UID__c === 'PERSIST-1')?.Id).toBe(id);
        const c2 = await OrgClient.fromSecrets(sfConfig(b), FileVault.inHome(home, 'correct horse battery'));
        expect((await c2.upsertAsset(facts('PERSIST-1'))).created).toBe(false);
        expect(c2.stats.tokenCalls).toBe(0); // the stored session was still valid
      } finally {
        await b.stop();
      }
      fs.writeFileSync(path.join(home, 'org-emulator.json'), '{"v":1,');
      await expect(startOrgEmulator({ home })).rejects.toMatchObject({ code: 'HOME_UNUSABLE' });
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
