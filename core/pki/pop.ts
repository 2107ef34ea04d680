/**
 * Proof of possession beyond the CSR: the station sends a fresh random challenge, the device signs it
 * with its key, the station verifies the signature with the CSR's (or, in QA verify, the installed
 * certificate's) public key. Signature formats follow JWS (RFC 7518): ES256 is ECDSA P-256/SHA-256 with
 * the raw r||s encoding (IEEE P1363, 64 bytes, §3.4); RS256 is RSASSA-PKCS1-v1_5/SHA-256 (§3.3);
 * ES384 (P-384, 96 bytes) and EdDSA (Ed25519, RFC 8037 §3.1) are additive extensions.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { readSpki } from './csr';
import { x509 } from './x509-lib';

/** Challenge size in bytes (256 bits of randomness). */
export const CHALLENGE_BYTES = 32;

/** PoP signature algorithms (JWS names, RFC 7518 §3.1; EdDSA RFC 8037). */
export type PopAlgorithm = 'ES256' | 'RS256' | 'ES384' | 'EdDSA';

/** A fresh random challenge of {@link CHALLENGE_BYTES} bytes (node:crypto CSPRNG). */
export function createChallenge(): Uint8Array {
  return new Uint8Array(crypto.randomBytes(CHALLENGE_BYTES));
}

const popFailed = (message: string) =>
  new StationError(
    'POP_FAILED',
    message,
    'Do not issue a certificate. Retry once; if the device still cannot prove it holds the key, set it aside as suspect.',
  );

/** The key of a PoP. @throws StationError POP_FAILED when the SPKI is unreadable. */
function popKey(spki: Uint8Array): ReturnType<typeof readSpki> {
  try {
    return readSpki(spki);
  } catch (e) {
    throw popFailed(`The public key for proof of possession is unreadable: ${(e as Error).message}.`);
  }
}

/** The PoP algorithm a key family (and curve) calls for. */
function popAlgorithmOf(info: ReturnType<typeof readSpki>): PopAlgorithm {
  if (info.family === 'RSA') return 'RS256';
  if (info.family === 'Ed25519') return 'EdDSA';
  return info.keyAlgorithm === 'ECDSA-P384' ? 'ES384' : 'ES256';
}

/**
 * The PoP algorithm for a public key: ES256 for P-256, ES384 for P-384, RS256 for RSA, EdDSA for Ed25519.
 * @throws StationError POP_FAILED when the SPKI is unreadable or of another type.
 */
export function popAlgorithmFor(spki: Uint8Array): PopAlgorithm {
  return popAlgorithmOf(popKey(spki));
}

/** The DER SubjectPublicKeyInfo of a certificate (for PoP in verify mode, against the installed cert). */
export function spkiFromCertificate(certDer: Uint8Array): Uint8Array {
  return new Uint8Array(new x509.X509Certificate(new Uint8Array(certDer)).publicKey.rawData);
}

/**
 * Verifies the device's signature over `challenge` with the key `spki`.
 * @param spki DER SubjectPublicKeyInfo (from the CSR or the installed certificate).
 * @param challenge the bytes from {@link createChallenge} (at least 16 bytes).
 * @param signature ES256: 64-byte r||s; ES384: 96-byte r||s; RS256: modulus-sized; EdDSA: 64 bytes.
 * @throws StationError POP_FAILED naming the problem (key/alg mismatch, wrong length, bad signature).
 */
export function verifyProofOfPossession(
  spki: Uint8Array,
  challenge: Uint8Array,
  signature: Uint8Array,
  alg: PopAlgorithm,
): void {
  if (challenge.length < 16)
    throw popFailed(`The challenge is ${challenge.length} bytes; at least 16 are required.`);
  const info = popKey(spki); // the key imported once, for the algorithm check and the verify
  const expectedAlg = popAlgorithmOf(info);
  if (alg !== expectedAlg) {
    throw popFailed(`The device answered with ${alg}, but its key calls for ${expectedAlg}.`);
  }
  const key = info.key;
  const rawLen = alg === 'ES256' ? 64 : alg === 'ES384' ? 96 : alg === 'EdDSA' ? 64 : undefined;
  if (rawLen !== undefined && signature.length !== rawLen) {
    throw popFailed(`The ${alg} signature is ${signature.length} bytes; ${rawLen} (raw r||s) are required.`);
  }
  if (alg === 'RS256') {
    const modBytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8);
    if (signature.length !== modBytes) {
      throw popFailed(
        `The RS256 signature is ${signature.length} bytes; the ${modBytes * 8}-bit key needs ${modBytes}.`,
      );
    }
  }
  let ok = false;
  try {
    if (alg === 'EdDSA') ok = crypto.verify(null, challenge, key, signature);
    else if (alg === 'RS256') ok = crypto.verify('sha256', challenge, key, signature);
    else
      ok = crypto.verify(
        alg === 'ES256' ? 'sha256' : 'sha384',
        challenge,
        { key, dsaEncoding: 'ieee-p1363' },
        signature,
      );
  } catch {
    ok = false;
  }
  if (!ok)
    throw popFailed(`The device's ${alg} signature over the challenge does not verify with the CSR key.`);
}
