/**
 * One A4 PDF document for the station's reports (onboarding handover, QA lot), built with pdfkit
 * (https://pdfkit.org/docs/getting_started.html) and its built-in Helvetica, so no font files ship.
 */
import PDFDocument from 'pdfkit';

/** PDF points per millimetre (a PDF point is 1/72 inch). */
export const MM = 72 / 25.4;

/** A document being written, and the whole file once `doc.end()` has been called. */
export interface PdfDraft {
  doc: PDFKit.PDFDocument;
  /** Resolves with the PDF bytes after `doc.end()`; rejects on a pdfkit error. */
  done: Promise<Buffer>;
}

/**
 * Opens an A4 document with equal margins.
 * @param marginMm the page margin, in millimetres
 * @param info the document's Title and Author (Creator is always "Asset Station")
 */
export function openPdf(marginMm: number, info: { Title: string; Author: string }): PdfDraft {
  const doc = new PDFDocument({
    size: 'A4',
    margin: marginMm * MM,
    info: { ...info, Creator: 'Asset Station' },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  return { doc, done };
}

/**
 * Text the standard PDF fonts can draw: they encode WinAnsi only (PDF 32000-1:2008 Annex D), so arrows
 * become "->", curly quotes plain, an ellipsis "...", and any other character outside Latin-1 "?".
 */
export function latin1(text: string): string {
  return text
    .replace(/→/g, '->')
    .replace(/[‘’]/g, "'")
    .replace(/[“”]/g, '"')
    .replace(/…/g, '...')
    .replace(/[^\x20-\x7e\xa0-\xff\n]/g, '?');
}
