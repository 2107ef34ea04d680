/**
 * Minimal JWS/JWT helpers for the org emulator (RFC 7515 compact serialisation, RFC 7518 §3.3 RS256,
 * §3.4 ES256). Node crypto only; the emulator must not import the station's helpers (layering).
 */
import crypto from 'node:crypto';

/** base64url without padding (RFC 4648 §5). */
export function b64url(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

/** Decodes base64url (padding optional). */
export function fromB64url(s: string): Buffer {
  return Buffer.from(s, 'base64url');
}

/** A decoded (not yet verified) compact JWS. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

/** Splits and JSON-decodes a compact JWT; returns undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(fromB64url(parts[0]!).toString('utf8')) as unknown;
    const payload = JSON.parse(fromB64url(parts[1]!).toString('utf8')) as unknown;
    if (!isObj(header) || !isObj(payload)) return undefined;
    return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature: fromB64url(parts[2]!) };
  } catch {
    return undefined;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Signs `payload` as an RS256 JWT with `header` extras (e.g. `kid`). */
export function signRs256(
  payload: Record<string, unknown>,
  key: crypto.KeyObject,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64url(JSON.stringify({ ...header, alg: 'RS256' }))}.${b64url(JSON.stringify(payload))}`;
  const sig = crypto.sign('sha256', Buffer.from(input), key);
  return `${input}.${b64url(sig)}`;
}

/** Verifies an RS256 or ES256 (raw r||s) signature of a decoded JWT with `key`. */
export function verifyJws(jwt: DecodedJwt, key: crypto.KeyObject): boolean {
  try {
    if (jwt.header.alg === 'RS256' && key.asymmetricKeyType === 'rsa') {
      return crypto.verify('sha256', Buffer.from(jwt.signingInput), key, jwt.signature);
    }
    if (jwt.header.alg === 'ES256' && key.asymmetricKeyType === 'ec') {
      return crypto.verify(
        'sha256',
        Buffer.from(jwt.signingInput),
        { key, dsaEncoding: 'ieee-p1363' },
        jwt.signature,
      );
    }
  } catch {
    return false;
  }
  return false;
}
