/**
 * Issue 17 "Yield analytics" done-when: a batch of six simulated devices on the real station core
 * (embedded simulator, org emulator, file CA, WebSocket harness) in which devices fail at a known step
 * through the simulator's fault switch — two answer every certificate install with a stray frame (the
 * job fails at "Install certificate" after one retry), one does so once (a retry, then it passes).
 * History → Yield in Debian Chromium must show that step first in the Pareto with its count, the
 * first-pass and final yield, and save the table behind the chart as CSV and the chart as PNG.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { SCREENSHOT_DIR, screenshot, seriousA11yViolations } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-yield-'));
  dev = await startDevStation({ home, devices: 6, keygenDelayMs: 50, watch: false });
  const uids = dev.sim.devices.map((d) => d.uid);
  for (const uid of uids.slice(3, 5))
    dev.sim.device(uid).setFaults({ strayOn: { command: 'PUT_CERT', once: false } });
  dev.sim.device(uids[5]!).setFaults({ strayOn: { command: 'PUT_CERT', once: true } });
  const bays = await dev.station.listBays({});
  const jobs = await Promise.all(
    bays.map((b) =>
      dev.station.startJob({
        bayId: b.id,
        kind: 'provision',
        inputs: { workOrder: 'WO-E2E', lot: 'LOT-7' },
      }),
    ),
  );
  const ended = await Promise.all(jobs.map((j) => dev.station.waitForJob(j.id)));
  expect(ended.filter((j) => j.state === 'failed')).toHaveLength(2);
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  // Every Content-Security-Policy violation the page meets (the charts must draw under the policy).
  await page.addInitScript(() => {
    const w = window as unknown as { __csp: Array<{ directive: string; blocked: string }> };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI }),
    );
  });
  await page.goto(dev.harness.url);
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function download(button: ReturnType<Page['getByRole']>): Promise<{ name: string; body: Buffer }> {
  const p = page.waitForEvent('download');
  await button.click();
  const d = await p;
  return { name: d.suggestedFilename(), body: fs.readFileSync((await d.path())!) };
}

test('History → Yield shows the failing step first with its count, and the yields', async () => {
  await page.getByRole('button', { name: /History/ }).click();
  await page.getByRole('tab', { name: 'Yield' }).click();
  const view = page.getByTestId('yield-view');
  await expect(view.getByTestId('fpy')).toContainText('50.0 %');
  await expect(view.getByTestId('fpy')).toContainText('3 of 6 units passed at once');
  await expect(view.getByTestId('final-yield')).toContainText('66.7 %');
  await expect(view.getByTestId('failures')).toContainText('5');

  const first = view.getByTestId('pareto-step-table').getByTestId('pareto-row').first();
  await expect(first.locator('td').nth(0)).toHaveText('Install certificate');
  await expect(first.locator('td').nth(1)).toHaveText('5');
  await expect(first.locator('td').nth(2)).toHaveText('3');
  await expect(view.getByTestId('pareto-class-table').getByTestId('pareto-row').first()).toContainText(
    'LINK NOISE',
  );
  // The chart itself is drawn (a canvas with its text alternative naming the step first).
  await expect(
    view.getByRole('img', { name: /Failures by step: Install certificate first with 5/ }),
  ).toBeVisible();
  await expect(view.getByTestId('yield-breakdown')).toContainText('WO-E2E');

  // Chart.js drew under the CSP: no style or script refused (zod's own eval probe aside, see
  // test/integration/electron/csp-renderer.test.ts).
  const csp = await page.evaluate(() => (window as unknown as { __csp: Array<{ blocked: string }> }).__csp);
  expect(csp.filter((v) => v.blocked !== 'eval')).toEqual([]);

  await screenshot(page, 'yield-view');
  await page.getByTestId('cycle-histogram').scrollIntoViewIfNeeded();
  await screenshot(page, 'yield-view-charts');
  const violations = await seriousA11yViolations(page);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
});

test('the table behind each chart saves as CSV, and the chart as PNG', async () => {
  const step = page.getByTestId('pareto-step');
  const csv = await download(step.getByRole('button', { name: 'Save table as CSV' }));
  expect(csv.name).toBe('failures-by-step.csv');
  expect(csv.body.toString('utf8')).toBe(
    'step,failed attempts,units,share,cumulative share\r\nInstall certificate,5,3,1,1\r\n',
  );

  const cycle = await download(
    page.getByTestId('cycle-histogram').getByRole('button', { name: 'Save table as CSV' }),
  );
  const rows = cycle.body.toString('utf8').trim().split('\r\n');
  expect(rows[0]).toBe('from (ms),to (ms),passed units');
  // Every passed unit is in exactly one bin.
  expect(rows.slice(1).reduce((n, r) => n + Number(r.split(',')[2]), 0)).toBe(4);

  const png = await download(step.getByRole('button', { name: 'Save chart as PNG' }));
  expect(png.name).toBe('failures-by-step.png');
  expect(png.body.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.body.readUInt32BE(16)).toBeGreaterThan(200); // width in px (IHDR)
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  fs.writeFileSync(path.join(SCREENSHOT_DIR, 'yield-pareto-step-export.png'), png.body);
});
