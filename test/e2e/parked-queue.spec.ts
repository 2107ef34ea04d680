/**
 * The parked-jobs queue in the real window (Chromium → WebSocket harness → real core, PTY devices, the org
 * emulator over HTTP, stopped for the outage): two jobs park at the Asset step; the toolbar says
 * "Waiting for Salesforce: 2", the bays show WAITING FOR SALESFORCE and are free; the list names each
 * device; with the org back, "Try Salesforce now" registers both and the queue says to plug them in again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem } from '../../dev/embedded';
import { startOrgEmulator, type OrgEmulator } from '../../sim/org';
import { screenshot, seriousA11yViolations } from './helpers';

let home: string;
let dev: DevStation;
let back: OrgEmulator | undefined;
let port: number;

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-parked-'));
  dev = await startDevStation({ home, devices: 2, keygenDelayMs: 50 });
  port = dev.org.port;
  await dev.org.stop(); // Salesforce out of reach
  for (const bay of await dev.station.listBays({})) {
    const job = await dev.station.startJob({ bayId: bay.id, kind: 'provision' });
    expect((await dev.station.waitForJob(job.id)).state).toBe('parked');
  }
});

test.afterAll(async () => {
  await back?.stop();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('parked jobs: the toolbar count, the list, and registration when Salesforce is back', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(dev.harness.url);
  const count = page.getByTestId('parked-count');
  await expect(count).toHaveText('Waiting for Salesforce: 2');
  const headlines = page.getByTestId('bay-card').getByTestId('bay-headline');
  await expect(headlines).toContainText(['WAITING FOR SALESFORCE', 'WAITING FOR SALESFORCE']);
  await count.click();
  const rows = page.getByTestId('parked-job');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Waiting for Salesforce: unplug it and go on');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'parked-queue-waiting');

  back = await startOrgEmulator({
    home: path.join(home, 'org'),
    port,
    jwtBearerCertPem: await jwtPublicKeyPem(dev.secrets),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  // The station's own retry may register them first (then the button is gone): either way, the outcome.
  await page
    .getByRole('button', { name: 'Try Salesforce now' })
    .click({ timeout: 3000 })
    .catch(() => undefined);
  await expect(count).toHaveText('Waiting for Salesforce: 0 · plug in again: 2', { timeout: 30_000 });
  await expect(rows.first()).toContainText(/Registered in Salesforce \(Asset \w+\): plug it in again/);
  await expect(headlines).toContainText(['PLUG IN AGAIN', 'PLUG IN AGAIN']);
  expect(back.assets()).toHaveLength(2);
  await screenshot(page, 'parked-queue-registered');
});
