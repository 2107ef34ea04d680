#!/usr/bin/env node
// One-off: renders build/icons/icon.svg to build/icons/{512x512,256x256}.png with Debian's Chromium
// (/usr/bin/chromium via playwright-core; never a downloaded browser). Run after editing the SVG:
//   node scripts/render-icons.mjs
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'build', 'icons');
const svg = fs.readFileSync(path.join(dir, 'icon.svg'), 'utf8');

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  for (const size of [512, 256]) {
    const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
    const body = svg.replace(/width="512" height="512"/, `width="${size}" height="${size}"`);
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent">${body}</body></html>`,
    );
    const out = path.join(dir, `${size}x${size}.png`);
    await page.locator('svg').screenshot({ path: out, omitBackground: true });
    await page.close();
    console.log(`${path.relative(root, out)}: ${fs.statSync(out).size} bytes`);
  }
} finally {
  await browser.close();
}
