/**
 * Asset tokens (docs/salesforce-wire.md §1, §3): the actor token the DEVICE signs, and validation of the asset
 * token Salesforce issues. The station never holds a device key: it builds the signing input, the
 * device signs it (device link SIGN, RS256), and the station assembles the JWT.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { b64url, verifyRs256 } from './jwt';

/** Claims of the actor token (docs/salesforce-wire.md §1.3; names beyond `did`/`cnf.jwk` are [U], see Unknowns 1). */
export interface ActorClaims {
  /** Device ID (`AssetTokenEvent.DeviceId`, up to 255 chars). */
  did: string;
  /** Display name of the asset token (`AssetTokenEvent.Name`). */
  name: string;
  /** The Asset the station upserted (Salesforce then only links, docs/salesforce-wire.md §1.4 "Our design"). */
  assetId: string;
  serialNumber: string;
  /** The device's RSA public key (`cnf.jwk`, RFC 7800). */
  jwk: crypto.JsonWebKey;
}

/** An actor token waiting for the device's signature. */
export interface UnsignedActorToken {
  /** `base64url(header).base64url(payload)`: the exact bytes (UTF-8) the device signs with RS256. */
  signingInput: string;
  /** The claims in the payload. */
  claims: Record<string, unknown>;
  /**
   * Assembles the JWT from the device's RS256 signature (PKCS#1 v1.5 over SHA-256 of the signing input).
   * @throws StationError POP_FAILED when the signature does not verify with `cnf.jwk` (wrong key or data).
   */
  finish(signature: Uint8Array): string;
}

/** Actor-token lifetime, seconds. Short: it is used at once. */
export const ACTOR_TOKEN_TTL_S = 300;

/**
 * True when a device key of this algorithm can take part in the asset-token flow. Salesforce documents
 * RS256 only (docs/salesforce-wire.md §1.3, Unknowns 2): EC keys (ECDSA-P256, …) are skipped by the caller.
 * @param spkiAlg KeyAlgorithm (`RSA-2048`, `ECDSA-P256`, …) or a JWK `kty`.
 */
export function assetTokenSupported(spkiAlg: string): boolean {
  return /^RSA(-\d+)?$/i.test(spkiAlg);
}

/** The reason recorded when the asset-token step is skipped for a key algorithm (undefined when supported). */
export function assetTokenSkipReason(spkiAlg: string): string | undefined {
  return assetTokenSupported(spkiAlg)
    ? undefined
    : `the device key is ${spkiAlg}; Salesforce asset tokens document RS256 (RSA) actor tokens only (docs/salesforce-wire.md §1.3)`;
}

/**
 * Builds the actor token for the device to sign. Header `{"alg":"RS256","typ":"JWT"}`; payload
 * `{did, Name, Asset:{Id, SerialNumber}, cnf:{jwk}, iat, exp, jti}` (docs/salesforce-wire.md §1.3).
 * @throws StationError ASSET_TOKEN_REJECTED for a non-RSA JWK; BAD_REQUEST for missing claims.
 */
export function buildActorToken(c: ActorClaims, nowMs = Date.now()): UnsignedActorToken {
  if (c.jwk.kty !== 'RSA' || !c.jwk.n || !c.jwk.e) {
    throw new StationError(
      'ASSET_TOKEN_REJECTED',
      `Cannot build an actor token for a ${c.jwk.kty ?? 'non-RSA'} device key: Salesforce documents RS256 only.`,
      'Skip the asset token for this device (EC key), or configure the device to generate an RSA-2048 key.',
    );
  }
  if (!c.did || c.did.length > 255 || !c.assetId) {
    throw new StationError(
      'BAD_REQUEST',
      'An actor token needs a did (at most 255 characters) and the Asset Id.',
      'This is a station bug: report it with the job journal.',
    );
  }
  let publicKey: crypto.KeyObject;
  try {
    publicKey = crypto.createPublicKey({ key: { kty: 'RSA', n: c.jwk.n, e: c.jwk.e }, format: 'jwk' });
  } catch {
    throw new StationError(
      'ASSET_TOKEN_REJECTED',
      'The device public key (JWK) is not a valid RSA key.',
      'Re-read the device key (KEYGEN) and retry.',
    );
  }
  const iat = Math.floor(nowMs / 1000);
  const claims: Record<string, unknown> = {
    did: c.did,
    Name: c.name.slice(0, 255),
    Asset: { Id: c.assetId, SerialNumber: c.serialNumber },
    cnf: { jwk: { kty: 'RSA', n: c.jwk.n, e: c.jwk.e } },
    iat,
    exp: iat + ACTOR_TOKEN_TTL_S,
    jti: crypto.randomUUID(),
  };
  const signingInput = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`;
  return {
    signingInput,
    claims,
    finish(signature: Uint8Array): string {
      if (!verifyRs256(signingInput, signature, publicKey)) {
        throw new StationError(
          'POP_FAILED',
          'The device signature over the actor token does not verify with the device public key.',
          'The device may not hold the key it reported: stop, re-identify the device and run the job again.',
        );
      }
      return `${signingInput}.${b64url(signature)}`;
    },
  };
}

export {
  validateAssetTokenWith,
  keySetResolver,
  rsaJwkThumbprint,
  DEFAULT_MAX_LIFETIME_S,
  DEFAULT_SKEW_S,
  type SigningKeyResolver,
  type ValidateOptions,
} from './asset-token-validate';
