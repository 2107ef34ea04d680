/**
 * `asset-station config show|init` through the real binary: show names the real settings file (or says
 * none exists yet and the defaults apply); init writes it from flags, refuses to change it without
 * --force (nothing changed), with --force merges the flags into it (every other setting kept) and says
 * what changed; refuses bad values with the file named; a broken file is reported by path.
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

  const forced = cli(['config', 'init', '--station-id', 'other', '--force']);
  expect(forced.code).toBe(0);
  // merged: the one setting named changed, every other one the first init wrote is kept
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({
    stationId: 'other',
    salesforce: {
      loginUrl: 'https://acme.my.salesforce.com',
      authFlow: 'jwt',
      username: 'station@acme.example',
      productByModel: { 'AS-SENSOR-1': '01t000000000001AAA' },
    },
  });
  expect(forced.out).toContain(`updated ${file}: 1 setting changed, every other setting kept:`);
  expect(forced.out).toContain('stationId: "bench-7" → "other"');
}, 120_000);

it('init --force keeps every setting the flags do not name (even hand-edited ones) and lists each change', () => {
  const file = path.join(home, 'config.json');
  expect(
    cli(['config', 'init', '--station-id', 'bench-3', '--product', 'AS-SENSOR-1=01t000000000001AAA']).code,
  ).toBe(0);
  // an administrator edits the file by hand: settings config init has no flag for
  const edited = JSON.parse(fs.readFileSync(file, 'utf8')) as StationConfigLike;
  edited.device.baudRate = 9600;
  edited.salesforce.assetTokens = { enabled: true, audience: 'https://devices.acme.example' };
  edited.bench = { labelPrinter: '10.0.0.9' };
  fs.writeFileSync(file, JSON.stringify(edited, null, 2));

  const r = cli([
    '--json',
    'config',
    'init',
    '--force',
    '--client-id',
    'key-2',
    '--product',
    'AS-GATEWAY-2=01t000000000002AAA',
  ]);
  expect(r.code, r.err).toBe(0);
  const after = JSON.parse(fs.readFileSync(file, 'utf8')) as StationConfigLike;
  expect(after.stationId).toBe('bench-3');
  expect(after.device.baudRate).toBe(9600);
  expect(after.bench).toEqual({ labelPrinter: '10.0.0.9' });
  expect(after.salesforce).toMatchObject({
    clientId: 'key-2',
    assetTokens: { enabled: true, audience: 'https://devices.acme.example' },
    // --product adds a model to the map; the models already in it stay
    productByModel: { 'AS-SENSOR-1': '01t000000000001AAA', 'AS-GATEWAY-2': '01t000000000002AAA' },
  });
  const out = JSON.parse(r.out) as { file: string; created: boolean; changes: unknown[] };
  expect(out).toMatchObject({ file, created: false });
  expect(out.changes).toEqual([
    { key: 'salesforce.clientId', from: '', to: 'key-2' },
    { key: 'salesforce.productByModel.AS-GATEWAY-2', to: '01t000000000002AAA' },
  ]);

  // the same values again: nothing changes and the file is left as it is, byte for byte
  const bytes = fs.readFileSync(file, 'utf8');
  const same = cli(['config', 'init', '--force', '--client-id', 'key-2']);
  expect(same.code).toBe(0);
  expect(same.out).toContain(`${file} is unchanged: it already has the values given`);
  expect(fs.readFileSync(file, 'utf8')).toBe(bytes);

  // a broken file is not replaced by --force: it is named, and kept for the person to fix
  fs.writeFileSync(file, '{"stationId": ');
  const broken = cli(['config', 'init', '--force', '--station-id', 'x']);
  expect(broken.code).toBe(1);
  expect(broken.err).toContain(`${file} is not valid JSON`);
  expect(fs.readFileSync(file, 'utf8')).toBe('{"stationId": ');
}, 120_000);

it('a new settings file: the output lists what differs from the defaults', () => {
  const file = path.join(home, 'config.json');
  const r = cli(['config', 'init', '--api-version', '61.0']);
  expect(r.code).toBe(0);
  expect(r.out).toContain(`wrote the new settings file ${file}; these differ from the defaults`);
  expect(r.out).toContain('salesforce.apiVersion: "62.0" → "61.0"');
}, 120_000);

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
}, 120_000);

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
}, 120_000);

/**
 * Runs the real binary on a real pseudo-terminal (python3's pty module relays the piped `typed` text
 * to the terminal), as a person at a terminal would type the answers.
 */
function cliOnTerminal(args: string[], typed: string) {
  const r = spawnSync(
    'python3',
    [
      '-c',
      'import pty,sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)',
      process.execPath,
      'bin/asset-station.js',
      '--home',
      home,
      ...args,
    ],
    { encoding: 'utf8', input: typed, timeout: 60_000 },
  );
  return { code: r.status, out: r.stdout };
}

it('init with no value flags on a terminal asks for each value with its default; a bad answer is asked again', () => {
  const file = path.join(home, 'config.json');
  // Station ID, a bad URL then a good one, client id kept, jwt, its username, Account, then Enter for the rest.
  const typed =
    [
      'bench-9',
      'not a url',
      'https://acme.my.salesforce.com',
      '',
      'jwt',
      'station@acme.example',
      '001000000000001AAA',
      '',
      '',
      'RSA-9',
      '',
      '',
    ].join('\n') + '\n';
  const r = cliOnTerminal(['config', 'init'], typed);
  expect(r.code, r.out).toBe(0);
  expect(r.out).toMatch(/Station ID \[[^\]]+\]: /);
  expect(r.out).toContain('Salesforce login URL [https://login.salesforce.com]: ');
  expect(r.out).toContain('Not accepted: salesforce.loginUrl: Invalid URL. Enter another value');
  expect(r.out).toContain('Salesforce username the station signs in as []: ');
  expect(r.out).toContain("Not accepted: --key-algorithm 'RSA-9' is not one of");
  const written = JSON.parse(fs.readFileSync(file, 'utf8')) as StationConfigLike;
  expect(written.stationId).toBe('bench-9');
  expect(written.device.keyAlgorithm).toBe('ECDSA-P256'); // the bad answer was not kept; Enter kept the default
  expect(written.salesforce).toMatchObject({
    loginUrl: 'https://acme.my.salesforce.com',
    authFlow: 'jwt',
    username: 'station@acme.example',
    accountId: '001000000000001AAA',
    apiVersion: '62.0',
  });
  // The file exists now: a second interactive init refuses before asking anything.
  const again = cliOnTerminal(['config', 'init'], 'other\n');
  expect(again.code).toBe(1);
  expect(again.out).toContain(`${file} already exists; nothing was changed`);
  expect(again.out).not.toContain('Station ID [');
  expect((JSON.parse(fs.readFileSync(file, 'utf8')) as StationConfigLike).stationId).toBe('bench-9');

  // with --force the questions offer the file's values, and Enter on each keeps them all
  const merged = cliOnTerminal(['config', 'init', '--force'], 'bench-10\n' + '\n'.repeat(10));
  expect(merged.code, merged.out).toBe(0);
  expect(merged.out).toContain('Station ID [bench-9]: ');
  expect(merged.out).toContain('Salesforce login URL [https://acme.my.salesforce.com]: ');
  expect(merged.out).toContain('stationId: "bench-9" → "bench-10"');
  const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as StationConfigLike;
  expect(kept.stationId).toBe('bench-10');
  expect(kept.salesforce).toMatchObject({
    loginUrl: 'https://acme.my.salesforce.com',
    username: 'station@acme.example',
    accountId: '001000000000001AAA',
  });
}, 120_000);

it('answers that end early write nothing', () => {
  const r = cliOnTerminal(['config', 'init'], 'bench-9\n\u0004');
  expect(r.code).toBe(1);
  expect(r.out).toContain('The answers ended before every setting was given; nothing was written.');
  expect(fs.existsSync(path.join(home, 'config.json'))).toBe(false);
}, 120_000);

it('init with no value flags and no terminal fails at once, naming the flags to use', () => {
  const r = cli(['config', 'init', '--force']);
  expect(r.code).toBe(2);
  expect(r.err).toContain('config init has no values to write and there is no terminal to ask them on.');
  expect(r.err).toContain('Use the flags: asset-station config init --station-id …');
  expect(r.err).toContain('--client-id …');
  expect(r.err).toContain('--account …');
  expect(fs.existsSync(path.join(home, 'config.json'))).toBe(false);
}, 120_000);

interface StationConfigLike {
  stationId: string;
  device: { keyAlgorithm: string; baudRate?: number };
  salesforce: Record<string, unknown>;
  bench?: { labelPrinter?: string };
}
