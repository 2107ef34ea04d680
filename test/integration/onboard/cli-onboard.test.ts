/**
 * `asset-station onboard` as an installer runs it on a laptop (child processes, simulated devices on
 * real PTYs, the org emulator over HTTP): search the customer by name, onboard the provisioned device
 * (the PDF written with --out, its text naming the device and the customer), and a device never
 * provisioned is refused with exit status 1 and what to do.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { provisionCli, startCliHome, type CliHome } from '../provisioning/cli-run';
import { pdfText } from './pdf-text';

const PASSPHRASE = 'cli-onboard-test-vault';
let h: CliHome;
beforeAll(async () => {
  h = await startCliHome(PASSPHRASE, 2);
}, 60_000);
afterAll(async () => h?.stop());

/** Runs the CLI as a child process without blocking this process (the org emulator answers from here). */
function cli(...args: string[]): Promise<{ code: number | null; json: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/asset-station.js', '--home', h.home, '--json', ...args], {
      env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASSPHRASE },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('close', (code) => resolve({ code, json: JSON.parse(out || '{}') as Record<string, unknown> }));
  });
}

it('searches the customer, onboards the provisioned device with a PDF, refuses a blank one', async () => {
  const [d1, d2] = h.sim.devices;
  expect((await provisionCli(h.home, PASSPHRASE, d1!.locator)).code).toBe(0);

  const search = await cli('onboard', 'search', 'acme');
  expect(search.code, JSON.stringify(search.json)).toBe(0);
  expect(search.json).toEqual([
    expect.objectContaining({ name: 'Acme Devices Ltd', address: expect.stringContaining('Sheffield') }),
  ]);
  const accountId = (search.json as unknown as Array<{ id: string }>)[0]!.id;

  const out = path.join(h.home, 'report.pdf');
  const done = await cli('onboard', 'device', '--port', d1!.locator, '--account', accountId, '--out', out);
  expect(done.code, JSON.stringify(done.json)).toBe(0);
  expect(done.json).toMatchObject({ deviceUid: d1!.uid, account: { name: 'Acme Devices Ltd' } });
  expect(done.json.checks).toEqual(
    expect.arrayContaining([
      {
        name: 'binding',
        passed: true,
        detail: `the device already holds Asset ID ${String(done.json.assetId)}`,
      },
      expect.objectContaining({ name: 'asset-token', detail: expect.stringMatching(/^skipped: /) }),
    ]),
  );
  const { text } = await pdfText(fs.readFileSync(out));
  expect(text).toContain(d1!.uid);
  expect(text).toContain('Acme Devices Ltd');
  expect(h.org.assets().find((a) => a.Id === done.json.assetId)).toMatchObject({ Status: 'Installed' });

  const blank = await cli('onboard', 'device', '--port', d2!.locator, '--account', accountId);
  expect(blank.code).toBe(1);
  expect(blank.json).toMatchObject({
    error: { code: 'VERIFY_FAILED', remedy: expect.stringMatching(/Do not install this unit/) },
  });
}, 180_000);
