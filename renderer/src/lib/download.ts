/**
 * Saves text as a file through the browser's download mechanism (works the same in Electron and in
 * the harness; nothing is written by the renderer itself).
 */

/** Offers `content` as a download named `filename` with MIME type `mimeType`. */
export function downloadText(filename: string, mimeType: string, content: string): void {
  downloadBlob(filename, new Blob([content], { type: mimeType }));
}

/** Offers `blob` (e.g. a chart's PNG) as a download named `filename`. */
export function downloadBlob(filename: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Give the browser a moment to start the download before the URL is revoked.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
