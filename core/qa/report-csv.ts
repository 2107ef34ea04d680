/**
 * The lot report as CSV: one row per device per check (a device never verified: one row saying so),
 * RFC 4180 (https://www.rfc-editor.org/rfc/rfc4180: CRLF line ends, fields with commas, quotes or line
 * breaks quoted, quotes doubled), and every field that starts with = + - @ neutralised against
 * spreadsheet formula injection (https://owasp.org/www-community/attacks/CSV_Injection) — device UIDs,
 * check details and notes come from devices, the org and people, so none is trusted.
 */
import type { Lot } from '../../shared/qa';
import { csvCell } from '../records/records';

/** The columns, in order. */
export const LOT_CSV_COLUMNS = [
  'lotId',
  'lotName',
  'deviceUid',
  'check',
  'result',
  'detail',
  'verifyJobId',
  'verifiedAt',
  'provisioningJobId',
  'workOrder',
  'disposition',
  'dispositionNote',
  'verdict',
  'signedBy',
  'signedAt',
] as const;

/** The lot report CSV (header line first; UTF-8 text). */
export function lotCsv(lot: Lot): string {
  const rows: string[][] = [];
  const signed = lot.signOff;
  for (const d of lot.devices) {
    const common = {
      lotId: lot.id,
      lotName: lot.name,
      deviceUid: d.deviceUid,
      verifyJobId: d.verification?.jobId ?? '',
      verifiedAt: d.verification?.at ?? '',
      provisioningJobId: d.provisioning?.jobId ?? '',
      workOrder: d.provisioning?.workOrder ?? '',
      disposition: d.disposition?.disposition ?? '',
      dispositionNote: d.disposition?.note ?? '',
      verdict: signed?.verdict ?? '',
      signedBy: signed ? `${signed.name} (${signed.login})` : '',
      signedAt: signed?.at ?? '',
    };
    const checks = d.verification?.checks ?? [];
    const lines =
      checks.length > 0
        ? checks.map((c) => ({ check: c.name, result: c.passed ? 'pass' : 'fail', detail: c.detail }))
        : [{ check: '', result: 'not verified', detail: d.notVerified ?? 'not verified yet' }];
    for (const l of lines) {
      const row: Record<(typeof LOT_CSV_COLUMNS)[number], string> = { ...common, ...l };
      rows.push(LOT_CSV_COLUMNS.map((c) => csvCell(row[c])));
    }
  }
  return [LOT_CSV_COLUMNS.join(','), ...rows.map((r) => r.join(','))].join('\r\n') + '\r\n';
}
