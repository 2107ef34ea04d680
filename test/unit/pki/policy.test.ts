/** CSR policy: key types and sizes, signature hashes, exact subject and SAN matching, quirks. */
import { describe, expect, it } from 'vitest';
import { isStationError } from '../../../shared/errors';
import {
  checkCsrPolicy,
  csrExpectationFor,
  DEFAULT_CERT_PROFILE,
  parseCsr,
  type CsrExpectation,
  type CsrPolicy,
  type VerifiedCsr,
} from '../../../core/pki';
import { buildCsr, genKey, type CsrSpec } from './csr-builder';

const ALL: CsrExpectation['allowedAlgorithms'] = [
  'ECDSA-P256',
  'ECDSA-P384',
  'RSA-2048',
  'RSA-3072',
  'Ed25519',
];
const expectation = (over: Partial<CsrExpectation> = {}): CsrExpectation => ({
  subject: { O: 'Acme', CN: 'dev-1' },
  sans: ['uri:urn:dev:uid:dev-1'],
  allowedAlgorithms: ALL,
  ...over,
});
const p256 = genKey('p256');
const csr = (over: Partial<CsrSpec> = {}) =>
  parseCsr(
    buildCsr({
      keys: p256,
      subject: [
        ['O', 'Acme'],
        ['CN', 'dev-1'],
      ],
      sans: ['uri:urn:dev:uid:dev-1'],
      ...over,
    }),
  );

function policyError(c: VerifiedCsr, e: CsrExpectation = expectation(), p?: Partial<CsrPolicy>): string {
  try {
    checkCsrPolicy(c, e, p);
  } catch (err) {
    if (isStationError(err) && err.code === 'CSR_POLICY') return err.message;
    throw err;
  }
  throw new Error('expected CSR_POLICY');
}

describe('checkCsrPolicy', () => {
  it('accepts a CSR that matches exactly', async () => {
    const c = await csr();
    expect(() => checkCsrPolicy(c, expectation())).not.toThrow();
  });

  it('refuses RSA under 2048 bits', async () => {
    const c = await parseCsr(
      buildCsr({
        keys: genKey('rsa1024'),
        subject: [
          ['O', 'Acme'],
          ['CN', 'dev-1'],
        ],
        sans: ['uri:urn:dev:uid:dev-1'],
      }),
    );
    expect(policyError(c)).toMatch(/RSA-1024.*under 2048/);
  });

  it('refuses SHA-1 and MD5 signatures', async () => {
    expect(policyError(await csr({ hash: 'sha1' }))).toMatch(/ecdsa-with-SHA1/);
    const rsa = genKey('rsa2048');
    const md5 = await parseCsr(
      buildCsr({
        keys: rsa,
        hash: 'md5',
        subject: [
          ['O', 'Acme'],
          ['CN', 'dev-1'],
        ],
        sans: ['uri:urn:dev:uid:dev-1'],
      }),
    );
    expect(md5.signatureHash).toBe('MD5');
    expect(policyError(md5)).toMatch(/MD5 signatures are refused/);
  });

  it('refuses key types the request or the station does not allow', async () => {
    expect(policyError(await csr(), expectation({ allowedAlgorithms: ['RSA-2048'] }))).toMatch(
      /ECDSA-P256; this request allows RSA-2048/,
    );
    const ed = await parseCsr(
      buildCsr({
        keys: genKey('ed25519'),
        subject: [
          ['O', 'Acme'],
          ['CN', 'dev-1'],
        ],
        sans: ['uri:urn:dev:uid:dev-1'],
      }),
    );
    expect(policyError(ed, expectation(), { allowedAlgorithms: ['ECDSA-P256'] })).toMatch(/Ed25519/);
  });

  it('refuses subject differences: changed value, missing, extra, duplicate, normalisation', async () => {
    expect(
      policyError(
        await csr({
          subject: [
            ['O', 'Acme'],
            ['CN', 'dev-2'],
          ],
        }),
      ),
    ).toMatch(/CN is "dev-2"; the station asked for "dev-1"/);
    expect(policyError(await csr({ subject: [['CN', 'dev-1']] }))).toMatch(/lacks O/);
    expect(
      policyError(
        await csr({
          subject: [
            ['O', 'Acme'],
            ['OU', 'x'],
            ['CN', 'dev-1'],
          ],
        }),
      ),
    ).toMatch(/OU="x".*did not ask/);
    expect(
      policyError(
        await csr({
          subject: [
            ['O', 'Acme'],
            ['CN', 'dev-1'],
            ['CN', 'dev-1'],
          ],
        }),
      ),
    ).toMatch(/more than once/);
    expect(
      policyError(
        await csr({
          subject: [
            ['O', 'acme'],
            ['CN', 'dev-1'],
          ],
        }),
      ),
    ).toMatch(/O is "acme"/);
    const nfc = 'Zoé';
    const nfd = nfc.normalize('NFD');
    const c = await csr({
      subject: [
        ['O', 'Acme'],
        ['CN', nfd],
      ],
    });
    expect(policyError(c, expectation({ subject: { O: 'Acme', CN: nfc } }))).toMatch(/CN/);
    expect(() => checkCsrPolicy(c, expectation({ subject: { O: 'Acme', CN: nfd } }))).not.toThrow();
  });

  it('refuses SAN differences; absent-or-exact accepts a CSR without SANs', async () => {
    expect(policyError(await csr({ sans: ['uri:urn:dev:uid:dev-2'] }))).toMatch(
      /lacks the subjectAltName uri:urn:dev:uid:dev-1/,
    );
    expect(policyError(await csr({ sans: ['uri:urn:dev:uid:dev-1', 'dns:evil.example'] }))).toMatch(
      /dns:evil.example/,
    );
    const none = await csr({ sans: [] });
    expect(policyError(none)).toMatch(/lacks the subjectAltName/);
    expect(() => checkCsrPolicy(none, expectation(), { sanMatch: 'absent-or-exact' })).not.toThrow();
    expect(
      policyError(await csr({ sans: ['uri:urn:dev:uid:x'] }), expectation(), { sanMatch: 'absent-or-exact' }),
    ).toMatch(/lacks/);
  });

  it('accepts the nRF91 quirk by default and refuses it when the policy drops it', async () => {
    const q = await csr({ ecdsaNullParams: true });
    expect(() => checkCsrPolicy(q, expectation())).not.toThrow();
    expect(policyError(q, expectation(), { allowedQuirks: [] })).toMatch(/ecdsa-params-null/);
  });

  it('csrExpectationFor matches what the profile certifies', () => {
    const e = csrExpectationFor(
      { ...DEFAULT_CERT_PROFILE, subject: { CN: '{uid}', O: 'Acme' }, sanDns: ['{uid}.dev.local'] },
      'a:b c',
      ['ECDSA-P256'],
    );
    expect(e).toEqual({
      subject: { O: 'Acme', CN: 'a:b c' },
      sans: ['uri:urn:dev:uid:a:b%20c', 'dns:a:b c.dev.local'],
      allowedAlgorithms: ['ECDSA-P256'],
    });
  });
});
