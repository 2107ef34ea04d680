/**
 * Issue 16 e2e: a station log that stays. After a batch with a failure the docked log shows the
 * failure in bench words; it filters by level, bay and text; it is still there after a reload and
 * after the station restarts on the same home (the lines live in the station database); it exports
 * as CSV. Real renderer in Debian Chromium, real station core, simulated devices, the org emulator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { screenshot } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;
let uids: string[];

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-log-'));
  dev = await startDevStation({ home, devices: 3, keygenDelayMs: 50 });
  uids = dev.sim.devices.map((d) => d.uid);
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.goto(dev.harness.url);
  await page.getByRole('button', { name: 'Tiles', exact: true }).click();
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function openLog() {
  const log = page.getByTestId('station-log');
  if ((await log.getAttribute('open')) === null) await log.locator('summary').click();
  await expect(log).toHaveAttribute('open', '');
  return log;
}

test('the docked log shows a failure in bench words and filters by level, bay and text', async () => {
  dev.sim.device(uids[1]!).setFaults({ noResponse: true });
  await page.getByRole('button', { name: /Start all ready \(3\)/ }).click();
  await expect(page.locator(`[data-testid="bay-tile"][data-uid="${uids[1]!}"]`)).toHaveAttribute(
    'data-word',
    'FAILED',
    { timeout: 60_000 },
  );
  await expect(page.locator(`[data-testid="bay-tile"][data-word="PASSED"]`)).toHaveCount(2, {
    timeout: 60_000,
  });
  const log = await openLog();
  const lines = log.getByTestId('log-line');
  await expect(
    lines.filter({ hasText: `${uids[1]!}: provisioning failed at "Identify device": NOT RESPONDING` }),
  ).toHaveCount(1);
  await expect(lines.filter({ hasText: `${uids[0]!}: provisioning passed.` })).toHaveCount(1);

  await log.getByRole('combobox', { name: 'Level' }).selectOption('error');
  await expect(lines).toHaveCount(1);
  await expect(lines.first()).toContainText('Bay 2:');
  await log.scrollIntoViewIfNeeded();
  await screenshot(page, 'bench-log-errors');

  await log.getByRole('combobox', { name: 'Level' }).selectOption('info');
  await log.getByRole('combobox', { name: 'Bay' }).selectOption({ label: `Bay 3 · ${uids[2]!}` });
  await expect(lines.filter({ hasText: uids[2]! }).first()).toBeVisible();
  for (const t of await lines.allTextContents()) expect(t).toContain('Bay 3');
  await log.getByRole('combobox', { name: 'Bay' }).selectOption('');
  await log.getByRole('searchbox', { name: 'Search the log' }).fill(`${uids[0]!}: provisioning`);
  await expect(lines).toHaveCount(1);
  await expect(lines.first()).toContainText(`${uids[0]!}: provisioning passed.`);
});

test('the log exports as CSV', async () => {
  const log = await openLog();
  await log.getByRole('searchbox', { name: 'Search the log' }).fill('');
  await log.getByRole('combobox', { name: 'Level' }).selectOption('error');
  const downloadP = page.waitForEvent('download');
  await log.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloadP;
  expect(download.suggestedFilename()).toMatch(/^station-log-.*\.csv$/);
  const csv = fs
    .readFileSync((await download.path())!, 'utf8')
    .trim()
    .split('\n');
  expect(csv[0]).toBe('time,level,bay,job,message');
  expect(csv).toHaveLength(2);
  expect(csv[1]).toContain(`${uids[1]!}: provisioning failed at ""Identify device"": NOT RESPONDING`);
});

test('the log survives a reload and a restart of the station', async () => {
  await page.reload();
  let log = await openLog();
  await expect(
    log.getByTestId('log-line').filter({ hasText: `${uids[1]!}: provisioning failed` }),
  ).toHaveCount(1);

  await dev.stop();
  dev = await startDevStation({ home, devices: 3, keygenDelayMs: 50 });
  await page.goto(dev.harness.url);
  log = await openLog();
  await expect(
    log.getByTestId('log-line').filter({ hasText: `${uids[1]!}: provisioning failed` }),
  ).toHaveCount(1);
  await expect(
    log.getByTestId('log-line').filter({ hasText: `${uids[0]!}: provisioning passed.` }),
  ).toHaveCount(1);
  await log.getByTestId('log-lines').scrollIntoViewIfNeeded();
  await screenshot(page, 'bench-log-after-restart');
});
