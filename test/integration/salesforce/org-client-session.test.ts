/**
 * OrgClient's session against the org emulator over real HTTP on 127.0.0.1: the PKCE loopback login,
 * refresh with rotation (single-flight), JWT bearer re-login, refresh loops, login refusals, and the
 * session kept across an emulator restart in the FileVault.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startOrgEmulator } from '../../../sim/org';
import { OrgClient } from '../../../core/salesforce';
import { FileVault, SECRET_NAMES } from '../../../core/secrets';
import { jwtKeys, MemorySecrets, autoBrowser, freePort, orgClientSuite } from './helpers';

const suite = orgClientSuite();
const { jwtClient, keys, caught, facts, sfConfig, storeWithJwtKey } = suite;

describe('PKCE login and refresh with rotation', () => {
  it('logs in through the loopback callback, keeps rotated refresh tokens, and refreshes once for concurrent requests', async () => {
    const port = await freePort();
    const secrets = new MemorySecrets();
    const cfg = sfConfig(suite.emu, { authFlow: 'pkce', callbackPort: port });
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
    expect(client.status().username).toBe(suite.emu.adminUsername);

    const refreshesBefore = suite.emu.stats().tokenCalls.refresh_token ?? 0;
    suite.emu.expireSessions();
    suite.emu.faults.latencyMs = 30; // overlapping requests
    const uids = Array.from({ length: 8 }, (_, i) => `PKCE-${i}`);
    const res = await Promise.all(uids.map((u) => client.upsertAsset(facts(u))));
    expect(res.every((r) => r.created)).toBe(true);
    expect((suite.emu.stats().tokenCalls.refresh_token ?? 0) - refreshesBefore).toBe(1);
    const rt2 = await secrets.get(SECRET_NAMES.orgRefreshToken);
    expect(rt2).not.toBe(rt1); // rotated token kept (jsforce alone drops it, docs/salesforce-wire.md §6.3)

    // a second expiry works with the rotated token; the session in the store follows
    suite.emu.expireSessions();
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
    const cfg = sfConfig(suite.emu, { authFlow: 'pkce', callbackPort: port });
    const client = await OrgClient.loginWithPkce(cfg, secrets, { openUrl: autoBrowser });
    await secrets.set(SECRET_NAMES.orgRefreshToken, 'bogus-refresh-token');
    suite.emu.expireSessions();
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
    const before = suite.emu.stats().tokenCalls['urn:ietf:params:oauth:grant-type:jwt-bearer'] ?? 0;
    suite.emu.expireSessions();
    await client.upsertAsset(facts('JWT-REAUTH-1'));
    expect((suite.emu.stats().tokenCalls['urn:ietf:params:oauth:grant-type:jwt-bearer'] ?? 0) - before).toBe(
      1,
    );
  });

  it('does not reuse a stored session of another login URL (emulator on a new port): JWT logs in again', async () => {
    const { secrets } = await jwtClient();
    const other = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, clientId: suite.emu.clientId });
    try {
      const c = await OrgClient.fromSecrets(sfConfig(other, { accountId: other.defaultAccountId }), secrets);
      expect(c.stats.tokenCalls).toBe(1);
      expect(c.status().instanceUrl).toBe(other.baseUrl);
      expect((await c.upsertAsset(facts('OTHER-ORG-1'))).created).toBe(true);
      const pkce = await caught(
        OrgClient.fromSecrets(
          sfConfig(suite.emu, { authFlow: 'pkce', loginUrl: 'https://login.salesforce.com' }),
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
            sfConfig(suite.emu, { username: undefined }),
            await storeWithJwtKey(keys.privatePem),
          ),
        )
      ).code,
    ).toBe('ORG_CONFIG');
    expect((await caught(OrgClient.loginWithJwtBearer(sfConfig(suite.emu), new MemorySecrets()))).code).toBe(
      'SECRET_MISSING',
    );
    const other = jwtKeys();
    const e = await caught(
      OrgClient.loginWithJwtBearer(sfConfig(suite.emu), await storeWithJwtKey(other.privatePem)),
    );
    expect(e.code).toBe('ORG_AUTH');
    expect(e.details?.oauthError).toBe('invalid_grant');
    expect(
      (
        await caught(
          OrgClient.loginWithJwtBearer(
            sfConfig(suite.emu, { clientId: 'wrong' }),
            await storeWithJwtKey(keys.privatePem),
          ),
        )
      ).code,
    ).toBe('ORG_CONFIG');
  });
});

describe('persistence and the FileVault', () => {
  it('keeps Assets, client ID and the session across an emulator restart', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'org-suite.emu-'));
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
