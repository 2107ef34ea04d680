/**
 * Onboard mode in the real window (Chromium → WebSocket harness → real core, PTY devices, the org
 * emulator over HTTP): an installer signs in, sees Onboard and History only, finds the customer by
 * name (with address), picks a Contact and onboards a provisioned device; the org shows the Asset
 * Installed at that Account and the downloaded handover PDF's text names the device and the customer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { pdfText } from '../integration/onboard/pdf-text';
import { screenshot } from './helpers';

let home: string;
let dev: DevStation;

test.beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-onboard-'));
  dev = await startDevStation({ home, devices: 1, keygenDelayMs: 100 });
  const [bay] = await dev.station.listBays({});
  const job = await dev.station.startJob({ bayId: bay!.id, kind: 'provision' });
  expect((await dev.station.waitForJob(job.id)).state).toBe('succeeded');
  await dev.station.addOperator({ login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  await dev.station.signIn({ login: 'boss', secret: '975310' });
  await dev.station.addOperator({ login: 'ivy', name: 'Ivy Installer', role: 'installer', secret: '8642' });
  await dev.station.signOut({});
});

test.afterAll(async () => {
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('an installer onboards a provisioned device to an Account; the PDF names device and customer', async ({
  page,
}) => {
  await page.goto(dev.harness.url);
  await page.getByLabel('Login').fill('ivy');
  await page.getByLabel('PIN or password').fill('8642');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await expect(nav.getByRole('button')).toHaveText([/History/, /Onboard/]);
  await nav.getByRole('button', { name: /Onboard/ }).click();

  await page.getByLabel('Customer name').fill('acme');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: /Acme Devices Ltd — 1 Foundry Lane/ }).click();
  await expect(page.getByTestId('onboard-customer')).toContainText('Sheffield');
  await page.getByLabel('Contact').selectOption({ label: 'Ada Lovelace <ada@acme.invalid>' });
  await page.getByLabel('Location (optional)').fill('Loading bay 3');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Onboard device' }).click();
  await expect(page.getByTestId('onboard-done')).toContainText('at Acme Devices Ltd');
  await screenshot(page, 'onboard-done');

  const file = path.join(home, 'downloaded.pdf');
  await (await download).saveAs(file);
  const { text } = await pdfText(fs.readFileSync(file));
  const uid = dev.sim.devices[0]!.uid;
  expect(text).toContain(uid);
  expect(text).toContain('Acme Devices Ltd');
  expect(text).toContain('Ivy Installer (ivy)');
  const asset = dev.org.assets().find((a) => JSON.stringify(a).includes(uid))!;
  expect(asset).toMatchObject({ Status: 'Installed', AccountId: dev.org.defaultAccountId });
  fs.copyFileSync(file, path.resolve('test-results', 'screenshots', 'onboard-handover.pdf'));
});
