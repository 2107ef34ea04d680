/**
 * The device label printed when a job succeeds (docs/architecture.md, Data flow: "done (journal + audit
 * + label)"): a 62 × 29 mm SVG — the width of common continuous thermal label rolls (e.g. Brother
 * DK-22205) — with a QR code of the hardware UID and the facts a field installer or QA needs in text.
 *
 * The QR carries only the UID: it is the device's identity and the Asset's external ID
 * (Device_UID__c), so scanning the label finds the device on the station (Verify screen) and the Asset
 * in Salesforce alike.
 */
import QRCode from 'qrcode';
import type { ProvisioningRecord } from '../../shared/domain';
import { StationError } from '../../shared/errors';

/** Label size in millimetres. */
export const LABEL_MM = { width: 62, height: 29 } as const;

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** What the QR code encodes for a record: its device UID. */
export function labelPayload(record: Pick<ProvisioningRecord, 'deviceUid'>): string {
  return record.deviceUid;
}

/**
 * Renders the label of a successfully provisioned device as a standalone SVG document (user units are
 * millimetres). @throws StationError CONFLICT when the record is not a succeeded provisioning job.
 */
export async function renderLabel(record: ProvisioningRecord): Promise<string> {
  if (record.kind !== 'provision' || record.outcome !== 'succeeded' || !record.assetId) {
    throw new StationError(
      'CONFLICT',
      `Job ${record.jobId} did not provision ${record.deviceUid || 'a device'}, so it has no label.`,
      'Labels are printed for provisioned devices only: finish (or retry) the job first.',
    );
  }
  // Error correction M (15 %) survives a scuffed label; the 3 mm offset plus the label's white edge
  // is the quiet zone (ISO/IEC 18004 asks for 4 modules; a 21-module code at 23 mm has 1.1 mm modules).
  const qr = QRCode.create(labelPayload(record), { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const qrMm = 23;
  const cell = qrMm / n;
  let dark = '';
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (qr.modules.get(x, y))
        dark += `M${(3 + x * cell).toFixed(3)} ${(3 + y * cell).toFixed(3)}h${cell.toFixed(3)}v${cell.toFixed(3)}h-${cell.toFixed(3)}z`;
    }
  }
  const lines: Array<[string, number, string]> = [
    [record.deviceUid, 3.6, 'bold'],
    [`${record.model ?? ''}`.trim() || 'device', 2.6, 'normal'],
    [`Asset ${record.assetId}`, 2.6, 'normal'],
    [`Cert ${record.certSerial ? record.certSerial.slice(0, 16) : '-'}`, 2.2, 'normal'],
    [`${(record.endedAt ?? record.startedAt).slice(0, 10)} · ${record.stationId}`, 2.2, 'normal'],
  ];
  let y = 6;
  const text = lines
    .map(([t, size, weight]) => {
      // Monospace glyphs are ~0.6 em wide; a long line is squeezed to the 31 mm beside the QR code.
      const fit = t.length * 0.6 * size > 31 ? ' textLength="31" lengthAdjust="spacingAndGlyphs"' : '';
      const el = `<text x="30" y="${y.toFixed(1)}" font-size="${size}" font-weight="${weight}"${fit}>${esc(t)}</text>`;
      y += size + 1.6;
      return el;
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${LABEL_MM.width}mm" height="${LABEL_MM.height}mm" viewBox="0 0 ${LABEL_MM.width} ${LABEL_MM.height}">` +
    `<title>${esc(`${record.deviceUid} · Asset ${record.assetId}`)}</title>` +
    `<rect width="${LABEL_MM.width}" height="${LABEL_MM.height}" fill="#fff"/>` +
    `<path d="${dark}" fill="#000" data-qr-modules="${n}"/>` +
    `<g font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" fill="#000">${text}</g>` +
    `</svg>`
  );
}
