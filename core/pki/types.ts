/**
 * Contract between the provisioning saga and the station PKI (CSR intake, proof of possession,
 * certificate profile, station CA, issued-certificates index).
 */
import type { KeyAlgorithm } from '../../shared/domain';

/**
 * Key algorithm of a CSR's public key. The device protocol's {@link KeyAlgorithm} plus P-384, Ed25519
 * and RSA of any other size (`RSA-1024`, `RSA-4096`, …) so the policy can name and refuse it.
 * (Additive widening of the original contract.)
 */
export type CsrKeyAlgorithm = KeyAlgorithm | 'ECDSA-P384' | 'Ed25519' | `RSA-${number}`;

/** Hash of a CSR signature; `null` for Ed25519 (PureEdDSA, RFC 8410 §6). */
export type SignatureHash = 'SHA-256' | 'SHA-384' | 'SHA-512' | 'SHA-1' | 'MD5' | null;

/** ASN.1 string type of a subject attribute value (X.520 DirectoryString and friends). */
export type NameStringType =
  'UTF8String' | 'PrintableString' | 'IA5String' | 'TeletexString' | 'BMPString' | 'UniversalString';

/**
 * Known device quirks the parser tolerates (and records).
 * - `ecdsa-params-null`: the ECDSA signature AlgorithmIdentifier carries an explicit NULL parameter,
 *   which RFC 5758 §3.2 says MUST be absent (seen on Nordic nRF91 modem CSRs).
 */
export type CsrQuirk = 'ecdsa-params-null';

/** A parsed and signature-verified PKCS#10 request (RFC 2986). */
export interface VerifiedCsr {
  der: Uint8Array;
  /** Subject as ordered attribute pairs, values exactly as sent (UTF8String kept). */
  subject: Array<{ type: string; value: string; stringType?: NameStringType }>;
  /** SAN entries as `uri:…`, `dns:…`, `email:…`, `ip:…`. */
  sans: string[];
  /** DER SubjectPublicKeyInfo. */
  publicKeySpki: Uint8Array;
  keyAlgorithm: CsrKeyAlgorithm;
  /** SHA-256 of the SPKI DER, lowercase hex. */
  keyFingerprint: string;
  /** Key size in bits (RSA modulus bits; 256/384 for the EC curves; 256 for Ed25519). Additive. */
  keyBits?: number;
  /** Signature algorithm name, e.g. `ecdsa-with-SHA256`, `sha256WithRSAEncryption`, `Ed25519`. Additive. */
  signatureAlgorithm?: string;
  /** Hash used by the CSR signature. Additive. */
  signatureHash?: SignatureHash;
  /** DER of the subject Name exactly as sent. Additive. */
  subjectDer?: Uint8Array;
  /** OIDs of the extensions requested in the extensionRequest attribute (RFC 2985 §5.4.2). Additive. */
  requestedExtensions?: string[];
  /** Device quirks tolerated while parsing. Additive. */
  quirks?: CsrQuirk[];
}

/** What the station asked the device to put in its CSR; the policy refuses any difference. */
export interface CsrExpectation {
  subject: Record<string, string>;
  sans: string[];
  allowedAlgorithms: Array<VerifiedCsr['keyAlgorithm']>;
}

/**
 * Station-wide CSR policy (strict defaults in policy.ts `DEFAULT_CSR_POLICY`). Combined with the
 * per-request {@link CsrExpectation}: a key must be allowed by both.
 */
export interface CsrPolicy {
  /** Key algorithms the station ever accepts. */
  allowedAlgorithms: CsrKeyAlgorithm[];
  /** Smallest RSA modulus in bits (default 2048; NIST SP 800-131A Rev. 2). */
  minRsaBits: number;
  /** Largest RSA modulus in bits (default 8192: bounds verification cost). */
  maxRsaBits: number;
  /** Hashes allowed in the CSR signature (default SHA-256/384/512; SHA-1 and MD5 are refused). */
  allowedSignatureHashes: Exclude<SignatureHash, null>[];
  /** Device quirks accepted (default: `ecdsa-params-null`). */
  allowedQuirks: CsrQuirk[];
  /**
   * `exact`: the CSR's SANs must equal the expected list. `absent-or-exact`: a CSR with no SAN at all
   * is also accepted (devices that cannot request SANs; the certificate's SANs come from the profile).
   */
  sanMatch: 'exact' | 'absent-or-exact';
}

/** Certificate profile of issued device certificates (defaults in profile.ts `DEFAULT_CERT_PROFILE`). */
export interface CertProfile {
  /** Validity in days from now (default 7300 = 20 years); clamped to the issuing CA's notAfter. */
  validityDays: number;
  /** Fixed notAfter (ISO), overriding validityDays, e.g. `9999-12-31T23:59:59Z` (RFC 5280 §4.1.2.5). */
  notAfter?: string;
  /** notBefore backdating for clock skew, in ms (default 300000 = 5 minutes). */
  backdateMs: number;
  /**
   * Subject template: `{uid}` is substituted. CN defaults to `{uid}`. C and serialNumber are encoded as
   * PrintableString, the rest as UTF8String (names.ts).
   */
  subject: SubjectTemplate;
  /** SAN URI template (default `urn:dev:uid:{uid}`). */
  sanUri: string;
  /** Optional SAN DNS names (templates, `{uid}` substituted). */
  sanDns: string[];
  /** Add keyAgreement to keyUsage for EC keys (default false). */
  ecKeyAgreement: boolean;
}

/**
 * The device certificate subject template: the standard attributes a factory uses (RFC 5280
 * §4.1.2.4, X.520). Written in this order: C, ST, L, O, OU, CN, serialNumber. `{uid}` is replaced by
 * the device UID. C is a two-letter ISO 3166 code (PrintableString); serialNumber is PrintableString;
 * the others are UTF8String.
 */
export interface SubjectTemplate {
  /** countryName, e.g. `DE`. */
  C?: string;
  /** stateOrProvinceName. */
  ST?: string;
  /** localityName. */
  L?: string;
  /** organizationName. */
  O?: string;
  /** organizationalUnitName. */
  OU?: string;
  /** commonName (default `{uid}`). */
  CN: string;
  /** serialNumber (X.520), e.g. `{uid}`: PrintableString characters only. */
  serialNumber?: string;
}

/** What the CA signs with: a file key today, an HSM (PKCS#11) or a remote CA later (docs/pki.md). */
export interface CaSigner {
  /** Short description for status screens, e.g. `file key /home/x/ca/issuing.key`. */
  readonly description: string;
  /** DER SubjectPublicKeyInfo of the signing key. */
  readonly publicKeySpki: Uint8Array;
  /** The certificate signature algorithm used (RFC 5758 §3.2, RFC 4055 §5). */
  readonly signatureAlgorithm: 'ecdsa-with-SHA256' | 'ecdsa-with-SHA384' | 'sha256WithRSAEncryption';
  /**
   * Signs `tbs` (the DER TBSCertificate). Returns the X.509 signatureValue bytes: a DER
   * Ecdsa-Sig-Value for ECDSA (RFC 5758 §3.2), the PKCS#1 v1.5 signature for RSA.
   */
  sign(tbs: Uint8Array): Promise<Uint8Array>;
  /** Releases what the signer holds (an HSM session). Optional (additive): the file signer has none. */
  close?(): void;
}

/** An issued device certificate. */
export interface IssuedCertificate {
  /** Leaf, issuing CA, root (DER). */
  chain: Uint8Array[];
  /** Serial number, lowercase hex without separators. */
  serial: string;
  /** SHA-256 of the leaf DER, lowercase hex. */
  fingerprint: string;
  keyFingerprint: string;
  notBefore: string;
  notAfter: string;
  subject: string;
  /** True when an earlier certificate for the same UID and key was returned (idempotent issue). Additive. */
  reused?: boolean;
}

/** One row of the issued-certificates index. */
export interface IssuedIndexEntry {
  serial: string;
  deviceUid: string;
  subject: string;
  keyFingerprint: string;
  certFingerprint: string;
  notAfter: string;
  issuedAt: string;
  reprovision: boolean;
  /** The certificate DER (additive). */
  certDer?: Uint8Array;
}

/**
 * Why a certificate was revoked: the CRLReason values of RFC 5280 §5.3.1 that apply to a device
 * certificate (cACompromise and aACompromise concern CAs, removeFromCRL delta CRLs, and certificateHold
 * is not offered: a station revocation is final).
 */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'privilegeWithdrawn';

/** One revoked certificate, as recorded by the station (`pki_revoked`). */
export interface RevocationEntry {
  /** Serial number, lowercase hex without separators or leading zero octets. */
  serial: string;
  deviceUid: string;
  reason: RevocationReason;
  /** ISO time the revocation was recorded (the CRL revocationDate). */
  revokedAt: string;
  /** Who asked for it (operator name or `cli`). */
  actor: string;
  /** Free-text note (e.g. the ticket of the clone investigation). */
  note?: string;
}
