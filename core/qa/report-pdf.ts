/**
 * The lot report as PDF (A4 portrait, as many pages as the lot needs): the lot and how its devices were
 * chosen, the counts, the sign-off (verdict, QA inspector, time), the failures first — each with its
 * failed checks, the provisioning record it links to (journal job id) and its disposition — then one
 * table row per device with pass/fail per check. Drawn with pdfkit and its standard Helvetica (no font
 * files), the route the handover report takes (core/onboard/handover-pdf.ts).
 */
import { MM, latin1, openPdf } from '../reports/pdf-doc';
import { VERIFY_STEPS } from '../../shared/domain';
import { lotCounts, type Lot, type LotDevice } from '../../shared/qa';

const SOURCE: Record<Lot['source']['kind'], string> = {
  'work-order': 'work order',
  lot: 'production lot',
  scan: 'scanned one by one',
};

/** One device's result in words. */
export function deviceResult(d: LotDevice): 'PASS' | 'FAIL' | 'NOT VERIFIED' {
  return d.verification ? (d.verification.passed ? 'PASS' : 'FAIL') : 'NOT VERIFIED';
}

/**
 * Renders the lot report.
 * @returns the PDF file's bytes (PDF 1.3, A4 portrait).
 */
export async function lotPdf(lot: Lot): Promise<Buffer> {
  const { doc, done } = openPdf(18, {
    Title: `QA lot report ${lot.id}`,
    Author: lot.signOff?.name ?? lot.createdBy,
  });
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const bottom = () => doc.page.height - doc.page.margins.bottom;
  const room = (h: number) => {
    if (doc.y + h > bottom()) doc.addPage();
  };
  const heading = (t: string) => {
    room(40);
    doc.moveDown(0.6).font('Helvetica-Bold').fontSize(12).fillColor('black').text(t, left, doc.y, { width });
    doc.moveDown(0.2);
  };
  const row = (k: string, v: string) => {
    room(14);
    const y = doc.y;
    doc
      .font('Helvetica-Bold')
      .fontSize(9.5)
      .text(k, left, y, { width: 36 * MM });
    doc.font('Helvetica').text(latin1(v) || '-', left + 38 * MM, y, { width: width - 38 * MM });
    doc.moveDown(0.1);
  };

  doc.font('Helvetica-Bold').fontSize(18).text(`QA lot report ${lot.id}`);
  doc
    .font('Helvetica')
    .fontSize(9.5)
    .fillColor('#444')
    .text(`Generated ${new Date().toISOString()} by Asset Station`);
  doc.fillColor('black');

  const c = lotCounts(lot.devices);
  heading('Lot');
  row('Name', lot.name);
  row(
    'Devices chosen by',
    `${SOURCE[lot.source.kind]}${'value' in lot.source ? ` ${lot.source.value}` : ''}`,
  );
  row('Station', lot.stationId);
  row('Created', `${lot.createdAt} by ${lot.createdBy}`);
  row(
    'Result',
    `${lot.devices.length} devices: ${c.passed} passed, ${c.failed} failed, ${c.unverified} not verified`,
  );

  heading('Sign-off');
  const s = lot.signOff;
  if (s) {
    row('Verdict', s.verdict.toUpperCase());
    row('QA inspector', `${s.name} (${s.login})`);
    row('Time (UTC)', s.at);
    if (s.note) row('Note', s.note);
  } else row('Verdict', 'Not signed off yet');

  const bad = lot.devices.filter((d) => !d.verification?.passed);
  heading(`Failures and devices not verified (${bad.length})`);
  if (bad.length === 0) row('None', 'every device passed every check');
  for (const d of bad) {
    room(60);
    doc
      .font('Helvetica-Bold')
      .fontSize(10)
      .text(`${latin1(d.deviceUid)}: ${deviceResult(d)}`, left, doc.y, { width });
    for (const k of d.verification?.checks.filter((x) => !x.passed) ?? []) row(`Failed: ${k.name}`, k.detail);
    if (!d.verification) row('Why', d.notVerified ?? 'not verified yet');
    row(
      'Provisioning record',
      d.provisioning
        ? `job ${d.provisioning.jobId} (${d.provisioning.state}${d.provisioning.endedAt ? `, ${d.provisioning.endedAt}` : ''}); see: asset-station journal show ${d.provisioning.jobId}`
        : 'none on this station',
    );
    if (d.verification) row('Verify job', d.verification.jobId);
    row('Disposition', d.disposition ? `${d.disposition.disposition}: ${d.disposition.note}` : 'none');
    doc.moveDown(0.3);
  }

  heading('Checks per device');
  const uidW = 52 * MM;
  const resW = 24 * MM;
  const colW = (width - uidW - resW) / VERIFY_STEPS.length;
  const line = (cells: string[], bold: boolean) => {
    room(14);
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8.5);
    doc.text(latin1(cells[0]!), left, y, { width: uidW - 4, lineBreak: false, ellipsis: true });
    VERIFY_STEPS.forEach((_, i) =>
      doc.text(cells[i + 1]!, left + uidW + i * colW, y, { width: colW - 2, lineBreak: false }),
    );
    doc.text(cells[cells.length - 1]!, left + uidW + VERIFY_STEPS.length * colW, y, {
      width: resW,
      lineBreak: false,
    });
    doc.x = left;
    doc.y = y + 13;
  };
  line(['Device UID', ...VERIFY_STEPS, 'Result'], true);
  for (const d of lot.devices) {
    const marks = VERIFY_STEPS.map((n) => {
      const k = d.verification?.checks.find((x) => x.name === n);
      return !k ? '-' : k.passed ? (k.detail.startsWith('skipped') ? 'skip' : 'pass') : 'FAIL';
    });
    line([d.deviceUid, ...marks, deviceResult(d)], false);
  }
  doc.moveDown(1);
  room(30);
  doc
    .font('Helvetica')
    .fontSize(7.5)
    .fillColor('#444')
    .text(
      "Checks: identify (the device answers with its UID), chain (its certificate chains to the station CA), challenge (its key signs a fresh nonce), org-asset (the Salesforce Asset found by its UID carries the same certificate and key fingerprints), asset-link (the Asset Id on the device is the org's). A provisioning record is the journal entry of the job that provisioned the device.",
      left,
      doc.y,
      { width },
    );
  doc.end();
  return done;
}
