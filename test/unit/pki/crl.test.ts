/**
 * CRL encoding (RFC 5280 §5): v2, issuer, this/next update, entries with reason codes (absent for
 * `unspecified`, §5.3.1), AKI and CRL number extensions; signed by any CaSigner; parsed back by
 * @peculiar/x509 and verified with the CA key. Revocation reasons a user may give.
 */
import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FileKeySigner, checkReason } from '../../../core/pki';
import { signCrl } from '../../../core/pki/crl';
import { TAG, children, readTlv } from '../../../core/pki/der';
import { encodeName } from '../../../core/pki/names';
import { x509 } from '../../../core/pki/x509-lib';

const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = new FileKeySigner(key.privateKey, 'test CA');
const issuerDer = encodeName([
  ['O', 'Acme'],
  ['CN', 'Acme Issuing CA'],
]);

async function crl(entries: Parameters<typeof signCrl>[0]['entries'], number = 7) {
  return signCrl(
    {
      issuerDer,
      issuerSpki: signer.publicKeySpki,
      number,
      thisUpdate: new Date('2026-12-01T10:00:00Z'),
      nextUpdate: new Date('2026-12-08T10:00:00Z'),
      entries,
    },
    signer,
  );
}

describe('CRL', () => {
  it('is a v2 CRL with the entries, reason codes, AKI and CRL number, and its signature verifies', async () => {
    const der = await crl([
      { serial: '4a0b', revokedAt: new Date('2026-11-30T08:00:00Z'), reason: 'keyCompromise' },
      { serial: '7f', revokedAt: new Date('2026-11-30T09:00:00Z'), reason: 'unspecified' },
      { serial: '80ff', revokedAt: new Date('2026-11-30T09:30:00Z'), reason: 'cessationOfOperation' },
    ]);
    const parsed = new x509.X509Crl(new Uint8Array(der));
    expect(parsed.version).toBe(1); // v2 is encoded as 1
    expect(parsed.issuer).toBe('O=Acme, CN=Acme Issuing CA');
    expect(parsed.thisUpdate.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(parsed.nextUpdate!.toISOString()).toBe('2026-12-08T10:00:00.000Z');
    expect(parsed.entries.map((e) => [e.serialNumber, e.reason])).toEqual([
      ['4a0b', 1],
      ['7f', undefined], // unspecified: no reasonCode extension
      ['80ff', 5],
    ]);
    // A serial with the top bit set keeps a 0x00 octet so the INTEGER stays positive.
    const revoked = children(children(readTlv(der))[0]!)[5]!;
    expect(children(revoked).map((e) => Buffer.from(children(e)[0]!.value).toString('hex'))).toEqual([
      '4a0b',
      '7f',
      '0080ff',
    ]);
    const crlNumber = parsed.getExtension('2.5.29.20')!;
    expect(Buffer.from(crlNumber.value).toString('hex')).toBe('020107');
    expect(parsed.getExtension('2.5.29.35')).toBeTruthy();
    const publicKey = await new x509.PublicKey(new Uint8Array(signer.publicKeySpki)).export();
    expect(await parsed.verify({ publicKey })).toBe(true);
  });

  it('has no revokedCertificates field when nothing is revoked (RFC 5280 §5.1.2.6)', async () => {
    const der = await crl([], 1);
    const tbs = children(readTlv(der))[0]!;
    // version, signature, issuer, thisUpdate, nextUpdate, [0] extensions
    expect(children(tbs).map((t) => t.tag)).toEqual([
      TAG.INTEGER,
      TAG.SEQUENCE,
      TAG.SEQUENCE,
      TAG.UTCTime,
      TAG.UTCTime,
      0xa0,
    ]);
  });

  it('accepts the device revocation reasons and refuses the others with the list', () => {
    expect(checkReason('keyCompromise')).toBe('keyCompromise');
    expect(checkReason('superseded')).toBe('superseded');
    expect(() => checkReason('cACompromise')).toThrow(/does not apply to a device certificate/);
    expect(() => checkReason('certificateHold')).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(() => checkReason('stolen')).toThrow(
      expect.objectContaining({
        remedy: expect.stringMatching(
          /unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn/,
        ),
      }),
    );
  });
});
