/**
 * Issue 16 e2e: scanner flows and hands-free work on the bench. An Account scan is looked up in the
 * org emulator and shown by name before use (an Account the org does not have changes nothing); an
 * unknown scan clears the selection and says so; the work-order pattern is a bench setting; a UID scan
 * starts its bay. The pass/fail tone (Web Audio, off by default) is checked through a test hook on
 * AudioContext, not by sound; auto-print sends the ZPL label to a loopback raw-TCP listener that
 * stands in for a network label printer, which checks it. Real renderer in Debian Chromium, real
 * station core, simulated devices and the org emulator.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { DEMO_ADMIN_PIN } from '../../dev/embedded';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { startZplListener, type ZplListener } from '../integration/labels/zpl-listener';
import { scanBarcode, screenshot } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;
let printer: ZplListener;
let uids: string[];

/** Test hook: every oscillator the page starts is recorded as its frequency (Hz) in window.__tones. */
function recordTones(): void {
  const w = window as unknown as { __tones: number[]; AudioContext: typeof AudioContext };
  w.__tones = [];
  const create = w.AudioContext.prototype.createOscillator;
  w.AudioContext.prototype.createOscillator = function (this: AudioContext) {
    const osc = create.call(this);
    const start = osc.start.bind(osc);
    osc.start = (when?: number) => {
      w.__tones.push(osc.frequency.value);
      start(when);
    };
    return osc;
  };
}
const tones = () => page.evaluate(() => (window as unknown as { __tones: number[] }).__tones);

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-handsfree-'));
  printer = await startZplListener();
  dev = await startDevStation({ home, devices: 4, keygenDelayMs: 50 });
  uids = dev.sim.devices.map((d) => d.uid);
  const config = await dev.station.getConfig({});
  await dev.station.setConfig({
    config: { ...config, bench: { labelPrinter: printer.address } },
    adminPin: DEMO_ADMIN_PIN,
  });
  page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
  await page.addInitScript(recordTones);
  await page.goto(dev.harness.url);
  await expect(page.getByTestId('bay-tile').or(page.getByTestId('bay-card'))).toHaveCount(4);
  await page.getByRole('button', { name: 'Tiles', exact: true }).click();
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  await printer?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

/** Opens the Bench settings panel (a <details>) unless it is open. */
async function openBenchSettings(): Promise<void> {
  const prefs = page.getByTestId('bench-prefs');
  if ((await prefs.getAttribute('open')) === null) await prefs.getByText('Bench settings').click();
  await expect(prefs).toHaveAttribute('open', '');
}

function tile(uid: string): Locator {
  return page.locator(`[data-testid="bay-tile"][data-uid="${uid}"]`);
}

test('an Account scan is looked up in the org and shown by name; one the org does not have changes nothing', async () => {
  const account = dev.org.defaultAccountId;
  await scanBarcode(page, account);
  await expect(page.getByTestId('account-name')).toHaveText(
    'Customer: Acme Devices Ltd (found in Salesforce)',
  );
  await expect(page.getByRole('textbox', { name: 'Account Id' })).toHaveValue(account);
  await expect(page.getByTestId('scan-status')).toContainText(
    `Scanned Account Id: ${account} — Acme Devices Ltd`,
  );
  await screenshot(page, 'bench-scan-account-found');

  await scanBarcode(page, '001000000000000ZZZ');
  await expect(page.getByTestId('scan-status')).toContainText(
    'no such Account in Salesforce. Nothing was changed',
  );
  await expect(page.getByRole('textbox', { name: 'Account Id' })).toHaveValue(account);
  await expect(page.getByTestId('account-name')).toContainText('Acme Devices Ltd');
  await screenshot(page, 'bench-scan-account-unknown');
});

test('an unknown scan clears the selected bay and says so', async () => {
  await tile(uids[1]!).click();
  await expect(page.getByTestId('bay-drawer').getByTestId('bay-card')).toHaveAttribute('data-uid', uids[1]!);
  await page.locator('body').click({ position: { x: 5, y: 1070 } });
  await scanBarcode(page, 'PALLET-77');
  await expect(page.getByTestId('scan-status')).toHaveText(
    'Not recognised: PALLET-77 is not a device on this station, an Account Id or a work order. Nothing was changed.',
  );
  await expect(page.getByTestId('bay-drawer').getByTestId('bay-card')).toHaveCount(0);
  await expect(page.locator('.tile--selected')).toHaveCount(0);
  await screenshot(page, 'bench-scan-unknown');
});

test('a work-order scan is recognised by the pattern set in Bench settings', async () => {
  await scanBarcode(page, 'WO-2026-0042');
  await expect(page.getByRole('textbox', { name: 'Work order' })).toHaveValue('WO-2026-0042');
  await openBenchSettings();
  const pattern = page.getByRole('textbox', { name: 'Work-order barcode pattern' });
  await pattern.fill('^JOB\\d{4}$');
  await page.locator('body').click({ position: { x: 5, y: 1070 } });
  await scanBarcode(page, 'JOB1234');
  await expect(page.getByRole('textbox', { name: 'Work order' })).toHaveValue('JOB1234');
  // The old form no longer matches: it is not taken for a work order.
  await scanBarcode(page, 'WO-2026-0043');
  await expect(page.getByTestId('scan-status')).toContainText('Not recognised: WO-2026-0043');
  await expect(page.getByRole('textbox', { name: 'Work order' })).toHaveValue('JOB1234');
  // The setting survives a reload.
  await page.reload();
  await openBenchSettings();
  await expect(page.getByRole('textbox', { name: 'Work-order barcode pattern' })).toHaveValue('^JOB\\d{4}$');
});

test('tone and auto-print are off by default: a pass from a UID scan makes no sound and prints nothing', async () => {
  await page.locator('body').click({ position: { x: 5, y: 1070 } });
  await scanBarcode(page, uids[0]!);
  await expect(page.getByTestId('scan-status')).toContainText(`Scanned device ${uids[0]!}: Bay 1, starting.`);
  await expect(tile(uids[0]!)).toHaveAttribute('data-word', 'PASSED', { timeout: 30_000 });
  await page.waitForTimeout(1_500);
  expect(await tones()).toEqual([]);
  expect(printer.jobs).toHaveLength(0);
});

test('with the tone and auto-print on: a pass beeps high and prints its ZPL label; a failure beeps low twice', async () => {
  await openBenchSettings();
  await page.getByRole('checkbox', { name: 'Pass/fail tone' }).check();
  await page.getByRole('checkbox', { name: 'Print the label when a bay passes' }).check();
  await page.locator('body').click({ position: { x: 5, y: 1070 } });
  await scanBarcode(page, uids[1]!);
  await expect(tile(uids[1]!)).toHaveAttribute('data-word', 'PASSED', { timeout: 30_000 });
  const [zpl] = await printer.waitForJobs(1);
  const asset = dev.org.assets().find((a) => Object.values(a).includes(uids[1]!))!;
  expect(zpl!.trim().startsWith('^XA')).toBe(true);
  expect(zpl!.trim().endsWith('^XZ')).toBe(true);
  expect(zpl).toContain(`^FDMA,${uids[1]!}^FS`);
  expect(zpl).toContain(`Asset ${String(asset.Id)}`);
  await expect(page.getByTestId('print-status')).toHaveText(
    `Label for ${uids[1]!} sent to the printer at ${printer.address}.`,
  );
  await expect.poll(tones).toEqual([1320]);
  await screenshot(page, 'bench-autoprint-passed');
  // What matters after a pass stays in sight even with the side panel scrolled to the bench settings:
  // the counters and the print note (sticky at the top of the panel), not covered by anything.
  await page.getByRole('checkbox', { name: 'Print the label when a bay passes' }).scrollIntoViewIfNeeded();
  for (const id of ['production-shift', 'print-status']) {
    const el = page.getByTestId(id);
    await expect(el).toBeInViewport({ ratio: 1 });
    const hit = await el.evaluate((e) => {
      const r = e.getBoundingClientRect();
      return e.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    });
    expect(hit, `${id} is covered`).toBe(true);
  }

  dev.sim.device(uids[2]!).setFaults({ noResponse: true });
  await scanBarcode(page, uids[2]!);
  await expect(tile(uids[2]!)).toHaveAttribute('data-word', 'FAILED', { timeout: 60_000 });
  await expect.poll(tones, { timeout: 10_000 }).toEqual([1320, 330, 330]);
  // A failure prints nothing.
  await page.waitForTimeout(1_000);
  expect(printer.jobs).toHaveLength(1);
  await screenshot(page, 'bench-tone-failed');
});
