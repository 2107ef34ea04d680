/** Proof of possession: ES256 raw r||s, RS256, ES384, EdDSA; each failure is POP_FAILED. */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHALLENGE_BYTES,
  createChallenge,
  popAlgorithmFor,
  verifyProofOfPossession,
  type PopAlgorithm,
} from '../../../core/pki';
import { genKey, type KeySpec } from './csr-builder';

const spkiOf = (k: crypto.KeyObject) => new Uint8Array(k.export({ format: 'der', type: 'spki' }));

function sign(spec: KeySpec, keys: crypto.KeyPairKeyObjectResult, msg: Uint8Array): Uint8Array {
  if (spec === 'ed25519') return crypto.sign(null, msg, keys.privateKey);
  if (spec === 'rsa2048') return crypto.sign('sha256', msg, keys.privateKey);
  return crypto.sign(spec === 'p384' ? 'sha384' : 'sha256', msg, {
    key: keys.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
}

const cases: Array<[KeySpec, PopAlgorithm]> = [
  ['p256', 'ES256'],
  ['rsa2048', 'RS256'],
  ['p384', 'ES384'],
  ['ed25519', 'EdDSA'],
];

describe('proof of possession', () => {
  it('challenges are fresh 32-byte values', () => {
    const a = createChallenge();
    const b = createChallenge();
    expect(a).toHaveLength(CHALLENGE_BYTES);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });

  it.each(cases)('%s → %s verifies, and fails on another challenge or another key', (spec, alg) => {
    const keys = genKey(spec);
    const spki = spkiOf(keys.publicKey);
    expect(popAlgorithmFor(spki)).toBe(alg);
    const ch = createChallenge();
    const sig = sign(spec, keys, ch);
    expect(() => verifyProofOfPossession(spki, ch, sig, alg)).not.toThrow();
    expect(() => verifyProofOfPossession(spki, createChallenge(), sig, alg)).toThrow(
      expect.objectContaining({ code: 'POP_FAILED' }),
    );
    const other = genKey(spec);
    expect(() => verifyProofOfPossession(spkiOf(other.publicKey), ch, sig, alg)).toThrow(/does not verify/);
  });

  it('ES256 requires raw r||s (64 bytes): a DER signature is refused', () => {
    const keys = genKey('p256');
    const ch = createChallenge();
    const der = crypto.sign('sha256', ch, { key: keys.privateKey, dsaEncoding: 'der' });
    expect(() => verifyProofOfPossession(spkiOf(keys.publicKey), ch, der, 'ES256')).toThrow(
      /64 \(raw r\|\|s\) are required/,
    );
  });

  it('refuses an algorithm that does not fit the key, and short challenges', () => {
    const keys = genKey('p256');
    const ch = createChallenge();
    const sig = sign('p256', keys, ch);
    expect(() => verifyProofOfPossession(spkiOf(keys.publicKey), ch, sig, 'RS256')).toThrow(
      /calls for ES256/,
    );
    expect(() => verifyProofOfPossession(spkiOf(keys.publicKey), ch.subarray(0, 8), sig, 'ES256')).toThrow(
      /at least 16/,
    );
    expect(() => verifyProofOfPossession(new Uint8Array([1, 2]), ch, sig, 'ES256')).toThrow(
      expect.objectContaining({ code: 'POP_FAILED' }),
    );
  });
});
