/**
 * `asset-station org login` on a station without a display: refused at once with a clear error naming what
 * to run instead, before the vault, the network or a browser (never a 300 s wait for a page nobody sees).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EXIT_FAILURE, runProgram } from '../../../cli/context';
import { buildProgram } from '../../../cli/program';
import { canOpenBrowser } from '../../../cli/open-browser';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'as-cli-headless-'));
const saved = { DISPLAY: process.env.DISPLAY, WAYLAND_DISPLAY: process.env.WAYLAND_DISPLAY };
let err = '';

beforeEach(() => {
  process.exitCode = undefined;
  err = '';
  delete process.env.DISPLAY;
  delete process.env.WAYLAND_DISPLAY;
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('a headless station', () => {
  it('knows when a browser can be shown: macOS/Windows always, elsewhere only with DISPLAY or WAYLAND_DISPLAY', () => {
    expect(canOpenBrowser({}, 'linux')).toBe(false);
    expect(canOpenBrowser({ DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(canOpenBrowser({ WAYLAND_DISPLAY: 'wayland-0' }, 'freebsd')).toBe(true);
    expect(canOpenBrowser({}, 'darwin')).toBe(true);
    expect(canOpenBrowser({}, 'win32')).toBe(true);
  });

  it.runIf(process.platform === 'linux')(
    'org login (PKCE) is refused at once with what to do instead; no vault is created',
    async () => {
      const home = path.join(tmp, 'home-1');
      fs.mkdirSync(home); // a station home: a missing one is refused before anything (home-missing.test.ts)
      const status = await runProgram(buildProgram(), [
        'node',
        'asset-station',
        '--home',
        home,
        'org',
        'login',
      ]);
      expect(status).toBe(EXIT_FAILURE);
      expect(err).toMatch(/no display/);
      expect(err).toContain('asset-station org login --print-url');
      expect(err).toContain('--jwt');
      expect(fs.existsSync(path.join(home, 'vault.json'))).toBe(false);
      expect(fs.readdirSync(home).filter((f) => /vault/i.test(f))).toEqual([]);
    },
  );
});
