/**
 * Revocation records and published CRLs, in the station database next to the issued-certificates
 * index: `pki_revoked` (one row per revoked certificate; it must be one this station issued) and
 * `pki_crl` (every CRL published, with its CRL number, RFC 5280 §5.2.3). Rows are written in
 * transactions, so a revocation is either recorded completely or not at all.
 */
import { StationError } from '../../shared/errors';
import { migrate, type Db } from '../records/db';
import type { RevocationEntry, RevocationReason } from './types';

const MIGRATIONS = [
  `CREATE TABLE pki_revoked (
     serial TEXT PRIMARY KEY REFERENCES pki_issued (serial),
     device_uid TEXT NOT NULL,
     reason TEXT NOT NULL,
     revoked_at TEXT NOT NULL,
     actor TEXT NOT NULL,
     note TEXT
   );
   CREATE INDEX pki_revoked_uid ON pki_revoked (device_uid);
   CREATE TABLE pki_crl (
     number INTEGER PRIMARY KEY,
     this_update TEXT NOT NULL,
     next_update TEXT NOT NULL,
     issuer_fingerprint TEXT NOT NULL,
     entries INTEGER NOT NULL,
     der BLOB NOT NULL
   );`,
];

/** CRLReason codes (RFC 5280 §5.3.1) of the reasons the station records. */
export const REASON_CODES: Readonly<Record<RevocationReason, number>> = Object.freeze({
  unspecified: 0,
  keyCompromise: 1,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  privilegeWithdrawn: 9,
});

/** The reasons `ca revoke --reason` accepts. */
export const REVOCATION_REASONS = Object.keys(REASON_CODES) as RevocationReason[];

/**
 * Checks a reason given by a user.
 * @throws StationError BAD_REQUEST naming the accepted reasons.
 */
export function checkReason(reason: string): RevocationReason {
  if ((REVOCATION_REASONS as string[]).includes(reason)) return reason as RevocationReason;
  const forCa = ['cACompromise', 'aACompromise', 'certificateHold', 'removeFromCRL'].includes(reason);
  throw new StationError(
    'BAD_REQUEST',
    forCa
      ? `The revocation reason '${reason}' does not apply to a device certificate (RFC 5280 §5.3.1).`
      : `'${reason}' is not a revocation reason.`,
    `Use one of ${REVOCATION_REASONS.join(', ')} (keyCompromise when a clone or a leaked key was found).`,
  );
}

interface RevokedRow {
  serial: string;
  device_uid: string;
  reason: string;
  revoked_at: string;
  actor: string;
  note: string | null;
}

const toEntry = (r: RevokedRow): RevocationEntry => ({
  serial: r.serial,
  deviceUid: r.device_uid,
  reason: r.reason as RevocationReason,
  revokedAt: r.revoked_at,
  actor: r.actor,
  ...(r.note ? { note: r.note } : {}),
});

/** A published CRL. */
export interface StoredCrl {
  number: number;
  thisUpdate: string;
  nextUpdate: string;
  issuerFingerprint: string;
  entries: number;
  der: Uint8Array;
}

/** Typed access to `pki_revoked` and `pki_crl`. Synchronous (better-sqlite3). */
export class RevocationStore {
  constructor(readonly db: Db) {
    migrate(db, 'pki-revocation', MIGRATIONS);
  }

  /** The revocation of a serial (canonical form), or undefined. */
  get(serial: string): RevocationEntry | undefined {
    const r = this.db.prepare('SELECT * FROM pki_revoked WHERE serial = ?').get(serial) as
      RevokedRow | undefined;
    return r ? toEntry(r) : undefined;
  }

  /** Revocations of a device UID, newest first. */
  byUid(deviceUid: string): RevocationEntry[] {
    return (
      this.db
        .prepare('SELECT * FROM pki_revoked WHERE device_uid = ? ORDER BY revoked_at DESC, rowid DESC')
        .all(deviceUid) as RevokedRow[]
    ).map(toEntry);
  }

  /** Every revocation, oldest first. */
  all(): RevocationEntry[] {
    return (
      this.db.prepare('SELECT * FROM pki_revoked ORDER BY revoked_at, rowid').all() as RevokedRow[]
    ).map(toEntry);
  }

  /** Revocations of certificates for a public key (SHA-256 of the SPKI, hex). */
  byKey(keyFingerprint: string): RevocationEntry[] {
    return (
      this.db
        .prepare(
          `SELECT r.* FROM pki_revoked r JOIN pki_issued i ON i.serial = r.serial
           WHERE i.key_fingerprint = ? ORDER BY r.revoked_at DESC`,
        )
        .all(keyFingerprint.toLowerCase()) as RevokedRow[]
    ).map(toEntry);
  }

  /** Inserts one revocation (the caller runs it in its transaction). */
  insert(e: RevocationEntry): void {
    this.db
      .prepare(
        'INSERT INTO pki_revoked (serial, device_uid, reason, revoked_at, actor, note) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(e.serial, e.deviceUid, e.reason, e.revokedAt, e.actor, e.note ?? null);
  }

  /** The newest published CRL, or undefined. */
  latestCrl(): StoredCrl | undefined {
    const r = this.db.prepare('SELECT * FROM pki_crl ORDER BY number DESC LIMIT 1').get() as
      | {
          number: number;
          this_update: string;
          next_update: string;
          issuer_fingerprint: string;
          entries: number;
          der: Buffer;
        }
      | undefined;
    return r
      ? {
          number: r.number,
          thisUpdate: r.this_update,
          nextUpdate: r.next_update,
          issuerFingerprint: r.issuer_fingerprint,
          entries: r.entries,
          der: new Uint8Array(r.der),
        }
      : undefined;
  }

  /** The CRL number the next CRL gets (one more than the last published, from 1). */
  nextCrlNumber(): number {
    const r = this.db.prepare('SELECT MAX(number) AS n FROM pki_crl').get() as { n: number | null };
    return (r.n ?? 0) + 1;
  }

  /** Records a published CRL. @throws when its number was taken meanwhile (the caller retries). */
  insertCrl(c: StoredCrl): void {
    this.db
      .prepare(
        'INSERT INTO pki_crl (number, this_update, next_update, issuer_fingerprint, entries, der) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(c.number, c.thisUpdate, c.nextUpdate, c.issuerFingerprint, c.entries, Buffer.from(c.der));
  }
}
