/**
 * The TypeScript reference of the org's asset-token check (shared/asset-token-rules.ts) against the
 * fixtures the Apex tests run, and the key fingerprint against node:crypto and the station's own CSR path.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  REASON_CODES,
  certThumbprintHex,
  evaluateAssetTokenEvent,
  isInScope,
  parseWatchedAppIds,
  reasonCodes,
  sameSalesforceId,
} from '../../../shared/asset-token-rules';
import { base64UrlDecode, rsaJwkFingerprint, rsaSpkiDer } from '../../../shared/rsa-jwk-fingerprint';
import { parseCsr } from '../../../core/pki/csr';
import { buildCsr } from '../pki/csr-builder';
import { loadCases, loadVectors } from './fixtures';

const sha256Hex = (b: Uint8Array) => crypto.createHash('sha256').update(b).digest('hex');
const nodeSpki = (jwk: crypto.JsonWebKey) =>
  new Uint8Array(crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'der' }));
/** The DeviceKey the org records for an actor token's cnf.jwk (what the emulator logs, §1.8). */
const deviceKeyOf = (publicKey: crypto.KeyObject) => {
  const { n, e } = publicKey.export({ format: 'jwk' });
  return JSON.stringify({ kty: 'RSA', n, e });
};

describe('asset-token rules: the fixture cases (the same the Apex tests run)', () => {
  const cases = loadCases();
  it('has the cases', () => expect(cases.length).toBeGreaterThanOrEqual(20));
  for (const c of cases) {
    it(`${c.name}: ${c.description}`, () => {
      const v = evaluateAssetTokenEvent(c.event, c.assets, { sha256Hex, watchedAppIds: c.watchedAppIds });
      expect(v.inScope).toBe(c.expect.inScope);
      expect(v.reasons.map((r) => r.code)).toEqual(c.expect.reasons);
      expect(v.ok).toBe(c.expect.reasons.length === 0);
      expect(v.quarantine).toEqual(c.expect.quarantine);
      expect(v.primaryAssetId).toBe(c.expect.primary);
      expect(v.keyFingerprint).toBe(c.expect.keyFingerprint);
      for (const r of v.reasons) expect(r.detail.length).toBeGreaterThan(10);
    });
  }

  it('every reason code is exercised by some fixture, and reasons come in the documented order', () => {
    const seen = new Set(cases.flatMap((c) => c.expect.reasons));
    expect([...seen].sort()).toEqual([...REASON_CODES].sort());
    for (const c of cases) {
      const order = c.expect.reasons.map((r) => REASON_CODES.indexOf(r as (typeof REASON_CODES)[number]));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('ignores Assets unrelated to the event (the handler queries for a whole batch)', () => {
    const c = cases.find((x) => x.name === 'station_exchange_matches')!;
    const stranger = { Id: '02i00000000000ZAAA', Device_UID__c: 'OTHER', Key_Fingerprint__c: 'f'.repeat(64) };
    const v = evaluateAssetTokenEvent(c.event, [stranger, ...c.assets], { sha256Hex });
    expect(v.ok).toBe(true);
    expect(reasonCodes(v)).toBe('');
  });
});

describe('the attacks the check exists for', () => {
  const A = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const C = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  const fpA = sha256Hex(nodeSpki(A.export({ format: 'jwk' })));
  const fpC = sha256Hex(nodeSpki(C.export({ format: 'jwk' })));
  const assets = [
    { Id: '02i000000000001AAA', Device_UID__c: 'DEV-A', Key_Fingerprint__c: fpA },
    { Id: '02i000000000002AAA', Device_UID__c: 'DEV-C', Key_Fingerprint__c: fpC },
  ];

  it('the genuine device passes', () => {
    const v = evaluateAssetTokenEvent(
      { DeviceId: 'DEV-A', DeviceKey: deviceKeyOf(A), AssetId: '02i000000000001AAA' },
      assets,
      { sha256Hex },
    );
    expect(v.ok).toBe(true);
  });

  it("a clone with A's identity but its own key is caught and A is quarantined", () => {
    const v = evaluateAssetTokenEvent(
      { DeviceId: 'DEV-A', DeviceKey: deviceKeyOf(C), AssetId: '02i000000000001AAA' },
      assets,
      { sha256Hex },
    );
    expect(reasonCodes(v)).toContain('KEY_MISMATCH');
    expect(v.quarantine).toContain('02i000000000001AAA');
  });

  it("a clone with A's key under another identity is caught and both Assets are quarantined", () => {
    const v = evaluateAssetTokenEvent(
      { DeviceId: 'DEV-C', DeviceKey: deviceKeyOf(A), AssetId: '02i000000000002AAA' },
      assets,
      { sha256Hex },
    );
    expect(v.reasons.map((r) => r.code)).toEqual(['KEY_MISMATCH', 'KEY_REGISTERED_TO_OTHER_DEVICE']);
    expect(v.quarantine.sort()).toEqual(['02i000000000001AAA', '02i000000000002AAA']);
  });

  it('a device no station registered is caught even when Salesforce created an Asset for it', () => {
    const v = evaluateAssetTokenEvent(
      { DeviceId: 'ROGUE', DeviceKey: deviceKeyOf(C), AssetId: '02i000000000009AAA' },
      [...assets, { Id: '02i000000000009AAA' }],
      { sha256Hex },
    );
    expect(v.reasons.map((r) => r.code)).toEqual(['DEVICE_NOT_REGISTERED', 'KEY_REGISTERED_TO_OTHER_DEVICE']);
  });

  it('an exchange from an unwatched app is not judged, one from a watched app is', () => {
    const clone = { DeviceId: 'DEV-A', DeviceKey: deviceKeyOf(C), AssetId: '02i000000000001AAA' };
    const watched = ['0H4000000000001'];
    const other = evaluateAssetTokenEvent({ ...clone, ConnectedAppId: '0H4000000000002CAA' }, assets, {
      sha256Hex,
      watchedAppIds: watched,
    });
    expect(other).toMatchObject({ inScope: false, ok: true, quarantine: [] });
    const eca = evaluateAssetTokenEvent(
      { ...clone, ExternalClientApplicationId: '0H4000000000001CAA' },
      assets,
      {
        sha256Hex,
        watchedAppIds: watched,
      },
    );
    expect(eca.ok).toBe(false);
  });
});

describe('key fingerprint (= the station Key_Fingerprint__c)', () => {
  it('matches every fingerprint vector (the Apex test checks the same ones)', () => {
    const vectors = loadVectors();
    expect(vectors.filter((v) => v.fingerprint).length).toBeGreaterThanOrEqual(5);
    expect(vectors.filter((v) => !v.fingerprint).length).toBeGreaterThanOrEqual(8);
    for (const v of vectors) {
      const r = rsaJwkFingerprint(v.deviceKey, sha256Hex);
      expect('fingerprint' in r ? r.fingerprint : null, v.name).toBe(v.fingerprint);
      if (v.fingerprint) {
        // independent of our encoder: node:crypto's SPKI export of the same JWK
        const jwk = JSON.parse(v.deviceKey) as crypto.JsonWebKey;
        expect(sha256Hex(nodeSpki(jwk)), v.name).toBe(v.fingerprint);
      }
    }
  });

  it('builds byte-for-byte the SPKI node:crypto exports, across key sizes and exponents', () => {
    for (const [bits, e] of [
      [512, 65537],
      [1024, 3],
      [1536, 65537],
      [2048, 65537],
    ] as const) {
      const jwk = crypto
        .generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e })
        .publicKey.export({
          format: 'jwk',
        });
      expect(Buffer.from(rsaSpkiDer({ n: jwk.n!, e: jwk.e! }) as Uint8Array).toString('hex')).toBe(
        Buffer.from(nodeSpki(jwk)).toString('hex'),
      );
    }
  });

  it("equals the fingerprint the station computes from the device's CSR", async () => {
    const keys = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    const csr = await parseCsr(buildCsr({ keys, subject: [['CN', 'SIM-0001']] }));
    const r = rsaJwkFingerprint(deviceKeyOf(keys.publicKey), sha256Hex);
    expect(r).toEqual({ fingerprint: csr.keyFingerprint });
  });

  it('refuses what is not canonical base64url or not an RSA key, with the reason', () => {
    expect(base64UrlDecode('AQAB')).toEqual(new Uint8Array([1, 0, 1]));
    for (const bad of ['AQAB=', 'AQ+B', 'AQB', 'AQABA', ''])
      expect(base64UrlDecode(bad), bad).toBeUndefined();
    expect(rsaJwkFingerprint('{"kty":"RSA","n":"AAAA","e":"AQAB"}', sha256Hex)).toEqual({
      problem: 'zero-integer',
    });
    expect(rsaJwkFingerprint('{"kty":"EC","x":"AA","y":"AA"}', sha256Hex)).toEqual({ problem: 'not-rsa' });
    expect(rsaJwkFingerprint('null', sha256Hex)).toEqual({ problem: 'not-json' });
    expect(rsaJwkFingerprint('{"kty":"RSA","n":"AQ=","e":"AQAB"}', sha256Hex)).toEqual({
      problem: 'bad-base64url',
    });
    const huge = Buffer.alloc(70_000, 1).toString('base64url'); // a 560 kbit "modulus": over two length octets
    expect(rsaSpkiDer({ n: huge, e: 'AQAB' })).toBe('too-large');
  });
});

describe('helpers shared with the Apex side', () => {
  it('compares Salesforce IDs by their case-sensitive 15-character form', () => {
    expect(sameSalesforceId('0H4000000000001', '0H4000000000001CAA')).toBe(true);
    expect(sameSalesforceId('0H4000000000001', '0h4000000000001')).toBe(false);
    expect(sameSalesforceId(null, '0H4000000000001')).toBe(false);
  });

  it('splits the watched app IDs and treats an empty list as "check everything"', () => {
    expect(parseWatchedAppIds(' a, b;c\nd ')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseWatchedAppIds('  ')).toEqual([]);
    expect(isInScope({ ConnectedAppId: 'x' }, [])).toBe(true);
  });

  it('reads the certificate thumbprint only from cnf["x5t#S256"] (as the Apex test)', () => {
    expect(certThumbprintHex(null)).toBeUndefined();
    expect(certThumbprintHex('not json')).toBeUndefined();
    expect(certThumbprintHex('[1, 2]')).toBeUndefined();
    expect(certThumbprintHex('{"cnf": 1}')).toBeUndefined();
    expect(certThumbprintHex('{"cnf": {"jwk": {}}}')).toBeUndefined();
    expect(certThumbprintHex('{"cnf": {"x5t#S256": 5}}')).toBe('malformed');
    const t = crypto.createHash('sha256').update('cert').digest();
    expect(certThumbprintHex(JSON.stringify({ cnf: { 'x5t#S256': t.toString('base64url') } }))).toBe(
      t.toString('hex'),
    );
  });
});
