/**
 * Revocations carried to the org: the device's Asset gets `Certificate_Status__c = Revoked` (a field of
 * salesforce/force-app, objects/Asset) when the org is reachable; otherwise the flag waits in the
 * station database and goes at the next {@link flushOrgFlags}. Every revoked certificate (`pki_revoked`)
 * without a row in `pki_org_flag` is pending, so nothing needs to be queued separately and a crash
 * between revoking and flagging loses nothing. The Asset is flagged only while it still names the
 * revoked certificate (`Cert_Serial__c`): a device re-provisioned since carries a valid one.
 */
import { StationError, toErrorShape, type StationErrorShape } from '../../shared/errors';
import { migrate, type Db } from '../records/db';
import { normaliseSerial } from './cert-info';

const MIGRATIONS = [
  `CREATE TABLE pki_org_flag (
     serial TEXT PRIMARY KEY REFERENCES pki_revoked (serial),
     outcome TEXT NOT NULL,
     asset_id TEXT,
     done_at TEXT NOT NULL
   );`,
];

/** The Asset field a revocation sets, and its value (salesforce/…/Asset/fields/Certificate_Status__c). */
export const CERTIFICATE_STATUS_FIELD = 'Certificate_Status__c';
export const CERTIFICATE_STATUS_REVOKED = 'Revoked';

/** What flagging needs from the org (the CLI adapts the Salesforce client to it). */
export interface OrgFlagPort {
  /** The device's Asset by external ID: its Id and the certificate serial it names, if any. */
  findAsset(deviceUid: string): Promise<{ id: string; certSerial?: string } | undefined>;
  /** Sets `Certificate_Status__c` on Asset `id`. @throws StationError ORG_* */
  setCertificateStatus(assetId: string, status: string): Promise<void>;
}

/** A revocation whose Asset flag has not gone to the org yet. */
export interface PendingOrgFlag {
  serial: string;
  deviceUid: string;
  reason: string;
  revokedAt: string;
}

/** How one revocation ended up in the org. */
export interface OrgFlagOutcome {
  serial: string;
  deviceUid: string;
  /** `flagged`: the Asset now says Revoked; `no-asset`: the org has no Asset for the device;
   *  `newer-certificate`: the Asset names another (later) certificate and was left alone. */
  outcome: 'flagged' | 'no-asset' | 'newer-certificate';
  assetId?: string;
}

/** The revocations still to be flagged in the org, oldest first. */
export function pendingOrgFlags(db: Db): PendingOrgFlag[] {
  const revocations = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pki_revoked'")
    .get();
  if (!revocations) return []; // nothing was ever revoked on this station
  migrate(db, 'pki_org_flag', MIGRATIONS);
  return (
    db
      .prepare(
        `SELECT r.serial, r.device_uid, r.reason, r.revoked_at FROM pki_revoked r
         LEFT JOIN pki_org_flag f ON f.serial = r.serial WHERE f.serial IS NULL ORDER BY r.revoked_at, r.serial`,
      )
      .all() as Array<{ serial: string; device_uid: string; reason: string; revoked_at: string }>
  ).map((r) => ({ serial: r.serial, deviceUid: r.device_uid, reason: r.reason, revokedAt: r.revoked_at }));
}

/**
 * Sends every pending flag to the org, oldest first, recording each outcome as it goes. Stops at the
 * first org failure (the rest stay pending) and returns it as `error`.
 * @returns the outcomes recorded now, the number still pending, and the org error that stopped it.
 */
export async function flushOrgFlags(
  db: Db,
  org: OrgFlagPort,
): Promise<{ done: OrgFlagOutcome[]; pending: number; error?: StationErrorShape }> {
  const todo = pendingOrgFlags(db);
  const done: OrgFlagOutcome[] = [];
  const record = db.prepare(
    'INSERT INTO pki_org_flag (serial, outcome, asset_id, done_at) VALUES (?, ?, ?, ?)',
  );
  for (const p of todo) {
    let out: OrgFlagOutcome;
    try {
      const asset = await org.findAsset(p.deviceUid);
      if (!asset) out = { serial: p.serial, deviceUid: p.deviceUid, outcome: 'no-asset' };
      else if (asset.certSerial && normaliseSerial(asset.certSerial) !== p.serial)
        out = { serial: p.serial, deviceUid: p.deviceUid, outcome: 'newer-certificate', assetId: asset.id };
      else {
        await org.setCertificateStatus(asset.id, CERTIFICATE_STATUS_REVOKED);
        out = { serial: p.serial, deviceUid: p.deviceUid, outcome: 'flagged', assetId: asset.id };
      }
    } catch (e) {
      const error = toErrorShape(e);
      return { done, pending: todo.length - done.length, error };
    }
    record.run(out.serial, out.outcome, out.assetId ?? null, new Date().toISOString());
    done.push(out);
  }
  return { done, pending: 0 };
}

/** The message for flags left pending because the org could not be reached. */
export function pendingFlagsError(pending: number, cause: StationErrorShape): StationError {
  return new StationError(
    cause.code,
    `The revocation is recorded and in the CRL, but ${pending} Asset flag${pending === 1 ? '' : 's'} could not be sent to Salesforce: ${cause.message}`,
    `Nothing is lost: the flag waits in the station. When Salesforce is reachable, run 'asset-station ca org-sync' (any later 'ca revoke' sends it too). ${cause.remedy}`,
  );
}
