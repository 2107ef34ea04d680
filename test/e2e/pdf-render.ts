/**
 * Renders one page of a PDF to a PNG in Chromium with Mozilla's PDF.js (pdfjs-dist, already a dev
 * dependency for reading PDF text): a page of the test's browser loads pdf.mjs and its worker from
 * node_modules through a routed origin (no server, no native canvas build), draws the page on a
 * canvas, and the canvas is screenshotted. Returns the PNG path and how much of the page is ink.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';

const ORIGIN = 'http://pdf-render.invalid';
const BUILD = path.resolve('node_modules/pdfjs-dist/build');
const FONTS = path.resolve('node_modules/pdfjs-dist/standard_fonts');

const HTML = `<!doctype html><meta charset="utf-8"><body style="margin:0;background:#888">
<canvas id="page" style="background:#fff"></canvas>
<script type="module">
import * as pdfjs from '/build/pdf.mjs';
pdfjs.GlobalWorkerOptions.workerSrc = '/build/pdf.worker.mjs';
const doc = await pdfjs.getDocument({ url: '/doc.pdf', standardFontDataUrl: '/fonts/' }).promise;
const p = await doc.getPage(Number(new URL(location.href).searchParams.get('page') || 1));
const viewport = p.getViewport({ scale: 1.5 });
const canvas = document.getElementById('page');
canvas.width = viewport.width;
canvas.height = viewport.height;
await p.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
let ink = 0;
for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 384) ink++;
window.rendered = { width: canvas.width, height: canvas.height, ink: ink / (px.length / 4), pages: doc.numPages };
</script>`;

/** What was rendered: canvas size (px), share of dark pixels (0..1), page count. */
export interface RenderedPage {
  png: string;
  width: number;
  height: number;
  ink: number;
  pages: number;
}

/** Renders page `pageNo` of `pdf` to `pngFile` in `page` (a fresh Playwright page). */
export async function renderPdfPage(
  page: Page,
  pdf: Uint8Array,
  pngFile: string,
  pageNo = 1,
): Promise<RenderedPage> {
  await page.route(`${ORIGIN}/**`, async (route) => {
    const p = new URL(route.request().url()).pathname;
    if (p === '/') return route.fulfill({ contentType: 'text/html', body: HTML });
    if (p === '/doc.pdf') return route.fulfill({ contentType: 'application/pdf', body: Buffer.from(pdf) });
    const [dir, root] = p.startsWith('/build/') ? ['/build/', BUILD] : ['/fonts/', FONTS];
    const file = path.join(root, path.basename(p.slice(dir.length)));
    if (!p.startsWith(dir) || !fs.existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({
      contentType: file.endsWith('.mjs') ? 'text/javascript' : 'application/octet-stream',
      body: fs.readFileSync(file),
    });
  });
  await page.goto(`${ORIGIN}/?page=${pageNo}`);
  const r = await page.waitForFunction(() => (window as unknown as { rendered?: unknown }).rendered, null, {
    timeout: 30_000,
  });
  const facts = (await r.jsonValue()) as Omit<RenderedPage, 'png'>;
  fs.mkdirSync(path.dirname(pngFile), { recursive: true });
  await page.locator('#page').screenshot({ path: pngFile });
  return { png: pngFile, ...facts };
}
