/**
 * The certificate profile and the X.509 v3 certificate builder (RFC 5280 §4.1). The TBSCertificate is
 * encoded here (der.ts) so any {@link CaSigner} — file key, HSM, remote CA — signs exactly these bytes;
 * extensions are encoded by @peculiar/x509's extension classes, except the two that change with every
 * device certificate (SAN and SKI), encoded here from der.ts in a few µs instead of ~1.5 ms each through
 * the library's ASN.1 object model (issue 18); a unit test checks both give the same bytes.
 *
 * Device profile defaults: positive random 16-byte serial (§4.1.2.2: ≤ 20 octets); notBefore backdated
 * 5 minutes; validity 20 years, clamped to the issuing CA; UTCTime through 2049 and GeneralizedTime from
 * 2050 (§4.1.2.5); basicConstraints CA:false critical (§4.2.1.9); keyUsage digitalSignature critical
 * (§4.2.1.3; + keyAgreement for EC when configured); EKU clientAuth (§4.2.1.12); SAN URI
 * `urn:dev:uid:<uid>` (+ DNS) (§4.2.1.6); SKI (§4.2.1.2 method 1) and AKI (§4.2.1.1).
 */
import crypto from 'node:crypto';
import {
  bitString,
  bitStringBytes,
  children,
  derNull,
  explicit,
  octetString,
  oid,
  readTlv,
  seq,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
} from './der';
import { StationError } from '../../shared/errors';
import { nameValueProblem } from './names';
import { OID, sigAlgOid } from './oids';
import type { CaSigner, CertProfile, CsrExpectation, SubjectTemplate } from './types';
import { x509 } from './x509-lib';

/** Default device certificate profile. */
export const DEFAULT_CERT_PROFILE: Readonly<CertProfile> = Object.freeze({
  validityDays: 7300,
  backdateMs: 5 * 60_000,
  subject: { CN: '{uid}' },
  sanUri: 'urn:dev:uid:{uid}',
  sanDns: [],
  ecKeyAgreement: false,
});

/** Merges partial profiles over the defaults (later wins; `subject` merged field by field). */
export function resolveProfile(...parts: Array<Partial<CertProfile> | undefined>): CertProfile {
  let out: CertProfile = { ...DEFAULT_CERT_PROFILE, subject: { ...DEFAULT_CERT_PROFILE.subject } };
  for (const p of parts) {
    if (!p) continue;
    out = { ...out, ...p, subject: { ...out.subject, ...(p.subject ?? {}) } };
  }
  return out;
}

/**
 * A positive random serial of exactly 16 octets (126 random bits): the top bits are fixed to `01` so
 * the DER INTEGER needs no leading zero and never shrinks (RFC 5280 §4.1.2.2, CA/B BR §7.1 ≥ 64 bits).
 */
export function randomSerial(): Uint8Array {
  const b = new Uint8Array(crypto.randomBytes(16));
  b[0] = (b[0]! & 0x3f) | 0x40;
  return b;
}

/** Key identifier per RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING contents. */
export function keyIdentifier(spki: Uint8Array): Uint8Array {
  const [, bits] = children(readTlv(spki));
  return new Uint8Array(crypto.createHash('sha1').update(bitStringBytes(bits!, 'subjectPublicKey')).digest());
}

/** DER AlgorithmIdentifier for a certificate signature (RSA: NULL parameters; ECDSA: absent, RFC 5758 §3.2). */
export function signatureAlgorithmIdentifier(name: CaSigner['signatureAlgorithm']): Uint8Array {
  const o = oid(sigAlgOid(name));
  return name.startsWith('ecdsa') ? seq(o) : seq(o, derNull());
}

const raw = (e: { rawData: ArrayBuffer }) => new Uint8Array(e.rawData);
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

const constantExtensions = new Map<string, Uint8Array>();
/** Memoises the DER of extensions that do not vary per certificate (their encoding costs ~0.2 ms each). */
function memo(key: string, make: () => { rawData: ArrayBuffer }): Uint8Array {
  let v = constantExtensions.get(key);
  if (!v) constantExtensions.set(key, (v = raw(make())));
  return v;
}

/** OIDs of the per-certificate extensions encoded here (RFC 5280 §4.2.1.6, §4.2.1.2). */
const SAN_OID = oid(OID.subjectAltName);
const SKI_OID = oid('2.5.29.14');
/** GeneralName tags (RFC 5280 §4.2.1.6): [2] IMPLICIT IA5String dNSName, [6] IMPLICIT IA5String URI. */
const GN_DNS = 0x82;
const GN_URI = 0x86;
const isAscii = (s: string) => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
};
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/**
 * The subjectAltName extension (non-critical: the subject is not empty) with one URI and any DNS names,
 * DER-encoded: `SEQUENCE { extnID, extnValue OCTET STRING { GeneralNames } }` (RFC 5280 §4.1, §4.2.1.6).
 * A name outside ASCII (IA5String cannot carry it) is left to @peculiar/x509, as before.
 */
export function subjectAltNameExtension(uri: string, dns: readonly string[]): Uint8Array {
  if (!isAscii(uri) || !dns.every(isAscii))
    return raw(
      new x509.SubjectAlternativeNameExtension(
        [{ type: 'url', value: uri }, ...dns.map((d) => ({ type: 'dns' as const, value: d }))],
        false,
      ),
    );
  const names = [tlv(GN_URI, ascii(uri)), ...dns.map((d) => tlv(GN_DNS, ascii(d)))];
  return seq(SAN_OID, octetString(seq(...names)));
}

/** The subjectKeyIdentifier extension (non-critical, RFC 5280 §4.2.1.2): `extnValue OCTET STRING { OCTET STRING keyId }`. */
export function subjectKeyIdentifierExtension(keyId: Uint8Array): Uint8Array {
  return seq(SKI_OID, octetString(octetString(keyId)));
}

/** Issuing CA key identifiers (hex), by the hex of the CA's SPKI: one SHA-1 per CA, not per certificate. */
const issuerKeyIds = new Map<string, string>();

/** Extensions of a device (end-entity) certificate. */
export function deviceExtensions(args: {
  spki: Uint8Array;
  issuerSpki: Uint8Array;
  keyFamily: 'EC' | 'RSA' | 'Ed25519';
  sanUri: string;
  sanDns: string[];
  ecKeyAgreement: boolean;
}): Uint8Array[] {
  const usage =
    x509.KeyUsageFlags.digitalSignature |
    (args.keyFamily === 'EC' && args.ecKeyAgreement ? x509.KeyUsageFlags.keyAgreement : 0);
  const issuerHex = hexOf(args.issuerSpki);
  let known = issuerKeyIds.get(issuerHex);
  if (!known) {
    if (issuerKeyIds.size >= 16) issuerKeyIds.clear();
    issuerKeyIds.set(issuerHex, (known = hexOf(keyIdentifier(args.issuerSpki))));
  }
  const issuerKeyId = known;
  return [
    memo('bc:leaf', () => new x509.BasicConstraintsExtension(false, undefined, true)),
    memo(`ku:${usage}`, () => new x509.KeyUsagesExtension(usage, true)),
    memo('eku:clientAuth', () => new x509.ExtendedKeyUsageExtension([OID.clientAuth], false)),
    subjectAltNameExtension(args.sanUri, args.sanDns),
    subjectKeyIdentifierExtension(keyIdentifier(args.spki)),
    memo(`aki:${issuerKeyId}`, () => new x509.AuthorityKeyIdentifierExtension(issuerKeyId, false)),
  ];
}

/** Extensions of a CA certificate (root: no AKI when self-signed is fine, but we add it for chains). */
export function caExtensions(args: {
  spki: Uint8Array;
  issuerSpki: Uint8Array;
  pathLength?: number;
}): Uint8Array[] {
  return [
    raw(new x509.BasicConstraintsExtension(true, args.pathLength, true)),
    raw(new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)),
    raw(new x509.SubjectKeyIdentifierExtension(hexOf(keyIdentifier(args.spki)), false)),
    raw(new x509.AuthorityKeyIdentifierExtension(hexOf(keyIdentifier(args.issuerSpki)), false)),
  ];
}

/** Everything needed to build and sign one certificate. */
export interface CertificateTemplate {
  serial: Uint8Array;
  issuerDer: Uint8Array;
  subjectDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  spki: Uint8Array;
  /** DER Extension elements. */
  extensions: Uint8Array[];
}

/** Encodes the TBSCertificate (RFC 5280 §4.1.1.1) the signer signs. */
export function encodeTbs(t: CertificateTemplate, sigAlg: CaSigner['signatureAlgorithm']): Uint8Array {
  return seq(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(t.serial),
    signatureAlgorithmIdentifier(sigAlg),
    t.issuerDer,
    seq(time(t.notBefore), time(t.notAfter)),
    t.subjectDer,
    t.spki,
    explicit(3, seq(...t.extensions)),
  );
}

/** Builds the TBSCertificate, has `signer` sign it and returns the certificate DER. */
export async function signCertificate(t: CertificateTemplate, signer: CaSigner): Promise<Uint8Array> {
  const tbs = encodeTbs(t, signer.signatureAlgorithm);
  const sig = await signer.sign(tbs);
  return seq(tbs, signatureAlgorithmIdentifier(signer.signatureAlgorithm), bitString(sig));
}

/** Substitutes `{uid}` in a template. */
export function fillTemplate(template: string, uid: string): string {
  return template.split('{uid}').join(uid);
}

/**
 * The SAN URI for a device: the template with the UID percent-encoded (RFC 3986 §2.1) so the URI stays
 * ASCII (a SAN URI is an IA5String, RFC 5280 §4.2.1.6); ':' is kept (URN NSS, RFC 8141 §2).
 */
export function sanUriFor(profile: Pick<CertProfile, 'sanUri'>, uid: string): string {
  return fillTemplate(profile.sanUri, encodeURIComponent(uid).replace(/%3A/gi, ':'));
}

/** Order in which subject attributes are written (most general first, RFC 4519 names). */
export const SUBJECT_ORDER = ['C', 'ST', 'L', 'O', 'OU', 'CN', 'serialNumber'] as const;

/**
 * The device subject the profile yields, as ordered pairs (C, ST, L, O, OU, CN, serialNumber; empty
 * attributes left out), `{uid}` filled in.
 * @throws StationError CONFIG_INVALID when a value cannot be encoded: C not two capital letters, or a
 *   serialNumber (often `{uid}`) with characters PrintableString cannot hold.
 */
export function subjectFor(profile: Pick<CertProfile, 'subject'>, uid: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const type of SUBJECT_ORDER) {
    const template = profile.subject[type];
    if (!template) continue;
    const value = fillTemplate(template, uid);
    const problem = nameValueProblem(type, value);
    if (problem) {
      throw new StationError(
        'CONFIG_INVALID',
        `The device subject template cannot be used for device ${uid}: ${problem}.`,
        type === 'serialNumber'
          ? 'Change the subject template (asset-station ca subject) so serialNumber holds only PrintableString characters, or leave serialNumber out.'
          : 'Fix the subject template with asset-station ca subject.',
        { attribute: type, value },
      );
    }
    out.push([type, value]);
  }
  return out;
}

/**
 * Parses a subject template written like openssl's `-subj`: `/C=DE/ST=Bavaria/O=Acme/CN={uid}`
 * (a `/` inside a value is written `\/`). Only the attributes of {@link SubjectTemplate} are allowed;
 * CN is required; fixed values are checked as {@link subjectFor} would.
 * @throws StationError CONFIG_INVALID naming the problem.
 */
export function parseSubjectTemplate(text: string): SubjectTemplate {
  const bad = (why: string) =>
    new StationError(
      'CONFIG_INVALID',
      `The subject template ${JSON.stringify(text)} is not usable: ${why}.`,
      `Write it like /C=DE/ST=Bavaria/L=Munich/O=Acme/OU=Sensors/CN={uid}/serialNumber={uid}; allowed attributes: ${SUBJECT_ORDER.join(', ')}.`,
    );
  if (!text.startsWith('/')) throw bad('it must start with /');
  const parts = text
    .slice(1)
    .split(/(?<!\\)\//)
    .map((p) => p.replace(/\\\//g, '/'));
  const out: Partial<SubjectTemplate> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw bad(`'${part}' is not ATTRIBUTE=value`);
    const type = part.slice(0, eq) as (typeof SUBJECT_ORDER)[number];
    const value = part.slice(eq + 1);
    if (!SUBJECT_ORDER.includes(type)) throw bad(`${part.slice(0, eq)} is not an allowed attribute`);
    if (out[type] !== undefined) throw bad(`${type} appears twice`);
    const problem = nameValueProblem(type, value.split('{uid}').join('X'));
    if (problem) throw bad(problem);
    out[type] = value;
  }
  if (!out.CN) throw bad('CN is missing');
  return out as SubjectTemplate;
}

/** Renders a subject template back in the `/A=v/...` form of {@link parseSubjectTemplate}. */
export function formatSubjectTemplate(t: SubjectTemplate): string {
  return SUBJECT_ORDER.filter((k) => t[k])
    .map((k) => `/${k}=${t[k]!.replace(/\//g, '\\/')}`)
    .join('');
}

/**
 * The CSR expectation matching what the profile will certify: the subject attributes and the SAN URI
 * (`uri:…`) + DNS names (`dns:…`). The provisioning saga sends these to the device and checks the CSR
 * against them with checkCsrPolicy.
 */
export function csrExpectationFor(
  profile: CertProfile,
  uid: string,
  allowedAlgorithms: CsrExpectation['allowedAlgorithms'],
): CsrExpectation {
  return {
    subject: Object.fromEntries(subjectFor(profile, uid)),
    sans: [`uri:${sanUriFor(profile, uid)}`, ...profile.sanDns.map((d) => `dns:${fillTemplate(d, uid)}`)],
    allowedAlgorithms,
  };
}
