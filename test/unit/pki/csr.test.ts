/** CSR intake: parse + verify for every key type, the nRF91 quirk, and each malformed-input refusal. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStationError } from '../../../shared/errors';
import { MAX_CSR_BYTES, parseCsr } from '../../../core/pki';
import { TAG, children, octetString, oid, readOnly, seq, tlv } from '../../../core/pki/der';
import { readSpki, simpleSans } from '../../../core/pki/csr';
import { x509 } from '../../../core/pki/x509-lib';
import { buildCsr, csrPem, genKey, patchBytes } from './csr-builder';

async function refusal(input: string | Uint8Array): Promise<{ code: string; message: string }> {
  try {
    await parseCsr(input);
  } catch (e) {
    if (!isStationError(e)) throw e;
    return { code: e.code, message: e.message };
  }
  throw new Error('expected a refusal');
}

const p256 = genKey('p256');
const good = buildCsr({
  keys: p256,
  subject: [
    ['O', 'Acme'],
    ['CN', 'dev-1'],
  ],
  sans: ['uri:urn:dev:uid:dev-1', 'dns:dev-1.local'],
});

describe('parseCsr accepts and verifies', () => {
  it('EC P-256 as PEM text, PEM bytes and DER, with subject, SANs and fingerprint', async () => {
    for (const input of [csrPem(good), new TextEncoder().encode(csrPem(good)), good]) {
      const csr = await parseCsr(input);
      expect(csr.keyAlgorithm).toBe('ECDSA-P256');
      expect(csr.subject).toEqual([
        { type: 'O', value: 'Acme', stringType: 'UTF8String' },
        { type: 'CN', value: 'dev-1', stringType: 'UTF8String' },
      ]);
      expect(csr.sans).toEqual(['uri:urn:dev:uid:dev-1', 'dns:dev-1.local']);
      expect(csr.keyFingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(csr.signatureAlgorithm).toBe('ecdsa-with-SHA256');
      expect(csr.quirks).toEqual([]);
    }
  });

  it.each([
    ['p384', 'ECDSA-P384', 'ecdsa-with-SHA384'],
    ['rsa2048', 'RSA-2048', 'sha256WithRSAEncryption'],
    ['ed25519', 'Ed25519', 'Ed25519'],
    ['rsa1024', 'RSA-1024', 'sha256WithRSAEncryption'],
  ] as const)('%s keys', async (spec, alg, sig) => {
    const csr = await parseCsr(buildCsr({ keys: genKey(spec), subject: [['CN', 'x']] }));
    expect(csr.keyAlgorithm).toBe(alg);
    expect(csr.signatureAlgorithm).toBe(sig);
  });

  it('CSRs made by openssl (EC, RSA, Ed25519)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'csr-'));
    try {
      for (const alg of [['ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], ['rsa:2048'], ['ed25519']]) {
        const out = execFileSync(
          'openssl',
          [
            'req',
            '-new',
            '-newkey',
            ...alg,
            '-nodes',
            '-keyout',
            path.join(dir, 'k'),
            '-subj',
            '/O=Acme/CN=Zoë-1',
            '-addext',
            'subjectAltName=URI:urn:dev:uid:Z1',
            '-utf8',
          ],
          { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] },
        ).toString();
        const csr = await parseCsr(out);
        expect(csr.subject.map((a) => a.value)).toEqual(['Acme', 'Zoë-1']);
        expect(csr.sans).toEqual(['uri:urn:dev:uid:Z1']);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps UTF8String values exactly (no normalisation) and reports PrintableString', async () => {
    const nfd = 'Zoe\u0301';
    const csr = await parseCsr(
      buildCsr({
        keys: p256,
        subject: [
          ['C', 'DE', TAG.PrintableString],
          ['CN', nfd],
        ],
      }),
    );
    expect(csr.subject[1]!.value).toBe(nfd);
    expect(csr.subject[1]!.value).not.toBe(nfd.normalize('NFC'));
    expect(csr.subject[0]).toEqual({ type: 'C', value: 'DE', stringType: 'PrintableString' });
    // Firmware puts '_' in PrintableString (outside X.680's set): tolerated, kept exactly.
    const loose = await parseCsr(buildCsr({ keys: p256, subject: [['CN', 'dev_01', TAG.PrintableString]] }));
    expect(loose.subject[0]).toEqual({ type: 'CN', value: 'dev_01', stringType: 'PrintableString' });
  });

  it('tolerates the Nordic nRF91 quirk (NULL ECDSA parameters) and still verifies the signature', async () => {
    const quirky = buildCsr({ keys: p256, subject: [['CN', 'nrf-1']], ecdsaNullParams: true });
    // The quirk is really in the bytes: AlgorithmIdentifier { ecdsa-with-SHA256, NULL }.
    expect(Buffer.from(quirky).includes(Buffer.from('300c06082a8648ce3d0403020500', 'hex'))).toBe(true);
    const csr = await parseCsr(quirky);
    expect(csr.quirks).toEqual(['ecdsa-params-null']);
    // …and a tampered quirky CSR is still refused.
    expect((await refusal(patchBytes(quirky, 'nrf-1', 'nrf-2'))).code).toBe('CSR_BAD_SIGNATURE');
  });
});

describe('parseCsr refuses, naming the problem', () => {
  it('a truncated PEM', async () => {
    const pem = csrPem(good);
    const r = await refusal(pem.slice(0, pem.length - 40));
    expect(r).toMatchObject({ code: 'CSR_MALFORMED' });
    expect(r.message).toMatch(/truncated/);
  });

  it('a PEM whose Base64 was cut (END line intact)', async () => {
    const lines = csrPem(good).split('\n');
    const r = await refusal(
      [lines[0], lines[1], lines[2]!.slice(0, 10), '-----END CERTIFICATE REQUEST-----'].join('\n'),
    );
    expect(r.code).toBe('CSR_MALFORMED');
  });

  it('a wrong PEM label', async () => {
    const r = await refusal(csrPem(good).replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE'));
    expect(r.code).toBe('CSR_MALFORMED');
    expect(r.message).toMatch(/label is 'CERTIFICATE'/);
  });

  it('DER garbage and truncated DER', async () => {
    expect((await refusal(new Uint8Array([0x30, 0x82, 0xff, 0xff, 1, 2, 3]))).message).toMatch(/truncated/);
    expect((await refusal(new Uint8Array([0x01, 0x02, 0x03]))).message).toMatch(/neither PEM nor DER/);
    expect((await refusal(good.subarray(0, good.length - 5))).code).toBe('CSR_MALFORMED');
    const trailing = new Uint8Array([...good, 0]);
    expect((await refusal(trailing)).message).toMatch(/trailing/);
    expect((await refusal('hello')).message).toMatch(/not PEM/);
  });

  it('a bad signature', async () => {
    const bad = new Uint8Array(good);
    bad[bad.length - 3]! ^= 0x01;
    const r = await refusal(bad);
    expect(r.code).toBe('CSR_BAD_SIGNATURE');
  });

  it('a subject edited after signing', async () => {
    const r = await refusal(patchBytes(good, 'dev-1', 'dev-2'));
    expect(r.code).toBe('CSR_BAD_SIGNATURE');
    expect(r.message).toMatch(/altered after signing/);
  });

  it('an oversized CSR (> 16 KB)', async () => {
    const big = csrPem(good) + ' '.repeat(MAX_CSR_BYTES);
    const r = await refusal(big);
    expect(r.code).toBe('CSR_MALFORMED');
    expect(r.message).toMatch(/over the 16384-byte limit/);
    expect((await refusal(new Uint8Array(MAX_CSR_BYTES + 1))).message).toMatch(/limit/);
  });

  it('a key on an unsupported curve (policy)', async () => {
    const r = await refusal(buildCsr({ keys: genKey('secp256k1'), subject: [['CN', 'x']] }));
    expect(r.code).toBe('CSR_POLICY');
    expect(r.message).toMatch(/curve/);
  });

  it('never crashes on random or mutated input (always a StationError)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        const r = await refusal(bytes.length ? bytes : new Uint8Array([0]));
        expect(r.code).toMatch(/^CSR_/);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), async (i, x) => {
        const m = new Uint8Array(good);
        m[i]! ^= x;
        await parseCsr(m).then(
          () => {
            throw new Error(`mutation at ${i} accepted`);
          },
          (e) => expect(isStationError(e)).toBe(true),
        );
      }),
      { numRuns: 150 },
    );
  });
});

describe('requested SANs read without the ASN.1 library (issue 18)', () => {
  it('whenever the fast reader reads a subjectAltName, @peculiar/x509 reads the same names from it', () => {
    const nameArb = fc.tuple(
      fc.constantFrom(0x81, 0x82, 0x86, 0x87, 0xa4),
      fc.uint8Array({ maxLength: 40 }).map((b) => (Math.random() < 0.8 ? b.map((x) => x & 0x7f) : b)),
    );
    const extArb = fc
      .tuple(
        fc.array(nameArb, { minLength: 0, maxLength: 4 }),
        fc.boolean(),
        fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { freq: 3 }),
      )
      .map(([names, critical, flip]) => {
        const value = octetString(seq(...names.map(([tag, v]) => tlv(tag, v))));
        const ext = critical
          ? seq(oid('2.5.29.17'), tlv(TAG.BOOLEAN, Uint8Array.of(0xff)), value)
          : seq(oid('2.5.29.17'), value);
        if (flip) {
          const at = flip[0] % ext.length;
          ext[at] = ext[at]! ^ flip[1];
        }
        return ext;
      });
    let fast = 0;
    fc.assert(
      fc.property(extArb, (ext) => {
        let parts;
        try {
          // what readSans checks before either reader runs: a SEQUENCE whose extnID is subjectAltName
          const t = readOnly(ext, 'ext');
          parts = t.tag === TAG.SEQUENCE ? children(t) : [];
        } catch {
          return;
        }
        if (parts[0]?.tag !== TAG.OID || Buffer.from(parts[0].value).toString('hex') !== '551d11') return;
        const ours = simpleSans(parts);
        if (!ours) return;
        fast++;
        const lib = new x509.SubjectAlternativeNameExtension(ext.slice().buffer);
        expect(ours).toEqual(lib.names.items.map((n) => `${n.type === 'url' ? 'uri' : n.type}:${n.value}`));
      }),
      { numRuns: 5_000 },
    );
    expect(fast).toBeGreaterThan(250); // the fast path was exercised, not just the fallback
  });
});

describe('readSpki remembers keys by their exact bytes (issue 18)', () => {
  it('the same SPKI bytes give the same key; other bytes, even one bit apart, are read afresh', () => {
    const spki = new Uint8Array(p256.publicKey.export({ format: 'der', type: 'spki' }));
    const a = readSpki(spki);
    expect(readSpki(spki.slice())).toBe(a); // a copy of the same bytes: remembered
    const rsa = new Uint8Array(genKey('rsa2048').publicKey.export({ format: 'der', type: 'spki' }));
    expect(readSpki(rsa).keyAlgorithm).toBe('RSA-2048');
    // a flipped bit in the public point: never the remembered key (refused, or another key)
    const flipped = spki.slice();
    flipped[flipped.length - 1] = flipped[flipped.length - 1]! ^ 0x01;
    let other: ReturnType<typeof readSpki> | undefined;
    try {
      other = readSpki(flipped);
    } catch {
      other = undefined;
    }
    expect(other).not.toBe(a);
    if (other) expect(other.key.equals(a.key)).toBe(false);
  });
});
