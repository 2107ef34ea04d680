/**
 * Issue 16 e2e: the compact bench for a real station — 16 bays in tiles on one screen at 1920×1080
 * and 1366×768 after a batch with failures (details in the side panel, not in the grid), the
 * RECONNECT countdown of a device pulled mid-job, and production counters that do not drop when a
 * passed device is removed. Real renderer in Debian Chromium, real station core, 16 simulated
 * devices and the org emulator; screenshots of each state go to test-results/screenshots/.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { expectTilesFit } from './bench-helpers';
import { screenshot } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;
let uids: string[];
/** Devices that never answer: they fail as NOT RESPONDING. */
const FAILING = [2, 7, 12];

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-bench-'));
  dev = await startDevStation({ home, devices: 16, keygenDelayMs: 100, reconnectWindowMs: 15_000 });
  uids = dev.sim.devices.map((d) => d.uid);
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(dev.harness.url);
  await expect(page.getByTestId('bay-tile')).toHaveCount(16);
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

function tile(uid: string): Locator {
  return page.locator(`[data-testid="bay-tile"][data-uid="${uid}"]`);
}

/** Every tile inside the viewport, none cut (bench-helpers.ts). */
function expectAllTilesVisible(width: number, height: number): Promise<void> {
  return expectTilesFit(page, width, height, 16);
}

test('16 bays: a batch with failures stays on one screen at 1920×1080 and 1366×768', async () => {
  for (const i of FAILING) dev.sim.device(uids[i]!).setFaults({ noResponse: true });
  await screenshot(page, 'bench-16-empty-ready-1920');
  await page.getByRole('button', { name: /Start all ready \(16\)/ }).click();
  await expect(tile(uids[0]!)).toHaveAttribute('data-word', /WORKING|PASSED/);
  await screenshot(page, 'bench-16-working-1920');
  for (const [i, uid] of uids.entries())
    await expect(tile(uid)).toHaveAttribute('data-word', FAILING.includes(i) ? 'FAILED' : 'PASSED', {
      timeout: 90_000,
    });
  // Details live in the side panel: no failure text inside the grid.
  await expect(page.getByTestId('attention')).toContainText(`Bay ${FAILING[0]! + 1}`);
  await expect(page.locator('.tile-grid [data-testid="bay-error"]')).toHaveCount(0);
  await expect(page.getByTestId('production-shift').getByTestId('prod-passed')).toHaveText('13 passed');
  await expect(page.getByTestId('production-shift').getByTestId('prod-failed')).toHaveText('3 failed');
  // Units per hour is a figure once a unit passed, not a dash.
  await expect(page.getByTestId('production-shift').getByTestId('prod-per-hour')).toHaveText(/^\d+ \/h$/);
  // A failed tile keeps its UID next to the bay number, and says its failure class in full.
  const failed13 = tile(uids[FAILING[2]!]!);
  await expect(failed13.getByTestId('tile-uid')).toHaveText(uids[FAILING[2]!]!);
  await expect(failed13.getByTestId('tile-line')).toHaveText('NOT RESPONDING');

  await expectAllTilesVisible(1920, 1080);
  await screenshot(page, 'bench-16-failures-1920x1080');
  await expectAllTilesVisible(1366, 768);
  await screenshot(page, 'bench-16-failures-1366x768');

  // A failed tile opens its details and remedy in the side panel.
  await tile(uids[FAILING[0]!]!).click();
  const drawer = page.getByTestId('bay-drawer');
  await expect(drawer.getByTestId('bay-card')).toHaveAttribute('data-uid', uids[FAILING[0]!]!);
  const error = drawer.getByTestId('bay-error');
  // Errors by failure class: a silent device is NOT RESPONDING; no raw milliseconds, no command names.
  await expect(error.getByTestId('failure-class')).toHaveText('NOT RESPONDING');
  await expect(error).not.toContainText(/\d ms|HELLO/);
  await expect(error.getByTestId('remedy')).toContainText('resume at "Identify device"');
  await expect(drawer.getByRole('button', { name: 'Retry' })).toBeVisible();
  await expectAllTilesVisible(1366, 768);
  await screenshot(page, 'bench-16-failed-details-1366x768');
  await page.getByRole('button', { name: 'Close details' }).click();
});

test('32 bays layout: the dense mode keeps 16 tiles on one 1366×768 screen too', async () => {
  await page.getByRole('button', { name: 'Dense', exact: true }).click();
  await expectAllTilesVisible(1366, 768);
  await screenshot(page, 'bench-16-dense-1366x768');
  await page.getByRole('button', { name: 'Tiles', exact: true }).click();
  await page.setViewportSize({ width: 1920, height: 1080 });
});

test('counters do not drop when a passed device is removed; the freed bay says EMPTY', async () => {
  const shift = page.getByTestId('production-shift');
  await expect(shift.getByTestId('prod-passed')).toHaveText('13 passed');
  await dev.sim.device(uids[0]!).unplug();
  await expect(tile(uids[0]!)).toHaveAttribute('data-word', 'EMPTY', { timeout: 10_000 });
  await expect(tile(uids[0]!).getByTestId('tile-line')).toHaveText('plug in the next device');
  await expect(shift.getByTestId('prod-passed')).toHaveText('13 passed');
  // A reload keeps the shift's counters.
  await page.reload();
  await expect(page.getByTestId('bay-tile')).toHaveCount(16);
  await expect(page.getByTestId('production-shift').getByTestId('prod-passed')).toHaveText('13 passed');
  await screenshot(page, 'bench-16-removed-empty-1920');
});

test('a device pulled mid-job shows RECONNECT with the seconds left, then passes when plugged back', async () => {
  const i = FAILING[1]!;
  const uid = uids[i]!;
  const device = dev.sim.device(uid);
  device.setFaults({ noResponse: false, slowMs: 250 });
  await tile(uid).click();
  const drawer = page.getByTestId('bay-drawer');
  await drawer.getByRole('button', { name: 'Retry' }).click();
  await expect(tile(uid)).toHaveAttribute('data-word', 'WORKING');
  await expect(drawer.getByTestId('bay-step')).toContainText(/Step [2-9]/, { timeout: 20_000 });
  await device.unplug();
  await expect(tile(uid)).toHaveAttribute('data-word', 'RECONNECT', { timeout: 10_000 });
  const countdown = tile(uid).getByTestId('tile-countdown');
  const first = Number((await countdown.textContent())!.replace(/\D/g, ''));
  expect(first).toBeGreaterThan(0);
  // The window comes from the station (15 s here), not the 20 s default.
  expect(first).toBeLessThanOrEqual(15);
  await expect
    .poll(async () => Number((await countdown.textContent())!.replace(/\D/g, '')), { timeout: 5_000 })
    .toBeLessThan(first);
  await screenshot(page, 'bench-16-reconnect-1920');
  device.setFaults({ slowMs: 0 });
  await device.plug();
  await expect(tile(uid)).toHaveAttribute('data-word', 'PASSED', { timeout: 30_000 });
  // The unit that failed once now counts as passed (not first-pass); its failed attempt stays counted.
  const shift = page.getByTestId('production-shift');
  await expect(shift.getByTestId('prod-passed')).toHaveText('14 passed');
  await expect(shift.getByTestId('prod-failed')).toHaveText('3 failed');
  await expect(shift).toContainText('FPY 81 %'); // 13 of 16 units passed first time
});
