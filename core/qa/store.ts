/**
 * The QA lot tables in the station database (core/records/db.ts): the lots, their devices with the id
 * of each device's latest verify job (whose checks are in the journal, like every job's steps), the
 * dispositions and the sign-off. Writes are synchronous SQLite transactions.
 */
import type { Disposition, LotSignOff, LotSource } from '../../shared/qa';
import { migrate, stmt, type Db } from '../records/db';

const MIGRATIONS = [
  `CREATE TABLE qa_lots (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     source TEXT NOT NULL,
     station_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     created_by TEXT NOT NULL,
     sign_off TEXT
   );
   CREATE TABLE qa_lot_devices (
     lot_id TEXT NOT NULL REFERENCES qa_lots(id),
     device_uid TEXT NOT NULL,
     seq INTEGER NOT NULL,
     added_at TEXT NOT NULL,
     added_by TEXT NOT NULL,
     verify_job_id TEXT,
     not_verified TEXT,
     disposition TEXT,
     disposition_note TEXT,
     PRIMARY KEY (lot_id, device_uid)
   );`,
];

/** A lot row. */
export interface LotRow {
  id: string;
  name: string;
  source: LotSource;
  stationId: string;
  createdAt: string;
  createdBy: string;
  signOff?: LotSignOff;
}

/** A lot device row. */
export interface LotDeviceRow {
  deviceUid: string;
  addedAt: string;
  addedBy: string;
  verifyJobId?: string;
  notVerified?: string;
  disposition?: { disposition: Disposition; note: string };
}

interface RawLot {
  id: string;
  name: string;
  source: string;
  station_id: string;
  created_at: string;
  created_by: string;
  sign_off: string | null;
}
interface RawDevice {
  device_uid: string;
  added_at: string;
  added_by: string;
  verify_job_id: string | null;
  not_verified: string | null;
  disposition: string | null;
  disposition_note: string | null;
}

const toLot = (r: RawLot): LotRow => ({
  id: r.id,
  name: r.name,
  source: JSON.parse(r.source) as LotSource,
  stationId: r.station_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
  ...(r.sign_off ? { signOff: JSON.parse(r.sign_off) as LotSignOff } : {}),
});

const toDevice = (r: RawDevice): LotDeviceRow => ({
  deviceUid: r.device_uid,
  addedAt: r.added_at,
  addedBy: r.added_by,
  ...(r.verify_job_id ? { verifyJobId: r.verify_job_id } : {}),
  ...(r.not_verified ? { notVerified: r.not_verified } : {}),
  ...(r.disposition
    ? { disposition: { disposition: r.disposition as Disposition, note: r.disposition_note ?? '' } }
    : {}),
});

/** The QA lot tables. */
export class LotStore {
  constructor(private readonly db: Db) {
    migrate(db, 'qa', MIGRATIONS);
  }

  /** The next free lot id of the day `date` (UTC `yyyymmdd`): `QA-<date>-001`, `-002`, … */
  nextId(date: string): string {
    const prefix = `QA-${date}-`;
    const rows = stmt(this.db, `SELECT id FROM qa_lots WHERE id LIKE ?`).all(`${prefix}%`) as Array<{
      id: string;
    }>;
    const max = rows.reduce((m, r) => Math.max(m, Number(r.id.slice(prefix.length)) || 0), 0);
    return `${prefix}${String(max + 1).padStart(3, '0')}`;
  }

  /** Creates a lot with its first devices, in one transaction. */
  create(lot: LotRow, uids: readonly string[]): void {
    this.db.transaction(() => {
      stmt(
        this.db,
        `INSERT INTO qa_lots (id, name, source, station_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`,
      ).run(lot.id, lot.name, JSON.stringify(lot.source), lot.stationId, lot.createdAt, lot.createdBy);
      for (const uid of uids) this.addDevice(lot.id, uid, lot.createdAt, lot.createdBy);
    })();
  }

  /** Adds a device to a lot; false when it was already in it. */
  addDevice(lotId: string, uid: string, at: string, by: string): boolean {
    const r = stmt(
      this.db,
      `INSERT OR IGNORE INTO qa_lot_devices (lot_id, device_uid, seq, added_at, added_by)
       VALUES (?, ?, (SELECT COUNT(*) FROM qa_lot_devices WHERE lot_id = ?), ?, ?)`,
    ).run(lotId, uid, lotId, at, by);
    return r.changes === 1;
  }

  get(id: string): LotRow | undefined {
    const r = stmt(this.db, `SELECT * FROM qa_lots WHERE id = ?`).get(id) as RawLot | undefined;
    return r ? toLot(r) : undefined;
  }

  /** Lots, newest first. */
  list(limit = 500): LotRow[] {
    return (
      stmt(this.db, `SELECT * FROM qa_lots ORDER BY created_at DESC, rowid DESC LIMIT ?`).all(
        limit,
      ) as RawLot[]
    ).map(toLot);
  }

  /** A lot's devices in the order they were added. */
  devices(lotId: string): LotDeviceRow[] {
    return (
      stmt(this.db, `SELECT * FROM qa_lot_devices WHERE lot_id = ? ORDER BY seq`).all(lotId) as RawDevice[]
    ).map(toDevice);
  }

  /** Records a device's latest verify job (clearing a "not verified" note), or why it could not run. */
  setVerification(lotId: string, uid: string, r: { jobId: string } | { notVerified: string }): void {
    if ('jobId' in r)
      stmt(
        this.db,
        `UPDATE qa_lot_devices SET verify_job_id = ?, not_verified = NULL WHERE lot_id = ? AND device_uid = ?`,
      ).run(r.jobId, lotId, uid);
    else
      stmt(this.db, `UPDATE qa_lot_devices SET not_verified = ? WHERE lot_id = ? AND device_uid = ?`).run(
        r.notVerified,
        lotId,
        uid,
      );
  }

  /** Signs the lot off with the devices' dispositions, in one transaction. */
  signOff(
    lotId: string,
    signOff: LotSignOff,
    dispositions: ReadonlyArray<{ deviceUid: string; disposition: Disposition; note: string }>,
  ): void {
    this.db.transaction(() => {
      const d = stmt(
        this.db,
        `UPDATE qa_lot_devices SET disposition = ?, disposition_note = ? WHERE lot_id = ? AND device_uid = ?`,
      );
      for (const x of dispositions) d.run(x.disposition, x.note, lotId, x.deviceUid);
      stmt(this.db, `UPDATE qa_lots SET sign_off = ? WHERE id = ? AND sign_off IS NULL`).run(
        JSON.stringify(signOff),
        lotId,
      );
    })();
  }
}
