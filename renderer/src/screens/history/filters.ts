/**
 * History filters as the form holds them, and their translation into the station's RecordFilter
 * (shared/api.ts) plus the client-side refinement for UID and Asset ID, which RecordFilter carries
 * only as free text.
 */
import type { RecordFilter } from '../../../../shared/api';
import type { ProvisioningRecord } from '../../../../shared/domain';

export type OutcomeFilter = '' | NonNullable<RecordFilter['outcome']>;

export interface HistoryFilterForm {
  text: string;
  outcome: OutcomeFilter;
  /** `YYYY-MM-DD` (local date) or empty. */
  from: string;
  /** `YYYY-MM-DD` (local date, inclusive) or empty. */
  to: string;
  uid: string;
  assetId: string;
}

export const emptyFilterForm: HistoryFilterForm = {
  text: '',
  outcome: '',
  from: '',
  to: '',
  uid: '',
  assetId: '',
};

/** Local calendar date `YYYY-MM-DD` → ISO instant of its start (or, with `endOfDay`, its last ms). */
export function localDateToIso(date: string, endOfDay = false): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return undefined;
  const d = endOfDay
    ? new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999)
    : new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/**
 * The server-side filter: free text is the search box, or else the UID or Asset ID typed (so the
 * core narrows the list); dates become ISO instants; the list is capped at `limit` records.
 */
export function toRecordFilter(f: HistoryFilterForm, limit = 500): RecordFilter {
  const out: RecordFilter = { limit };
  const text = f.text.trim() || f.uid.trim() || f.assetId.trim();
  if (text) out.text = text;
  if (f.outcome) out.outcome = f.outcome;
  const from = localDateToIso(f.from);
  const to = localDateToIso(f.to, true);
  if (from) out.from = from;
  if (to) out.to = to;
  return out;
}

/** Keeps the records whose UID and Asset ID contain the typed values (case-insensitive). */
export function refineRecords(records: ProvisioningRecord[], f: HistoryFilterForm): ProvisioningRecord[] {
  const uid = f.uid.trim().toLowerCase();
  const asset = f.assetId.trim().toLowerCase();
  return records.filter(
    (r) =>
      (!uid || r.deviceUid.toLowerCase().includes(uid)) &&
      (!asset || (r.assetId ?? '').toLowerCase().includes(asset)),
  );
}
