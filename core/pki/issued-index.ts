/**
 * The issued-certificates index, in the station database (table `pki_issued`): one row per certificate
 * the station CA signed, with the certificate DER. It backs the clone rule (a public key certified for
 * one device UID is never certified for another), the re-provision rule (a new key for a known UID needs
 * an explicit flag, recorded) and idempotent issuing (same UID + same key → the existing certificate).
 */
import { migrate, stmt, type Db } from '../records/db';
import type { IssuedIndexEntry } from './types';

const MIGRATIONS = [
  `CREATE TABLE pki_issued (
     serial TEXT PRIMARY KEY,
     device_uid TEXT NOT NULL,
     subject TEXT NOT NULL,
     key_fingerprint TEXT NOT NULL,
     cert_fingerprint TEXT NOT NULL UNIQUE,
     not_before TEXT NOT NULL,
     not_after TEXT NOT NULL,
     issued_at TEXT NOT NULL,
     reprovision INTEGER NOT NULL DEFAULT 0,
     issuer_fingerprint TEXT NOT NULL,
     cert_der BLOB NOT NULL
   );
   CREATE INDEX pki_issued_uid ON pki_issued (device_uid, issued_at);
   CREATE INDEX pki_issued_key ON pki_issued (key_fingerprint);`,
];

interface Row {
  serial: string;
  device_uid: string;
  subject: string;
  key_fingerprint: string;
  cert_fingerprint: string;
  not_before: string;
  not_after: string;
  issued_at: string;
  reprovision: number;
  issuer_fingerprint: string;
  cert_der: Buffer;
}

/** A stored row, with the fields the CA needs beyond {@link IssuedIndexEntry}. */
export interface StoredIssued extends IssuedIndexEntry {
  notBefore: string;
  issuerFingerprint: string;
  certDer: Uint8Array;
}

const toEntry = (r: Row): StoredIssued => ({
  serial: r.serial,
  deviceUid: r.device_uid,
  subject: r.subject,
  keyFingerprint: r.key_fingerprint,
  certFingerprint: r.cert_fingerprint,
  notBefore: r.not_before,
  notAfter: r.not_after,
  issuedAt: r.issued_at,
  reprovision: r.reprovision === 1,
  issuerFingerprint: r.issuer_fingerprint,
  certDer: new Uint8Array(r.cert_der),
});

/** Typed access to `pki_issued`. All methods are synchronous (better-sqlite3), on cached prepared statements. */
export class IssuedIndex {
  constructor(readonly db: Db) {
    migrate(db, 'pki', MIGRATIONS);
  }

  /** Certificates for a device UID, newest first. */
  byUid(deviceUid: string): StoredIssued[] {
    return (
      stmt(this.db, 'SELECT * FROM pki_issued WHERE device_uid = ? ORDER BY issued_at DESC, rowid DESC').all(
        deviceUid,
      ) as Row[]
    ).map(toEntry);
  }

  /** Certificates for a public key (SHA-256 of the SPKI, hex), newest first. */
  byKey(keyFingerprint: string): StoredIssued[] {
    return (
      stmt(
        this.db,
        'SELECT * FROM pki_issued WHERE key_fingerprint = ? ORDER BY issued_at DESC, rowid DESC',
      ).all(keyFingerprint.toLowerCase()) as Row[]
    ).map(toEntry);
  }

  /** The certificate with this serial (canonical lowercase hex), or undefined. */
  bySerial(serial: string): StoredIssued | undefined {
    const r = stmt(this.db, 'SELECT * FROM pki_issued WHERE serial = ?').get(serial) as Row | undefined;
    return r ? toEntry(r) : undefined;
  }

  /** All rows, newest first (bounded by `limit`). */
  list(limit = 1000): StoredIssued[] {
    return (
      stmt(this.db, 'SELECT * FROM pki_issued ORDER BY issued_at DESC, rowid DESC LIMIT ?').all(
        limit,
      ) as Row[]
    ).map(toEntry);
  }

  /** Inserts one row. */
  insert(e: StoredIssued): void {
    stmt(
      this.db,
      `INSERT INTO pki_issued (serial, device_uid, subject, key_fingerprint, cert_fingerprint, not_before,
           not_after, issued_at, reprovision, issuer_fingerprint, cert_der)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      e.serial,
      e.deviceUid,
      e.subject,
      e.keyFingerprint,
      e.certFingerprint,
      e.notBefore,
      e.notAfter,
      e.issuedAt,
      e.reprovision ? 1 : 0,
      e.issuerFingerprint,
      Buffer.from(e.certDer),
    );
  }
}
