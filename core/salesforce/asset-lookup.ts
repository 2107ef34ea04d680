/**
 * Looking Assets up before signing and after writing: the SOQL query for several devices' UIDs and key
 * fingerprints at once (docs/salesforce-wire.md §4.2 query resource), and the trust decisions made on what it
 * returns — a key already registered under another UID (clone), a UID registered with another key
 * (re-keyed or impostor), several Assets with one UID. Pure functions over queried records.
 */
import { StationError } from '../../shared/errors';
import {
  assetSelectFields,
  soqlQuote,
  toRecordFacts,
  validateExternalId,
  type AssetFieldMap,
  type AssetRecordFacts,
} from './assets';

/** One caller's look-up: Assets whose external ID is `uid` or whose key fingerprint is `keyFingerprint`. */
export interface Lookup {
  uid: string;
  keyFingerprint?: string;
}

/** What the clone check is asked about one device. */
export interface CloneCheckInput {
  /** Hardware UID (the external ID). */
  deviceUid: string;
  /** SHA-256 of the device's SubjectPublicKeyInfo DER, 64 lowercase hex characters. */
  keyFingerprint: string;
  /** An admin allowed re-provisioning a UID registered with another key. */
  reprovision?: boolean;
}

/** Result of a clone check. */
export interface CloneCheckResult {
  /** The Asset already carrying this device UID (same key), if any. */
  existingAssetId?: string;
  /** True when the UID exists with another key and `reprovision` allowed it (the caller records the override). */
  reprovisioned?: boolean;
}

/** A queried Asset record (field API name → value). */
export type AssetRow = Record<string, unknown>;

/** The queried fields a decision needs: the external-ID field and the field map. */
export interface LookupFields {
  ext: string;
  map: AssetFieldMap;
}

/**
 * Checks a clone-check input before any call.
 * @throws StationError BAD_REQUEST for a bad UID or a fingerprint that is not 64 lowercase hex characters
 */
export function checkCloneInput(a: CloneCheckInput): void {
  validateExternalId(a.deviceUid);
  if (!/^[0-9a-f]{64}$/.test(a.keyFingerprint)) {
    throw new StationError(
      'BAD_REQUEST',
      `'${a.keyFingerprint}' is not a SHA-256 key fingerprint (64 lowercase hex characters).`,
      'This is a station bug: report it with the job journal.',
    );
  }
}

/**
 * One SOQL query for the Assets matching any of the look-ups' UIDs or key fingerprints (an OR of quoted
 * literals; at most 50 rows per look-up, 2000 in all).
 */
export function lookupSoql(lookups: Lookup[], f: LookupFields): string {
  const conds = new Set<string>();
  for (const l of lookups) {
    conds.add(`${f.ext} = ${soqlQuote(l.uid)}`);
    if (l.keyFingerprint) conds.add(`${f.map.keyFingerprint} = ${soqlQuote(l.keyFingerprint)}`);
  }
  return `SELECT ${assetSelectFields(f.ext, f.map).join(', ')} FROM Asset WHERE ${[...conds].join(' OR ')} LIMIT ${Math.min(2000, 50 * lookups.length)}`;
}

/** What a look-up query is doing, for error messages. */
export function lookupDoing(lookups: Lookup[]): string {
  return lookups.length === 1
    ? `look up the Asset of device ${lookups[0]!.uid}`
    : `look up the Assets of ${lookups.length} devices`;
}

/** True when `rec` answers look-up `l` (its UID, or its key fingerprint when given). */
export function answersLookup(rec: AssetRow, l: Lookup, f: LookupFields): boolean {
  return (
    rec[f.ext] === l.uid || (l.keyFingerprint !== undefined && rec[f.map.keyFingerprint] === l.keyFingerprint)
  );
}

function severalAssets(uid: string, own: AssetRow[]): StationError {
  return new StationError(
    'ORG_DUPLICATE',
    `${own.length} Assets carry device UID ${uid}.`,
    'Merge or delete the duplicates in Salesforce so one Asset remains, then retry.',
    { assetIds: own.map((r) => r.Id) },
  );
}

/**
 * The clone decision over the Assets matching the device's UID or key fingerprint.
 * @throws StationError CLONE_SUSPECTED (the key is registered under another UID), ORG_DUPLICATE (several
 *   Assets with the UID), REPROVISION_REQUIRED (the UID has another key and `reprovision` is not set)
 */
export function judgeClone(a: CloneCheckInput, recs: AssetRow[], f: LookupFields): CloneCheckResult {
  const kf = f.map.keyFingerprint;
  const clone = recs.find((r) => r[kf] === a.keyFingerprint && r[f.ext] !== a.deviceUid);
  if (clone) {
    throw new StationError(
      'CLONE_SUSPECTED',
      `The device's public key is already registered to another device (UID ${String(clone[f.ext])}, Asset ${String(clone.Id)}): this device may be a clone.`,
      'Set the device aside and report it to security; do not provision it.',
      { reason: 'key-under-other-uid', otherAssetId: clone.Id, otherUid: clone[f.ext] },
    );
  }
  const own = recs.filter((r) => r[f.ext] === a.deviceUid);
  if (own.length > 1) throw severalAssets(a.deviceUid, own);
  const mine = own[0];
  if (mine && typeof mine[kf] === 'string' && mine[kf] !== '' && mine[kf] !== a.keyFingerprint) {
    if (!a.reprovision) {
      throw new StationError(
        'REPROVISION_REQUIRED', // as the station CA for the same case (pki/ca.ts)
        `Device ${a.deviceUid} is already registered (Asset ${String(mine.Id)}) with a different key: either it was re-keyed or another device uses its UID.`,
        'If this device was deliberately reset, an admin can re-provision it (the override is recorded); otherwise set it aside and report it.',
        { reason: 'uid-has-other-key', existingAssetId: mine.Id },
      );
    }
    return { existingAssetId: String(mine.Id), reprovisioned: true };
  }
  return mine ? { existingAssetId: String(mine.Id) } : {};
}

/**
 * The device's Asset among the queried records; undefined when none.
 * @throws StationError ORG_DUPLICATE when several Assets carry the UID
 */
export function judgeFind(uid: string, recs: AssetRow[], f: LookupFields): AssetRecordFacts | undefined {
  const own = recs.filter((r) => r[f.ext] === uid);
  if (own.length > 1) throw severalAssets(uid, own);
  return own[0] ? toRecordFacts(own[0], f.ext, f.map) : undefined;
}
