/**
 * Attack: the org (or something between the station and the org) hands back an asset token that is not
 * this device's. Each token below breaks exactly ONE rule of the validation (asset-token-validate.ts) and
 * must be refused with ASSET_TOKEN_INVALID naming that rule; the well-formed token is accepted. The key
 * set is a JWKS resolved by the same code the station uses for `/id/keys`. Also: the token held in memory
 * is bound to job + UID + key fingerprint and dropped, never handed out, when any of them differs.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isStationError } from '../../shared/errors';
import {
  DEFAULT_MAX_LIFETIME_S,
  keySetResolver,
  validateAssetTokenWith,
  type ValidateOptions,
} from '../../core/salesforce/asset-token-validate';
import { heldAssetToken } from '../../core/jobs/steps/write-back';
import type { StepContext } from '../../core/jobs/steps/context';
import type { ProvisionOutputs } from '../../core/jobs/steps/outputs';

const org = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const rogue = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const device = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherDevice = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const deviceJwk = device.publicKey.export({ format: 'jwk' });
const otherJwk = otherDevice.publicKey.export({ format: 'jwk' });

const ISSUER = 'https://acme.my.salesforce.com';
const AUDIENCE = 'https://asset-station.invalid/devices';
const UID = 'SIM-0001';
const ASSET = '02i000000000001AAA';
const NOW = 1_900_000_000;

const jwksOf = (kid: string, key: crypto.KeyObject) => ({
  keys: [{ ...key.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
});
const orgKeys = keySetResolver(jwksOf('Assets', org.publicKey));

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** A token signed by `signer` (RS256) or, for `alg` other than RS256, with a dummy/HMAC signature. */
function token(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', kid: 'Assets', typ: 'JWT' },
  signer: crypto.KeyObject = org.privateKey,
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  if (header.alg === 'none') return `${input}.`;
  if (header.alg === 'HS256')
    return `${input}.${crypto.createHmac('sha256', 'secret').update(input).digest('base64url')}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), signer).toString('base64url')}`;
}

/** The token the org should issue for this job: every rule satisfied. */
const good = (): Record<string, unknown> => ({
  iss: ISSUER,
  aud: [AUDIENCE],
  sub: '005000000000001AAA',
  nbf: NOW,
  iat: NOW,
  exp: NOW + 300,
  jti: 'j-1',
  did: UID,
  Name: `AS-SIM-1 ${UID}`,
  Asset: { Id: ASSET, Name: 'AS-SIM-1', SerialNumber: UID },
  cnf: { jwk: { kty: 'RSA', n: deviceJwk.n, e: deviceJwk.e } },
});

const opts: ValidateOptions = {
  audience: AUDIENCE,
  issuer: ISSUER,
  deviceUid: UID,
  assetId: ASSET,
  deviceJwk,
  nowMs: NOW * 1000,
};

async function refusal(t: string, keys = orgKeys, o = opts) {
  try {
    await validateAssetTokenWith(t, keys, o);
  } catch (e) {
    if (isStationError(e)) return e;
    throw e;
  }
  throw new Error('the token was accepted');
}

const without = (k: string) => {
  const c = good();
  delete c[k];
  return c;
};

/** One attack per rule: [what, the token, the rule it breaks, what the message must say]. */
const ATTACKS: Array<[string, () => string, string, RegExp, crypto.KeyObject?]> = [
  ['no exp', () => token(without('exp')), 'exp', /no expiry/],
  ['expired beyond the skew', () => token({ ...good(), exp: NOW - 61 }), 'exp', /expired/],
  ['other iss', () => token({ ...good(), iss: 'https://evil.example' }), 'iss', /issued by/],
  ['other aud', () => token({ ...good(), aud: ['https://other.invalid'] }), 'aud', /audience/],
  [
    'unknown kid',
    () => token(good(), { alg: 'RS256', kid: 'Rogue', typ: 'JWT' }, rogue.privateKey),
    'kid',
    /'Rogue' is not in the org's key set/,
  ],
  ['no kid', () => token(good(), { alg: 'RS256', typ: 'JWT' }), 'kid', /names no signing key/],
  ['alg none', () => token(good(), { alg: 'none', kid: 'Assets' }), 'alg', /none, not RS256/],
  ['alg HS256', () => token(good(), { alg: 'HS256', kid: 'Assets' }), 'alg', /HS256, not RS256/],
  ['crit header', () => token(good(), { alg: 'RS256', kid: 'Assets', crit: ['exp'] }), 'crit', /critical/],
  [
    'signed by another key under the org kid',
    () => token(good(), undefined, rogue.privateKey),
    'signature',
    /signature does not verify/,
  ],
  ['other did', () => token({ ...good(), did: 'SIM-0002' }), 'did', /device 'SIM-0002', not SIM-0001/],
  [
    'other Asset',
    () => token({ ...good(), Asset: { Id: '02i000000000002AAA' } }),
    'asset',
    /Asset 02i000000000002AAA, not/,
  ],
  ['no Asset', () => token(without('Asset')), 'asset', /Asset undefined/],
  [
    'cnf of another key',
    () => token({ ...good(), cnf: { jwk: { kty: 'RSA', n: otherJwk.n, e: otherJwk.e } } }),
    'cnf',
    /cnf\.jwk/,
  ],
  ['no cnf', () => token(without('cnf')), 'cnf', /cnf\.jwk/],
  [
    'lifetime of 10 years',
    () => token({ ...good(), exp: NOW + 10 * 365 * 86400 }),
    'lifetime',
    /longer than the 3600 s/,
  ],
  [
    'nbf in the future',
    () => token({ ...good(), nbf: NOW + 120, iat: NOW + 120, exp: NOW + 420 }),
    'nbf',
    /not valid before/,
  ],
];

describe('asset-token validation: one broken rule per token, each refused', () => {
  it('accepts the token that satisfies every rule (18- or 15-character Asset Id)', async () => {
    await expect(validateAssetTokenWith(token(good()), orgKeys, opts)).resolves.toMatchObject({
      did: UID,
    });
    await expect(
      validateAssetTokenWith(token(good()), orgKeys, { ...opts, assetId: ASSET.slice(0, 15) }),
    ).resolves.toMatchObject({ did: UID });
    // a trailing slash on the issuer is the same issuer; nbf within the skew is fine
    await expect(
      validateAssetTokenWith(token({ ...good(), iss: `${ISSUER}/`, nbf: NOW + 30 }), orgKeys, opts),
    ).resolves.toBeTruthy();
  });

  it.each(ATTACKS)('refuses %s', async (_what, make, rule, message) => {
    const e = await refusal(make());
    expect(e.code).toBe('ASSET_TOKEN_INVALID');
    expect(e.details?.rule).toBe(rule);
    expect(e.message).toMatch(message);
    expect(e.message).toMatch(/Nothing was written to the device/);
    expect(e.remedy).toMatch(/run the asset-token step again/);
  });

  it('refuses a good token when the key set holds another key under the same kid', async () => {
    const swapped = keySetResolver(jwksOf('Assets', rogue.publicKey));
    const e = await refusal(token(good()), swapped);
    expect(e.details?.rule).toBe('signature');
  });

  it('bounds the skew and the lifetime: a configured skew of an hour still refuses a token expired 10 minutes ago', async () => {
    const e = await refusal(token({ ...good(), exp: NOW - 600, nbf: NOW - 900 }), orgKeys, {
      ...opts,
      skewSec: 3600,
    });
    expect(e.details?.rule).toBe('exp');
    // a longer configured lifetime lets a 2-hour token through; the default refuses it
    const twoHours = token({ ...good(), exp: NOW + 7200 });
    expect((await refusal(twoHours)).details?.rule).toBe('lifetime');
    await expect(
      validateAssetTokenWith(twoHours, orgKeys, { ...opts, maxLifetimeSec: 7200 }),
    ).resolves.toBeTruthy();
    expect(DEFAULT_MAX_LIFETIME_S).toBe(3600);
  });

  it('a key set without kids or with non-RSA keys resolves nothing', async () => {
    const noKid = { keys: [{ ...org.publicKey.export({ format: 'jwk' }) }] };
    expect((await refusal(token(good()), keySetResolver(noKid))).details?.rule).toBe('kid');
    const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    expect(
      (await refusal(token(good()), keySetResolver({ keys: [{ ...ec, kid: 'Assets' }] }))).details?.rule,
    ).toBe('kid');
    expect((await refusal(token(good()), keySetResolver('not a jwks'))).details?.rule).toBe('kid');
  });
});

describe('the asset token held in memory is bound to job + UID + key fingerprint', () => {
  const FP = 'a'.repeat(64);
  const ctxWith = (held: { jobId: string; uid: string; keyFingerprint: string }) =>
    ({
      job: { id: 'job-1' },
      outputs: { identify: { identity: { uid: UID } }, keygen: { keyFingerprint: FP } },
      memory: { assetToken: { token: 'eyJ.token.sig', ...held } },
    }) as unknown as StepContext<ProvisionOutputs>;

  it('hands the token out only for its own job, device and key', () => {
    const ok = ctxWith({ jobId: 'job-1', uid: UID, keyFingerprint: FP });
    expect(heldAssetToken(ok)).toBe('eyJ.token.sig');
    expect(ok.memory.assetToken).toBeDefined();
  });

  it.each([
    ['another job', { jobId: 'job-2', uid: UID, keyFingerprint: FP }],
    ['another UID', { jobId: 'job-1', uid: 'SIM-0002', keyFingerprint: FP }],
    ['another key', { jobId: 'job-1', uid: UID, keyFingerprint: 'b'.repeat(64) }],
  ])('drops a token bound to %s', (_what, held) => {
    const ctx = ctxWith(held);
    expect(heldAssetToken(ctx)).toBeUndefined();
    expect(ctx.memory.assetToken).toBeUndefined();
  });
});
