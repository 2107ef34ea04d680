/**
 * QA lots in the real window (Chromium → WebSocket harness → real core, 8 simulated devices on PTYs,
 * the org emulator over HTTP): 8 devices are provisioned under one work order, then one device's Asset
 * is made to register another key (what a swapped or re-keyed unit looks like to the org). A QA
 * inspector creates the lot by work order, verifies it (7 pass, 1 fails "Asset in org"), opens the
 * failed device's provisioning record, is refused acceptance until the failure has a disposition,
 * accepts with it, and downloads the lot report: the PDF's text (read with pdfjs-dist) and the CSV say
 * which device failed which check. Screenshots: the Lots screen, and page 1 of the PDF as an image.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { parseCsv } from '../../sim/org/bulk-csv';
import { pdfText } from '../integration/onboard/pdf-text';
import { scanBarcode, screenshot, SCREENSHOT_DIR, seriousA11yViolations } from './helpers';

const WORK_ORDER = 'WO-2026-0812';
let home: string;
let dev: DevStation;
let badUid: string;
const provJob: Record<string, string> = {};

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-qa-'));
  dev = await startDevStation({ home, devices: 8, keygenDelayMs: 100 });
  const bays = await dev.station.listBays({});
  expect(bays).toHaveLength(8);
  const jobs = await Promise.all(
    bays.map((b) =>
      dev.station.startJob({ bayId: b.id, kind: 'provision', inputs: { workOrder: WORK_ORDER } }),
    ),
  );
  for (const j of jobs) {
    const done = await dev.station.waitForJob(j.id);
    expect(done.state).toBe('succeeded');
    provJob[done.deviceUid!] = done.id;
  }
  // the fifth device's Asset now registers another key: its org-asset check must fail
  badUid = bays[4]!.device!.uid;
  const asset = dev.org.assets().find((a) => JSON.stringify(a).includes(badUid))!;
  const r = await fetch(`${dev.org.baseUrl}/services/data/v62.0/sobjects/Asset/${asset.Id}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${dev.org.accessToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ Key_Fingerprint__c: 'e'.repeat(64), Key_Change_Approved__c: true }),
  });
  expect(r.status).toBe(204);
  await dev.station.addOperator({ login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  await dev.station.signIn({ login: 'boss', secret: '975310' });
  await dev.station.addOperator({ login: 'quinn', name: 'Quinn Inspector', role: 'qa', secret: '2468' });
  await dev.station.signOut({});
});

test.afterAll(async () => {
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('a QA lot of 8 with one failure: verified, signed off, and the report says which device and check', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.goto(dev.harness.url);
  await page.getByLabel('Login').fill('quinn');
  await page.getByLabel('PIN or password').fill('2468');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await expect(nav.getByRole('button')).toHaveText([/Verify/, /History/, /Lots/]);
  await nav.getByRole('button', { name: /Lots/ }).click();

  await page.getByLabel('Work order').fill(WORK_ORDER);
  await page.getByRole('button', { name: 'Create lot' }).click();
  const summary = page.getByTestId('lot-summary');
  await expect(summary).toContainText('8 devices');
  await page.getByRole('button', { name: 'Verify attached devices' }).click();
  await expect(summary).toContainText('7 passed · 1 failed · 0 not verified', { timeout: 120_000 });

  const failedRow = page.locator('[data-testid="lot-device"][data-result="FAIL"]');
  await expect(failedRow).toHaveCount(1);
  await expect(failedRow.getByRole('rowheader')).toHaveText(badUid);
  await expect(page.getByTestId('lot-failures')).toContainText(`${badUid}`);
  await expect(page.getByTestId('lot-failures')).toContainText("Asset in org: the Asset's key fingerprint");
  // the failed device links to its provisioning record
  await failedRow.getByRole('button', { name: `Open record ${provJob[badUid]}` }).click();
  await expect(page.getByTestId('lot-record')).toContainText(`Provisioning record ${provJob[badUid]}`);
  await expect(page.getByTestId('lot-record')).toContainText('Outcome: succeeded');
  await page.getByTestId('lot-record').getByRole('button', { name: 'Close' }).click();

  // accepting with an undispositioned failure is refused by the core, in words
  await page.getByRole('button', { name: 'Accept lot' }).click();
  await expect(page.getByTestId('signoff-error')).toContainText(`cannot be accepted`);
  await expect(page.getByTestId('signoff-error')).toContainText(badUid);
  await page.getByLabel(`Disposition of ${badUid}`).selectOption('quarantine');
  await page.getByLabel(`Reason for ${badUid}`).fill('Asset key does not match the device');
  await page.getByLabel('Note (optional)').fill('Shipped 7; one unit held for investigation.');
  await page.getByRole('button', { name: 'Accept lot' }).click();
  await expect(page.getByTestId('lot-signed')).toContainText('ACCEPTED by Quinn Inspector (quinn)');
  await expect(page.getByTestId('lots-list')).toContainText('Accepted · 8 devices · 7 pass · 1 fail');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.getByLabel('Devices of the lot').evaluate((el) => (el.scrollLeft = 0));
  await screenshot(page, 'qa-lots');
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'qa-lots-full.png'), fullPage: true });

  // the lot report: PDF text and CSV rows name the failed device and its check
  const pdfDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Lot report (PDF)' }).click();
  const pdfFile = path.join(home, 'lot.pdf');
  await (await pdfDownload).saveAs(pdfFile);
  const { text } = await pdfText(fs.readFileSync(pdfFile));
  for (const s of [
    `${badUid}: FAIL`,
    'Failed: org-asset',
    provJob[badUid]!,
    'quarantine: Asset key does not match the device',
    'ACCEPTED',
    'Quinn Inspector (quinn)',
    '8 devices: 7 passed, 1 failed, 0 not verified',
  ])
    expect(text).toContain(s);
  fs.copyFileSync(pdfFile, path.join(SCREENSHOT_DIR, 'qa-lot-report.pdf'));
  // page 1 as an image to look at (poppler's pdftoppm where installed; the text checks above stand alone)
  try {
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '80',
      '-f',
      '1',
      '-l',
      '1',
      pdfFile,
      path.join(SCREENSHOT_DIR, 'qa-lot-report'),
    ]);
  } catch {
    test.info().annotations.push({ type: 'note', description: 'pdftoppm not installed: no page image' });
  }

  const csvDownload = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Lot report (CSV)' }).click();
  const csvFile = path.join(home, 'lot.csv');
  await (await csvDownload).saveAs(csvFile);
  const [header, ...rows] = parseCsv(fs.readFileSync(csvFile, 'utf8'));
  expect(rows).toHaveLength(8 * 5);
  const col = (n: string) => header!.indexOf(n);
  const fails = rows.filter((r) => r[col('result')] === 'fail');
  expect(fails.map((r) => [r[col('deviceUid')], r[col('check')], r[col('provisioningJobId')]])).toEqual([
    [badUid, 'org-asset', provJob[badUid]],
  ]);
});

test('a lot of scanned devices: each scan of a UID label adds the device, and the lot verifies them', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const bays = await dev.station.listBays({});
  const [uidA, uidB] = [bays[0]!.device!.uid, bays[1]!.device!.uid];
  await dev.station.signOut({}); // the station keeps one operator signed in (kiosk): start from sign-in
  await page.goto(dev.harness.url);
  await page.getByLabel('Login').fill('quinn');
  await page.getByLabel('PIN or password').fill('2468');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: /Lots/ }).click();
  await page.getByLabel('Devices chosen by').selectOption({ label: 'Scan devices one by one' });
  await page.getByLabel('Lot name (optional)').fill('Spot check');
  await page.getByRole('button', { name: 'Create lot' }).click();
  await expect(page.getByTestId('lot-summary')).toContainText('0 devices');
  await page.getByTestId('lot-summary').click(); // focus out of any text field, as at a bench
  await scanBarcode(page, uidA);
  await expect(page.getByTestId('lot-device')).toHaveCount(1);
  await scanBarcode(page, uidB);
  await scanBarcode(page, uidA); // a second scan of the same label adds nothing
  await expect(page.getByTestId('lot-device')).toHaveCount(2);
  await page.getByRole('button', { name: 'Verify attached devices' }).click();
  await expect(page.getByTestId('lot-summary')).toContainText('2 devices · 2 passed · 0 failed', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('lot-device').getByRole('rowheader')).toHaveText([uidA, uidB]);
});
