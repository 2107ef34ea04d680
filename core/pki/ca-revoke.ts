/**
 * Revoking device certificates and publishing the CRL, for StationCa (ca.ts): the revocation records
 * (and the audit event) are written in one transaction before any CRL is signed, so a signer failure
 * never loses a revocation; the CRL is then signed, recorded with its number and written to
 * `ca/crl.der` and `ca/crl.pem` atomically.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { StationError } from '../../shared/errors';
import type { Db } from '../records/db';
import { caDir, writeAtomic } from './ca-store';
import { certIssuerDer, normaliseSerial } from './cert-info';
import { signCrl } from './crl';
import type { IssuedIndex, StoredIssued } from './issued-index';
import { encodePem } from './pem';
import { checkReason, type RevocationStore, type StoredCrl } from './revocation';
import type { CaSigner, RevocationEntry } from './types';

const DAY_MS = 86_400_000;
/** Default CRL validity: nextUpdate = thisUpdate + 7 days. */
export const CRL_VALIDITY_DAYS = 7;

/** What to revoke: one certificate, or every certificate of a device. */
export type RevokeTarget = { serial: string } | { deviceUid: string };

/** Options of StationCa.revoke. */
export interface RevokeOptions {
  /** A CRLReason name (revocation.ts REVOCATION_REASONS), e.g. `keyCompromise`. */
  reason: string;
  /** Who revokes (operator name; default `station`). */
  actor?: string;
  note?: string;
  /** An audit log to append `ca.revoke` to, in the same transaction (core/records/audit.ts AuditLog). */
  audit?: {
    append(ev: {
      actor: string;
      action: string;
      deviceUid?: string;
      data?: Record<string, unknown>;
    }): unknown;
  };
}

/** Outcome of StationCa.revoke. */
export interface RevokeOutcome {
  /** Certificates revoked by this call. */
  revoked: RevocationEntry[];
  /** Certificates of the target that were already revoked (left unchanged). */
  alreadyRevoked: RevocationEntry[];
  /** The CRL published afterwards. */
  crl: StoredCrl;
}

/**
 * Records the revocations of `target` in one IMMEDIATE transaction (with the audit events).
 * @throws StationError BAD_REQUEST (reason, serial), NOT_FOUND (nothing issued for the target).
 */
export function recordRevocations(
  db: Db,
  index: IssuedIndex,
  revocations: RevocationStore,
  target: RevokeTarget,
  opts: RevokeOptions,
): Omit<RevokeOutcome, 'crl'> {
  const reason = checkReason(opts.reason);
  const certs =
    'serial' in target
      ? [index.bySerial(normaliseSerial(target.serial))].filter((e): e is StoredIssued => !!e)
      : index.byUid(target.deviceUid);
  if (certs.length === 0) {
    throw new StationError(
      'NOT_FOUND',
      'serial' in target
        ? `This station has not issued a certificate with serial ${target.serial}.`
        : `This station has not issued a certificate for device ${target.deviceUid}.`,
      'Check the serial or the device UID (the device record and asset-station ca sign show the serial).',
    );
  }
  const revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  const actor = opts.actor ?? 'station';
  const note = opts.note ? { note: opts.note } : {};
  return db
    .transaction(() => {
      const revoked: RevocationEntry[] = [];
      const alreadyRevoked: RevocationEntry[] = [];
      for (const c of certs) {
        const had = revocations.get(c.serial);
        if (had) {
          alreadyRevoked.push(had);
          continue;
        }
        const e: RevocationEntry = {
          serial: c.serial,
          deviceUid: c.deviceUid,
          reason,
          revokedAt,
          actor,
          ...note,
        };
        revocations.insert(e);
        opts.audit?.append({
          actor,
          action: 'ca.revoke',
          deviceUid: c.deviceUid,
          data: { serial: c.serial, reason, ...note },
        });
        revoked.push(e);
      }
      return { revoked, alreadyRevoked };
    })
    .immediate();
}

/** The error thrown when revocations were recorded but the CRL could not be signed. */
export function recordedButNoCrl(e: unknown): unknown {
  if (!(e instanceof StationError)) return e;
  return new StationError(
    e.code,
    `The revocation is recorded (the station refuses the device from now on), but the CRL could not be published: ${e.message}`,
    `${e.remedy} Then publish the CRL with asset-station ca crl.`,
    e.details,
  );
}

/**
 * True when the current issuing CA issued `certDer`: the certificate's issuer Name is the CA's subject
 * and its signature verifies with the CA key. A CRL lists only certificates of its own issuer (RFC 5280
 * §5.1.2.3); certificates from an earlier CA (before `ca init --force` or `ca install`) are left out.
 */
function issuedBy(certDer: Uint8Array, issuing: CrlContext['issuing']): boolean {
  if (Buffer.compare(Buffer.from(certIssuerDer(certDer)), Buffer.from(issuing.nameDer)) !== 0) return false;
  return new crypto.X509Certificate(Buffer.from(certDer)).verify(issuing.publicKey);
}

/** What publishing a CRL needs from the CA. */
export interface CrlContext {
  home: string;
  index: IssuedIndex;
  revocations: RevocationStore;
  signer: CaSigner;
  issuing: { nameDer: Uint8Array; fingerprint: string; publicKey: crypto.KeyObject };
}

/**
 * Signs, records and writes a new CRL (see StationCa.publishCrl).
 * @throws StationError from the signer.
 */
export async function publishCrl(c: CrlContext, validityDays: number): Promise<StoredCrl> {
  const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + validityDays * DAY_MS);
  // RFC 5280 §3.3: an entry stays until one regular CRL after the certificate expired.
  const keepAfter = thisUpdate.getTime() - validityDays * DAY_MS;
  const entries = c.revocations
    .all()
    .map((r) => ({ r, cert: c.index.bySerial(r.serial) }))
    .filter(({ cert }) => cert && issuedBy(cert.certDer, c.issuing) && Date.parse(cert.notAfter) > keepAfter)
    .map(({ r }) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), reason: r.reason }));
  for (let attempt = 0; ; attempt++) {
    const number = c.revocations.nextCrlNumber();
    const der = await signCrl(
      {
        issuerDer: c.issuing.nameDer,
        issuerSpki: c.signer.publicKeySpki,
        number,
        thisUpdate,
        nextUpdate,
        entries,
      },
      c.signer,
    );
    const crl: StoredCrl = {
      number,
      thisUpdate: thisUpdate.toISOString(),
      nextUpdate: nextUpdate.toISOString(),
      issuerFingerprint: c.issuing.fingerprint,
      entries: entries.length,
      der,
    };
    try {
      c.revocations.insertCrl(crl);
    } catch (e) {
      // Another process published this number meanwhile: sign again with the next one.
      if (attempt < 3 && /UNIQUE|PRIMARY KEY/.test((e as Error).message)) continue;
      throw e;
    }
    writeAtomic(path.join(caDir(c.home), 'crl.der'), der, 0o644);
    writeAtomic(path.join(caDir(c.home), 'crl.pem'), encodePem('X509 CRL', der), 0o644);
    return crl;
  }
}
