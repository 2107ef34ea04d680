/**
 * Object identifiers the PKI module reads or writes, with their sources, and the attribute short
 * names used in subjects (RFC 4519 §2, RFC 4514 §3).
 */

/** Signature algorithms (RFC 8017 App. A.2.4, RFC 5758 §3.2, RFC 8410 §3, RFC 3279 §2.2). */
export const SIG_ALGS: Record<
  string,
  {
    name: string;
    hash: 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA-1' | 'MD5' | null;
    key: 'RSA' | 'EC' | 'Ed25519';
  }
> = {
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'MD5', key: 'RSA' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'SHA-1', key: 'RSA' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'SHA-256', key: 'RSA' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'SHA-384', key: 'RSA' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'SHA-512', key: 'RSA' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'SHA-1', key: 'EC' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'SHA-256', key: 'EC' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'SHA-384', key: 'EC' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'SHA-512', key: 'EC' },
  '1.3.101.112': { name: 'Ed25519', hash: null, key: 'Ed25519' },
};

/** The OID of a signature algorithm by name (inverse of {@link SIG_ALGS}). */
export function sigAlgOid(name: string): string {
  const hit = Object.entries(SIG_ALGS).find(([, v]) => v.name === name);
  if (!hit) throw new Error(`unknown signature algorithm ${name}`);
  return hit[0];
}

export const OID = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  p256: '1.2.840.10045.3.1.7',
  p384: '1.3.132.0.34',
  extensionRequest: '1.2.840.113549.1.9.14',
  subjectAltName: '2.5.29.17',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

/** Subject attribute short names ↔ OIDs. */
export const NAME_OIDS: Record<string, string> = {
  CN: '2.5.4.3',
  SN: '2.5.4.4',
  serialNumber: '2.5.4.5',
  C: '2.5.4.6',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  street: '2.5.4.9',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  title: '2.5.4.12',
  GN: '2.5.4.42',
  DC: '0.9.2342.19200300.100.1.25',
  UID: '0.9.2342.19200300.100.1.1',
  emailAddress: '1.2.840.113549.1.9.1',
};

/** Short name of an attribute OID, or the dotted OID when it has none. */
export function attrName(oid: string): string {
  return Object.entries(NAME_OIDS).find(([, v]) => v === oid)?.[0] ?? oid;
}

/** OID of an attribute short name (or the input when it is already dotted). */
export function attrOid(name: string): string | undefined {
  if (/^\d+(\.\d+)+$/.test(name)) return name;
  return NAME_OIDS[name];
}
