/**
 * The org's word checked (issue 11): an upsert's answer is not taken on trust. The upsert and a read of
 * the Assets by external ID travel in ONE Composite request (`POST /composite`, subrequests run in order,
 * so the read sees the write; docs/salesforce-wire.md §4.2 [C UPS][S COMPX]) — no extra REST call — and
 * each device's answer must name the Asset that carries its UID as external ID and the key fingerprint
 * just written. Otherwise ORG_INCONSISTENT: the step fails and no Asset ID reaches the device.
 */
import { StationError } from '../../shared/errors';
import { answersLookup, judgeClone, judgeFind, type AssetRow, type LookupFields } from './asset-lookup';
import type { UpsertOutcome, UpsertResult } from './asset-batching';
import type { AssetFacts } from './assets';
import { assetSelectFields, encodeExternalId, soqlQuote } from './assets';
import { fromJsforceError, fromSfError, unexpectedAnswer, type SfError } from './errors';

/** One device's upsert in a checked Composite request: its facts and the Asset fields to write. */
export interface CheckedUpsert {
  facts: AssetFacts;
  fields: Record<string, string | boolean>;
}

/** One subrequest's answer in a Composite response. */
interface SubResponse {
  body: unknown;
  httpStatusCode: number;
  referenceId: string;
}

const ID_RE = /^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$/;
const id15 = (id: string) => id.slice(0, 15);

/**
 * The Composite body: one upsert (`PATCH /sobjects/Asset/{ext}/{uid}` for one device, a Collections
 * upsert `PATCH /composite/sobjects/Asset/{ext}` for several, allOrNone false) then the SOQL read of the
 * same external IDs. `apiVersion` like `62.0`.
 */
export function checkedUpsertBody(
  apiVersion: string,
  f: LookupFields,
  ups: readonly CheckedUpsert[],
): Record<string, unknown> {
  const base = `/services/data/v${apiVersion}`;
  const upsert =
    ups.length === 1
      ? {
          method: 'PATCH',
          url: `${base}/sobjects/Asset/${f.ext}/${encodeExternalId(ups[0]!.facts.deviceUid)}`,
          referenceId: 'upsert',
          body: ups[0]!.fields,
        }
      : {
          method: 'PATCH',
          url: `${base}/composite/sobjects/Asset/${f.ext}`,
          referenceId: 'upsert',
          body: {
            allOrNone: false,
            records: ups.map((u) => ({
              attributes: { type: 'Asset' },
              [f.ext]: u.facts.deviceUid,
              ...u.fields,
            })),
          },
        };
  return {
    allOrNone: false,
    compositeRequest: [
      upsert,
      {
        method: 'GET',
        url: `${base}/query?q=${encodeURIComponent(checkSoql(ups, f))}`,
        referenceId: 'check',
      },
    ],
  };
}

/** Devices per checked Composite: the read-back's GET URL (UIDs and key fingerprints) stays under 16 KB. */
export const CHECKED_MAX = 100;

/**
 * The read after the upsert: the Assets carrying the devices' UIDs (the answer check) or their key
 * fingerprints (whose Asset holds the key when the org refuses a clone: no extra call).
 */
export function checkSoql(ups: readonly CheckedUpsert[], f: LookupFields): string {
  const list = (xs: string[]) => [...new Set(xs)].map(soqlQuote).join(', ');
  const uids = list(ups.map((u) => u.facts.deviceUid));
  const keys = list(ups.map((u) => u.facts.keyFingerprint));
  return `SELECT ${assetSelectFields(f.ext, f.map).join(', ')} FROM Asset WHERE ${f.ext} IN (${uids}) OR ${f.map.keyFingerprint} IN (${keys}) LIMIT ${Math.min(2000, 50 * ups.length)}`;
}

/**
 * Reads a checked Composite response: one outcome per upsert, in order. A device whose upsert succeeded
 * but whose answer does not match the record read back by its external ID gets ORG_INCONSISTENT.
 * A failed read fails every upsert it should have checked, with the read's error.
 * @param settingsFile absolute path of the station settings file, named in the remedies (errors.ts fromSfError).
 * @throws StationError ORG_UNAVAILABLE when the body is not a Composite response of two subrequests (the
 *   upserts are keyed by external ID: a retry is safe)
 */
export function readCheckedUpsert(
  res: unknown,
  ups: readonly CheckedUpsert[],
  f: LookupFields,
  doing: string,
  settingsFile?: string,
): UpsertOutcome[] {
  const subs = (res as { compositeResponse?: unknown } | undefined)?.compositeResponse;
  const retry = 'Retry; the upserts are keyed by external ID, so a retry never duplicates an Asset.';
  if (!Array.isArray(subs) || subs.length !== 2) throw unexpectedAnswer(doing, 'an unexpected body', retry);
  const [up, check] = subs as SubResponse[];
  const claimed = claimedResults(up!, ups, doing, settingsFile);
  if (check!.httpStatusCode >= 400 || !Array.isArray((check!.body as { records?: unknown })?.records)) {
    // an upsert that was not checked is not taken: its device gets the read's error (a retry is safe)
    const err = (Array.isArray(check!.body) ? check!.body[0] : undefined) as SfError | undefined;
    const error = err
      ? fromSfError(err, `check the upserted Assets (${doing})`, check!.httpStatusCode, settingsFile)
      : unexpectedAnswer(doing, 'an unreadable check of the upserted Assets', retry);
    return claimed.map((c) => (c.ok ? { ok: false, error } : c));
  }
  const rows = (check!.body as { records: AssetRow[] }).records;
  return claimed.map((c, i) =>
    c.ok ? verifyAnswer(ups[i]!.facts, c, rows, f) : identityRefusal(ups[i]!.facts, c.error, rows, f),
  );
}

/**
 * What each of the org's identity refusals can mean: the unique key → a clone (the key under another UID);
 * the key-change rule → a registered UID presenting another key.
 */
const IDENTITY_CODES: Record<string, 'CLONE_SUSPECTED' | 'REPROVISION_REQUIRED'> = {
  DUPLICATE_VALUE: 'CLONE_SUSPECTED',
  FIELD_CUSTOM_VALIDATION_EXCEPTION: 'REPROVISION_REQUIRED',
};

/**
 * A refused upsert read against the Assets holding the device's UID or key (read in the same Composite):
 * a DUPLICATE_VALUE where those show the key under another UID becomes CLONE_SUSPECTED, a
 * FIELD_CUSTOM_VALIDATION_EXCEPTION where they show the UID with another key REPROVISION_REQUIRED, with
 * judgeClone's message (asset-lookup.ts) and the org's code kept in `details.sfCode`; otherwise the org's
 * error stands (a DUPLICATE_VALUE of the device's own UID is asset-duplicate.ts's business). The records
 * decide, never the (localised) message.
 */
function identityRefusal(
  facts: AssetFacts,
  error: StationError,
  rows: AssetRow[],
  f: LookupFields,
): UpsertOutcome {
  const sfCode = error.details?.sfCode;
  const means = typeof sfCode === 'string' ? IDENTITY_CODES[sfCode] : undefined;
  if (!means) return { ok: false, error };
  const l = { uid: facts.deviceUid, keyFingerprint: facts.keyFingerprint };
  try {
    judgeClone(
      { deviceUid: l.uid, keyFingerprint: l.keyFingerprint, reprovision: facts.keyChangeApproved === true },
      rows.filter((r) => answersLookup(r, l, f)),
      f,
    );
  } catch (e) {
    // a clone is a clone whichever rule caught it (the validation rule runs before the unique index)
    if (e instanceof StationError && (e.code === means || e.code === 'CLONE_SUSPECTED'))
      return {
        ok: false,
        error: new StationError(e.code, e.message, e.remedy, { ...e.details, sfCode, enforcedBy: 'org' }),
      };
  }
  return { ok: false, error };
}

/** The upsert subrequest's per-device answers (not yet checked). */
function claimedResults(
  up: SubResponse,
  ups: readonly CheckedUpsert[],
  doing: string,
  settingsFile: string | undefined,
): UpsertOutcome[] {
  const failAll = (error: StationError) => ups.map((): UpsertOutcome => ({ ok: false, error }));
  const status = up.httpStatusCode;
  if (status === 300)
    return failAll(
      fromJsforceError({ errorCode: 'MULTIPLE_CHOICES', data: up.body }, doing, undefined, settingsFile),
    );
  if (status >= 400) {
    const err = (Array.isArray(up.body) ? up.body[0] : undefined) as SfError | undefined;
    return failAll(fromSfError(err ?? { errorCode: `ERROR_HTTP_${status}` }, doing, status, settingsFile));
  }
  if (ups.length === 1) {
    const b = up.body as { id?: unknown; created?: unknown } | null;
    // an update may answer 204 without a body [S] (docs/salesforce-wire.md §4.2): the read gives the Id
    const id = b && typeof b.id === 'string' ? b.id : '';
    return [{ ok: true, id, created: status === 201 || b?.created === true }];
  }
  if (!Array.isArray(up.body) || up.body.length !== ups.length)
    return failAll(
      unexpectedAnswer(doing, 'an unexpected body', 'Retry; the upserts are keyed by external ID.'),
    );
  return (up.body as Array<{ id?: unknown; success?: boolean; created?: boolean; errors?: SfError[] }>).map(
    (r, i): UpsertOutcome =>
      r?.success && typeof r.id === 'string'
        ? { ok: true, id: r.id, created: r.created === true }
        : {
            ok: false,
            error: fromSfError(
              r?.errors?.[0] ?? { errorCode: 'UNKNOWN' },
              `upsert the Asset of device ${ups[i]!.facts.deviceUid}`,
              undefined,
              settingsFile,
            ),
          },
  );
}

/**
 * One device's answer against the record read back by its external ID: the Id the upsert named (when
 * it named one) must be that record's, and the record must carry the key fingerprint just written.
 */
function verifyAnswer(
  facts: AssetFacts,
  claimed: UpsertResult,
  rows: AssetRow[],
  f: LookupFields,
): UpsertOutcome {
  const uid = facts.deviceUid;
  const inconsistent = (what: string, details: Record<string, unknown>): UpsertOutcome => ({
    ok: false,
    error: new StationError(
      'ORG_INCONSISTENT',
      `Salesforce's answer to the upsert of device ${uid} does not add up: ${what}. No Asset ID was written to the device.`,
      `Retry the job; if it repeats, something between the station and Salesforce is altering answers, or an automation in the org rewrites Assets: check the Asset with external ID ${uid} in Salesforce and the network (proxy) before provisioning more devices.`,
      { deviceUid: uid, ...details },
    ),
  });
  let found;
  try {
    found = judgeFind(uid, rows, f);
  } catch (e) {
    return { ok: false, error: e as StationError };
  }
  if (!found)
    return inconsistent(`no Asset carries its external ID after the upsert`, { claimedId: claimed.id });
  if (!ID_RE.test(found.id))
    return inconsistent(`the Asset read back has no valid Id`, { foundId: found.id });
  if (claimed.id && (!ID_RE.test(claimed.id) || id15(claimed.id) !== id15(found.id)))
    return inconsistent(`it names Asset ${claimed.id}, but the Asset with its external ID is ${found.id}`, {
      claimedId: claimed.id,
      foundId: found.id,
    });
  if (found.keyFingerprint !== facts.keyFingerprint)
    return inconsistent(`Asset ${found.id} does not carry the key fingerprint just written`, {
      foundId: found.id,
    });
  return { ok: true, id: found.id, created: claimed.created };
}
