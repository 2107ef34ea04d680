/**
 * Retry with a customer Account in the real window (Chromium → WebSocket harness → real core, PTY devices,
 * the org emulator over HTTP): a job that failed at the Asset step because Salesforce has no such Account
 * offers an Account field on its bay; the operator finds the customer by name and presses "Retry with …";
 * the job finishes with one Asset at that Account, and the change is audited.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { screenshot, seriousA11yViolations } from './helpers';

let home: string;
let dev: DevStation;
let jobId: string;

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-retry-account-'));
  dev = await startDevStation({ home, devices: 1, keygenDelayMs: 100 });
  const [bay] = await dev.station.listBays({});
  // Salesforce does not answer at Start (pre-flight lets the line run), then answers at the Asset step,
  // which meets an Account the org does not have.
  dev.org.faults.serverErrors = 1000;
  const job = await dev.station.startJob({
    bayId: bay!.id,
    kind: 'provision',
    inputs: { accountId: '001000000000077AAA' },
  });
  dev.org.faults.serverErrors = 0;
  jobId = job.id;
  expect((await dev.station.waitForJob(job.id)).state).toBe('failed');
});

test.afterAll(async () => {
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('a job that failed for want of an Account offers an Account search on Retry, and finishes with it', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(dev.harness.url);
  const card = page.getByTestId('bay-card');
  await expect(card.getByTestId('bay-headline')).toContainText('FAILED');
  const retryBox = card.getByTestId('retry-account');
  await expect(retryBox).toContainText('Salesforce has no usable customer Account');
  await retryBox.getByLabel('Customer Account').fill('acme');
  await retryBox.getByRole('button', { name: 'Search' }).click();
  const pick = retryBox.getByRole('button', { name: 'Retry with Acme Devices Ltd' });
  await expect(pick).toBeVisible();
  await expect(retryBox).toContainText('1 Foundry Lane');
  expect(await seriousA11yViolations(page)).toEqual([]);
  await screenshot(page, 'retry-account-search');
  await pick.click();
  await expect(card.getByTestId('bay-headline')).toContainText('PASSED', { timeout: 30_000 });
  await expect(card.getByTestId('retry-account')).toHaveCount(0);
  await screenshot(page, 'retry-account-passed');

  const assets = dev.org.assets();
  expect(assets).toHaveLength(1);
  expect(assets[0]!.AccountId).toBe(dev.org.defaultAccountId);
  const job = await dev.station.getJob({ jobId });
  expect(job.state).toBe('succeeded');
  expect(job.inputs?.accountId).toBe(dev.org.defaultAccountId);
});
