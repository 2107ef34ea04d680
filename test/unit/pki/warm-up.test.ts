/**
 * PKI warm-up at station start (core/pki/warm-up.ts, issue 18): it runs the CSR reader, policy, proof of
 * possession and certificate builder on its throw-away samples, and those samples cannot stand in for a
 * device: their proofs only sign the fixed warm-up challenge, never a station's fresh one.
 */
import { describe, expect, it } from 'vitest';
import {
  createChallenge,
  parseCsr,
  verifyProofOfPossession,
  warmUpPki,
  WARM_UP_UID,
} from '../../../core/pki';

describe('PKI warm-up', () => {
  it('parses, checks and proves both throw-away CSRs and builds and self-checks one certificate', async () => {
    expect(await warmUpPki()).toEqual({ csrs: 2, proofs: 2, certificates: 1 });
    expect(await warmUpPki()).toEqual({ csrs: 2, proofs: 2, certificates: 1 }); // again: nothing left behind
  });

  it("a warm-up sample's proof of possession does not answer a fresh station challenge (replay fails)", async () => {
    const src = (await import('node:fs')).readFileSync(
      new URL('../../../core/pki/warm-up.ts', import.meta.url),
      'utf8',
    );
    const strings = (field: string) =>
      [...src.matchAll(new RegExp(`${field}:\\s*((?:'[^']*'\\s*\\+?\\s*)+)`, 'g'))].map((m) =>
        m[1]!
          .replace(/'\s*\+\s*'/g, '')
          .replace(/'/g, '')
          .trim(),
      );
    const csrs = strings('csr');
    const pops = strings('pop');
    expect(csrs).toHaveLength(2);
    for (const [i, b64] of csrs.entries()) {
      const csr = await parseCsr(Buffer.from(b64, 'base64'));
      expect(csr.subject).toEqual([{ type: 'CN', value: WARM_UP_UID, stringType: 'UTF8String' }]);
      const alg = csr.keyAlgorithm === 'RSA-2048' ? 'RS256' : 'ES256';
      expect(() =>
        verifyProofOfPossession(csr.publicKeySpki, createChallenge(), Buffer.from(pops[i]!, 'base64'), alg),
      ).toThrow(expect.objectContaining({ code: 'POP_FAILED' }));
    }
  });
});
