/**
 * Onboard mode in the real window (Chromium → WebSocket harness → real core, PTY devices, the org
 * emulator over HTTP): an installer signs in, sees Onboard and History only, finds the customer by
 * name (with address), picks a Contact and onboards a provisioned device; the org shows the Asset
 * Installed at that Account and the downloaded handover PDF's text names the device and the customer;
 * page 1 of the PDF is drawn by PDF.js in Chromium to an image (looked at). A cloned unit — the
 * registered UID with the genuine certificate copied, but its own key — is refused with a clear
 * message and nothing changes in the org.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { pdfText } from '../integration/onboard/pdf-text';
import type { KeyAlgorithm } from '../../shared/domain';
import { startDeviceSimulator, type DeviceSimulator } from '../../sim/device';
import { generateDeviceKey } from '../../sim/device/crypto';
import { SCREENSHOT_DIR, screenshot } from './helpers';
import { renderPdfPage } from './pdf-render';

let home: string;
let dev: DevStation;
let clone: DeviceSimulator | undefined;

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
  await clone?.stop();
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
  await expect(page.getByTestId('onboard-done')).toContainText(
    'Asset ID on the device: the device already holds',
  );
  await page.getByTestId('onboard-done').scrollIntoViewIfNeeded();
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

  // page 1 drawn by PDF.js in Chromium, to look at (test-results/screenshots/onboard-handover-page1.png)
  const shot = await renderPdfPage(
    await page.context().newPage(),
    fs.readFileSync(file),
    path.join(SCREENSHOT_DIR, 'onboard-handover-page1.png'),
  );
  expect(shot.pages).toBe(1);
  expect(shot.height / shot.width).toBeCloseTo(297 / 210, 1); // an A4 page
  expect(shot.ink).toBeGreaterThan(0.01); // text, table and QR code drawn, not a blank page
  expect(shot.ink).toBeLessThan(0.5);
});

test('a cloned unit (the registered UID and its copied certificate, but another key) is refused', async ({
  page,
}) => {
  // the clone: a second board answering with the genuine device's UID, certificate chain and Asset ID
  // (all public), but a key of its own: it cannot answer the key challenge of that certificate
  const genuine = dev.sim.devices[0]!;
  const state = JSON.parse(
    fs.readFileSync(path.join(home, 'sim', 'state', `${genuine.uid}.json`), 'utf8'),
  ) as { slots: Array<{ key?: { algorithm: KeyAlgorithm; privateKeyPem: string; spki: string } }> };
  const own = await generateDeviceKey(state.slots[0]!.key!.algorithm);
  state.slots[0]!.key = { ...own, spki: Buffer.from(own.spki).toString('base64') };
  const cloneHome = path.join(home, 'clone');
  fs.mkdirSync(path.join(cloneHome, 'sim', 'state'), { recursive: true });
  fs.writeFileSync(path.join(cloneHome, 'sim', 'state', `${genuine.uid}.json`), JSON.stringify(state));
  clone = await startDeviceSimulator({ home: cloneHome, count: 1, keyAlgorithms: [own.algorithm] });
  expect(clone.devices[0]!.uid).toBe(genuine.uid);
  await dev.sim.device(genuine.uid).unplug();
  await dev.station.attachBay({ locator: clone.devices[0]!.locator });
  const before = dev.org.assets().find((a) => JSON.stringify(a).includes(genuine.uid))!;

  await dev.station.signOut({});
  await page.goto(dev.harness.url);
  await page.getByLabel('Login').fill('ivy');
  await page.getByLabel('PIN or password').fill('8642');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page
    .getByRole('navigation', { name: 'Screens' })
    .getByRole('button', { name: /Onboard/ })
    .click();
  await page.getByLabel('Customer name').fill('globex');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('button', { name: /Globex Field Services/ }).click();
  await page.getByRole('button', { name: 'Onboard device' }).click();
  const error = page.getByTestId('onboard-error');
  await expect(error).toContainText(`This is not the registered device ${genuine.uid}`, { timeout: 60_000 });
  await expect(error).toContainText('could not prove it holds the key of its installed certificate');
  await expect(error).toContainText('Nothing was changed in Salesforce');
  await expect(error.getByTestId('remedy')).toContainText('Do not install this unit');
  // the installer's words: no internal check names in what happened or what to do
  for (const part of [error.locator('.error-notice__what'), error.getByTestId('remedy')])
    await expect(part).not.toContainText(/challenge|asset-link|org-asset|VERIFY_FAILED/);
  await error.scrollIntoViewIfNeeded();
  await screenshot(page, 'onboard-clone-refused');
  const after = dev.org.assets().find((a) => a.Id === before.Id)!;
  expect(after.AccountId).toBe(before.AccountId);
  expect(after.Description).toBe(before.Description);
  expect(after.AccountId).not.toBe(
    dev.org.records('Account').find((a) => a.Name === 'Globex Field Services')!.Id,
  );
});
