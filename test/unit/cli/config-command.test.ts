/**
 * `asset-station config show|init` through the real binary: show names the real settings file (or says
 * none exists yet and the defaults apply); init writes it from flags, refuses to replace it without
 * --force (nothing changed), refuses bad values with the file named; a broken file is reported by path.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-config-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

it('show names the settings file; init writes it from flags and refuses to overwrite without --force', () => {
  const file = path.join(home, 'config.json');
  const before = cli(['config', 'show']);
  expect(before.code).toBe(0);
  expect(before.out).toContain(`no settings file yet (${file})`);
  expect(fs.existsSync(file)).toBe(false);

  const init = cli([
    '--json',
    'config',
    'init',
    '--station-id',
    'bench-7',
    '--org-url',
    'https://acme.my.salesforce.com',
    '--auth-flow',
    'jwt',
    '--username',
    'station@acme.example',
    '--product',
    'AS-SENSOR-1=01t000000000001AAA',
  ]);
  expect(init.code).toBe(0);
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    stationId: string;
    salesforce: { loginUrl: string; authFlow: string; username: string; productByModel: object };
  };
  expect(written.stationId).toBe('bench-7');
  expect(written.salesforce).toMatchObject({
    loginUrl: 'https://acme.my.salesforce.com',
    authFlow: 'jwt',
    username: 'station@acme.example',
    productByModel: { 'AS-SENSOR-1': '01t000000000001AAA' },
  });

  const shown = JSON.parse(cli(['--json', 'config', 'show']).out) as {
    file: string;
    exists: boolean;
    config: { stationId: string };
  };
  expect(shown).toMatchObject({ file, exists: true, config: { stationId: 'bench-7' } });
  expect(cli(['config', 'show']).out).toContain(`settings from ${file}`);

  const again = cli(['config', 'init', '--station-id', 'other']);
  expect(again.code).toBe(1);
  expect(again.err).toContain(`${file} already exists; nothing was changed`);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ stationId: 'bench-7' });

  expect(cli(['config', 'init', '--station-id', 'other', '--force']).code).toBe(0);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ stationId: 'other' });
});

it('bad values are refused naming the field and the file, and nothing is written', () => {
  const file = path.join(home, 'config.json');
  const bad = cli(['config', 'init', '--org-url', 'not a url']);
  expect(bad.code).toBe(1);
  expect(bad.err).toContain('salesforce.loginUrl');
  expect(bad.err).toContain(file);
  expect(fs.existsSync(file)).toBe(false);
  const usage = cli(['config', 'init', '--auth-flow', 'magic']);
  expect(usage.code).toBe(2);
  expect(usage.err).toContain('--auth-flow');
  expect(cli(['config', 'init', '--product', 'nomodel']).code).toBe(2);
  expect(fs.existsSync(file)).toBe(false);
});

it('a broken settings file is reported by its real path', () => {
  const file = path.join(home, 'config.json');
  fs.writeFileSync(file, '{"stationId": ');
  const r = cli(['config', 'show']);
  expect(r.code).toBe(1);
  expect(r.err).toContain(`${file} is not valid JSON`);
  fs.writeFileSync(file, JSON.stringify({ stationId: '' }));
  const r2 = cli(['config', 'show']);
  expect(r2.code).toBe(1);
  expect(r2.err).toContain(file);
  expect(r2.err).toContain('stationId');
});
