/**
 * Helpers of the fleet tests: the local audit chain of a station database, the org's copy of a station's
 * entries and head, and polling until the background audit sync has caught up.
 */
import type { Db } from '../../../core/records/db';
import type { OrgEmulator, Rec } from '../../../sim/org';

/** One local audit row as the fleet tests compare it with the org. */
export interface LocalEntry {
  seq: number;
  hash: string;
  prev_hash: string;
  actor: string;
  action: string;
  device_uid: string | null;
  key_fingerprint: string | null;
  job_id: string | null;
  station_id: string;
  /** JSON of the entry's data. */
  data: string;
}

/** The station's audit chain, oldest first. */
export const localEntries = (db: Db): LocalEntry[] =>
  db.prepare('SELECT * FROM audit ORDER BY seq').all() as LocalEntry[];

/** The org's entries of one station, by Entry_Key__c. */
export const orgEntries = (org: OrgEmulator, stationId: string): Map<string, Rec> =>
  new Map(
    org
      .records('Station_Audit_Entry__c')
      .filter((r) => r.Station_Id__c === stationId)
      .map((r) => [String(r.Entry_Key__c), r]),
  );

/** The org's chain head of one station. */
export const orgHead = (org: OrgEmulator, stationId: string): Rec | undefined =>
  org.records('Station_Chain_Head__c').find((r) => r.Station_Id__c === stationId);

/** Polls `ok` every 50 ms until it is true. @throws Error naming `what` after `ms` */
export async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the org's head of the station is the station's local head (the sync caught up). */
export async function untilSynced(org: OrgEmulator, db: Db, stationId: string): Promise<LocalEntry[]> {
  await until(`the org to hold station ${stationId}'s head`, () => {
    const local = localEntries(db);
    return local.length > 0 && orgHead(org, stationId)?.Head_Seq__c === local[local.length - 1]!.seq;
  });
  return localEntries(db);
}
