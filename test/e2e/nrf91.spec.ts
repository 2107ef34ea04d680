/**
 * Issue 12 e2e: a Nordic nRF91 modem (simulated, stock firmware, AT commands on a real PTY) provisioned
 * through the real renderer in Debian Chromium, beside a protocol v1 device, over the WebSocket harness
 * to a real station core and the Salesforce org emulator (dev/dev-station.ts). Nothing is mocked.
 *
 * Checks: each bay shows its device family (a badge on the tile, the full words in the details); the
 * modem is provisioned end to end from its Start button; the certificate the modem now holds is for the
 * key it generated inside (checked on the simulator's own state); the Asset is upserted under the
 * IMEI-based external ID in the emulated org; the steps the modem cannot do are listed with their
 * reason. Screens are audited with axe-core and saved as 1440×900 screenshots.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { decodePemAll } from '../../core/pki/pem';
import { screenshot, seriousA11yViolations } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;
let modemUid: string;
let imei: string;
let v1Uid: string;

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-nrf91-'));
  dev = await startDevStation({ home, devices: 1, modems: 1, keygenDelayMs: 300 });
  modemUid = dev.modems.modems[0]!.uid;
  imei = dev.modems.modems[0]!.imei;
  v1Uid = dev.sim.devices[0]!.uid;
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(dev.harness.url);
  await expect(page.getByTestId('bay-card')).toHaveCount(2);
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

const card = (uid: string): Locator => page.locator(`[data-testid="bay-card"][data-uid="${uid}"]`);
const tile = (uid: string): Locator => page.locator(`[data-testid="bay-tile"][data-uid="${uid}"]`);

test('each bay names its device family', async () => {
  await expect(card(modemUid).getByTestId('family-badge')).toHaveText('Nordic nRF91 modem (AT commands)');
  await expect(card(v1Uid).getByTestId('family-badge')).toHaveText('protocol v1 firmware');
  await expect(card(modemUid).getByTestId('bay-uid')).toHaveText(/^IMEI-\d{15}$/);
});

test('the modem is provisioned from the UI: certificate for its own key, Asset under its IMEI, skips explained', async () => {
  await card(modemUid).getByRole('button', { name: 'Start' }).click();
  await expect(card(modemUid).getByTestId('bay-headline')).toContainText('PASSED', { timeout: 60_000 });

  // What the modem holds: a client certificate in sec tag 2024 for the key it generated (and keeps) inside.
  const modem = dev.modems.modem(imei);
  const pem = modem.creds.get('2024,1');
  expect(pem).toBeDefined();
  const leaf = new crypto.X509Certificate(Buffer.from(decodePemAll(pem!)[0]!.der));
  expect(
    Buffer.compare(leaf.publicKey.export({ type: 'spki', format: 'der' }), Buffer.from(modem.keySpki(2024)!)),
  ).toBe(0);
  // …and a signature by that key verifies with the certificate (the modem's TLS stack would sign so).
  const msg = crypto.randomBytes(32);
  const sig = modem.signWith(2024, msg)!;
  expect(crypto.verify('sha256', msg, { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
  expect(leaf.subject).toContain(`CN=${modemUid}`);

  // The Asset in the emulated org, upserted under the IMEI-based external ID, once.
  const assets = dev.org.assets().filter((a) => a.Device_UID__c === modemUid);
  expect(assets).toHaveLength(1);

  // The steps a modem cannot do are listed with their reason, in plain words.
  const skipped = card(modemUid).getByTestId('bay-skipped');
  await expect(skipped.locator('li[data-step="asset-token"]')).toHaveText(
    'Asset token — an nRF91 modem cannot sign station data, so it cannot sign an actor token',
  );
  await expect(skipped.locator('li[data-step="write-back"]')).toHaveText(
    'Write Asset ID — an nRF91 modem has no storage for the Asset ID: the Asset stays in Salesforce under the modem IMEI (external ID)',
  );
  const violations = await seriousA11yViolations(page);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  await screenshot(page, 'nrf91-cards');
});

test('on the tiles: a family badge per bay, and the drawer shows the family and the skipped steps', async () => {
  await page.getByRole('group', { name: 'Bay layout' }).getByRole('button', { name: 'Tiles' }).click();
  await expect(tile(modemUid).getByTestId('family-badge')).toHaveText('nRF91');
  await expect(tile(modemUid).getByTestId('family-badge')).toHaveAttribute(
    'title',
    'Nordic nRF91 modem (AT commands)',
  );
  await expect(tile(v1Uid).getByTestId('family-badge')).toHaveText('v1');
  // The tile's accessible name is its visible text in reading order, plus the family in full words.
  await expect(tile(modemUid)).not.toHaveAttribute('aria-label');
  // (Chromium puts a space around each grid item's text: "Bay 2 , device …".)
  await expect(tile(modemUid)).toHaveAccessibleName(
    new RegExp(`^Bay 2 ?, device ${modemUid} ?, PASSED ?, Nordic nRF91 modem \\(AT commands\\)$`),
  );
  // The 20-character IMEI UID fits: on the tile on its own row, one line (it may break only after
  // "IMEI-", never inside the digits), with the full UID in its tooltip; in the details on one line.
  const lines = async (l: Locator) =>
    l.evaluate((e) =>
      Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight)),
    );
  const tileUid = tile(modemUid).getByTestId('tile-uid');
  await expect(tileUid).toHaveAttribute('title', modemUid);
  expect(await lines(tileUid)).toBe(1);
  expect(await tileUid.evaluate((e) => e.scrollWidth <= e.clientWidth)).toBe(true);
  await tile(modemUid).click();
  const drawer = page.getByTestId('bay-drawer');
  await expect(drawer.getByTestId('family-badge')).toHaveText('Nordic nRF91 modem (AT commands)');
  await expect(drawer.getByTestId('bay-skipped')).toContainText(
    'the Asset stays in Salesforce under the modem IMEI',
  );
  const drawerUid = drawer.getByTestId('bay-uid');
  await expect(drawerUid).toHaveText(modemUid);
  expect(await lines(drawerUid)).toBe(1);
  const violations = await seriousA11yViolations(page);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  await screenshot(page, 'nrf91-tiles-drawer');
});
