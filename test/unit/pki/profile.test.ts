/** Profile building blocks: serials, validity time encoding, DER reader strictness, key file protection. */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  randomSerial,
  resolveProfile,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
} from '../../../core/pki/profile';
import { x509 } from '../../../core/pki/x509-lib';
import { DerError, readTlv, time, unsignedInteger } from '../../../core/pki/der';
import { decryptKeyFile } from '../../../core/pki/signer';

describe('certificate profile', () => {
  it('serials are positive 16-octet DER INTEGERs, never over 20 octets', () => {
    for (let i = 0; i < 200; i++) {
      const s = randomSerial();
      const enc = readTlv(unsignedInteger(s));
      expect(enc.value).toHaveLength(16);
      expect(enc.value[0]! & 0x80).toBe(0);
      expect(enc.value[0]).not.toBe(0);
    }
  });

  it('uses UTCTime through 2049 and GeneralizedTime from 2050 (RFC 5280 §4.1.2.5)', () => {
    const t49 = readTlv(time(new Date('2049-12-31T23:59:59Z')));
    expect(t49.tag).toBe(0x17);
    expect(Buffer.from(t49.value).toString()).toBe('491231235959Z');
    const t50 = readTlv(time(new Date('2050-01-01T00:00:00Z')));
    expect(t50.tag).toBe(0x18);
    expect(Buffer.from(t50.value).toString()).toBe('20500101000000Z');
  });

  it('merges profile overrides over the defaults', () => {
    const p = resolveProfile(
      { subject: { CN: '{uid}', O: 'Acme' } },
      { validityDays: 10, subject: { CN: '{uid}', OU: 'L1' } },
    );
    expect(p).toMatchObject({
      validityDays: 10,
      backdateMs: 300_000,
      sanUri: 'urn:dev:uid:{uid}',
      subject: { CN: '{uid}', O: 'Acme', OU: 'L1' },
    });
  });

  it('encodes the SAN and SKI extensions byte for byte as @peculiar/x509 does (RFC 5280 §4.2.1.6, §4.2.1.2)', () => {
    const lib = (e: { rawData: ArrayBuffer }) => Buffer.from(e.rawData).toString('hex');
    const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');
    const asciiArb = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 300,
    });
    fc.assert(
      fc.property(
        asciiArb,
        fc.array(asciiArb, { maxLength: 4 }),
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        (uri, dns, keyId) => {
          const ours = subjectAltNameExtension(uri, dns);
          const theirs = new x509.SubjectAlternativeNameExtension(
            [{ type: 'url', value: uri }, ...dns.map((d) => ({ type: 'dns' as const, value: d }))],
            false,
          );
          expect(hexOf(ours)).toBe(lib(theirs));
          expect(hexOf(subjectKeyIdentifierExtension(keyId))).toBe(
            lib(new x509.SubjectKeyIdentifierExtension(hexOf(keyId), false)),
          );
        },
      ),
      { numRuns: 500 },
    );
    // and the library reads ours back to the same names
    const back = new x509.SubjectAlternativeNameExtension(
      subjectAltNameExtension('urn:dev:uid:AS1-0042', ['d42.example.com']).slice().buffer,
    );
    expect(back.names.items.map((n) => `${n.type}:${n.value}`)).toEqual([
      'url:urn:dev:uid:AS1-0042',
      'dns:d42.example.com',
    ]);
  });

  it('the DER reader refuses indefinite and non-minimal lengths', () => {
    expect(() => readTlv(new Uint8Array([0x30, 0x80, 0, 0]))).toThrow(DerError);
    expect(() => readTlv(new Uint8Array([0x30, 0x81, 0x05, 1, 2, 3, 4, 5]))).toThrow(/non-minimal/);
  });
});

describe('CA key files', () => {
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  it('refuses plain-text keys: PKCS#8, SEC1, legacy-encrypted, DER', () => {
    expect(() => decryptKeyFile(key.export({ format: 'pem', type: 'pkcs8' }) as string, 'x', 'k')).toThrow(
      expect.objectContaining({ code: 'CA_KEY_UNPROTECTED' }),
    );
    expect(() => decryptKeyFile(key.export({ format: 'pem', type: 'sec1' }) as string, 'x', 'k')).toThrow(
      /plain text/,
    );
    const legacy = key.export({
      format: 'pem',
      type: 'sec1',
      cipher: 'aes-256-cbc',
      passphrase: 'secret-pass',
    }) as string;
    expect(() => decryptKeyFile(legacy, 'secret-pass', 'k')).toThrow(/legacy/);
    expect(() => decryptKeyFile(key.export({ format: 'der', type: 'pkcs8' }), 'x', 'k')).toThrow(
      expect.objectContaining({ code: 'CA_KEY_UNPROTECTED' }),
    );
  });
  it('decrypts an encrypted PKCS#8 key and reports a wrong passphrase as CA_PASSPHRASE', () => {
    const enc = key.export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'right-passphrase',
    }) as string;
    expect(decryptKeyFile(enc, 'right-passphrase', 'k').asymmetricKeyType).toBe('ec');
    expect(() => decryptKeyFile(enc, 'wrong', 'k')).toThrow(
      expect.objectContaining({ code: 'CA_PASSPHRASE' }),
    );
  });
});
