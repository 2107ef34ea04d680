/**
 * Compact JWS helpers (RFC 7515 §7.1) for RS256 (RFC 7518 §3.3): used for the JWT bearer assertion
 * (docs/salesforce-wire.md §5.3), the actor token (§1.3) and asset-token validation (§3). Node crypto only.
 */
import crypto from 'node:crypto';

/** base64url without padding (RFC 4648 §5). */
export function b64url(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

/** A decoded, not yet verified, compact JWS. */
export interface DecodedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `base64url(header).base64url(payload)`: the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

/** Decodes a compact JWS; undefined when `token` is not three base64url parts with JSON objects. */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    const isObj = (v: unknown): v is Record<string, unknown> =>
      typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isObj(header) || !isObj(payload)) return undefined;
    return {
      header,
      payload,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Signs claims as an RS256 JWT with a PEM or KeyObject private key. */
export function signRs256Jwt(
  claims: Record<string, unknown>,
  privateKey: crypto.KeyObject | string,
  header: Record<string, unknown> = {},
): string {
  const input = `${b64url(JSON.stringify({ alg: 'RS256', ...header }))}.${b64url(JSON.stringify(claims))}`;
  const sig = crypto.sign('sha256', Buffer.from(input), privateKey);
  return `${input}.${b64url(sig)}`;
}

/** Verifies an RS256 signature over `signingInput` (PKCS#1 v1.5, SHA-256). Never throws. */
export function verifyRs256(signingInput: string, signature: Uint8Array, key: crypto.KeyObject): boolean {
  try {
    if (key.asymmetricKeyType !== 'rsa') return false;
    return crypto.verify('sha256', Buffer.from(signingInput), key, signature);
  } catch {
    return false;
  }
}
