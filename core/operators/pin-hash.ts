/**
 * Admin PIN hashing: scrypt (RFC 7914, a memory-hard key derivation function) with a random 16-byte
 * salt per PIN, compared in constant time. Stored as `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64),
 * so the cost can be raised later without breaking stored PINs; the first format (`<salt>:<key>`,
 * N = 2^14) is still read, and {@link verifyPin} says when a hash should be rewritten.
 */
import crypto from 'node:crypto';

/** scrypt cost: N = 2^15, r = 8, p = 1 uses 32 MiB (RFC 7914 §2 asks N ≥ 2^14 for interactive use). */
const COST = { log2N: 15, r: 8, p: 1 } as const;
/** Cost of the first stored format (`salt:key`). */
const LEGACY_COST = { log2N: 14, r: 8, p: 1 } as const;
/** Derived key length, bytes. */
const KEY_BYTES = 32;
/** Salt length, bytes. */
const SALT_BYTES = 16;

type Cost = { log2N: number; r: number; p: number };

function derive(pin: string, salt: Buffer, cost: Cost): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  return new Promise((resolve, reject) =>
    crypto.scrypt(
      pin.normalize('NFC'),
      salt,
      KEY_BYTES,
      { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** A new stored hash of `pin` with a fresh random salt. */
export async function hashPin(pin: string): Promise<string> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const key = await derive(pin, salt, COST);
  return ['scrypt', COST.log2N, COST.r, COST.p, salt.toString('base64'), key.toString('base64')].join('$');
}

function parse(stored: string): { cost: Cost; salt: Buffer; key: Buffer; current: boolean } | undefined {
  const parts = stored.split('$');
  if (parts.length === 6 && parts[0] === 'scrypt') {
    const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
    if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 20) return undefined;
    const current = log2N === COST.log2N && r === COST.r && p === COST.p;
    return {
      cost: { log2N, r, p },
      salt: Buffer.from(parts[4]!, 'base64'),
      key: Buffer.from(parts[5]!, 'base64'),
      current,
    };
  }
  const legacy = stored.split(':');
  if (legacy.length === 2)
    return {
      cost: LEGACY_COST,
      salt: Buffer.from(legacy[0]!, 'base64'),
      key: Buffer.from(legacy[1]!, 'base64'),
      current: false,
    };
  return undefined;
}

/**
 * Checks `pin` against a stored hash, comparing the derived keys in constant time.
 * @returns `ok`, and `rehash` when the hash uses an older format or cost (store {@link hashPin} anew).
 *   An unreadable stored value never matches.
 */
export async function verifyPin(pin: string, stored: string): Promise<{ ok: boolean; rehash: boolean }> {
  const s = parse(stored);
  if (!s || s.key.length !== KEY_BYTES) return { ok: false, rehash: false };
  const got = await derive(pin, s.salt, s.cost);
  const ok = crypto.timingSafeEqual(got, s.key);
  return { ok, rehash: ok && !s.current };
}
