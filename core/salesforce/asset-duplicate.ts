/**
 * What the station does when the org answers an Asset upsert with `DUPLICATE_VALUE` (another record holds a
 * unique value, e.g. a concurrent create of the same device) or HTTP 300 (several Assets carry the external
 * ID) — docs/salesforce-wire.md §4.2: it reads the Assets carrying the device's UID, and when exactly one of
 * them also carries this device's key fingerprint (and, for DUPLICATE_VALUE, it is the only one with the UID
 * and the record the org named), that Asset is unambiguously this device's: the station updates it by Id and
 * carries on. Otherwise it stops with ORG_DUPLICATE naming every Asset involved, and creates nothing.
 */
import { StationError } from '../../shared/errors';
import type { AssetFacts } from './assets';
import type { AssetRow, LookupFields } from './asset-lookup';
import type { UpsertResult } from './asset-batching';

/** What the resolution needs from the org. */
export interface DuplicateDeps {
  /** Assets whose external ID is `uid` (or whose key fingerprint is the device's). */
  query(uid: string, keyFingerprint: string): Promise<AssetRow[]>;
  /** Updates one Asset by Id with the device's fields. */
  updateById(id: string, facts: AssetFacts): Promise<void>;
}

const ID_IN_TEXT = /\b([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)\b/g;

/** The record Ids an ORG_DUPLICATE error names (300: `details.assetIds`; DUPLICATE_VALUE: "…with id: 02i…"). */
export function duplicateIdsOf(err: StationError): string[] {
  const listed = err.details?.assetIds;
  if (Array.isArray(listed)) return listed.map(String);
  const m = /with id:?\s*(.*)$/i.exec(err.message);
  return m ? [...m[1]!.matchAll(ID_IN_TEXT)].map((x) => x[1]!).filter((id) => /\d/.test(id)) : [];
}

/**
 * Resolves an ORG_DUPLICATE answer to an Asset upsert (see the module comment).
 * @returns the device's Asset, updated (`created: false`)
 * @throws StationError ORG_DUPLICATE with details `{assetIds}` (every Asset involved) when it is not
 *   unambiguously this device's; ORG_* of the look-up or the update
 */
export async function resolveDuplicate(
  deps: DuplicateDeps,
  facts: AssetFacts,
  err: StationError,
  f: LookupFields,
): Promise<UpsertResult> {
  const named = duplicateIdsOf(err);
  const rows = await deps.query(facts.deviceUid, facts.keyFingerprint);
  const withUid = rows.filter((r) => r[f.ext] === facts.deviceUid);
  const mine = withUid.filter((r) => r[f.map.keyFingerprint] === facts.keyFingerprint);
  const same = (a: string, b: string) => a.slice(0, 15) === b.slice(0, 15);
  const ids = [...new Set([...named, ...withUid.map((r) => String(r.Id))])];
  const target = mine.length === 1 ? String(mine[0]!.Id) : undefined;
  const namedOthers = target ? named.filter((id) => !same(id, target)) : named;
  // 300: several Assets carry the UID, and only `target` carries the key too. DUPLICATE_VALUE: the org
  // must have named `target` (or nobody), and no other Asset carries the UID.
  const is300 = Array.isArray(err.details?.assetIds);
  const ok = target !== undefined && (is300 || (withUid.length === 1 && namedOthers.length === 0));
  if (!ok) {
    throw new StationError(
      'ORG_DUPLICATE',
      `Salesforce already has ${ids.length > 1 ? `Assets ${ids.join(' and ')}` : `Asset ${ids[0] ?? '(unnamed)'}`} for device ${facts.deviceUid} (or with one of its unique values), and none of them is clearly this device's: ${mine.length === 0 ? "none carries this device's key" : 'more than one carries its UID'}. Nothing was created.`,
      'Open these Assets in Salesforce, merge or delete the wrong one so a single Asset carries the device UID, then retry the job.',
      { assetIds: ids, sfCode: err.details?.sfCode },
    );
  }
  await deps.updateById(target!, facts);
  return { id: target!, created: false };
}
