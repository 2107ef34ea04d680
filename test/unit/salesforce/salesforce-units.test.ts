/** Pure parts of the Salesforce client: field mapping, external IDs, error mapping, login URLs, JWTs, the emulator's SOQL parser (batching: coalescer.test.ts). */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_FIELD_MAP,
  buildActorToken,
  buildAssetFields,
  encodeExternalId,
  fromOAuthError,
  fromSfError,
  jwtAudience,
  normaliseLoginUrl,
  renderName,
  validateAssetTokenWith,
  validateExternalId,
} from '../../../core/salesforce';
import { KEY_CHANGE_APPROVED_FIELD, soqlQuote } from '../../../core/salesforce/assets';
import { buildJwtAssertion } from '../../../core/salesforce/grants';
import { parseLimitInfo } from '../../../core/salesforce/transport';
import { defaultConfig } from '../../../core/config';
import { matches, parseSoql } from '../../../sim/org/soql';
import { StationError } from '../../../shared/errors';
import { facts, hex } from './fixtures';

const sf = {
  ...defaultConfig().salesforce,
  accountId: '001000000000001AAA',
  productByModel: { M1: '01t000000000001AAA' },
};

describe('Asset field mapping', () => {
  it('maps every fact onto the configured fields', () => {
    const f = buildAssetFields(sf, { ...facts('U-1'), provisionedBy: 'ada' });
    expect(f).toEqual({
      Name: 'M1 U-1',
      SerialNumber: 'U-1',
      AccountId: sf.accountId,
      Product2Id: '01t000000000001AAA',
      Status: 'Registered',
      Cert_Serial__c: 'ab12',
      Cert_Fingerprint__c: hex('c'),
      Key_Fingerprint__c: hex('k'),
      Cert_Not_After__c: '2030-01-01T00:00:00.000Z',
      Firmware_Version__c: '2.0',
      Station_Id__c: 'st-1',
      Provisioned_By__c: 'ada',
      Provisioned_At__c: '2026-11-29T10:00:00.000Z',
      Certificate_Status__c: 'Valid', // a re-provisioned device's new certificate is valid again
    });
    expect(DEFAULT_FIELD_MAP.keyFingerprint).toBe('Key_Fingerprint__c');
    expect(renderName('{station}/{model}/{serial}', { ...facts('U'), serialNumber: 'SN9' })).toBe(
      'st-1/M1/SN9',
    );
  });

  it('needs an Account or a Contact (ORG_CONFIG with a remedy) and well-formed fingerprints', () => {
    const e = (() => {
      try {
        buildAssetFields({ ...sf, accountId: undefined }, facts('U-2'));
      } catch (x) {
        return x as StationError;
      }
    })();
    expect(e?.code).toBe('ORG_CONFIG');
    expect(e?.remedy).toMatch(/accountId/);
    expect(
      buildAssetFields({ ...sf, accountId: undefined, contactId: '003000000000001AAA' }, facts('U'))
        .ContactId,
    ).toBe('003000000000001AAA');
    expect(() => buildAssetFields(sf, { ...facts('U'), keyFingerprint: 'AB:CD' })).toThrow(StationError);
    expect(() => buildAssetFields(sf, { ...facts('U'), notAfter: 'tomorrow' })).toThrow(StationError);
  });

  it('validates external IDs and encodes every reserved character (jsforce does not, docs/salesforce-wire.md §6.3)', () => {
    expect(encodeExternalId("A:1+2?#%&'()*!")).toBe('A%3A1%2B2%3F%23%25%26%27%28%29%2A%21');
    for (const bad of ['', 'a b', 'a/b', 'a\\b', '..', 'x'.repeat(81), 'é', 'a\nb'])
      expect(() => validateExternalId(bad)).toThrow(StationError);
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e]{1,80}$/), (s) => {
        fc.pre(!/[/\\]/.test(s) && s !== '.' && s !== '..');
        const enc = encodeExternalId(s);
        expect(/^[A-Za-z0-9\-._~%]+$/.test(enc)).toBe(true);
        expect(decodeURIComponent(enc)).toBe(s);
      }),
    );
  });

  it('quotes SOQL literals so a UID cannot change the query', () => {
    expect(soqlQuote("O'Brien\\")).toBe("'O\\'Brien\\\\'");
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (s) => {
        fc.pre(!s.includes('\n'));
        const q = parseSoql(`SELECT Id FROM Asset WHERE Device_UID__c = ${soqlQuote(s)}`);
        expect(q.conditions).toEqual([{ field: 'Device_UID__c', op: '=', value: s }]);
      }),
    );
  });
});

describe('error mapping (by errorCode/statusCode, never by text)', () => {
  it('reads both keys and ignores the (localised) message', () => {
    expect(fromSfError({ errorCode: 'DUPLICATE_VALUE', message: 'valeur en double' }, 'x').code).toBe(
      'ORG_DUPLICATE',
    );
    expect(fromSfError({ statusCode: 'DUPLICATE_VALUE', message: 'anything' }, 'x').code).toBe(
      'ORG_DUPLICATE',
    );
    expect(fromSfError({ statusCode: 'FIELD_INTEGRITY_EXCEPTION' }, 'x').code).toBe('ORG_REJECTED');
    expect(fromSfError({ errorCode: 'INVALID_FIELD', message: 'Session expired' }, 'x').code).toBe(
      'ORG_CONFIG',
    );
    expect(fromSfError({ errorCode: 'INVALID_SESSION_ID' }, 'x').code).toBe('ORG_AUTH');
    expect(fromSfError({ errorCode: 'REQUEST_LIMIT_EXCEEDED' }, 'x').code).toBe('ORG_LIMIT');
    expect(fromSfError({ errorCode: 'SERVER_UNAVAILABLE' }, 'x').code).toBe('ORG_UNAVAILABLE');
    expect(fromSfError({ errorCode: 'ERROR_HTTP_502' }, 'x').code).toBe('ORG_UNAVAILABLE');
    expect(fromSfError({ errorCode: 'ERROR_HTTP_429' }, 'x').code).toBe('ORG_LIMIT');
    expect(fromSfError({ errorCode: 'SOMETHING_NEW' }, 'x').code).toBe('ORG_REJECTED');
    for (const e of [
      fromSfError({ errorCode: 'DUPLICATE_VALUE' }, 'upsert'),
      fromOAuthError('invalid_grant', 'x', 'y'),
    ]) {
      expect(e.message.length).toBeGreaterThan(10);
      expect(e.remedy.length).toBeGreaterThan(10);
    }
    expect(fromOAuthError('invalid_client', '', 'x').code).toBe('ORG_CONFIG');
    expect(fromOAuthError('invalid_grant', '', 'x').code).toBe('ORG_AUTH');
    expect(parseLimitInfo('api-usage=18/15000; api-bursts=1/750')).toEqual({ used: 18, limit: 15000 });
    expect(parseLimitInfo(undefined)).toBeUndefined();
  });
});

describe('login URLs and JWT bearer', () => {
  it('accepts production, sandbox, My Domain and loopback; refuses http and Lightning hosts', () => {
    expect(normaliseLoginUrl('https://login.salesforce.com/')).toBe('https://login.salesforce.com');
    expect(normaliseLoginUrl('https://acme--uat.sandbox.my.salesforce.com')).toBe(
      'https://acme--uat.sandbox.my.salesforce.com',
    );
    expect(normaliseLoginUrl('http://127.0.0.1:4444')).toBe('http://127.0.0.1:4444');
    for (const bad of ['http://login.salesforce.com', 'https://acme.lightning.force.com', 'nope'])
      expect(() => normaliseLoginUrl(bad)).toThrow(StationError);
    expect(jwtAudience('https://login.salesforce.com')).toBe('https://login.salesforce.com');
    expect(jwtAudience('https://acme.my.salesforce.com')).toBe('https://login.salesforce.com');
    expect(jwtAudience('https://test.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudience('https://acme--uat.sandbox.my.salesforce.com')).toBe('https://test.salesforce.com');
    expect(jwtAudience('https://acme.my.site.com/support')).toBe('https://acme.my.site.com/support');
  });

  it('signs an RS256 assertion with iss/sub/aud/exp ≤ 3 min', () => {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const a = buildJwtAssertion({
      clientId: 'CK',
      username: 'u@x',
      audience: 'https://login.salesforce.com',
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      nowMs: 1_000_000_000,
    });
    const [h, p, s] = a.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256' });
    expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toEqual({
      iss: 'CK',
      sub: 'u@x',
      aud: 'https://login.salesforce.com',
      exp: 1_000_180,
    });
    expect(crypto.verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s!, 'base64url'))).toBe(
      true,
    );
    const ec = crypto
      .generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() =>
      buildJwtAssertion({ clientId: 'CK', username: 'u', audience: 'a', privateKeyPem: ec }),
    ).toThrow(/RSA/);
  });
});

describe('actor token and asset-token validation', () => {
  const device = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = device.publicKey.export({ format: 'jwk' });

  it('the signing input is exactly what the device signs; claims per docs/salesforce-wire.md §1.3', () => {
    const t = buildActorToken(
      { did: 'D1', name: 'N', assetId: '02i000000000001AAA', serialNumber: 'S1', jwk },
      2_000_000_000_000,
    );
    const [h, p] = t.signingInput.split('.');
    expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    expect(claims).toMatchObject({
      did: 'D1',
      Name: 'N',
      Asset: { Id: '02i000000000001AAA', SerialNumber: 'S1' },
      cnf: { jwk: { kty: 'RSA', n: jwk.n, e: jwk.e } },
      iat: 2_000_000_000,
      exp: 2_000_000_300,
    });
    const jwt = t.finish(crypto.sign('sha256', Buffer.from(t.signingInput), device.privateKey));
    expect(jwt.startsWith(`${t.signingInput}.`)).toBe(true);
    expect(() => t.finish(new Uint8Array(256))).toThrow(/does not verify/);
  });

  it('validation checks alg, signature, aud (string or array), nbf/exp with skew', async () => {
    const signer = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = 1_800_000_000;
    const mk = (c: Record<string, unknown>, alg = 'RS256') => {
      const h = Buffer.from(JSON.stringify({ alg, kid: 'Assets' })).toString('base64url');
      const p = Buffer.from(JSON.stringify(c)).toString('base64url');
      return `${h}.${p}.${crypto.sign('sha256', Buffer.from(`${h}.${p}`), signer.privateKey).toString('base64url')}`;
    };
    const keys = async (kid?: string) => (kid === 'Assets' ? signer.publicKey : undefined);
    const o = { audience: 'aud-1', nowMs: now * 1000 };
    await expect(
      validateAssetTokenWith(mk({ aud: ['aud-1'], nbf: now, exp: now + 60 }), keys, o),
    ).resolves.toMatchObject({ aud: ['aud-1'] });
    await expect(validateAssetTokenWith(mk({ aud: 'aud-1', exp: now + 60 }), keys, o)).resolves.toBeTruthy();
    await expect(validateAssetTokenWith(mk({ aud: ['x'], exp: now + 60 }), keys, o)).rejects.toThrow(/aud/);
    await expect(validateAssetTokenWith(mk({ aud: ['aud-1'], exp: now - 61 }), keys, o)).rejects.toThrow(
      /expired/,
    );
    await expect(
      validateAssetTokenWith(mk({ aud: ['aud-1'], exp: now - 30 }), keys, o),
    ).resolves.toBeTruthy(); // within skew
    await expect(
      validateAssetTokenWith(mk({ aud: ['aud-1'], nbf: now + 120, exp: now + 600 }), keys, o),
    ).rejects.toThrow(/not valid before/);
    await expect(
      validateAssetTokenWith(mk({ aud: ['aud-1'], exp: now + 60 }, 'HS256'), keys, o),
    ).rejects.toThrow(/RS256/);
    await expect(validateAssetTokenWith('a.b', keys, o)).rejects.toThrow(/compact JWT/);
    await expect(
      validateAssetTokenWith(mk({ aud: ['aud-1'], exp: now + 60, iss: 'https://a' }), keys, {
        ...o,
        issuer: 'https://b',
      }),
    ).rejects.toThrow(/iss/);
  });
});

describe('emulator SOQL subset', () => {
  it('parses fields, AND/OR, LIMIT, null and refuses mixing connectives', () => {
    const q = parseSoql("select id, NAME from asset where Status != null and Name = 'x' limit 5");
    expect(q).toMatchObject({ type: 'Asset', fields: ['Id', 'Name'], connective: 'AND', limit: 5 });
    expect(matches(q, { Status: 'Installed', Name: 'x' })).toBe(true);
    expect(matches(q, { Name: 'x' })).toBe(false);
    expect(() => parseSoql("SELECT Id FROM Asset WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")).toThrow(
      /parentheses/,
    );
    expect(() => parseSoql('SELECT Id FROM Widget')).toThrow();
  });
});

describe('SFDX metadata ↔ emulator describe ↔ client field map', () => {
  it('declare the same Asset custom fields with the same external-ID/unique flags and lengths', async () => {
    const fs = await import('node:fs');
    const path = await import('node:path');
    const { ASSET_CUSTOM_FIELDS } = await import('../../../sim/org/schema');
    const { ASSET_IDENTITY_FIELDS } = await import('../../../shared/asset-token-rules');
    const dir = path.resolve(__dirname, '../../../salesforce/force-app/main/default/objects/Asset/fields');
    const files = fs.readdirSync(dir);
    // fields the org's asset-token check writes (never a station): in the metadata, not in the station's map
    for (const f of ASSET_IDENTITY_FIELDS) expect(files).toContain(`${f}.field-meta.xml`);
    const stationFiles = files.filter(
      (f) => !(ASSET_IDENTITY_FIELDS as readonly string[]).includes(f.split('.')[0]!),
    );
    const meta = stationFiles.map((f) => {
      const x = fs.readFileSync(path.join(dir, f), 'utf8');
      const tag = (t: string) => new RegExp(`<${t}>([^<]*)</${t}>`).exec(x)?.[1];
      return {
        name: tag('fullName')!,
        type: tag('type') === 'DateTime' ? 'datetime' : tag('type') === 'Checkbox' ? 'boolean' : 'string',
        length: tag('length') ? Number(tag('length')) : undefined,
        externalId: tag('externalId') === 'true',
        unique: tag('unique') === 'true',
      };
    });
    const emu = ASSET_CUSTOM_FIELDS.map((f) => ({
      name: f.name,
      type: f.type,
      length: f.length,
      externalId: Boolean(f.externalId),
      unique: Boolean(f.unique),
    }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(meta.sort(byName)).toEqual(emu.sort(byName));
    // the approval checkbox is written only to orgs that have it (core/salesforce/identity-rules.ts)
    const mapped = new Set([...Object.values(DEFAULT_FIELD_MAP), 'Device_UID__c', KEY_CHANGE_APPROVED_FIELD]);
    expect([...mapped].sort()).toEqual(meta.map((m) => m.name).sort());
    const ps = fs.readFileSync(
      path.resolve(dir, '../../../permissionsets/Asset_Station.permissionset-meta.xml'),
      'utf8',
    );
    for (const m of meta) expect(ps).toContain(`<field>Asset.${m.name}</field>`);
    for (const f of ASSET_IDENTITY_FIELDS) expect(ps).toContain(`<field>Asset.${f}</field>`);
  });
});
