/**
 * Raw r‖s (what PKCS#11 CKM_ECDSA returns) → DER ECDSA-Sig-Value (what X.509 carries): minimal
 * INTEGERs, leading zero octets dropped, a 0x00 added when the top bit is set; checked against known
 * encodings and against node:crypto, which verifies the converted signatures of real keys.
 */
import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DerError, children, ecdsaSigFromRaw, readTlv } from '../../../core/pki/der';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const raw = (r: string, s: string) => new Uint8Array(Buffer.from(r + s, 'hex'));

describe('ecdsaSigFromRaw', () => {
  it('adds a 0x00 when the top bit is set and drops leading zero octets', () => {
    const r = '80' + '11'.repeat(31);
    const s = '0000' + '7f' + '22'.repeat(29);
    expect(hex(ecdsaSigFromRaw(raw(r, s)))).toBe(
      '30' + (2 + 33 + 2 + 30).toString(16) + '0221' + '00' + r + '021e' + '7f' + '22'.repeat(29),
    );
  });

  it('keeps one 0x00 before a high byte that follows leading zeros', () => {
    const r = '00' + 'ff' + '33'.repeat(30);
    const s = '01' + '00'.repeat(31);
    const der = ecdsaSigFromRaw(raw(r, s));
    const [ri, si] = children(readTlv(der));
    expect(hex(ri!.value)).toBe('00ff' + '33'.repeat(30));
    expect(hex(si!.value)).toBe('01' + '00'.repeat(31));
  });

  it('uses a long-form length for P-384 sized values when needed', () => {
    const der = ecdsaSigFromRaw(raw('ff'.repeat(48), 'ff'.repeat(48)));
    // 2 × (2 + 49) = 102 content bytes: short form (< 128).
    expect(der[1]).toBe(102);
    const p521ish = ecdsaSigFromRaw(raw('ff'.repeat(66), 'ff'.repeat(66)));
    expect(p521ish[1]).toBe(0x81);
  });

  it('refuses an odd length, an empty signature, and r or s of zero', () => {
    expect(() => ecdsaSigFromRaw(new Uint8Array(63))).toThrow(DerError);
    expect(() => ecdsaSigFromRaw(new Uint8Array(0))).toThrow(DerError);
    expect(() => ecdsaSigFromRaw(raw('00'.repeat(32), '01'.repeat(32)))).toThrow(/zero/);
  });

  it('matches node:crypto: converted P-256 and P-384 signatures verify as DER, tampered ones do not', () => {
    for (const curve of ['P-256', 'P-384'] as const) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: curve });
      const hash = curve === 'P-256' ? 'sha256' : 'sha384';
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (msg) => {
          const p1363 = crypto.sign(hash, msg, { key: privateKey, dsaEncoding: 'ieee-p1363' });
          const der = ecdsaSigFromRaw(new Uint8Array(p1363));
          expect(crypto.verify(hash, msg, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
          // node's own DER signature, taken apart to r‖s and converted back, is byte-identical.
          const nodeDer = new Uint8Array(crypto.sign(hash, msg, { key: privateKey, dsaEncoding: 'der' }));
          const size = curve === 'P-256' ? 32 : 48;
          const fixed = children(readTlv(nodeDer)).map((i) => {
            const v = i.value[0] === 0 ? i.value.subarray(1) : i.value;
            return Buffer.concat([Buffer.alloc(size - v.length), Buffer.from(v)]);
          });
          expect(hex(ecdsaSigFromRaw(new Uint8Array(Buffer.concat(fixed))))).toBe(hex(nodeDer));
          const bad = new Uint8Array(p1363);
          bad[5] = bad[5]! ^ 1;
          expect(crypto.verify(hash, msg, { key: publicKey, dsaEncoding: 'der' }, ecdsaSigFromRaw(bad))).toBe(
            false,
          );
        }),
        { numRuns: 60 },
      );
    }
  });
});
