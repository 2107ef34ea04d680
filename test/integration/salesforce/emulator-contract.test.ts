/**
 * Contract suite of the org emulator (docs/salesforce-wire.md §8), over HTTP: raw fetch for the exact status
 * codes, headers and bodies, and unmodified jsforce for the client-library view (including the
 * refresh-token rotation bug of §6.3 that the station works around).
 */
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connection, OAuth2 } from 'jsforce';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { freePort, jwtKeys } from './helpers';

const keys = jwtKeys();
let emu: OrgEmulator;
let api: string;
const json = (token: string) => ({ Authorization: `Bearer ${token}`, 'content-type': 'application/json' });

beforeAll(async () => {
  emu = await startOrgEmulator({ jwtBearerCertPem: keys.publicPem, dailyLimit: 5000 });
  api = `${emu.baseUrl}/services/data/v62.0`;
});
afterAll(async () => {
  await emu.stop();
});

async function call(method: string, path: string, body?: unknown, token = emu.accessToken) {
  const r = await fetch(`${api}${path}`, {
    method,
    headers: json(token),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}

async function token(params: Record<string, string>) {
  const r = await fetch(`${emu.baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** Runs the PKCE authorize + code exchange by hand; returns the token response. */
async function pkceTokens(redirectUri: string, verifier = crypto.randomBytes(32).toString('base64url')) {
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  const u = new URL(`${emu.baseUrl}/services/oauth2/authorize`);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: emu.clientId,
    redirect_uri: redirectUri,
    state: 's1',
    code_challenge: challenge,
    scope: 'api refresh_token',
  }))
    u.searchParams.set(k, v);
  const r = await fetch(u, { redirect: 'manual' });
  expect(r.status).toBe(302);
  const loc = new URL(r.headers.get('location')!);
  expect(loc.searchParams.get('state')).toBe('s1');
  const code = loc.searchParams.get('code')!;
  return {
    code,
    verifier,
    exchange: (v = verifier) =>
      token({
        grant_type: 'authorization_code',
        code,
        client_id: emu.clientId,
        redirect_uri: redirectUri,
        code_verifier: v,
      }),
  };
}

describe('REST over raw HTTP', () => {
  it('401 INVALID_SESSION_ID only for a bad token; Sforce-Limit-Info on every response; versions list is free', async () => {
    const bad = await call('GET', '/sobjects', undefined, 'nope');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    const ok = await call('GET', '/sobjects');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/5000$/);
    expect(ok.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    const used = emu.stats().apiUsed;
    await fetch(`${emu.baseUrl}/services/data/`);
    expect(emu.stats().apiUsed).toBe(used);
  });

  it('upsert by external ID: 201 created, 200 updated, 300 several, updateOnly 404, encoded values', async () => {
    const uid = 'RAW 1/+?';
    const path = `/sobjects/Asset/Device_UID__c/${encodeURIComponent(uid)}`;
    const c = await call('PATCH', path, { Name: 'raw', AccountId: emu.defaultAccountId });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ success: true, created: true, errors: [] });
    const u = await call('PATCH', path, { Status: 'Installed' });
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ id: (c.body as { id: string }).id, created: false });
    expect(emu.assets().find((a) => a.Device_UID__c === uid)?.Status).toBe('Installed');
    expect(
      (await call('PATCH', '/sobjects/Asset/Device_UID__c/NEW-ONLY?updateOnly=true', { Name: 'x' })).status,
    ).toBe(404);
    emu.seedAsset({ Name: 'a', AccountId: emu.defaultAccountId, Device_UID__c: 'RAW-300' });
    emu.seedAsset({ Name: 'b', AccountId: emu.defaultAccountId, Device_UID__c: 'RAW-300' });
    const m = await call('PATCH', '/sobjects/Asset/Device_UID__c/RAW-300', { Name: 'c' });
    expect(m.status).toBe(300);
    expect((m.body as string[]).every((s) => s.startsWith('/services/data/v62.0/sobjects/Asset/02i'))).toBe(
      true,
    );
    // a unique external ID refuses a second record with the same value
    const dup = await call('POST', '/sobjects/Asset', {
      Name: 'd',
      AccountId: emu.defaultAccountId,
      Device_UID__c: uid,
    });
    expect(dup.status).toBe(400);
    expect((dup.body as Array<{ errorCode: string }>)[0]!.errorCode).toBe('DUPLICATE_VALUE');
    // upsert on a field that is not an external ID
    expect(
      (
        (await call('PATCH', '/sobjects/Asset/Name/x', { Name: 'x' })).body as Array<{ errorCode: string }>
      )[0]!.errorCode,
    ).toBe('INVALID_FIELD');
  });

  it('error bodies: FIELD_INTEGRITY_EXCEPTION, INVALID_FIELD, MALFORMED_ID, NOT_FOUND, JSON_PARSER_ERROR', async () => {
    const codes = async (p: Promise<{ status: number; body: unknown }>) => {
      const r = await p;
      return [r.status, (r.body as Array<{ errorCode: string }>)[0]!.errorCode];
    };
    expect(await codes(call('POST', '/sobjects/Asset', { Name: 'orphan' }))).toEqual([
      400,
      'FIELD_INTEGRITY_EXCEPTION',
    ]);
    expect(
      await codes(
        call('POST', '/sobjects/Asset', { Name: 'x', AccountId: emu.defaultAccountId, Bogus__c: 1 }),
      ),
    ).toEqual([400, 'INVALID_FIELD']);
    expect(await codes(call('PATCH', '/sobjects/Asset/not-an-id', { Name: 'x' }))).toEqual([
      400,
      'MALFORMED_ID',
    ]);
    expect(await codes(call('GET', '/sobjects/Asset/02i000000000000AAA'))).toEqual([404, 'NOT_FOUND']);
    const r = await fetch(`${api}/sobjects/Asset`, {
      method: 'POST',
      headers: json(emu.accessToken),
      body: '{bad',
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as Array<{ errorCode: string }>)[0]!.errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('SOQL subset with AND/OR, LIMIT, quotes; MALFORMED_QUERY and INVALID_FIELD', async () => {
    await call('PATCH', '/sobjects/Asset/Device_UID__c/Q-1', {
      Name: "O'Brien",
      AccountId: emu.defaultAccountId,
      Key_Fingerprint__c: 'kf1',
    });
    await call('PATCH', '/sobjects/Asset/Device_UID__c/Q-2', {
      Name: 'two',
      AccountId: emu.defaultAccountId,
      Key_Fingerprint__c: 'kf2',
    });
    const q = async (soql: string) => call('GET', `/query?q=${encodeURIComponent(soql)}`);
    const or = await q(
      "SELECT Id, Device_UID__c FROM Asset WHERE Key_Fingerprint__c = 'kf1' OR Device_UID__c = 'Q-2'",
    );
    expect((or.body as { totalSize: number }).totalSize).toBe(2);
    const quoted = await q(
      "SELECT Name FROM Asset WHERE Name = 'O\\'Brien' AND Device_UID__c = 'Q-1' LIMIT 1",
    );
    expect(
      (quoted.body as { records: Array<{ Name: string; attributes: { type: string } }> }).records[0],
    ).toMatchObject({ Name: "O'Brien", attributes: { type: 'Asset' } });
    expect(((await q('SELECT FROM Asset')).body as Array<{ errorCode: string }>)[0]!.errorCode).toBe(
      'MALFORMED_QUERY',
    );
    expect(((await q('SELECT Nope__c FROM Asset')).body as Array<{ errorCode: string }>)[0]!.errorCode).toBe(
      'INVALID_FIELD',
    );
    const acc = await q('SELECT Id, Name FROM Account');
    expect((acc.body as { totalSize: number }).totalSize).toBeGreaterThanOrEqual(2);
  });

  it('Collections: create/upsert with statusCode errors and allOrNone rollback; retrieve', async () => {
    const rec = (uid: string, extra: Record<string, unknown> = {}) => ({
      attributes: { type: 'Asset' },
      Device_UID__c: uid,
      Name: uid,
      AccountId: emu.defaultAccountId,
      ...extra,
    });
    const up = await call('PATCH', '/composite/sobjects/Asset/Device_UID__c', {
      allOrNone: false,
      records: [rec('COL-1'), rec('COL-2', { AccountId: null })],
    });
    expect(up.status).toBe(200);
    const res = up.body as Array<{
      success: boolean;
      created?: boolean;
      errors: Array<{ statusCode: string }>;
    }>;
    expect(res[0]).toMatchObject({ success: true, created: true });
    expect(res[1]!.errors[0]!.statusCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    const all = await call('PATCH', '/composite/sobjects/Asset/Device_UID__c', {
      allOrNone: true,
      records: [rec('COL-3'), rec('COL-4', { Bogus__c: 1 })],
    });
    const r2 = all.body as Array<{ success: boolean; errors: Array<{ statusCode: string }> }>;
    expect(r2[0]!.errors[0]!.statusCode).toBe('ALL_OR_NONE_OPERATION_ROLLED_BACK');
    expect(r2[1]!.errors[0]!.statusCode).toBe('INVALID_FIELD');
    expect(emu.assets().some((a) => a.Device_UID__c === 'COL-3')).toBe(false);
    const created = await call('POST', '/composite/sobjects', { allOrNone: false, records: [rec('COL-5')] });
    const id = (created.body as Array<{ id: string }>)[0]!.id;
    const got = await call('POST', '/composite/sobjects/Asset', {
      ids: [id, '02i000000000000AAA'],
      fields: ['Name'],
    });
    expect(got.body).toEqual([expect.objectContaining({ Name: 'COL-5' }), null]);
    const tooMany = await call('POST', '/composite/sobjects', {
      records: Array.from({ length: 201 }, (_, i) => rec(`X${i}`)),
    });
    expect(tooMany.status).toBe(400);
  });

  it('Composite: referenceId substitution, allOrNone → PROCESSING_HALTED and rollback', async () => {
    const ok = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Asset',
          referenceId: 'a1',
          body: { Name: 'CMP-1', AccountId: emu.defaultAccountId },
        },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Asset/@{a1.id}?fields=Name', referenceId: 'g1' },
      ],
    });
    const cr = (ok.body as { compositeResponse: Array<{ httpStatusCode: number; body: { Name?: string } }> })
      .compositeResponse;
    expect(cr.map((x) => x.httpStatusCode)).toEqual([201, 200]);
    expect(cr[1]!.body.Name).toBe('CMP-1');
    const bad = await call('POST', '/composite', {
      allOrNone: true,
      compositeRequest: [
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Asset',
          referenceId: 'a1',
          body: { Name: 'CMP-2', AccountId: emu.defaultAccountId },
        },
        {
          method: 'POST',
          url: '/services/data/v62.0/sobjects/Asset',
          referenceId: 'a2',
          body: { Name: 'CMP-3' },
        },
      ],
    });
    const br = (
      bad.body as { compositeResponse: Array<{ httpStatusCode: number; body: Array<{ errorCode: string }> }> }
    ).compositeResponse;
    expect(br[0]!.body[0]!.errorCode).toBe('PROCESSING_HALTED');
    expect(br[1]!.body[0]!.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
    expect(emu.assets().some((a) => a.Name === 'CMP-2')).toBe(false);
  });

  it('daily limit → 403 REQUEST_LIMIT_EXCEEDED; faults: HTML page, 503, 429', async () => {
    emu.setApiUsage(5000);
    const r = await call('GET', '/sobjects');
    expect([r.status, (r.body as Array<{ errorCode: string }>)[0]!.errorCode]).toEqual([
      403,
      'REQUEST_LIMIT_EXCEEDED',
    ]);
    emu.setApiUsage(0);
    emu.faults.htmlErrors = 1;
    const h = await fetch(`${api}/sobjects`, { headers: json(emu.accessToken) });
    expect([h.status, h.headers.get('content-type')]).toEqual([503, 'text/html;charset=UTF-8']);
    emu.faults.serverErrors = 1;
    expect((await call('GET', '/sobjects')).status).toBe(503);
    emu.faults.rateLimited = 1;
    expect((await call('GET', '/sobjects')).status).toBe(429);
    // faults can be set over HTTP for an emulator started by the CLI
    await fetch(`${emu.baseUrl}/emulator/faults`, {
      method: 'POST',
      body: JSON.stringify({ serverErrors: 1 }),
    });
    expect((await call('GET', '/sobjects')).status).toBe(503);
    expect((await call('GET', '/sobjects')).status).toBe(200);
  });
});

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
