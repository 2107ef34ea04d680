/**
 * A station home that does not exist is refused, not created: a mistyped `--home` (or ASSET_STATION_HOME)
 * would otherwise start an empty station — no CA, no records, a new vault — and the technician would not
 * notice. Every command but the ones that set a station up says what happened and what to do and leaves
 * no folder behind; `config init` (a command that creates a home) still creates it. Through the real
 * command program, in process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runProgram } from '../../../cli/context';
import { buildProgram } from '../../../cli/program';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-home-missing-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let out = '';
let err = '';
const saved = { ...process.env };
beforeEach(() => {
  out = '';
  err = '';
  process.exitCode = undefined;
  delete process.env.ASSET_STATION_HOME;
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  process.env = { ...saved };
});

const run = (...args: string[]) => runProgram(buildProgram(), ['node', 'asset-station', ...args]);

describe('a station home that does not exist', () => {
  it.each([
    [['journal', 'list']],
    [['info']],
    [['provision', '--port', 'serial:/dev/ttyUSB7']],
    [['config', 'show']],
    [['jobs', 'parked']],
  ])(
    '--home with a typo: %j is refused, names the folder and how to create one, creates nothing',
    async (args) => {
      const typo = path.join(tmp, 'statoin');
      expect(await run('--home', typo, ...args)).toBe(EXIT_FAILURE);
      expect(err).toContain(`There is no station home at ${typo} (given with --home); nothing was done.`);
      expect(err).toContain('what to do: Check the folder given to --home');
      expect(err).toContain(`run asset-station --home ${typo} config init`);
      expect(fs.existsSync(typo)).toBe(false);
    },
  );

  it('--json: the refusal is one JSON error on stdout', async () => {
    const typo = path.join(tmp, 'json-typo');
    expect(await run('--home', typo, '--json', 'journal', 'list')).toBe(EXIT_FAILURE);
    expect(JSON.parse(out)).toMatchObject({
      error: { code: 'HOME_UNUSABLE', message: expect.stringContaining(`no station home at ${typo}`) },
    });
    expect(fs.existsSync(typo)).toBe(false);
  });

  it('ASSET_STATION_HOME with a typo is refused the same way, naming the variable', async () => {
    const typo = path.join(tmp, 'env typo');
    process.env.ASSET_STATION_HOME = typo;
    expect(await run('journal', 'list')).toBe(EXIT_FAILURE);
    expect(err).toContain(`There is no station home at ${typo} (set in ASSET_STATION_HOME)`);
    expect(err).toContain('Check the folder in ASSET_STATION_HOME');
    // a folder with a space is quoted, so the command can be copied as it is
    expect(err).toContain(`run asset-station --home '${typo}' config init`);
    expect(fs.existsSync(typo)).toBe(false);
  });

  it.runIf(process.platform === 'linux')(
    "this computer's default home, not set up yet: says so and to run config init",
    async () => {
      process.env.XDG_CONFIG_HOME = path.join(tmp, 'xdg');
      const home = path.join(tmp, 'xdg', 'asset-station');
      expect(await run('journal', 'list')).toBe(EXIT_FAILURE);
      expect(err).toContain(`There is no station home at ${home} (this computer's default station home)`);
      expect(err).toContain('run asset-station config init.');
      expect(fs.existsSync(home)).toBe(false);
    },
  );

  it('config init with a bad value refuses before creating the home: no folder is left behind', async () => {
    const home = path.join(tmp, 'bad-init');
    expect(await run('--home', home, 'config', 'init', '--org-url', 'not a url')).toBe(EXIT_FAILURE);
    expect(err).toContain('salesforce.loginUrl');
    expect(fs.existsSync(home)).toBe(false);
    expect(await run('--home', home, 'config', 'init')).toBe(EXIT_USAGE); // no values and no terminal
    expect(fs.existsSync(home)).toBe(false);
  });

  it('config init (a command that sets up a station) creates the home, and then the others find it', async () => {
    const home = path.join(tmp, 'new-station', 'home');
    expect(await run('--home', home, 'config', 'init', '--station-id', 'bench-5')).toBe(EXIT_OK);
    expect(JSON.parse(fs.readFileSync(path.join(home, 'config.json'), 'utf8'))).toMatchObject({
      stationId: 'bench-5',
    });
    expect(fs.statSync(home).mode & 0o777).toBe(0o700);
    err = '';
    expect(await run('--home', home, 'config', 'show')).toBe(EXIT_OK);
    expect(err).toBe('');
    expect(out).toContain(`settings from ${path.join(home, 'config.json')}`);
  });
});
