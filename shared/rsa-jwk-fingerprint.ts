/**
 * The key fingerprint of an RSA JWK, defined so that it equals the station's `Key_Fingerprint__c`.
 *
 * The station stores SHA-256 over the DER SubjectPublicKeyInfo of the device key (core/pki/csr.ts
 * `keyFingerprint`), lowercase hex. An asset-token exchange only carries the key as a JWK
 * (`AssetTokenEvent.DeviceKey`, docs/salesforce-wire.md §1.8), so the org side rebuilds the SPKI from
 * `n` and `e` with the one DER encoding X.690 allows and hashes that:
 *
 *     SubjectPublicKeyInfo ::= SEQUENCE {                 -- RFC 5280 §4.1.2.7
 *       algorithm  SEQUENCE { OID 1.2.840.113549.1.1.1,   -- rsaEncryption, RFC 3279 §2.3.1
 *                             NULL },                      -- parameters MUST be NULL (same section)
 *       subjectPublicKey BIT STRING (0 unused bits) {
 *         RSAPublicKey ::= SEQUENCE { INTEGER n, INTEGER e } } }  -- RFC 8017 App. A.1.1
 *
 * INTEGERs are minimal two's complement (X.690 §8.3.2): leading zero bytes of the JWK value are dropped
 * and one 0x00 is prepended when the top bit is set; lengths use the short form below 128 and the
 * long form otherwise (X.690 §8.1.3, DER §10.1). The Apex handler (salesforce/…/AssetTokenRules.cls)
 * implements the same steps; the fixtures in test/fixtures/asset-token-events/ pin both to node:crypto.
 *
 * Pure: no Node, no DOM. SHA-256 is passed in (node:crypto in the station and the emulator).
 */
import { base64Decode } from './protocol/base64';

/** SHA-256 of bytes as 64 lowercase hex characters (e.g. node:crypto `createHash('sha256')…digest('hex')`). */
export type Sha256Hex = (bytes: Uint8Array) => string;

/** The members of an RSA public JWK this module reads (RFC 7517 §4.1, RFC 7518 §6.3.1); others are ignored. */
export interface RsaPublicJwk {
  kty: 'RSA';
  /** Modulus, base64url (unpadded) big-endian unsigned integer. */
  n: string;
  /** Public exponent, base64url (unpadded) big-endian unsigned integer. */
  e: string;
}

/** Why a JWK could not be fingerprinted. */
export type JwkProblem = 'not-json' | 'not-rsa' | 'bad-base64url' | 'zero-integer' | 'too-large';

/** DER prefix of the rsaEncryption AlgorithmIdentifier: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
const RSA_ALGORITHM_IDENTIFIER = [
  0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

/** Largest DER content length encoded here (two length octets); RSA keys up to ~500 kbit fit. */
const MAX_DER_LENGTH = 0xffff;

/**
 * Decodes canonical unpadded base64url (RFC 4648 §5 without `=`, as JWS/JWK use it: RFC 7515 §2).
 * @returns the bytes, or undefined for padding, characters outside the alphabet, an impossible length
 *   or non-zero trailing bits (a value with two spellings is refused, as the Apex side does).
 */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text) || text.length % 4 === 1) return undefined;
  const std = text.replace(/-/g, '+').replace(/_/g, '/');
  return base64Decode(std + '='.repeat((4 - (std.length % 4)) % 4));
}

/** Bytes as lowercase hex. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/**
 * Parses `AssetTokenEvent.DeviceKey` (a JWK as JSON text).
 * @returns the RSA members, or the problem: `not-json` (not a JSON object), `not-rsa` (`kty` is not
 *   exactly "RSA", or `n`/`e` are not strings).
 */
export function parseRsaJwk(text: string): RsaPublicJwk | JwkProblem {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return 'not-json';
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not-json';
  const o = v as Record<string, unknown>;
  if (o.kty !== 'RSA' || typeof o.n !== 'string' || typeof o.e !== 'string') return 'not-rsa';
  return { kty: 'RSA', n: o.n, e: o.e };
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  if (n < 0x100) return [0x81, n];
  return [0x82, n >> 8, n & 0xff];
}

function tlv(tag: number, content: number[]): number[] | undefined {
  if (content.length > MAX_DER_LENGTH) return undefined;
  return [tag, ...derLength(content.length), ...content];
}

/** Minimal two's-complement content of an unsigned big-endian value (X.690 §8.3.2); empty for zero. */
function minimalInteger(bytes: Uint8Array): number[] {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const body = Array.from(bytes.subarray(i));
  return body.length > 0 && body[0]! >= 0x80 ? [0, ...body] : body;
}

/**
 * The DER SubjectPublicKeyInfo of an RSA public key given as JWK members (encoding in the module doc).
 * @returns the DER bytes, or the problem: `bad-base64url`, `zero-integer` (n or e is 0), `too-large`.
 */
export function rsaSpkiDer(jwk: Pick<RsaPublicJwk, 'n' | 'e'>): Uint8Array | JwkProblem {
  const n = base64UrlDecode(jwk.n);
  const e = base64UrlDecode(jwk.e);
  if (!n || !e) return 'bad-base64url';
  const nContent = minimalInteger(n);
  const eContent = minimalInteger(e);
  if (nContent.length === 0 || eContent.length === 0) return 'zero-integer';
  const nInt = tlv(0x02, nContent);
  const eInt = tlv(0x02, eContent);
  const rsaPublicKey = nInt && eInt && tlv(0x30, [...nInt, ...eInt]);
  const bitString = rsaPublicKey && tlv(0x03, [0x00, ...rsaPublicKey]);
  const spki = bitString && tlv(0x30, [...RSA_ALGORITHM_IDENTIFIER, ...bitString]);
  return spki ? new Uint8Array(spki) : 'too-large';
}

/**
 * The station's key fingerprint of a JWK given as JSON text: SHA-256 of {@link rsaSpkiDer}, lowercase hex.
 * @returns `{ fingerprint }` (64 hex characters) or `{ problem }`.
 */
export function rsaJwkFingerprint(
  jwkText: string,
  sha256Hex: Sha256Hex,
): { fingerprint: string } | { problem: JwkProblem } {
  const jwk = parseRsaJwk(jwkText);
  if (typeof jwk === 'string') return { problem: jwk };
  const der = rsaSpkiDer(jwk);
  if (typeof der === 'string') return { problem: der };
  return { fingerprint: sha256Hex(der).toLowerCase() };
}
