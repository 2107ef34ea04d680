/**
 * Contract between the provisioning saga and the station PKI (CSR intake, proof of possession,
 * certificate profile, station CA, issued-certificates index).
 */
import type { KeyAlgorithm } from '../../../shared/domain';

/** A parsed and signature-verified PKCS#10 request (RFC 2986). */
export interface VerifiedCsr {
  der: Uint8Array;
  /** Subject as ordered attribute pairs, values exactly as sent (UTF8String kept). */
  subject: Array<{ type: string; value: string }>;
  /** SAN entries as `uri:…`, `dns:…`, `email:…`, `ip:…`. */
  sans: string[];
  /** DER SubjectPublicKeyInfo. */
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm | 'ECDSA-P384' | 'Ed25519';
  /** SHA-256 of the SPKI DER, lowercase hex. */
  keyFingerprint: string;
}

/** What the station asked the device to put in its CSR; the policy refuses any difference. */
export interface CsrExpectation {
  subject: Record<string, string>;
  sans: string[];
  allowedAlgorithms: Array<VerifiedCsr['keyAlgorithm']>;
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
}
