/**
 * Renderer benchmark (issue 18): frames per second of the Station screen in Debian's Chromium
 * (headless, /usr/bin/chromium or CHROMIUM_PATH) while 16 bays provision live — the real renderer
 * (vite build → dist/renderer) over the WebSocket harness to a real station core with simulated
 * devices and the org emulator (dev/dev-station.ts), tile layout at 1920×1080.
 *
 * A requestAnimationFrame counter in the page records every frame from "Start all ready" until all 16
 * tiles have finished; the run is cut into whole seconds and the frames of each counted. Prints one
 * table line (median and minimum fps per second, frames, seconds, events received) and one JSON line.
 * Usage: `npx tsx bench/renderer-fps.bench.ts [bays=16]`; BENCH_SKIP_BUILD=1 reuses dist/renderer.
 * Headless Chromium paces rAF at 60 Hz, so 60 is the ceiling; a frame the main thread misses lowers it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { startDevStation } from '../dev/dev-station';

const BAYS = Number(process.argv[2] ?? 16);

/** What the page functions below use of the page's globals (the counters come from the init script). */
interface PageGlobal {
  document: { querySelectorAll(sel: string): ArrayLike<{ getAttribute(name: string): string | null }> };
  __frames: number[];
  __events: number;
}

if (process.env.BENCH_SKIP_BUILD !== '1') await build({ configFile: 'vite.config.ts', logLevel: 'warn' });
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-bench-fps-'));
// Realistic device timing: the simulator's own key-generation times (300 ms EC, 1500 ms RSA).
const dev = await startDevStation({ home, devices: BAYS });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  // Count frames and the events the page receives (WebSocket messages) from the first script on.
  // (A string, not a function: tsx would add helpers the page does not have.)
  await page.addInitScript(`
    window.__frames = [];
    window.__events = 0;
    const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      constructor(url, protocols) {
        super(url, protocols);
        this.addEventListener('message', () => window.__events++);
      }
    };
  `);
  await page.goto(dev.harness.url);
  await page.getByTestId('bay-tile').or(page.getByTestId('bay-card')).first().waitFor();
  await page.getByRole('button', { name: 'Tiles', exact: true }).click();
  // Page-side functions (the page's CSP forbids evaluating strings); typed without the DOM library.
  await page.waitForFunction(
    (n) =>
      (globalThis as unknown as PageGlobal).document.querySelectorAll('[data-testid="bay-tile"]').length ===
      n,
    BAYS,
  );
  const t0 = await page.evaluate(() => performance.now());
  const e0 = await page.evaluate(() => (globalThis as unknown as PageGlobal).__events);
  await page.getByRole('button', { name: /^Start all ready/ }).click();
  await page.waitForFunction(
    (n) =>
      Array.from(
        (globalThis as unknown as PageGlobal).document.querySelectorAll('[data-testid="bay-tile"]'),
      ).filter((t) => ['PASSED', 'FAILED', 'ALREADY PROVISIONED'].includes(t.getAttribute('data-word') ?? ''))
        .length === n,
    BAYS,
    { timeout: 180_000, polling: 250 },
  );
  const { frames, events } = await page.evaluate(() => ({
    frames: (globalThis as unknown as PageGlobal).__frames,
    events: (globalThis as unknown as PageGlobal).__events,
  }));
  const t1 = frames[frames.length - 1]!;
  const perSecond: number[] = [];
  for (let s = t0; s + 1000 <= t1; s += 1000)
    perSecond.push(frames.filter((f) => f >= s && f < s + 1000).length);
  const sorted = [...perSecond].sort((a, b) => a - b);
  const median = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0;
  const min = sorted[0] ?? 0;
  const row = {
    bench: 'renderer-fps',
    bays: BAYS,
    seconds: perSecond.length,
    frames: frames.filter((f) => f >= t0).length,
    medianFps: median,
    minFps: min,
    events: events - e0,
    load1: Number(os.loadavg()[0]!.toFixed(1)),
    cpus: os.cpus().length,
  };
  console.log(
    `renderer fps, ${BAYS} live bays: median ${median} / min ${min} fps over ${row.seconds} s (${row.frames} frames, ${row.events} events, load ${row.load1} on ${row.cpus} cores)`,
  );
  console.log(JSON.stringify(row));
} finally {
  await browser.close();
  await dev.stop();
  fs.rmSync(home, { recursive: true, force: true });
}
