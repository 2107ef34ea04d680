/**
 * Small facts about certificates the CA and the CLI show: a status summary, the issuer Name bytes for
 * what a CA signs, and the device UID check.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import type { CertSummary } from '../../shared/domain';
import { children, readTlv } from './der';
import { sha256Hex } from './csr';

/** Summary of a certificate for status screens (CaInfo.chain). */
export function summarise(der: Uint8Array): CertSummary {
  const c = new crypto.X509Certificate(Buffer.from(der));
  const key = c.publicKey;
  const d = key.asymmetricKeyDetails ?? {};
  const keyAlgorithm =
    key.asymmetricKeyType === 'rsa'
      ? `RSA-${d.modulusLength}`
      : key.asymmetricKeyType === 'ec'
        ? d.namedCurve === 'secp384r1'
          ? 'ECDSA-P384'
          : 'ECDSA-P256'
        : String(key.asymmetricKeyType);
  return {
    subject: c.subject.split('\n').reverse().join(', '),
    issuer: c.issuer.split('\n').reverse().join(', '),
    serial: c.serialNumber.toLowerCase(),
    notBefore: new Date(c.validFrom).toISOString(),
    notAfter: new Date(c.validTo).toISOString(),
    fingerprint: sha256Hex(der),
    keyAlgorithm,
  };
}

const badRequest = (m: string) =>
  new StationError('BAD_REQUEST', m, 'Pass the device hardware UID as read from the device.');

/** Checks a device UID (1–128 printable characters, no control characters). */
export function checkDeviceUid(uid: string): void {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 128)
    throw badRequest('The device UID must be 1 to 128 characters.');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(uid)) throw badRequest('The device UID contains control characters.');
}

/** The subject Name DER of a certificate (used as the issuer Name of what it signs, RFC 5280 §4.1.2.4). */
export function issuerNameDer(certDer: Uint8Array): Uint8Array {
  // Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version, serial, sigAlg, issuer, validity, subject, ... } }
  const tbs = children(readTlv(certDer))[0]!;
  const f = children(tbs);
  const offset = f[0]!.tag === 0xa0 ? 1 : 0;
  return new Uint8Array(f[offset + 4]!.raw);
}

/** The issuer Name DER of a certificate (RFC 5280 §4.1.2.4). */
export function certIssuerDer(certDer: Uint8Array): Uint8Array {
  const f = children(children(readTlv(certDer))[0]!);
  return new Uint8Array(f[(f[0]!.tag === 0xa0 ? 1 : 0) + 2]!.raw);
}

/** The DER SubjectPublicKeyInfo of a certificate. */
export function certSpki(certDer: Uint8Array): Uint8Array {
  return new Uint8Array(
    new crypto.X509Certificate(Buffer.from(certDer)).publicKey.export({ format: 'der', type: 'spki' }),
  );
}

/**
 * A certificate serial number in the station's canonical form: lowercase hex, no separators, no
 * leading zero octets (as `X509Certificate.serialNumber` gives it, lowercased).
 * @throws StationError BAD_REQUEST when `serial` is not hex.
 */
export function normaliseSerial(serial: string): string {
  const hex = serial.replace(/[\s:]/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) {
    throw new StationError(
      'BAD_REQUEST',
      `'${serial}' is not a certificate serial number (hexadecimal digits, optionally separated by colons).`,
      'Copy the serial from asset-station ca sign, the device record, or openssl x509 -serial.',
    );
  }
  const stripped = hex.replace(/^(00)+/, '');
  return stripped === '' ? '0' : stripped.length % 2 ? `0${stripped}` : stripped;
}
