/**
 * The handover report an installer leaves with the customer: one A4 page (PDF) naming the device, its
 * Asset, the customer (Account, address, Contact), the identity checks that passed, the installer and
 * the time, with a QR code of the Asset Id. Drawn with pdfkit (its standard Helvetica font; no font
 * files) and the QR code from qrcode's module matrix as vector squares, so it prints sharp.
 */
import { MM, latin1, openPdf } from '../reports/pdf-doc';
import QRCode from 'qrcode';
import type { OnboardResult } from '../../shared/onboard';

/** What the report shows (the onboarding result without the report itself). */
export type HandoverFacts = Omit<OnboardResult, 'report'>;

/** Draws `text`'s QR code (error correction M) at (x, y), `size` points square. */
function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const cell = size / (n + 8); // 4-module quiet zone each side
  doc.save().fillColor('black');
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      if (qr.modules.get(r, c)) doc.rect(x + (c + 4) * cell, y + (r + 4) * cell, cell, cell);
  doc.fill().restore();
}

/**
 * Renders the handover report.
 * @returns the PDF file's bytes (PDF 1.3, A4 portrait, one page).
 */
export async function handoverPdf(f: HandoverFacts): Promise<Buffer> {
  const { doc, done } = openPdf(20, { Title: `Handover report ${f.deviceUid}`, Author: f.installer.name });

  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  doc.font('Helvetica-Bold').fontSize(20).text('Device handover report');
  doc
    .font('Helvetica')
    .fontSize(10)
    .fillColor('#444')
    .text(`Installed ${new Date(f.at).toUTCString()}`);
  doc.moveDown(1).fillColor('black');

  const qrSize = 42 * MM;
  drawQr(doc, `asset:${f.assetId}`, left + width - qrSize, doc.y, qrSize);
  const section = (title: string, rows: Array<[string, string]>) => {
    doc
      .font('Helvetica-Bold')
      .fontSize(12)
      .text(title, left, doc.y, { width: width - qrSize });
    doc.moveDown(0.2);
    for (const [k, v] of rows) {
      const y = doc.y;
      doc
        .font('Helvetica-Bold')
        .fontSize(10)
        .text(k, left, y, { width: 38 * MM });
      doc.font('Helvetica').text(latin1(v) || '-', left + 40 * MM, y, { width: width - qrSize - 40 * MM });
      doc.moveDown(0.15);
    }
    doc.moveDown(0.6);
  };
  section('Device', [
    ['Model', f.model],
    ['Hardware UID', f.deviceUid],
    ['Salesforce Asset', f.assetId],
  ]);
  section('Customer', [
    ['Account', f.account.name],
    ['Address', f.account.address],
    ['Contact', f.contact ? `${f.contact.name}${f.contact.email ? ` <${f.contact.email}>` : ''}` : ''],
  ]);
  section(
    'Checks',
    f.checks.map((c) => {
      const skipped = c.passed && c.detail.startsWith('skipped: ');
      const detail = skipped ? c.detail.slice('skipped: '.length) : c.detail;
      return [skipped ? 'SKIPPED' : c.passed ? 'PASS' : 'FAIL', `${c.name}: ${detail}`];
    }),
  );
  section('Installed by', [
    ['Installer', `${f.installer.name} (${f.installer.login})`],
    ['Time (UTC)', f.at],
  ]);
  doc
    .fontSize(8)
    .fillColor('#444')
    .text(
      'The QR code holds the Salesforce Asset Id of this device. The device proved its identity to the station: its certificate chains to the station CA, its key signed a fresh challenge, and the Asset carries the same fingerprints.',
      left,
      doc.y,
      { width },
    );
  doc.end();
  return done;
}
