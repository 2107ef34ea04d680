/**
 * CSR intake once per job (issue 18): a provisioning job meets the same CSR bytes at the `csr` step, at
 * `policy` and at `sign` (read back from the journal), and parsing + verifying its self-signature each
 * time was ~12 % of station CPU. `parseCsrOnce` remembers the verified result of the last
 * {@link CSR_CACHE_ENTRIES} distinct inputs, keyed by their exact bytes, so the same bytes are verified
 * once; any other bytes (a single flipped bit) are a different key and are parsed and verified afresh.
 * Refusals are never remembered: a bad CSR throws every time.
 */
import { parseCsr } from './csr';
import type { VerifiedCsr } from './types';

/** How many verified CSRs are remembered (a few per bay at 64 bays). */
export const CSR_CACHE_ENTRIES = 256;

const verified = new Map<string, VerifiedCsr>();

function keyOf(input: string | Uint8Array): string {
  return typeof input === 'string'
    ? `t:${input}`
    : `b:${Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('latin1')}`;
}

/**
 * {@link parseCsr}, remembering what it verified: same input (PEM text, or DER / PEM bytes) → the same
 * frozen result without parsing or verifying again.
 * @throws StationError as {@link parseCsr} (CSR_MALFORMED, CSR_BAD_SIGNATURE, CSR_POLICY), every time.
 */
export async function parseCsrOnce(input: string | Uint8Array): Promise<VerifiedCsr> {
  const key = keyOf(input);
  const hit = verified.get(key);
  if (hit) {
    verified.delete(key);
    verified.set(key, hit); // most recently used last
    return hit;
  }
  const csr = Object.freeze(await parseCsr(input));
  verified.set(key, csr);
  if (verified.size > CSR_CACHE_ENTRIES) verified.delete(verified.keys().next().value!);
  return csr;
}
