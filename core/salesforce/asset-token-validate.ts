/**
 * Validation of the asset token Salesforce issues (docs/salesforce-wire.md §1.6, §3): every rule the
 * station applies before the token may go near a device. The token is a bearer credential for one device
 * and one Asset, so each claim that binds it is compared, not just read: a token for another device,
 * another Asset, another key, from another issuer or living too long is refused with ASSET_TOKEN_INVALID
 * naming the rule. Sources: the validating page [ATV]
 * https://help.salesforce.com/s/articleView?id=platform.remoteaccess_asset_token_using_validating.htm
 * (RS256 signature by the asset signing certificate named by `kid`; `aud`, `nbf`/`exp`, `iss`; `cnf.jwk`),
 * RFC 7519 §4.1 (registered claims), RFC 7515 §4.1.11 (`crit`), RFC 7638 (JWK thumbprint), RFC 7800 (`cnf`).
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { decodeJws, verifyRs256 } from './jwt';

/** Default clock skew allowed on `nbf`/`exp`, seconds. */
export const DEFAULT_SKEW_S = 60;
/** Largest clock skew a caller may configure, seconds: beyond it a stale token would pass as fresh. */
export const MAX_SKEW_S = 300;
/**
 * Default maximum lifetime of an asset token (`exp` − `nbf`, or − `iat`), seconds: one hour. Why: the
 * External Client App's `assetTokenValidity` is set in seconds [C MECA
 * https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_extlclntappoauthsettings.htm],
 * the official sample issues tokens with `expires_in: 60` (docs/salesforce-wire.md §1.5) and the validating
 * page describes one token per device call [ATV]: an asset token is a short-lived bearer credential. A
 * token that outlives any plausible provisioning window (the attack: one valid for 10 years) means the
 * app is misconfigured or the token is not the org's, and a stolen copy would be usable for its whole
 * life. Configurable (`salesforce.assetTokens.maxLifetimeSec`) for an org set to a longer validity.
 */
export const DEFAULT_MAX_LIFETIME_S = 3600;

/** What the token must say, for this job (docs/salesforce-wire.md §3). */
export interface ValidateOptions {
  /** Expected audience: must be in `aud` (string or array). */
  audience: string;
  /**
   * Expected issuer: the org's site / My Domain / instance URL (compared without a trailing slash).
   * Required by the rule set; the AssetTokens service defaults it to the token URL or the instance URL.
   */
  issuer?: string;
  /** This device's hardware UID: `did` must equal it. Unchecked only when absent (not in the saga). */
  deviceUid?: string;
  /** The Asset this job upserted: the token's `Asset.Id` must name it (15- or 18-character Ids). */
  assetId?: string;
  /** This device's public key: the thumbprint (RFC 7638) of `cnf.jwk` must equal its thumbprint. */
  deviceJwk?: crypto.JsonWebKey;
  /** Allowed clock skew, seconds. Default {@link DEFAULT_SKEW_S}, at most {@link MAX_SKEW_S}. */
  skewSec?: number;
  /** Longest accepted lifetime, seconds. Default {@link DEFAULT_MAX_LIFETIME_S}. */
  maxLifetimeSec?: number;
  nowMs?: number;
}

/**
 * Looks up the signing key by `kid`. The org's key set (JWKS from `/id/keys`, or the one pinned
 * certificate) decides: undefined when no key of the set has that `kid`.
 */
export type SigningKeyResolver = (kid: string | undefined) => Promise<crypto.KeyObject | undefined>;

/**
 * A resolver over a JWKS (RFC 7517 §5): RSA keys with a `kid` only; a token without `kid`, or naming
 * a `kid` not in the set, resolves to undefined (refused). Unusable keys are skipped.
 */
export function keySetResolver(jwks: unknown): SigningKeyResolver {
  const byKid = new Map<string, crypto.KeyObject>();
  const keys = (jwks as { keys?: unknown } | null)?.keys;
  for (const jwk of Array.isArray(keys) ? (keys as Array<Record<string, unknown>>) : []) {
    if (jwk?.kty !== 'RSA' || typeof jwk.kid !== 'string' || !jwk.kid) continue;
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
    try {
      byKid.set(jwk.kid, crypto.createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' }));
    } catch {
      // not a usable RSA key: skipped
    }
  }
  return async (kid) => (kid === undefined ? undefined : byKid.get(kid));
}

/**
 * RFC 7638 thumbprint of an RSA JWK: SHA-256 over `{"e":…,"kty":"RSA","n":…}`, base64url. Undefined for
 * anything but an RSA key with `n` and `e`.
 */
export function rsaJwkThumbprint(jwk: crypto.JsonWebKey | undefined): string | undefined {
  if (!jwk || jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return undefined;
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

/** The first 15 characters of a Salesforce Id: the case-sensitive Id both the 15 and 18 forms share. */
const id15 = (id: string) => id.slice(0, 15);

const trimSlash = (u: string) => u.replace(/\/+$/, '');

/**
 * Validates an asset token; returns its claims. In order: compact JWS; `alg` RS256 only (`none`, HS*,
 * ES* refused) and no `crit`; `kid` in the org's key set and the signature verifying with that key;
 * `iss`; `aud`; `exp` present and not past; `nbf` not in the future; lifetime at most `maxLifetimeSec`;
 * `did`; the Asset; `cnf.jwk`. Skew applies to `exp`/`nbf` only.
 * @throws StationError ASSET_TOKEN_INVALID naming the failed rule (nothing is written to the device)
 */
export async function validateAssetTokenWith(
  token: string,
  resolveKey: SigningKeyResolver,
  o: ValidateOptions,
): Promise<Record<string, unknown>> {
  const bad = (why: string, rule: string) =>
    new StationError(
      'ASSET_TOKEN_INVALID',
      `The asset token from Salesforce was refused: ${why}. Nothing was written to the device.`,
      'Check the asset audience, signing certificate and token validity of the External Client App (docs/salesforce-setup.md) and the station clock; then run the asset-token step again. If it repeats, report it: the org or the network may be tampering with tokens.',
      { rule },
    );
  const jws = decodeJws(token);
  if (!jws) throw bad('it is not a compact JWT', 'format');
  const { header, payload: c } = jws;
  if (header.alg !== 'RS256') throw bad(`its algorithm is ${String(header.alg)}, not RS256`, 'alg');
  if (header.crit !== undefined) throw bad('it carries critical header parameters (crit)', 'crit');
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  const key = await resolveKey(kid);
  if (!key)
    throw bad(
      kid ? `its key id '${kid}' is not in the org's key set` : 'it names no signing key (kid)',
      'kid',
    );
  if (!verifyRs256(jws.signingInput, jws.signature, key))
    throw bad(`the signature does not verify with the org's key '${kid ?? ''}'`, 'signature');

  if (o.issuer !== undefined && (typeof c.iss !== 'string' || trimSlash(c.iss) !== trimSlash(o.issuer)))
    throw bad(`it was issued by '${String(c.iss)}', not by the org (${o.issuer})`, 'iss');
  const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
  if (!aud.includes(o.audience))
    throw bad(`its audience ${JSON.stringify(c.aud)} does not contain '${o.audience}'`, 'aud');

  const now = (o.nowMs ?? Date.now()) / 1000;
  const skew = Math.min(Math.max(o.skewSec ?? DEFAULT_SKEW_S, 0), MAX_SKEW_S);
  if (typeof c.exp !== 'number' || !Number.isFinite(c.exp)) throw bad('it has no expiry (exp)', 'exp');
  if (c.exp <= now - skew) throw bad(`it expired at ${isoOf(c.exp)}`, 'exp');
  if (c.nbf !== undefined && (typeof c.nbf !== 'number' || !Number.isFinite(c.nbf)))
    throw bad('its not-before time (nbf) is not a number', 'nbf');
  if (typeof c.nbf === 'number' && c.nbf > now + skew)
    throw bad(`it is not valid before ${isoOf(c.nbf)} (station clock ${isoOf(now)})`, 'nbf');
  const start = typeof c.nbf === 'number' ? c.nbf : typeof c.iat === 'number' ? c.iat : now;
  const maxLife = o.maxLifetimeSec ?? DEFAULT_MAX_LIFETIME_S;
  if (c.exp - start > maxLife)
    throw bad(
      `it is valid for ${Math.round(c.exp - start)} s, longer than the ${maxLife} s the station accepts`,
      'lifetime',
    );

  if (o.deviceUid !== undefined && c.did !== o.deviceUid)
    throw bad(`it is for device '${String(c.did)}', not ${o.deviceUid}`, 'did');
  if (o.assetId !== undefined) {
    const assetId = (c.Asset as { Id?: unknown } | undefined)?.Id;
    if (typeof assetId !== 'string' || id15(assetId) !== id15(o.assetId))
      throw bad(`it is for Asset ${String(assetId)}, not ${o.assetId}`, 'asset');
  }
  if (o.deviceJwk) {
    const want = rsaJwkThumbprint(o.deviceJwk);
    const got = rsaJwkThumbprint((c.cnf as { jwk?: crypto.JsonWebKey } | undefined)?.jwk);
    if (!want || got !== want) throw bad("its confirmation key (cnf.jwk) is not the device's key", 'cnf');
  }
  return c;
}

function isoOf(sec: number): string {
  const d = new Date(sec * 1000);
  return Number.isNaN(d.getTime()) ? String(sec) : d.toISOString();
}
