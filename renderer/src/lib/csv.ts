/**
 * CSV for the files the renderer builds itself (RFC 4180: comma separated, CRLF line ends, a field
 * with a comma, quote or line break in double quotes). A text cell starting with = + - @ (or a tab or
 * CR) is prefixed with ' so a spreadsheet shows it as text and never runs it as a formula (OWASP "CSV
 * injection"); numbers are written as they are.
 */

/** One cell. */
export function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header row and data rows as one CSV text ending with CRLF. */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | undefined>>,
): string {
  return (
    [header.map(csvCell), ...rows.map((r) => r.map(csvCell))].map((r) => r.join(',')).join('\r\n') + '\r\n'
  );
}
