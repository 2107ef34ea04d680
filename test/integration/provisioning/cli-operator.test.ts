/**
 * `asset-station operator add|list|remove|set-pin` as an administrator runs it, unattended: the first
 * account (an admin) needs no sign-in; afterwards the CLI signs in from ASSET_STATION_OPERATOR (+ PIN
 * from ASSET_STATION_OPERATOR_PIN) and only an admin manages accounts — a technician is refused with a
 * clear error and exit status 1, and nothing changes.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';

const PASS = 'cli-operator-test-vault';
let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-operator-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}) {
  const base: NodeJS.ProcessEnv = { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASS };
  for (const k of ['ASSET_STATION_OPERATOR', 'ASSET_STATION_OPERATOR_PIN', 'ASSET_STATION_NEW_OPERATOR_PIN'])
    delete base[k];
  const r = spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, '--json', ...args], {
    encoding: 'utf8',
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return {
    code: r.status,
    json: r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : {},
    err: r.stderr,
  };
}
const asAdmin = { ASSET_STATION_OPERATOR: 'boss', ASSET_STATION_OPERATOR_PIN: '975310' };
const asTech = { ASSET_STATION_OPERATOR: 'tom', ASSET_STATION_OPERATOR_PIN: '1357' };

it('adds the first admin, then only a signed-in admin lists, adds, resets and removes accounts', async () => {
  const first = cli(['operator', 'add', 'boss', '--name', 'Ada Admin', '--role', 'technician'], {
    ASSET_STATION_NEW_OPERATOR_PIN: '975310',
  });
  expect(first.code).toBe(1);
  expect(JSON.stringify(first.json)).toMatch(/first operator account on a station must be an administrator/);
  expect(
    cli(['operator', 'add', 'boss', '--name', 'Ada Admin', '--role', 'admin'], {
      ASSET_STATION_NEW_OPERATOR_PIN: '975310',
    }).code,
  ).toBe(0);
  expect(cli(['operator', 'add', 'x', '--name', 'X', '--role', 'boss'], asAdmin).code).toBe(2);
  expect(
    cli(['operator', 'add', 'tom', '--name', 'Tom Tech', '--role', 'technician'], {
      ASSET_STATION_NEW_OPERATOR_PIN: '1357',
    }).code,
  ).toBe(1); // nobody signed in
  expect(
    cli(['operator', 'add', 'tom', '--name', 'Tom Tech', '--role', 'technician'], {
      ...asAdmin,
      ASSET_STATION_NEW_OPERATOR_PIN: '1357',
    }).code,
  ).toBe(0);

  const refused = cli(['operator', 'list'], asTech);
  expect(refused.code).toBe(1);
  expect(refused.json).toMatchObject({
    error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/Tom Tech is signed in as a technician/) },
  });
  expect(cli(['operator', 'remove', 'boss'], asTech).code).toBe(1);
  expect(cli(['operator', 'list'], { ...asAdmin, ASSET_STATION_OPERATOR_PIN: '0000' }).code).toBe(1);

  const listed = cli(['operator', 'list'], asAdmin);
  expect(listed.code).toBe(0);
  expect(listed.json).toEqual([
    { login: 'boss', name: 'Ada Admin', role: 'admin', disabled: false },
    { login: 'tom', name: 'Tom Tech', role: 'technician', disabled: false },
  ]);
  expect(
    cli(['operator', 'set-pin', 'tom'], { ...asAdmin, ASSET_STATION_NEW_OPERATOR_PIN: '8642' }).code,
  ).toBe(0);
  expect(cli(['operator', 'list'], asTech).json).toMatchObject({ error: { message: /not correct/ } });
  expect(cli(['operator', 'remove', 'boss'], asAdmin).code).toBe(1); // the last admin stays
  expect(cli(['operator', 'remove', 'tom'], asAdmin).code).toBe(0);
  expect((cli(['operator', 'list'], asAdmin).json as unknown as unknown[]).length).toBe(1);
}, 180_000);
