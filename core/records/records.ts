/**
 * Provisioning records: the journal's jobs as {@link ProvisioningRecord}s, filtered for the History
 * screen and `journal list`, and exported as CSV (RFC 4180) or JSON.
 */
import type { RecordFilter } from '../../shared/api';
import type { ProvisioningRecord } from '../../shared/domain';
import type { Journal, JobRow } from './journal';

/** Builds the record of one job from its row and summary facts. */
export function toRecord(row: JobRow): ProvisioningRecord {
  const s = row.summary as Partial<Record<keyof ProvisioningRecord, unknown>>;
  const str = (k: keyof ProvisioningRecord) => (typeof s[k] === 'string' ? { [k]: s[k] as string } : {});
  const durationMs = row.endedAt ? Date.parse(row.endedAt) - Date.parse(row.startedAt) : undefined;
  return {
    jobId: row.id,
    kind: row.kind,
    deviceUid: row.deviceUid ?? '',
    ...str('model'),
    ...str('firmware'),
    ...str('assetId'),
    ...str('certSerial'),
    ...str('certFingerprint'),
    ...str('keyFingerprint'),
    ...str('notAfter'),
    ...(s.assetToken === 'issued' || s.assetToken === 'skipped' || s.assetToken === 'disabled'
      ? { assetToken: s.assetToken }
      : {}),
    outcome: row.state,
    startedAt: row.startedAt,
    ...(row.endedAt ? { endedAt: row.endedAt } : {}),
    ...(durationMs !== undefined ? { durationMs } : {}),
    ...(row.operator ? { operator: row.operator } : {}),
    stationId: row.stationId,
    ...(Object.keys(row.inputs).length ? { inputs: row.inputs } : {}),
    ...(row.error ? { error: row.error } : {}),
  };
}

/** True when the record passes the filter (text matches UID, Asset ID, serial, fingerprints, job id). */
export function matches(r: ProvisioningRecord, f: RecordFilter): boolean {
  if (f.outcome && r.outcome !== f.outcome) return false;
  if (f.kind && r.kind !== f.kind) return false;
  if (f.from && r.startedAt < f.from) return false;
  if (f.to && r.startedAt > f.to) return false;
  if (f.text) {
    const needle = f.text.trim().toLowerCase();
    const hay = [
      r.jobId,
      r.deviceUid,
      r.assetId,
      r.certSerial,
      r.certFingerprint,
      r.keyFingerprint,
      r.model,
      ...Object.values(r.inputs ?? {}),
    ]
      .filter(Boolean)
      .join(' ')
      .toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/** Records newest first, filtered, at most `filter.limit` (default 500). */
export function listRecords(journal: Journal, filter: RecordFilter = {}): ProvisioningRecord[] {
  const out: ProvisioningRecord[] = [];
  const limit = filter.limit ?? 500;
  for (const row of journal.allJobs()) {
    const rec = toRecord(row);
    if (matches(rec, filter)) out.push(rec);
    if (out.length >= limit) break;
  }
  return out;
}

/** CSV columns, in order. */
export const CSV_COLUMNS: Array<keyof ProvisioningRecord> = [
  'jobId',
  'kind',
  'deviceUid',
  'model',
  'firmware',
  'assetId',
  'certSerial',
  'certFingerprint',
  'keyFingerprint',
  'notAfter',
  'assetToken',
  'outcome',
  'startedAt',
  'endedAt',
  'durationMs',
  'operator',
  'stationId',
];

/**
 * One CSV field (RFC 4180 §2: quoted when it holds a comma, quote or line break, quotes doubled); a
 * value starting with = + - @ (or tab/CR) gets a leading ' so a spreadsheet does not run it as a
 * formula (https://owasp.org/www-community/attacks/CSV_Injection).
 */
export function csvCell(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  // Spreadsheet formula injection: a cell starting with = + - @ is neutralised (OWASP CSV injection).
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Records as CSV (RFC 4180: CRLF line ends, quoted fields), with the operator inputs (work order,
 * Account Id) and an `error` column (code: message).
 */
export function toCsv(records: ProvisioningRecord[]): string {
  const header = [...CSV_COLUMNS, 'workOrder', 'accountId', 'error'].join(',');
  const lines = records.map((r) =>
    [
      ...CSV_COLUMNS.map((c) => csvCell(r[c])),
      csvCell(r.inputs?.workOrder),
      csvCell(r.inputs?.accountId),
      csvCell(r.error ? `${r.error.code}: ${r.error.message}` : ''),
    ].join(','),
  );
  return [header, ...lines].join('\r\n') + '\r\n';
}
