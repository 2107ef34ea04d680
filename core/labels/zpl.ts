/**
 * The device label in ZPL II, for network label printers (Zebra and compatibles) that take raw ZPL on
 * TCP port 9100: the same facts as the SVG label (core/records/label.ts) — a QR code of the hardware
 * UID, then the UID, model, Asset ID, certificate serial, date and station — on a 62 × 29 mm label.
 *
 * Commands used (Zebra "ZPL II Programming Guide", https://docs.zebra.com/us/en/printers/software/zpl-pg.html):
 * ^XA/^XZ label start/end, ^CI28 UTF-8 field data, ^PW print width and ^LL label length in dots,
 * ^FO field origin, ^BQN,2,m QR code (model 2, magnification m) whose ^FD data starts with the error
 * correction level and input mode ("MA," = level M, automatic), ^A0N scalable font, ^FH field hex
 * escapes (`_5E` for a caret), ^FS field separator.
 */
import type { ProvisioningRecord } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import { LABEL_MM, labelPayload } from '../records/label';

/** Print density of the common 203 dpi label printers, dots per millimetre. */
export const DOTS_PER_MM = 8;

/**
 * Escapes field data for ^FH: the ZPL command prefixes ^ and ~, the escape character _ itself and
 * control characters become `_` + two hex digits, so no scanned or org value can inject a command.
 */
export function zplField(text: string): string {
  let out = '';
  for (const c of text) {
    const n = c.codePointAt(0)!;
    out +=
      c === '^' || c === '~' || c === '_' || n < 0x20 || n === 0x7f
        ? `_${n.toString(16).padStart(2, '0').toUpperCase()}`
        : c;
  }
  return out;
}

/**
 * Builds the ZPL label of a succeeded provisioning job.
 * @returns one label, ^XA … ^XZ, ASCII line breaks between commands (printers ignore them).
 * @throws StationError CONFLICT when the record is not a succeeded provisioning job (as renderLabel).
 */
export function buildZpl(record: ProvisioningRecord): string {
  if (record.kind !== 'provision' || record.outcome !== 'succeeded' || !record.assetId) {
    throw new StationError(
      'CONFLICT',
      `Job ${record.jobId} did not provision ${record.deviceUid || 'a device'}, so it has no label.`,
      'Labels are printed for provisioned devices only: finish (or retry) the job first.',
    );
  }
  const dots = (mm: number) => Math.round(mm * DOTS_PER_MM);
  const lines: Array<[string, number]> = [
    [record.deviceUid, 3.6],
    [`${record.model ?? ''}`.trim() || 'device', 2.6],
    [`Asset ${record.assetId}`, 2.6],
    [`Cert ${record.certSerial ? record.certSerial.slice(0, 16) : '-'}`, 2.2],
    [`${(record.endedAt ?? record.startedAt).slice(0, 10)} · ${record.stationId}`, 2.2],
  ];
  const out = ['^XA', '^CI28', `^PW${dots(LABEL_MM.width)}`, `^LL${dots(LABEL_MM.height)}`];
  // The QR code: magnification 4 (4-dot modules, 0.5 mm) at 3 mm from the corner, as on the SVG label.
  out.push(`^FO${dots(3)},${dots(2)}^BQN,2,4^FH^FDMA,${zplField(labelPayload(record))}^FS`);
  let y = 3;
  for (const [text, sizeMm] of lines) {
    out.push(`^FO${dots(30)},${dots(y)}^A0N,${dots(sizeMm)},${dots(sizeMm)}^FH^FD${zplField(text)}^FS`);
    y += sizeMm + 1.6;
  }
  out.push('^XZ');
  return `${out.join('\n')}\n`;
}
