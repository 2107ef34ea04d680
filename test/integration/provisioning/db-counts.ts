/** Counts read straight from a station's database, for asserting "exactly one" after faults. */
import { openStationDb } from '../../../core/records/db';

function count(home: string, sql: string, uid: string): number {
  const db = openStationDb(home);
  try {
    return (db.prepare(sql).get(uid) as { n: number }).n;
  } finally {
    db.close();
  }
}

/** Certificates the station CA issued for a device UID (its issued-certificates index, pki_issued). */
export const issuedCount = (home: string, uid: string) =>
  count(home, `SELECT COUNT(*) AS n FROM pki_issued WHERE device_uid = ?`, uid);

/** Provisioning jobs journaled for a device UID. */
export const provisionJobCount = (home: string, uid: string) =>
  count(home, `SELECT COUNT(*) AS n FROM jobs WHERE device_uid = ? AND kind = 'provision'`, uid);
