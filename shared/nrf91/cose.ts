/**
 * The nRF91 modem's signed outputs (Nordic's public AT command reference, docs/nrf91.md):
 *
 * - `%KEYGEN: "<base64url(CSR DER)>.<base64url(COSE_Sign1)>"` — the COSE_Sign1 (RFC 9052 §4.2, CBOR
 *   tag 18) is signed ES256 by the modem's factory identity key; its payload is the CBOR array
 *   `[payload id (9 = CSR message v1), device UUID (16 bytes), bstr(CBOR sec_tag), SHA-256 of the CSR
 *   DER (32 bytes), nonce (16 bytes)]`.
 * - `%ATTESTTOKEN: "<base64url(message)>.<base64url(COSE_Sign1)>"` — the message is the CBOR array
 *   `[message type (1 = device identity v1), device UUID (16 bytes), device type, firmware UUID]`.
 *
 * Layouts as read by Nordic's own parser (github.com/nRFCloud/utils, modem_credentials_parser.py).
 * Pure: no Node APIs. The station checks structure and the digest binding; the identity key's public
 * half is held by Nordic (nRF Cloud Identity Service), so the signature is checked there, or here
 * only when a caller has that public key (the simulator's, in tests).
 */
import { base64Decode, base64Encode } from '../protocol/base64';
import { CborError, cborDecode, cborEncode, cborMapGet, type CborValue } from './cbor';

/** COSE_Sign1's CBOR tag (RFC 9052 §2). */
export const COSE_SIGN1_TAG = 18;
/** COSE algorithm ES256 (RFC 9053 §2.1). */
export const COSE_ALG_ES256 = -7;
/** Payload id of a %KEYGEN CSR attestation ("CSR message v1"). */
export const PAYLOAD_CSR_V1 = 9;
/** Message type of an %ATTESTTOKEN message ("device identity message v1"). */
export const MSG_DEVICE_IDENTITY_V1 = 1;

/** base64url without padding (RFC 4648 §5), as the modem prints it. */
export function base64UrlEncode(b: Uint8Array): string {
  return base64Encode(b).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Decodes base64url with or without padding; undefined for any character outside the alphabet. */
export function base64UrlDecode(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return undefined;
  const t = text.replace(/=+$/, '');
  if (t.length % 4 === 1) return undefined;
  return base64Decode(t.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (t.length % 4)) % 4));
}

/** A decoded COSE_Sign1. */
export interface CoseSign1 {
  /** The protected header bytes (a CBOR map, kept as sent: the signature covers them). */
  protectedBytes: Uint8Array;
  /** `alg` from the protected header (-7 = ES256). */
  alg: number | undefined;
  payload: Uint8Array;
  /** Raw r||s (64 bytes for ES256). */
  signature: Uint8Array;
  /** The bytes the signature covers: Sig_structure (RFC 9052 §4.4) with empty external AAD. */
  toBeSigned: Uint8Array;
}

const bytes = (v: CborValue | undefined): v is Uint8Array => v instanceof Uint8Array;

/** Decodes a COSE_Sign1 (tagged or untagged). @throws CborError when it is not one. */
export function decodeCoseSign1(b: Uint8Array): CoseSign1 {
  let v = cborDecode(b);
  if (v !== null && typeof v === 'object' && 'tag' in v) {
    if (v.tag !== COSE_SIGN1_TAG) throw new CborError(`CBOR tag ${v.tag} is not COSE_Sign1 (18)`);
    v = v.value;
  }
  if (!Array.isArray(v) || v.length !== 4) throw new CborError('COSE_Sign1 is not a 4-element array');
  const [prot, , payload, signature] = v;
  if (!bytes(prot) || !bytes(payload) || !bytes(signature))
    throw new CborError('COSE_Sign1 fields have the wrong types');
  const hdr = prot.length ? cborDecode(prot) : { map: [] };
  const alg = cborMapGet(hdr, 1);
  return {
    protectedBytes: prot,
    alg: typeof alg === 'number' ? alg : undefined,
    payload,
    signature,
    toBeSigned: cborEncode(['Signature1', prot, new Uint8Array(0), payload]),
  };
}

/** Builds a COSE_Sign1 (the simulator's side); `sign` returns raw r||s over its input. */
export function encodeCoseSign1(
  payload: Uint8Array,
  keyId: number,
  sign: (toBeSigned: Uint8Array) => Uint8Array,
): Uint8Array {
  const prot = cborEncode({ map: [[1, COSE_ALG_ES256]] });
  const tbs = cborEncode(['Signature1', prot, new Uint8Array(0), payload]);
  const unprot: CborValue = { map: [[4, cborEncode(keyId)]] };
  return cborEncode({ tag: COSE_SIGN1_TAG, value: [prot, unprot, payload, sign(tbs)] });
}

/** The attestation of a %KEYGEN CSR. */
export interface KeygenAttestation {
  cose: CoseSign1;
  /** Device UUID, lowercase 8-4-4-4-12. */
  deviceUuid: string;
  secTag: number;
  /** SHA-256 of the CSR DER the modem attests, lowercase hex. */
  csrDigest: string;
  nonce: string;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

/** Formats 16 bytes as a UUID string. */
export function formatUuid(b: Uint8Array): string {
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Decodes the COSE_Sign1 of a %KEYGEN answer. @throws CborError for anything else. */
export function decodeKeygenAttestation(coseBytes: Uint8Array): KeygenAttestation {
  const cose = decodeCoseSign1(coseBytes);
  const p = cborDecode(cose.payload);
  if (!Array.isArray(p) || p.length < 5) throw new CborError('attestation payload is not a 5-element array');
  const [id, uuid, tag, digest, nonce] = p;
  if (id !== PAYLOAD_CSR_V1) throw new CborError(`attestation payload id ${String(id)} is not a CSR message`);
  if (!bytes(uuid) || uuid.length !== 16) throw new CborError('attestation device UUID is not 16 bytes');
  if (!bytes(tag)) throw new CborError('attestation sec_tag is not a byte string');
  let secTag = cborDecode(tag);
  if (typeof secTag !== 'number') throw new CborError('attestation sec_tag is not an integer');
  if (secTag < 0) secTag = secTag + 2 ** 32; // unsigned 32-bit sec tags above 2^31 arrive negative
  if (!bytes(digest) || digest.length !== 32) throw new CborError('attestation digest is not SHA-256');
  if (!bytes(nonce)) throw new CborError('attestation nonce is not a byte string');
  return { cose, deviceUuid: formatUuid(uuid), secTag, csrDigest: hex(digest), nonce: hex(nonce) };
}

/** Builds a %KEYGEN attestation payload (the simulator's side). */
export function encodeKeygenPayload(
  uuid: Uint8Array,
  secTag: number,
  csrDigest: Uint8Array,
  nonce: Uint8Array,
): Uint8Array {
  return cborEncode([PAYLOAD_CSR_V1, uuid, cborEncode(secTag), csrDigest, nonce]);
}

/** A decoded %ATTESTTOKEN message. */
export interface AttestationToken {
  deviceUuid: string;
  deviceType: number;
  firmwareUuid: string;
  cose: CoseSign1;
}

/** Decodes `%ATTESTTOKEN` text `<b64url msg>.<b64url cose>`. @throws CborError */
export function decodeAttestationToken(text: string): AttestationToken {
  const [m, c] = text.split('.');
  const msg = m ? base64UrlDecode(m) : undefined;
  const cose = c ? base64UrlDecode(c) : undefined;
  if (!msg || !cose) throw new CborError('attestation token is not <base64url>.<base64url>');
  const v = cborDecode(msg);
  if (!Array.isArray(v) || v.length < 4 || v[0] !== MSG_DEVICE_IDENTITY_V1)
    throw new CborError('attestation token is not a device identity message');
  const [, uuid, type, fw] = v;
  if (!bytes(uuid) || uuid.length !== 16 || typeof type !== 'number' || !bytes(fw) || fw.length !== 16)
    throw new CborError('attestation token fields have the wrong types');
  return {
    deviceUuid: formatUuid(uuid),
    deviceType: type,
    firmwareUuid: formatUuid(fw),
    cose: decodeCoseSign1(cose),
  };
}

/** Builds the %ATTESTTOKEN message (the simulator's side). */
export function encodeAttestationMessage(
  uuid: Uint8Array,
  deviceType: number,
  fwUuid: Uint8Array,
): Uint8Array {
  return cborEncode([MSG_DEVICE_IDENTITY_V1, uuid, deviceType, fwUuid]);
}
