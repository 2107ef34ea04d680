/**
 * Operator roles in the real window (Debian Chromium → WebSocket harness → real core, simulated
 * devices on PTYs, the org emulator over HTTP): with operator accounts the window opens on the sign-in
 * form; a technician sees Station and History but no Settings, and when they call setConfig or a
 * re-provision straight through `window.station` (the attack: going around the hidden button) the
 * core refuses with a clear error; an admin sees Settings without the admin-PIN bar (the role replaces
 * the PIN) and saves as themselves; on an open bench the PIN bar stays and the first administrator is
 * created from Settings and signed in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { startDevStation, type DevStation } from '../../dev/dev-station';
import { DEMO_ADMIN_PIN } from '../../dev/embedded';
import { loadConfig } from '../../core/config';
import { screenshot, seriousA11yViolations } from './helpers';

test.describe.configure({ mode: 'serial' });

let home: string;
let dev: DevStation;
let page: Page;

test.beforeAll(async ({ browser }) => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-roles-'));
  dev = await startDevStation({ home, devices: 1, keygenDelayMs: 100 });
  await dev.station.addOperator({ login: 'boss', name: 'Ada Admin', role: 'admin', secret: '975310' });
  await dev.station.signIn({ login: 'boss', secret: '975310' });
  await dev.station.addOperator({ login: 'tom', name: 'Tom Tech', role: 'technician', secret: '1357' });
  await dev.station.signOut({});
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

test.afterAll(async () => {
  await page?.close();
  await dev?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

async function signIn(login: string, secret: string): Promise<void> {
  await page.getByLabel('Login').fill(login);
  await page.getByLabel('PIN or password').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('the window opens on sign-in; a wrong PIN is refused in plain words', async () => {
  await page.goto(dev.harness.url);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('navigation')).toHaveCount(0);
  await signIn('tom', '0000');
  await expect(page.getByRole('alert')).toContainText('The login or PIN is not correct.');
  const shot = await screenshot(page, 'roles-signin');
  expect(fs.statSync(shot).size).toBeGreaterThan(0);
  expect(await seriousA11yViolations(page)).toEqual([]);
});

test('a technician sees no Settings, and the core refuses settings and re-provision', async () => {
  await signIn('tom', '1357');
  await expect(page.getByTestId('operator')).toContainText('Tom Tech · Technician');
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await expect(nav.getByRole('button', { name: /Station/ })).toBeVisible();
  await expect(nav.getByRole('button', { name: /History/ })).toBeVisible();
  await expect(nav.getByRole('button', { name: /Settings/ })).toHaveCount(0);
  await expect(page.getByTestId('bay-card').or(page.getByTestId('bay-tile')).first()).toBeVisible();
  await screenshot(page, 'roles-technician');
  // no way into Settings by keyboard either, and no re-provision control anywhere
  for (let i = 1; i <= 6; i++) {
    await page.keyboard.press(`Alt+${i}`);
    await expect(page.getByRole('heading', { level: 1 })).not.toHaveText('Settings');
  }
  await expect(page.getByRole('button', { name: /re-?provision/i })).toHaveCount(0);
  await expect(page.getByLabel('Admin PIN')).toHaveCount(0);

  const refused = await page.evaluate(async (adminPin) => {
    const api = window.station!;
    const outcome = (p: Promise<unknown>) =>
      p.then(
        () => 'accepted',
        (e: { code: string; message: string; remedy: string }) => `${e.code}|${e.message}|${e.remedy}`,
      );
    const config = await api.getConfig({});
    const [bay] = await api.listBays({});
    return {
      settings: await outcome(api.setConfig({ config: { ...config, stationId: 'hijacked' }, adminPin })),
      reprovision: await outcome(
        api.startJob({ bayId: bay!.id, kind: 'provision', reprovision: true, adminPin }),
      ),
      accounts: await outcome(api.listOperators({})),
    };
  }, DEMO_ADMIN_PIN);
  expect(refused.settings).toMatch(
    /^UNAUTHORIZED\|Tom Tech is signed in as a technician, and only an administrator may change the station settings\.\|Ask the station administrator/,
  );
  expect(refused.reprovision).toMatch(/only an administrator may re-provision a device/);
  expect(refused.accounts).toMatch(/^UNAUTHORIZED/);
  expect(loadConfig(home).stationId).not.toBe('hijacked');
});

test('after sign-out an admin signs in and sees Settings', async () => {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await signIn('boss', '975310');
  const nav = page.getByRole('navigation', { name: 'Screens' });
  await nav.getByRole('button', { name: /Settings/ }).click();
  await expect(page.getByRole('heading', { name: 'Settings' })).toBeVisible();
  // the administrator role replaces the single admin PIN: no PIN bar, and saving works without one
  await expect(page.getByLabel('Admin PIN')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Operator accounts' })).toHaveCount(0);
  await page.getByLabel('Operator', { exact: true }).fill('line 2 bench');
  await expect(
    page.getByRole('status').filter({ hasText: 'saved as administrator Ada Admin' }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Settings saved.')).toBeVisible();
  expect(loadConfig(home).operator).toBe('line 2 bench');
  await page.getByRole('button', { name: 'Save settings' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'roles-admin-settings');
  const audit = dev.station.db
    .prepare(`SELECT actor, action FROM audit WHERE action = 'config.changed' ORDER BY rowid DESC LIMIT 1`)
    .get() as { actor: string; action: string } | undefined;
  expect(audit?.actor).toBe('boss');
});

test('first run on an open bench: the PIN bar saves, and the first administrator is created and signed in', async ({
  browser,
}) => {
  const home2 = fs.mkdtempSync(path.join(os.tmpdir(), 'as-e2e-first-admin-'));
  const bench = await startDevStation({ home: home2, devices: 1, keygenDelayMs: 100 });
  const p = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await p.goto(bench.harness.url);
    await p
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: /Settings/ })
      .click();
    await expect(p.getByLabel('Admin PIN')).toBeVisible();
    await expect(p.getByRole('status').filter({ hasText: 'Changes need the admin PIN.' })).toBeVisible();
    await p.getByLabel('Operator', { exact: true }).fill('first shift');
    await p.getByLabel('Admin PIN').fill(DEMO_ADMIN_PIN);
    await p.getByRole('button', { name: 'Save settings' }).click();
    await expect(p.getByText('Settings saved.')).toBeVisible();
    expect(loadConfig(home2).operator).toBe('first shift');
    const form = p.getByRole('form', { name: 'Create the first administrator' });
    await form.getByLabel('Administrator login').fill('Boss');
    await form.getByLabel('Full name').fill('Ada Admin');
    await form.getByLabel('New PIN or password').fill('975310');
    await form.getByLabel('New PIN or password').scrollIntoViewIfNeeded();
    await screenshot(p, 'roles-first-admin');
    await form.getByRole('button', { name: 'Create administrator and sign in' }).click();
    await expect(p.getByTestId('operator')).toContainText('Ada Admin · Admin');
    await p
      .getByRole('navigation', { name: 'Screens' })
      .getByRole('button', { name: /Settings/ })
      .click();
    await expect(p.getByLabel('Admin PIN')).toHaveCount(0);
    await expect(p.getByRole('form', { name: 'Create the first administrator' })).toHaveCount(0);
    // from now on the station asks everyone to sign in
    expect((await bench.station.getOperator({})).signInRequired).toBe(true);
  } finally {
    await p.close();
    await bench.stop();
    fs.rmSync(home2, { recursive: true, force: true });
  }
});
