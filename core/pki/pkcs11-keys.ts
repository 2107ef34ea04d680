/**
 * Key objects on a PKCS#11 token for the HSM signer: generating the CA key pair inside the token,
 * finding keys by label / CKA_ID, reading their security attributes, and building the SPKI of the
 * public half (PKCS#11 v2.40 §4.8–4.9, current mechanisms §2.1 RSA and §2.3 EC).
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import type { Handle, TokenSession } from './pkcs11-token';
import type { CaAlgorithm } from './signer';

/** Which key on the token: by label, by CKA_ID (hex), or both. */
export interface KeySelector {
  keyLabel?: string | undefined;
  /** CKA_ID as hex. */
  keyId?: string | undefined;
}

/** Security attributes of the token's private key object, as the token reports them. */
export interface Pkcs11KeyAttributes {
  token: boolean;
  private: boolean;
  sensitive: boolean;
  extractable: boolean;
  alwaysSensitive: boolean;
  neverExtractable: boolean;
  sign: boolean;
}

/** Named curves the station's HSM keys may use: DER of the curve OID (CKA_EC_PARAMS) → facts. */
export const CURVES: Record<string, { oidDer: string; crv: 'P-256' | 'P-384'; bytes: number }> = {
  '06082a8648ce3d030107': { oidDer: '06082a8648ce3d030107', crv: 'P-256', bytes: 32 },
  '06052b81040022': { oidDer: '06052b81040022', crv: 'P-384', bytes: 48 },
};
/** Base64url without padding (JWK coordinates, RFC 7518 §6). */
export const b64u = (b: Buffer) => b.toString('base64url');

const bool = (b: Buffer | undefined) => b !== undefined && b.length > 0 && b[0] !== 0;

/**
 * Generates a key pair inside the token: both halves token objects with the same label and CKA_ID;
 * the private key private, sensitive, never extractable, for signing only.
 * @throws the token's error (the caller maps it).
 */
export function generateKeyPair(
  session: TokenSession,
  k: { label: string; keyId: string },
  algorithm: CaAlgorithm,
): void {
  const { api, lib } = session;
  const label = k.label;
  const keyId = k.keyId;
  const common = [
    { type: api.CKA_TOKEN, value: true },
    { type: api.CKA_LABEL, value: label },
    { type: api.CKA_ID, value: Buffer.from(keyId, 'hex') },
  ];
  const priv = [
    ...common,
    { type: api.CKA_CLASS, value: api.CKO_PRIVATE_KEY },
    { type: api.CKA_PRIVATE, value: true },
    { type: api.CKA_SENSITIVE, value: true },
    { type: api.CKA_EXTRACTABLE, value: false },
    { type: api.CKA_SIGN, value: true },
    { type: api.CKA_DECRYPT, value: false },
    { type: api.CKA_DERIVE, value: false },
    { type: api.CKA_UNWRAP, value: false },
  ];
  const pub = [
    ...common,
    { type: api.CKA_CLASS, value: api.CKO_PUBLIC_KEY },
    { type: api.CKA_PRIVATE, value: false },
    { type: api.CKA_VERIFY, value: true },
    { type: api.CKA_ENCRYPT, value: false },
    { type: api.CKA_WRAP, value: false },
  ];
  if (algorithm === 'ECDSA-P256' || algorithm === 'ECDSA-P384') {
    const oid = algorithm === 'ECDSA-P256' ? '06082a8648ce3d030107' : '06052b81040022';
    lib.C_GenerateKeyPair(
      session.session,
      { mechanism: api.CKM_EC_KEY_PAIR_GEN },
      [
        ...pub,
        { type: api.CKA_KEY_TYPE, value: api.CKK_EC },
        { type: api.CKA_EC_PARAMS, value: Buffer.from(oid, 'hex') },
      ],
      [...priv, { type: api.CKA_KEY_TYPE, value: api.CKK_EC }],
    );
  } else {
    lib.C_GenerateKeyPair(
      session.session,
      { mechanism: api.CKM_RSA_PKCS_KEY_PAIR_GEN },
      [
        ...pub,
        { type: api.CKA_KEY_TYPE, value: api.CKK_RSA },
        { type: api.CKA_MODULUS_BITS, value: algorithm === 'RSA-2048' ? 2048 : 3072 },
        { type: api.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
      ],
      [...priv, { type: api.CKA_KEY_TYPE, value: api.CKK_RSA }],
    );
  }
}

/** Private keys matching the label and/or id (none when neither is given). */
export function findPrivateKeys(session: TokenSession, ref: KeySelector): Handle[] {
  const { api } = session;
  if (!ref.keyLabel && !ref.keyId) return [];
  return session.find([
    { type: api.CKA_CLASS, value: api.CKO_PRIVATE_KEY },
    ...(ref.keyLabel ? [{ type: api.CKA_LABEL, value: ref.keyLabel }] : []),
    ...(ref.keyId ? [{ type: api.CKA_ID, value: Buffer.from(ref.keyId, 'hex') }] : []),
  ]);
}

/** The public key object of a pair: by CKA_ID, else by label (undefined unless exactly one). */
export function findPublicKey(
  session: TokenSession,
  keyId: string,
  label: string | undefined,
): Handle | undefined {
  const { api } = session;
  const byId = keyId
    ? session.find([
        { type: api.CKA_CLASS, value: api.CKO_PUBLIC_KEY },
        { type: api.CKA_ID, value: Buffer.from(keyId, 'hex') },
      ])
    : [];
  if (byId.length === 1) return byId[0];
  if (!label) return undefined;
  const byLabel = session.find([
    { type: api.CKA_CLASS, value: api.CKO_PUBLIC_KEY },
    { type: api.CKA_LABEL, value: label },
  ]);
  return byLabel.length === 1 ? byLabel[0] : undefined;
}

/** The security attributes of a key object. */
export function readKeyAttributes(session: TokenSession, key: Handle): Pkcs11KeyAttributes {
  const { api } = session;
  const [token, priv, sensitive, extractable, alwaysSensitive, neverExtractable, sign] = session.attributes(
    key,
    [
      api.CKA_TOKEN,
      api.CKA_PRIVATE,
      api.CKA_SENSITIVE,
      api.CKA_EXTRACTABLE,
      api.CKA_ALWAYS_SENSITIVE,
      api.CKA_NEVER_EXTRACTABLE,
      api.CKA_SIGN,
    ],
  );
  return {
    token: bool(token),
    private: bool(priv),
    sensitive: bool(sensitive),
    extractable: bool(extractable),
    alwaysSensitive: bool(alwaysSensitive),
    neverExtractable: bool(neverExtractable),
    sign: bool(sign),
  };
}

/**
 * The SPKI of an EC public key from CKA_EC_POINT, which PKCS#11 v2.40 §2.3.3 defines as the DER
 * OCTET STRING of the uncompressed point; some tokens return the bare point, so both are accepted.
 */
export function ecSpki(point: Buffer, curve: { crv: 'P-256' | 'P-384'; bytes: number }): Uint8Array {
  const rawLen = 2 * curve.bytes + 1;
  let raw = point;
  if (!(point.length === rawLen && point[0] === 0x04)) {
    // DER OCTET STRING: 04 <len> <point>, with a one- or two-octet length.
    const lenOctets = point[1]! & 0x80 ? 1 + (point[1]! & 0x7f) : 1;
    raw = point.subarray(1 + lenOctets);
  }
  if (raw.length !== rawLen || raw[0] !== 0x04) {
    throw new StationError(
      'CA_SIGNER_UNAVAILABLE',
      'The HSM returned an EC public key in a form the station does not understand (expected an uncompressed point).',
      "Report the HSM model; generate the CA key with the vendor's default settings.",
    );
  }
  const x = raw.subarray(1, 1 + curve.bytes);
  const y = raw.subarray(1 + curve.bytes);
  return new Uint8Array(
    crypto
      .createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64u(x), y: b64u(y) }, format: 'jwk' })
      .export({ format: 'der', type: 'spki' }),
  );
}
