/**
 * The issuing rules and the device certificate build, for StationCa.issue (ca.ts):
 * - the clone rule: a public key certified for one device UID is never certified for another;
 * - a key whose certificate was revoked for keyCompromise is never certified again;
 * - idempotency: same UID + same key + an unexpired, unrevoked certificate under this issuing CA →
 *   that certificate;
 * - re-provisioning: a new key (or a revoked / expired certificate) for a known UID needs the flag.
 * The certificate is self-checked against the issuing CA key before anything is stored.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { sha256Hex } from './csr';
import type { IssuedIndex, StoredIssued } from './issued-index';
import { encodeName, nameToString } from './names';
import {
  deviceExtensions,
  fillTemplate,
  randomSerial,
  sanUriFor,
  signCertificate,
  subjectFor,
} from './profile';
import type { RevocationStore } from './revocation';
import type { CaSigner, CertProfile, VerifiedCsr } from './types';

const DAY_MS = 86_400_000;

/** What the rules look at. */
export interface IssueState {
  index: IssuedIndex;
  revocations: RevocationStore;
  /** SHA-256 of the current issuing CA certificate. */
  issuerFingerprint: string;
}

/**
 * Applies the rules: returns the certificate to hand back again, or `'issue'` for a new one.
 * @throws StationError CLONE_SUSPECTED, CERT_REVOKED, REPROVISION_REQUIRED.
 */
export function decideIssue(
  s: IssueState,
  csr: VerifiedCsr,
  opts: { deviceUid: string; reprovision?: boolean | undefined },
  now: Date,
): StoredIssued | 'issue' {
  const fp = csr.keyFingerprint.toLowerCase();
  const other = s.index.byKey(fp).find((e) => e.deviceUid !== opts.deviceUid);
  if (other) {
    throw new StationError(
      'CLONE_SUSPECTED',
      `This public key (SHA-256 ${fp.slice(0, 16)}…) is already certified for device ${other.deviceUid} (serial ${other.serial}); device ${opts.deviceUid} presents the same key.`,
      'Quarantine the device: a key shared by two devices means cloned credentials. Do not provision it; report both UIDs.',
      { otherDeviceUid: other.deviceUid, serial: other.serial, keyFingerprint: fp },
    );
  }
  const compromised = s.revocations.byKey(fp).find((r) => r.reason === 'keyCompromise');
  if (compromised) {
    throw new StationError(
      'CERT_REVOKED',
      `Device ${opts.deviceUid} presents a key whose certificate (serial ${compromised.serial}) was revoked for key compromise on ${compromised.revokedAt}; the station will not certify that key again.`,
      'Have the device generate a new key pair (run the job with re-provision enabled) and investigate how the key leaked.',
      { serial: compromised.serial, keyFingerprint: fp },
    );
  }
  const latest = s.index.byUid(opts.deviceUid)[0];
  if (!latest) return 'issue';
  const revoked = s.revocations.get(latest.serial);
  if (latest.keyFingerprint === fp && !revoked) {
    // Same device, same key: under another issuing CA (re-initialised or replaced CA) a new certificate
    // is issued; under this one the existing certificate is returned while it is valid.
    if (latest.issuerFingerprint !== s.issuerFingerprint) return 'issue';
    if (Date.parse(latest.notAfter) > now.getTime()) return latest;
  }
  if (!opts.reprovision) {
    const why = revoked
      ? ` that was revoked on ${revoked.revokedAt} (${revoked.reason})`
      : latest.keyFingerprint === fp
        ? ' (expired)'
        : ' for another key';
    throw new StationError(
      'REPROVISION_REQUIRED',
      `Device ${opts.deviceUid} already has certificate ${latest.serial} (issued ${latest.issuedAt})${why}.`,
      'If the device was deliberately reset or repaired, run the job again with re-provision enabled (it is recorded); otherwise investigate.',
      {
        serial: latest.serial,
        keyFingerprint: latest.keyFingerprint,
        ...(revoked ? { revoked: revoked.reason } : {}),
      },
    );
  }
  return 'issue';
}

/** The key family of a verified CSR's key algorithm (RSA-<bits>, ECDSA-P256/P384, Ed25519). */
function keyFamilyOf(alg: VerifiedCsr['keyAlgorithm']): 'RSA' | 'EC' | 'Ed25519' {
  return alg.startsWith('RSA-') ? 'RSA' : alg === 'Ed25519' ? 'Ed25519' : 'EC';
}

/**
 * Builds, signs and self-checks a device certificate; returns the index row to insert. Nothing is
 * stored here: a signer failure throws before any row exists.
 * @throws StationError CONFIG_INVALID (profile), the signer's errors, INTERNAL (a signature that does
 *   not verify with the issuing CA key).
 */
export async function signDeviceCertificate(a: {
  csr: VerifiedCsr;
  deviceUid: string;
  profile: CertProfile;
  now: Date;
  signer: CaSigner;
  issuing: { nameDer: Uint8Array; notAfterMs: number; fingerprint: string; publicKey: crypto.KeyObject };
  reprovision: boolean;
}): Promise<StoredIssued> {
  const { csr, deviceUid, profile, now, signer, issuing } = a;
  const subjectAttrs = subjectFor(profile, deviceUid);
  let notAfter = profile.notAfter
    ? Date.parse(profile.notAfter)
    : now.getTime() + profile.validityDays * DAY_MS;
  if (!Number.isFinite(notAfter))
    throw new StationError(
      'CONFIG_INVALID',
      `The profile notAfter '${profile.notAfter}' is not a date.`,
      'Use an ISO date such as 2049-12-31T23:59:59Z.',
    );
  notAfter = Math.min(notAfter, issuing.notAfterMs);
  const notBefore = new Date(Math.floor((now.getTime() - profile.backdateMs) / 1000) * 1000);
  const certDer = await signCertificate(
    {
      serial: randomSerial(),
      issuerDer: issuing.nameDer,
      subjectDer: encodeName(subjectAttrs),
      notBefore,
      notAfter: new Date(Math.floor(notAfter / 1000) * 1000),
      spki: csr.publicKeySpki,
      extensions: deviceExtensions({
        spki: csr.publicKeySpki,
        issuerSpki: signer.publicKeySpki,
        keyFamily: keyFamilyOf(csr.keyAlgorithm), // read from the verified CSR's key, not imported again
        sanUri: sanUriFor(profile, deviceUid),
        sanDns: profile.sanDns.map((t) => fillTemplate(t, deviceUid)),
        ecKeyAgreement: profile.ecKeyAgreement,
      }),
    },
    signer,
  );
  const cert = new crypto.X509Certificate(Buffer.from(certDer));
  // Self-check before anything is stored or returned: a signer (HSM, remote CA) returning a wrong
  // signature must never yield a certificate.
  if (!cert.verify(issuing.publicKey)) {
    throw new StationError(
      'INTERNAL',
      `The CA signer (${signer.description}) produced a certificate that does not verify with the issuing CA key.`,
      'Check the CA signer (HSM token and key, or the CA key file) and run asset-station ca show.',
    );
  }
  return {
    serial: cert.serialNumber.toLowerCase(),
    deviceUid,
    subject: nameToString(subjectAttrs.map(([type, value]) => ({ type, value }))),
    keyFingerprint: csr.keyFingerprint.toLowerCase(),
    certFingerprint: sha256Hex(certDer),
    notBefore: notBefore.toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    issuedAt: now.toISOString(),
    reprovision: a.reprovision,
    issuerFingerprint: issuing.fingerprint,
    certDer,
  };
}
