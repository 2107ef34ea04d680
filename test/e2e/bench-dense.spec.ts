/**
 * Issue 16 e2e: the dense bench — 32 bays on one screen at 1920×1080 and 1366×768 after a batch with
 * failures, every tile showing its bay number, UID, word and failure class uncut. Real renderer in
 * Debian Chromium, real station core, 32 simulated devices and the org emulator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { expectTilesFit } from './bench-helpers';
import { screenshot } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;
/** Devices that never answer (bays 3, 11, 20 and 32): they fail as NOT RESPONDING. */
const FAILING = [2, 10, 19, 31];

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-dense-'));
  dev = await startDevStation({ home, devices: 32, keygenDelayMs: 50 });
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(dev.harness.url);
  await expect(page.getByTestId('bay-tile')).toHaveCount(32);
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('32 bays in dense mode: a batch with failures stays on one screen at 1920×1080 and 1366×768', async () => {
  const uids = dev.sim.devices.map((d) => d.uid);
  for (const i of FAILING) dev.sim.device(uids[i]!).setFaults({ noResponse: true });
  // More than 16 bays: dense by default.
  await expect(page.getByRole('button', { name: 'Dense', exact: true })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.getByRole('button', { name: /Start all ready \(32\)/ }).click();
  for (const [i, uid] of uids.entries())
    await expect(page.locator(`[data-testid="bay-tile"][data-uid="${uid}"]`)).toHaveAttribute(
      'data-word',
      FAILING.includes(i) ? 'FAILED' : 'PASSED',
      { timeout: 120_000 },
    );
  const last = page.locator(`[data-testid="bay-tile"][data-uid="${uids[31]!}"]`);
  await expect(last.getByTestId('tile-uid')).toHaveText(uids[31]!);
  await expect(last.getByTestId('tile-line')).toHaveText('NOT RESPONDING');
  await expectTilesFit(page, 1920, 1080, 32);
  await screenshot(page, 'bench-32-dense-failures-1920x1080');
  await expectTilesFit(page, 1366, 768, 32);
  await screenshot(page, 'bench-32-dense-failures-1366x768');
});
