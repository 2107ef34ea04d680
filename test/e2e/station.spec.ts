/**
 * Issue 7 e2e: the real renderer in Debian Chromium, served by the browser harness in front of a real
 * station core with the embedded device simulator (PTYs via socat) and the Salesforce org emulator
 * (dev/dev-station.ts). Nothing is mocked: every click goes through the WebSocket
 * transport to the core, the serial link and the emulated org.
 *
 * One station for the file, tests in order (they build on each other like a shift at the bench):
 *   1. an unplugged device: the card shows the failure and its remedy; plug back + Retry resumes it;
 *   2. four devices provisioned from the Station screen (scanner inputs, keyboard start-all);
 *   3. verify passes for a provisioned device and fails for a tampered one; report export;
 *   4. History: search, outcome filter, step timeline, CSV export;
 *   5. Settings: org, CA, admin-PIN-protected save.
 * Each screen is audited with axe-core and saved as a 1440×900 screenshot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { openDevice } from '../../core/device';
import { DEMO_ADMIN_PIN } from '../../dev/embedded';
import { scanBarcode, screenshot, seriousA11yViolations } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;
/** UIDs of the five simulated devices, in bay order. */
let uids: string[];

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-station-'));
  dev = await startDevStation({ home, devices: 5, keygenDelayMs: 300, reconnectWindowMs: 1500 });
  uids = dev.sim.devices.map((d) => d.uid);
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // window.print() opens the OS print dialog, which is not part of the page: count the calls instead.
  await page.addInitScript(() => {
    window.print = () => {
      const w = window as unknown as { __printed?: number };
      w.__printed = (w.__printed ?? 0) + 1;
    };
  });
  await page.goto(dev.harness.url);
  await expect(page.getByTestId('bay-card')).toHaveCount(5);
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

function card(uid: string): Locator {
  return page.locator(`[data-testid="bay-card"][data-uid="${uid}"]`);
}

async function expectNoSeriousA11yViolations(screen: string): Promise<void> {
  const violations = await seriousA11yViolations(page);
  expect(violations, `${screen}: ${JSON.stringify(violations, null, 2)}`).toEqual([]);
}

test('an unplugged device fails with the reconnect remedy; plugging it back and Retry finish the job', async () => {
  const uid = uids[4]!;
  const device = dev.sim.device(uid);
  // A slow device gives the technician (and the test) time to pull the cable mid-job.
  device.setFaults({ slowMs: 250 });
  await card(uid).getByRole('button', { name: 'Start' }).click();
  await expect(card(uid).getByTestId('bay-headline')).toContainText('WORKING');
  await expect(card(uid).getByTestId('bay-step')).toContainText(/Step [2-9]/);
  await device.unplug();

  await expect(card(uid).getByTestId('bay-headline')).toContainText('FAILED', { timeout: 20_000 });
  const error = card(uid).getByTestId('bay-error');
  await expect(error).toContainText('disconnected');
  await expect(error.getByTestId('remedy')).toContainText('check the cable and power, and plug it back in');
  await expect(error.getByTestId('remedy')).toContainText('The job keeps its progress: press Retry');
  await expect(error).toContainText('DEVICE_PORT_VANISHED');
  await expect(card(uid).getByText('Device not connected.')).toBeVisible();
  // The failure is repeated at the top of the screen, so it is seen without scrolling.
  await expect(page.getByTestId('attention')).toContainText(`Bay 5 · ${uid}`);
  await expect(page.getByTestId('attention')).toContainText('plug it back in');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'station-fault-unplugged');
  await expectNoSeriousA11yViolations('station (fault)');

  device.setFaults({ slowMs: 0 });
  await device.plug();
  // Keyboard-first: "Go to bay 5" focuses the card's first action (Retry); Enter presses it.
  await page.getByRole('button', { name: 'Go to bay 5' }).click();
  await expect(card(uid).getByRole('button', { name: 'Retry' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(card(uid).getByTestId('bay-headline')).toContainText('PASSED', { timeout: 30_000 });
  await expect(page.getByTestId('attention')).toHaveCount(0);
  await expect(card(uid).getByTestId('bay-step')).toContainText('Step 11 of 11');
});

test('four devices are provisioned from the Station screen with scanned inputs', async () => {
  const account = dev.org.defaultAccountId;
  // The technician scans the work order and the Account barcode; focus is nowhere in particular.
  await page.locator('body').click({ position: { x: 5, y: 890 } });
  await scanBarcode(page, 'WO-2026-0042');
  await scanBarcode(page, account);
  await expect(page.getByRole('textbox', { name: 'Work order' })).toHaveValue('WO-2026-0042');
  await expect(page.getByRole('textbox', { name: 'Account Id' })).toHaveValue(account);
  await expect(page.getByTestId('scan-status')).toContainText(`Scanned Account Id: ${account}`);

  // Keyboard-first: Alt+S starts every ready bay.
  await expect(page.getByRole('button', { name: 'Start all ready (4)' })).toBeEnabled();
  await page.keyboard.press('Alt+S');
  for (const uid of uids.slice(0, 4))
    await expect(card(uid).getByTestId('bay-headline')).toContainText(/WORKING|PASSED/);
  await page.waitForTimeout(400);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'station-working');

  for (const uid of uids.slice(0, 4))
    await expect(card(uid).getByTestId('bay-headline')).toContainText('PASSED', { timeout: 60_000 });
  await expect(page.getByTestId('batch-banner')).toContainText('Batch finished: 4 passed, 0 failed.');
  await expect(page.getByTestId('bay-summary')).toContainText('5 passed');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'station-passed');
  await expectNoSeriousA11yViolations('station');

  // The scanned inputs reached the core: every Asset of this batch sits on the scanned Account.
  const assets = dev.org.assets().filter((a) => uids.slice(0, 4).some((u) => Object.values(a).includes(u)));
  expect(assets).toHaveLength(4);
  for (const a of assets) expect(a.AccountId).toBe(account);

  // A passed bay prints its device label: the QR-coded UID label with the Asset ID, sent to the printer.
  const asset = assets.find((a) => a.Device_UID__c === uids[0])!;
  await card(uids[0]!).getByRole('button', { name: 'Print label' }).click();
  // The label sits in a print-only container (hidden on screen), so it is found by its markup.
  const img = page.locator('[data-testid="print-label"] img');
  await expect(img).toHaveAttribute('alt', `Label for device ${uids[0]}`);
  const svg = decodeURIComponent(
    (await img.getAttribute('src'))!.replace(/^data:image\/svg\+xml;charset=utf-8,/, ''),
  );
  expect(svg).toContain(uids[0]);
  expect(svg).toContain(`Asset ${asset.Id}`);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __printed?: number }).__printed ?? 0))
    .toBe(1);
  // On paper only the label is printed.
  await page.emulateMedia({ media: 'print' });
  await expect(img).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toBeHidden();
  await page.emulateMedia({ media: 'screen' });
});

test('verify passes for a provisioned device and fails for a tampered one; the report exports as JSON', async () => {
  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Verify');
  const bay = page.getByRole('combobox', { name: 'Bay' });

  await bay.selectOption((await bay.locator('option', { hasText: uids[0]! }).getAttribute('value'))!);
  await page.getByRole('button', { name: 'Run verification' }).click();
  await expect(page.getByTestId('verify-verdict')).toHaveText(/VERIFIED/, { timeout: 20_000 });
  const checks = page.getByTestId('verify-check');
  await expect(checks).toHaveCount(5);
  for (const c of await checks.all()) await expect(c).toHaveAttribute('data-passed', 'true');
  await expect(page.getByTestId('verify-report')).toContainText('chain');
  const downloadP = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export report (JSON)' }).click();
  const download = await downloadP;
  expect(download.suggestedFilename()).toMatch(new RegExp(`^verify-${uids[0]}-.*\\.json$`));
  const report = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as {
    passed: boolean;
    deviceUid: string;
  };
  expect(report).toMatchObject({ passed: true, deviceUid: uids[0] });
  await screenshot(page, 'verify-passed');
  await expectNoSeriousA11yViolations('verify (passed)');

  // Tamper: someone rewrites device 2's Asset binding with device 1's Asset ID (a label swap),
  // through the device's own serial protocol while it sits idle on its bay.
  const victim = dev.sim.devices[1]!;
  const a0 = dev.org.assets().find((a) => Object.values(a).includes(uids[0]!))!;
  const client = await openDevice(victim.locator);
  try {
    const binding = await client.getAsset();
    await client.setAsset({ assetId: a0.Id, orgId: binding?.orgId ?? dev.org.orgId });
  } finally {
    await client.close();
  }

  // QA scans the device's UID label: the Verify screen picks its bay (focus is on a button, not a field).
  await scanBarcode(page, victim.uid);
  await expect(bay.locator('option:checked')).toContainText(victim.uid);
  await page.getByRole('button', { name: 'Run verification' }).click();
  await expect(page.getByTestId('verify-verdict')).toHaveText(/VERIFICATION FAILED/, { timeout: 20_000 });
  const failed = page.locator('[data-testid="verify-check"][data-passed="false"]');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText('Asset link');
  await expect(page.getByTestId('verify-remedy')).toContainText('Do not ship this device');
  await expect(failed).toContainText(`the device holds Asset ID ${a0.Id}`);
  await screenshot(page, 'verify-failed');
  await expectNoSeriousA11yViolations('verify (failed)');
});

test('History: search by UID, filter by outcome, open a step timeline, export CSV', async () => {
  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('History');
  const rows = page.getByTestId('record-row');
  // 5 provisions + 2 verifies.
  await expect(rows).toHaveCount(7);

  // Scanning a UID label anywhere on the screen searches for it.
  await scanBarcode(page, uids[2]!);
  await expect(page.getByRole('searchbox', { name: 'Search' })).toHaveValue(uids[2]!);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-uid', uids[2]!);
  await page.getByRole('searchbox', { name: 'Search' }).fill('');

  await page.getByRole('combobox', { name: 'Outcome' }).selectOption('failed');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-uid', uids[1]!);
  await expect(rows.first()).toContainText('verify');
  await rows.first().getByRole('button').click();
  const detail = page.getByTestId('record-detail');
  await expect(detail.getByTestId('step-timeline').locator('[data-step="asset-link"]')).toContainText('FAIL');
  await expect(detail).toContainText('Do not ship this device');

  await page.getByRole('combobox', { name: 'Outcome' }).selectOption('succeeded');
  await page.getByRole('textbox', { name: 'Device UID' }).fill(uids[4]!);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toHaveAttribute('data-uid', uids[4]!);
  await rows.first().getByRole('button').click();
  const timeline = detail.getByTestId('step-timeline');
  await expect(timeline.locator('li')).toHaveCount(11);
  await expect(timeline.locator('[data-state="done"], [data-state="skipped"]')).toHaveCount(11);
  await screenshot(page, 'history');
  await expectNoSeriousA11yViolations('history');

  await page.getByRole('button', { name: 'Clear filters' }).click();
  await page.getByRole('combobox', { name: 'Outcome' }).selectOption('succeeded');
  await expect(rows).toHaveCount(6);
  const downloadP = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const download = await downloadP;
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const csv = fs
    .readFileSync((await download.path())!, 'utf8')
    .trim()
    .split(/\r?\n/);
  expect(csv[0]).toContain('deviceUid');
  expect(csv).toHaveLength(1 + 6);
  for (const uid of [uids[0]!, uids[2]!, uids[3]!, uids[4]!])
    expect(csv.some((l) => l.includes(uid))).toBe(true);
  expect(csv.some((l) => l.includes(',failed,'))).toBe(false);
});

test('Settings: org status, CA chain, and an admin-PIN-protected save', async () => {
  await page.keyboard.press('Alt+4');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Settings');
  await expect(page.getByTestId('org-state')).toContainText('Connected');
  await expect(page.getByTestId('org-panel')).toContainText(dev.org.adminUsername);
  await expect(page.getByTestId('ca-panel')).toContainText('Issuing CA');
  await expect(page.getByTestId('ca-expiry')).toBeVisible();

  const o = page.getByRole('textbox', { name: 'Subject O', exact: true });
  await o.scrollIntoViewIfNeeded();
  await o.fill('Acme Sensors');
  await page.getByLabel('Admin PIN').fill('0000');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('alert')).toContainText('The admin PIN is not correct.');
  // The error shows in the sticky save bar, where the technician is looking, not below the fold.
  await expect(page.getByRole('alert')).toBeInViewport();
  await screenshot(page, 'settings-wrong-pin');
  await page.getByLabel('Admin PIN').fill(DEMO_ADMIN_PIN);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  const saved = await page.evaluate(() => window.station!.getConfig({}));
  expect(saved.device.subject.O).toBe('Acme Sensors');
  await screenshot(page, 'settings-profile');
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'settings');
  await expectNoSeriousA11yViolations('settings');
});

test('auto mode toggles from the keyboard and is saved by the core', async () => {
  await page.keyboard.press('Alt+1');
  const toggle = page.getByRole('button', { name: /^Auto mode:/ });
  // Known once the screen has read the config.
  await expect(toggle).toHaveText('Auto mode: OFF');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  await page.keyboard.press('Alt+A');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  await expect(toggle).toHaveText('Auto mode: ON');
  expect((await page.evaluate(() => window.station!.getConfig({}))).autoMode).toBe(true);
  await page.keyboard.press('Alt+A');
  await expect(toggle).toHaveAttribute('aria-pressed', 'false');
  expect((await page.evaluate(() => window.station!.getConfig({}))).autoMode).toBe(false);
});

test('adding a device at a wrong address explains what to check', async () => {
  await page.keyboard.press('Alt+1');
  await page.getByText('Add a device by port or network address').click();
  const address = page.getByRole('combobox', { name: 'Device address' });
  await address.fill('serial:/dev/ttyUSB-as-e2e-missing');
  await page.getByRole('button', { name: 'Add device' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'No device at serial:/dev/ttyUSB-as-e2e-missing' });
  await expect(alert).toBeVisible();
  await expect(alert.getByTestId('remedy')).toContainText('Check the cable and that the device is powered');
  // The failed bay is listed with the same remedy and a way to try again.
  const failedBay = page.locator('[data-testid="bay-card"][data-uid=""]');
  await expect(failedBay.getByTestId('bay-headline')).toContainText('FAILED');
  await expect(failedBay.getByRole('button', { name: 'Connect again' })).toBeVisible();
  await expect(page.getByTestId('attention')).toContainText('Check the cable');
  await alert.scrollIntoViewIfNeeded();
  await screenshot(page, 'station-attach-failed');
  await expectNoSeriousA11yViolations('station (attach failed)');
});
