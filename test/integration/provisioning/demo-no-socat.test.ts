/**
 * First run anywhere (issue 16): `npm run demo` on a machine with nothing but Node and npm. The test
 * builds a PATH holding only `node`, `npm` and the `sh` npm runs scripts with (no socat), runs the
 * README's command exactly as a newcomer would (`npm run -s demo`, here with `--json` and a temporary
 * home), and checks that every simulated device was provisioned and verified over loopback TCP.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSocat } from '../../../sim/device/ports';

let bin: string;
let home: string;

/** The first executable `name` on the current PATH, resolved through symlinks. */
function onPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && fs.existsSync(p)) return fs.realpathSync(p);
  }
  throw new Error(`${name} is not on PATH`);
}

beforeAll(() => {
  bin = fs.mkdtempSync(path.join(os.tmpdir(), 'no-socat-bin-'));
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-socat-home-'));
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(onPath('npm'), path.join(bin, 'npm'));
  fs.symlinkSync(onPath('sh'), path.join(bin, 'sh'));
});

afterAll(() => {
  fs.rmSync(bin, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

describe('npm run demo without socat', () => {
  it('finds no socat on the narrowed PATH (the premise of the test)', () => {
    expect(findSocat({ PATH: bin })).toBeUndefined();
    // …while the machine itself has one, so the test really hides it (skip-proof: say which case ran).
    expect(typeof findSocat({ PATH: process.env.PATH })).toBe(
      fs.existsSync('/usr/bin/socat') ? 'string' : 'undefined',
    );
  });

  it('provisions and verifies every simulated device over loopback TCP', () => {
    const env: NodeJS.ProcessEnv = { PATH: bin, HOME: os.homedir(), npm_config_update_notifier: 'false' };
    const r = spawnSync(path.join(bin, 'npm'), ['run', '-s', 'demo', '--', '--home', home, '--json'], {
      cwd: path.resolve(__dirname, '../../..'),
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).not.toMatch(/socat is not installed/);
    expect(r.status).toBe(0);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const result = lines.at(-1) as {
      type: string;
      summary: {
        devices: number;
        deviceTransport: string;
        provisioned: number;
        newlyProvisioned: number;
        verified: number;
        failed: number;
        byFamily: Record<string, number>;
        deviceFamilies: Array<{ uid: string; family: string; title: string }>;
      };
    };
    expect(result.type).toBe('result');
    // 4 protocol v1 devices and 1 nRF91 modem (issue 12), each family named per device.
    expect(result.summary).toMatchObject({
      devices: 5,
      provisioned: 5,
      newlyProvisioned: 5,
      verified: 5,
      failed: 0,
      byFamily: { as1: 4, nrf91: 1 },
    });
    expect(result.summary.deviceFamilies.filter((d) => d.family === 'nrf91')).toEqual([
      {
        uid: expect.stringMatching(/^IMEI-\d{15}$/),
        family: 'nrf91',
        title: 'Nordic nRF91 modem (AT commands)',
      },
    ]);
    // No PTY links were made: the devices lived on loopback TCP ports.
    for (const dir of ['devices', 'modems']) {
      const links = path.join(home, 'sim', dir);
      expect(fs.existsSync(links) ? fs.readdirSync(links) : []).toEqual([]);
    }
    expect(result.summary.deviceTransport).toBe('tcp');
  }, 150_000);
});
