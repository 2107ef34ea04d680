/**
 * Contract suite of the org emulator's OAuth side (docs/salesforce-wire.md §5, §8) over raw HTTP, and the
 * emulator through unmodified jsforce (including the refresh-token rotation bug of §6.3 that the station
 * works around).
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Connection, OAuth2 } from 'jsforce';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { JWT_KEYS as keys, freePort, jwtKeys, useOrgEmulator } from './helpers';
import { json, rawHttp } from './raw-http';

let emu: OrgEmulator;
useOrgEmulator({ jwtBearerCertPem: keys.publicPem, dailyLimit: 5000 }, (e) => (emu = e));
const { call, token, pkceTokens } = rawHttp(() => emu);

describe('OAuth over raw HTTP', () => {
  it('PKCE code flow: verifier checked, code single-use, redirect_uri exact; refresh rotation with family revocation', async () => {
    const redirect = `http://localhost:${await freePort()}/OauthRedirect`;
    const wrong = await pkceTokens(redirect);
    expect((await wrong.exchange('not-the-verifier')).body.error).toBe('invalid_grant');
    const flow = await pkceTokens(redirect);
    const t = await flow.exchange();
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({ token_type: 'Bearer', instance_url: emu.baseUrl });
    expect(String(t.body.id)).toMatch(new RegExp(`/id/${emu.orgId}/005`));
    expect((await flow.exchange()).body.error).toBe('invalid_grant'); // single use
    const rt1 = String(t.body.refresh_token);
    const r1 = await token({ grant_type: 'refresh_token', refresh_token: rt1, client_id: emu.clientId });
    const rt2 = String(r1.body.refresh_token);
    expect(rt2).not.toBe(rt1);
    // reuse of the retired token → invalid_grant and the whole family is revoked (docs/salesforce-wire.md §5.2)
    const reuse = await token({ grant_type: 'refresh_token', refresh_token: rt1, client_id: emu.clientId });
    expect(reuse.body).toEqual({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    expect(
      (await token({ grant_type: 'refresh_token', refresh_token: rt2, client_id: emu.clientId })).body.error,
    ).toBe('invalid_grant');
    expect((await call('GET', '/sobjects', undefined, String(r1.body.access_token))).status).toBe(401);
    // an unregistered redirect URI gets an error page, never a redirect
    const bad = await fetch(
      `${emu.baseUrl}/services/oauth2/authorize?response_type=code&client_id=${emu.clientId}&redirect_uri=https://evil.invalid/cb`,
      { redirect: 'manual' },
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/text\/html/);
  });

  it("an admin's revoke of the app's tokens (POST /emulator/revoke-refresh-tokens): refresh answers invalid_grant, sessions 401; JWT bearer unaffected (docs/salesforce-wire.md §5.5)", async () => {
    const flow = await pkceTokens(`http://localhost:${await freePort()}/OauthRedirect`);
    const t = await flow.exchange();
    const at = String(t.body.access_token);
    expect((await call('GET', '/sobjects', undefined, at)).status).toBe(200);
    const r = await fetch(`${emu.baseUrl}/emulator/revoke-refresh-tokens`, { method: 'POST' });
    expect(r.status).toBe(204);
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: String(t.body.refresh_token),
      client_id: emu.clientId,
    });
    expect(refresh.status).toBe(400);
    expect(refresh.body).toEqual({
      error: 'invalid_grant',
      error_description: 'expired access/refresh token',
    });
    expect((await call('GET', '/sobjects', undefined, at)).status).toBe(401);
    // the seeded admin session (no refresh token: like a JWT bearer session) still works
    expect((await call('GET', '/sobjects')).status).toBe(200);
  });

  it('the authorize page (no auto-approve): Allow issues a code, Deny redirects with access_denied', async () => {
    const manual = await startOrgEmulator({
      autoApprove: false,
      callbackUrls: ['http://localhost:1717/OauthRedirect'],
    });
    try {
      const q = new URLSearchParams({
        response_type: 'code',
        client_id: manual.clientId,
        redirect_uri: 'http://localhost:1717/OauthRedirect',
        state: 'st',
      });
      const page = await fetch(`${manual.baseUrl}/services/oauth2/authorize?${q}`, { redirect: 'manual' });
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toMatch(/<form method="post">/);
      expect(html).toContain(manual.adminUsername);
      const decide = (decision: string) =>
        fetch(`${manual.baseUrl}/services/oauth2/authorize`, {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `${q}&decision=${decision}`,
        });
      const allow = new URL((await decide('allow')).headers.get('location')!);
      expect(allow.searchParams.get('code')).toBeTruthy();
      expect(allow.searchParams.get('state')).toBe('st');
      const deny = new URL((await decide('deny')).headers.get('location')!);
      expect(deny.searchParams.get('error')).toBe('access_denied');
      // only the registered callback is accepted
      const other = await fetch(
        `${manual.baseUrl}/services/oauth2/authorize?${q.toString().replace('1717', '1718')}`,
        { redirect: 'manual' },
      );
      expect(other.status).toBe(400);
    } finally {
      await manual.stop();
    }
  });

  it('refuses a concurrent refresh of the same token', async () => {
    const flow = await pkceTokens(`http://localhost:${await freePort()}/OauthRedirect`);
    const rt = String((await flow.exchange()).body.refresh_token);
    emu.faults.latencyMs = 150;
    try {
      const [a, b] = await Promise.all([
        token({ grant_type: 'refresh_token', refresh_token: rt, client_id: emu.clientId }),
        token({ grant_type: 'refresh_token', refresh_token: rt, client_id: emu.clientId }),
      ]);
      const statuses = [a.status, b.status].sort();
      expect(statuses).toEqual([200, 400]);
      expect([a, b].find((x) => x.status === 400)!.body.error_description).toBe(
        'Token request is already being processed',
      );
    } finally {
      emu.faults.latencyMs = 0;
    }
  });

  it('JWT bearer: verifies signature, iss, aud, exp; no refresh token', async () => {
    const mk = (claims: Record<string, unknown>, key = keys.privatePem) => {
      const h = Buffer.from('{"alg":"RS256"}').toString('base64url');
      const p = Buffer.from(JSON.stringify(claims)).toString('base64url');
      return `${h}.${p}.${crypto.sign('sha256', Buffer.from(`${h}.${p}`), key).toString('base64url')}`;
    };
    const now = Math.floor(Date.now() / 1000);
    const good = { iss: emu.clientId, sub: emu.adminUsername, aud: emu.baseUrl, exp: now + 180 };
    const ok = await token({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: mk(good),
    });
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toBeUndefined();
    expect(Object.keys(ok.body).sort()).toEqual([
      'access_token',
      'id',
      'instance_url',
      'scope',
      'token_type',
    ]);
    const err = async (c: Record<string, unknown>, key?: string) =>
      (await token({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: mk(c, key) })).body
        .error;
    expect(await err({ ...good, exp: now - 600 })).toBe('invalid_grant');
    expect(await err({ ...good, aud: 'https://elsewhere.invalid' })).toBe('invalid_grant');
    expect(await err({ ...good, iss: 'other' })).toBe('invalid_client');
    expect(await err({ ...good, sub: 'nobody@x' })).toBe('invalid_grant');
    expect(await err(good, jwtKeys().privatePem)).toBe('invalid_grant');
    expect((await token({ grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
  });

  it('identity, userinfo, /id/keys, revoke, and the token exchange without an actor token', async () => {
    const idUrl = `${emu.baseUrl}/id/${emu.orgId}/${emu.adminUserId}`;
    const id = (await (
      await fetch(`${idUrl}?oauth_token=${encodeURIComponent(emu.accessToken)}`)
    ).json()) as Record<string, unknown>;
    expect(id).toMatchObject({
      user_id: emu.adminUserId,
      organization_id: emu.orgId,
      username: emu.adminUsername,
    });
    const ui = (await (
      await fetch(`${emu.baseUrl}/services/oauth2/userinfo`, { headers: json(emu.accessToken) })
    ).json()) as Record<string, unknown>;
    expect(ui.preferred_username).toBe(emu.adminUsername);
    const jwks = (await (await fetch(`${emu.baseUrl}/id/keys`)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: 'Assets' });
    // exchange with no actor token and no asset to link → 400 invalid_grant
    const ex = await token({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: emu.accessToken,
    });
    expect(ex.body.error).toBe('invalid_grant');
    const badSubject = await token({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: 'x',
    });
    expect(badSubject.body.error).toBe('invalid_grant');
    const rv = await fetch(`${emu.baseUrl}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=unknown',
    });
    expect([rv.status, ((await rv.json()) as { error: string }).error]).toEqual([400, 'invalid_token']);
  });

  it('the token exchange accepts ES256 actor tokens only when the probe switch is on', async () => {
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = ec.publicKey.export({ format: 'jwk' });
    const created = await call('POST', '/sobjects/Asset', { Name: 'EC', AccountId: emu.defaultAccountId });
    const payload = {
      did: 'EC-DEV',
      Name: 'EC',
      Asset: { Id: (created.body as { id: string }).id },
      cnf: { jwk },
    };
    const h = Buffer.from('{"alg":"ES256"}').toString('base64url');
    const p = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const sig = crypto
      .sign('sha256', Buffer.from(`${h}.${p}`), { key: ec.privateKey, dsaEncoding: 'ieee-p1363' })
      .toString('base64url');
    const params = {
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      subject_token: emu.accessToken,
      actor_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      actor_token: `${h}.${p}.${sig}`,
    };
    expect((await token(params)).body.error).toBe('invalid_grant');
    emu.faults.acceptEs256 = true;
    try {
      const ok = await token(params);
      expect(ok.body).toMatchObject({
        issued_token_type: 'urn:ietf:params:oauth:token-type:jwt',
        token_type: 'Bearer',
        expires_in: 300,
      });
    } finally {
      emu.faults.acceptEs256 = false;
    }
  });
});

describe('through unmodified jsforce', () => {
  it('CRUD, upsert, query, describe-driven retrieve, collections upsert, 300 → MULTIPLE_CHOICES', async () => {
    const conn = new Connection({ instanceUrl: emu.baseUrl, accessToken: emu.accessToken, version: '62.0' });
    const c = (await conn.sobject('Asset').create({ Name: 'JSF-1', AccountId: emu.defaultAccountId })) as {
      id: string;
      success: boolean;
    };
    expect(c.success).toBe(true);
    expect(((await conn.sobject('Asset').retrieve(c.id)) as { Name: string }).Name).toBe('JSF-1');
    await conn.sobject('Asset').update({ Id: c.id, Status: 'Shipped' });
    const many = (await conn.sobject('Asset').retrieve([c.id])) as Array<{ Status: string }>;
    expect(many[0]!.Status).toBe('Shipped'); // retrieve-many without fields → describe first
    const up = (await conn
      .sobject('Asset')
      .upsert({ Device_UID__c: 'JSF-U1', Name: 'u', AccountId: emu.defaultAccountId }, 'Device_UID__c')) as {
      created: boolean;
    };
    expect(up.created).toBe(true);
    const arr = (await conn.sobject('Asset').upsert(
      [
        { Device_UID__c: 'JSF-U1', Name: 'u2' },
        { Device_UID__c: 'JSF-U2', Name: 'v', AccountId: emu.defaultAccountId },
      ],
      'Device_UID__c',
    )) as Array<{ created: boolean; success: boolean }>;
    expect(arr.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
    ]);
    const q = await conn.query<{ Name: string }>("SELECT Name FROM Asset WHERE Device_UID__c = 'JSF-U1'");
    expect(q.records[0]!.Name).toBe('u2');
    emu.seedAsset({ Name: 'a', AccountId: emu.defaultAccountId, Device_UID__c: 'JSF-300' });
    emu.seedAsset({ Name: 'b', AccountId: emu.defaultAccountId, Device_UID__c: 'JSF-300' });
    await expect(
      conn.sobject('Asset').upsert({ Device_UID__c: 'JSF-300', Name: 'c' }, 'Device_UID__c'),
    ).rejects.toMatchObject({ errorCode: 'MULTIPLE_CHOICES' });
    await expect(conn.sobject('Asset').create({ Name: 'orphan' })).rejects.toMatchObject({
      errorCode: 'FIELD_INTEGRITY_EXCEPTION',
    });
    await conn.sobject('Asset').destroy(c.id);
    await expect(conn.sobject('Asset').retrieve(c.id)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    expect(conn.limitInfo.apiUsage?.limit).toBe(5000);
  });

  it('jsforce retries a GET on 503 and refreshes on 401 — and, alone, drops the rotated refresh token (docs/salesforce-wire.md §6.3)', async () => {
    const flow = await pkceTokens('http://localhost:1717/OauthRedirect');
    const t = (await flow.exchange()).body;
    const conn = new Connection({
      instanceUrl: emu.baseUrl,
      accessToken: String(t.access_token),
      refreshToken: String(t.refresh_token),
      version: '62.0',
      oauth2: new OAuth2({ loginUrl: emu.baseUrl, clientId: emu.clientId }),
    });
    emu.faults.serverErrors = 1;
    await conn.query('SELECT Id FROM Account LIMIT 1'); // retried by jsforce
    const refreshed: string[] = [];
    conn.on('refresh', (at: string) => refreshed.push(at));
    emu.expireSessions();
    await conn.query('SELECT Id FROM Account LIMIT 1');
    expect(refreshed).toHaveLength(1);
    expect(conn.refreshToken).toBe(String(t.refresh_token)); // still the retired token
    emu.expireSessions();
    await expect(conn.query('SELECT Id FROM Account LIMIT 1')).rejects.toThrow(
      /Unable to refresh session due to: expired access\/refresh token/,
    );
  });
});
