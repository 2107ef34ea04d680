/**
 * A throwaway test CA and a device certificate chain for a given public key: what PUT_CERT needs in
 * conformance checks, device-link tests and the device bench. Never trusted by anything.
 */
import 'reflect-metadata';
import crypto from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KeyAlgorithm } from '../../../shared/domain';

// `as never`: node's webcrypto type differs from the DOM `Crypto` type @peculiar/x509 declares.
x509.cryptoProvider.set(crypto.webcrypto as never);

/** A throwaway test CA and a chain for `spki` (leaf first, DER), about 1.6–2 KB. Used by conformance, tests and the bench. */
export async function testChain(spki: Uint8Array, alg: KeyAlgorithm): Promise<Uint8Array[]> {
  const subtle = crypto.webcrypto.subtle;
  const caAlg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const caKeys = (await subtle.generateKey(caAlg, true, ['sign', 'verify'])) as unknown as CryptoKeyPairLike;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=Asset Station conformance test CA (not trusted)',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: caKeys as never,
    signingAlgorithm: caAlg,
    extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
  });
  const imp =
    alg === 'ECDSA-P256'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const pub = await subtle.importKey('spki', spki, imp, true, ['verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: crypto
      .randomBytes(16)
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    subject: 'CN=conformance-leaf',
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: pub as never,
    signingKey: caKeys.privateKey as never,
    signingAlgorithm: caAlg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.SubjectAlternativeNameExtension([
        { type: 'url', value: 'urn:asset-station:conformance:' + 'x'.repeat(1000) },
      ]),
    ],
  });
  return [new Uint8Array(leaf.rawData), new Uint8Array(ca.rawData)];
}
interface CryptoKeyPairLike {
  privateKey: unknown;
  publicKey: unknown;
}
