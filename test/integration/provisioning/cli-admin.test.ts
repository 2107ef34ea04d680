/**
 * `asset-station admin pin` as an administrator runs it: on a terminal (a real PTY through `script`)
 * the new PIN is typed twice with echo off; unattended, it comes from ASSET_STATION_ADMIN_PIN (and
 * ASSET_STATION_NEW_ADMIN_PIN for a change); never from an argument. A change needs the current PIN.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminPin } from '../../../core/operators/admin-pin';
import { FileVault } from '../../../core/secrets';

const PASS = 'cli-admin-test-vault';
let home: string;

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-admin-'));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

const baseEnv = () => {
  const env: NodeJS.ProcessEnv = { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASS };
  delete env.ASSET_STATION_ADMIN_PIN;
  delete env.ASSET_STATION_NEW_ADMIN_PIN;
  return env;
};

/** Runs the CLI without a terminal (stdin is not a TTY). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, '--json', ...args], {
    encoding: 'utf8',
    env: { ...baseEnv(), ...env },
    stdin: 'ignore',
    timeout: 60_000,
  } as Parameters<typeof spawnSync>[2] & { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Runs `admin pin` on a PTY and answers each prompt in turn; returns the terminal transcript. */
function onTerminal(
  answers: Array<[prompt: string, answer: string]>,
): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const cmd = `${process.execPath} bin/asset-station.js --home ${home} admin pin`;
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], {
      env: baseEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let screen = '';
    let next = 0;
    let from = 0;
    child.stdout.on('data', (d) => {
      screen += d;
      const at = answers[next] ? screen.indexOf(answers[next]![0], from) : -1;
      if (at < 0) return;
      from = at + answers[next]![0].length;
      child.stdin.write(`${answers[next]![1]}\r`);
      next++;
    });
    child.on('exit', (code) => resolve({ code, screen }));
  });
}

/** True when `pin` is this home's admin PIN. */
async function isPin(pin: string): Promise<boolean> {
  const admin = new AdminPin({ secrets: FileVault.inHome(home, PASS), audit: () => {} });
  return admin.require(pin, 'change the station settings').then(
    () => true,
    () => false,
  );
}

describe('asset-station admin pin', () => {
  it('never takes the PIN as an argument', () => {
    const r = cli(['admin', 'pin', '4321']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/too many arguments/);
    expect(fs.existsSync(path.join(home, 'secrets.vault'))).toBe(false);
  });

  it('provision --reprovision without a terminal needs ASSET_STATION_ADMIN_PIN before anything starts', () => {
    const r = cli(['provision', '--port', 'sim:nothing-here', '--reprovision']);
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.out) as { error: { code: string; remedy: string } };
    expect(error.code).toBe('SECRET_MISSING');
    expect(error.remedy).toContain('ASSET_STATION_ADMIN_PIN');
  });

  it('on a terminal: asks twice with echo off, refuses two different PINs, sets matching ones', async () => {
    const NEW = 'New admin PIN';
    const AGAIN = 'again';
    const differ = await onTerminal([
      [NEW, '1234'],
      [AGAIN, '1243'],
    ]);
    expect(differ.code).toBe(1);
    expect(differ.screen).toMatch(/not the same/);
    expect(await isPin('1234')).toBe(false);

    const set = await onTerminal([
      [NEW, '864200'],
      [AGAIN, '864200'],
    ]);
    expect(set.code, set.screen).toBe(0);
    expect(set.screen).toMatch(/The admin PIN is set/);
    expect(set.screen).not.toContain('864200'); // echo off
    expect(await isPin('864200'), JSON.stringify(set.screen)).toBe(true);
  }, 60_000);

  it('unattended: sets from the environment; a change needs the current PIN', async () => {
    const first = cli(['admin', 'pin'], { ASSET_STATION_ADMIN_PIN: '2468' });
    expect(first.code, first.err).toBe(0);
    expect(JSON.parse(first.out)).toEqual({ adminPin: 'set' });

    const noCurrent = cli(['admin', 'pin'], { ASSET_STATION_NEW_ADMIN_PIN: '1357' });
    expect(noCurrent.code).toBe(1);
    expect(JSON.parse(noCurrent.out).error.code).toBe('SECRET_MISSING');

    const wrong = cli(['admin', 'pin'], {
      ASSET_STATION_ADMIN_PIN: '0000',
      ASSET_STATION_NEW_ADMIN_PIN: '1357',
    });
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out).error.code).toBe('UNAUTHORIZED');
    expect(await isPin('2468')).toBe(true);

    const badNew = cli(['admin', 'pin'], {
      ASSET_STATION_ADMIN_PIN: '2468',
      ASSET_STATION_NEW_ADMIN_PIN: '12ab',
    });
    expect(JSON.parse(badNew.out).error.code).toBe('BAD_REQUEST');

    const changed = cli(['admin', 'pin'], {
      ASSET_STATION_ADMIN_PIN: '2468',
      ASSET_STATION_NEW_ADMIN_PIN: '1357',
    });
    expect(changed.code, changed.err).toBe(0);
    expect(JSON.parse(changed.out)).toEqual({ adminPin: 'changed' });
    expect(await isPin('1357')).toBe(true);
    expect(await isPin('2468')).toBe(false);
  }, 60_000);
});
