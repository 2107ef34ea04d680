/**
 * The CLI's exit-status contract (cli/context.ts): 2 for a usage error — an argument or option a
 * command does not accept, refused before anything is done (no home created, nothing written) —
 * and 1 when the command ran and failed. Every command is run in-process through the real program
 * (cli/program.ts), and twice through the real `asset-station` binary.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_FAILURE, EXIT_USAGE, runProgram } from '../../../cli/context';
import { buildProgram } from '../../../cli/program';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-cli-exit-'));
let out = '';
let err = '';

beforeEach(() => {
  process.exitCode = undefined;
  out = err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** Runs `asset-station --home <fresh folder> …args` in-process; returns the status and the home. */
async function run(args: string[]): Promise<{ status: number; home: string }> {
  const home = path.join(tmp, `home-${++n}`);
  const status = await runProgram(buildProgram(), ['node', 'asset-station', '--home', home, ...args]);
  return { status, home };
}

describe('usage errors exit 2 and do nothing', () => {
  it.each([
    [['demo', '--devices', '0'], /--devices must be a whole number from 1 to 64, not '0'/],
    [['web', '--devices', 'many'], /--devices must be a whole number/],
    [['web', '--port', '99999'], /--port must be a whole number from 0 to 65535/],
    [['provision', '--port', 'usb:1'], /--port 'usb:1' is not a device locator/],
    [['verify', '--port', 'COM3'], /--port 'COM3' is not a device locator/],
    [['provision'], /provision needs at least one --port/],
    [['verify'], /verify needs at least one --port/],
    [['conformance', '--port', 'sim:x', '--baud', 'fast'], /--baud must be a whole number/],
    [
      ['conformance', '--port', 'serial:/dev/x', '--line-control', 'up'],
      /--line-control 'up' is not one of keep-low, default/,
    ],
    [['journal', 'list', '--outcome', 'great'], /--outcome 'great' is not one of succeeded/],
    [['journal', 'list', '--kind', 'audit'], /--kind 'audit' is not one of provision, verify/],
    [['journal', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 10000/],
    [['journal', 'list', '--from', 'yesterday'], /--from 'yesterday' is not a date/],
    [
      ['journal', 'export', '--format', 'xml'],
      /--format 'xml' is not one of csv, json[^]*what to do: Use --format csv or --format json\./,
    ],
    [['ca', 'init', '--algorithm', 'DSA'], /Unknown CA algorithm 'DSA'/],
    [['ca', 'import', '--cert', 'ca.pem'], /ca import needs either --cert FILE --key FILE, or --p12 FILE/],
    [['org', 'login', '--timeout=soon'], /--timeout must be a whole number/],
    [['sim', 'device', '--count', '0'], /--count must be a whole number from 1 to 64/],
    [['sim', 'device', '--alg', 'DSA'], /--alg 'DSA' is not one of/],
    [['sim', 'device', '--fault', 'melt'], /unknown fault "melt"/],
    [['sim', 'device', '--fault', 'slow=soon'], /--fault slow=MS must be a whole number/],
    [['sim', 'org', '--port', '70000'], /--port must be a whole number from 0 to 65535/],
  ])('%j', async (args, message) => {
    const { status, home } = await run(args);
    expect(status).toBe(EXIT_USAGE);
    expect(process.exitCode).toBe(EXIT_USAGE);
    expect(err).toMatch(message);
    expect(err).toMatch(/what to do: \S/);
    expect(fs.existsSync(home)).toBe(false);
  });

  it("commander's own usage errors (unknown command, missing option) exit 2", async () => {
    expect((await run(['conformance'])).status).toBe(EXIT_USAGE);
    expect(err).toMatch(/required option '--port <locator>' not specified/);
    expect((await run(['no-such-command'])).status).toBe(EXIT_USAGE);
    expect(err).toMatch(/unknown command 'no-such-command'/);
  });

  it('--json: the usage error is one JSON document on stdout, still exit 2', async () => {
    const { status } = await run(['--json', 'journal', 'list', '--limit', 'ten']);
    expect(status).toBe(EXIT_USAGE);
    expect(JSON.parse(out)).toMatchObject({ error: { code: 'BAD_REQUEST', message: /--limit/ } });
  });
});

describe('runtime failures exit 1', () => {
  it('a port with no device', async () => {
    const { status } = await run(['conformance', '--port', `serial:${tmp}/no-such-tty`]);
    expect(status).toBe(EXIT_FAILURE);
    expect(err).toMatch(/No device at/);
  });

  it('a file that cannot be read', async () => {
    const { status } = await run(['ca', 'import', '--p12', path.join(tmp, 'missing.p12')]);
    expect(status).toBe(EXIT_FAILURE);
    expect(err).toMatch(/given to --p12 cannot be read/);
  });

  it('a job that does not exist', async () => {
    const home = path.join(tmp, 'home-with-no-jobs');
    fs.mkdirSync(home); // a station home (a missing one is refused first: home-missing.test.ts)
    const status = await runProgram(buildProgram(), [
      'node',
      'asset-station',
      '--home',
      home,
      'journal',
      'show',
      'no-such-job',
    ]);
    expect(status).toBe(EXIT_FAILURE);
    expect(err).toMatch(/no-such-job/);
    expect(err).toMatch(/what to do: \S/);
  });
});

describe('the asset-station binary', () => {
  const bin = path.resolve('bin/asset-station.js');
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [bin, '--home', path.join(tmp, 'bin-home'), ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('exits 2 for a bad argument and 1 for a runtime failure', () => {
    const usage = cli(['demo', '--devices', 'lots']);
    expect(usage.stderr).toMatch(/--devices must be a whole number/);
    expect(usage.status).toBe(2);
    const failure = cli(['conformance', '--port', `serial:${tmp}/no-such-tty`]);
    expect(failure.stderr).toMatch(/No device at/);
    expect(failure.status).toBe(1);
  });
});
