/**
 * Issue 16: the CLI's station vault. A new vault says it is being created and, at a prompt, asks for
 * the passphrase twice (two different answers create nothing); a wrong passphrase on an existing vault
 * says "Wrong passphrase" — a short one too (not "choose at least 8 characters"); the right one opens it.
 * The prompt runs on a stand-in terminal (stdin marked as a TTY, answers typed as key data).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileVault, VAULT_PASSPHRASE_ENV } from '../../../core/secrets';
import { openVault } from '../../../cli/secrets-prompt';

let home: string;
let err = '';
const saved = process.env[VAULT_PASSPHRASE_ENV];
const stdin = process.stdin as NodeJS.ReadStream & { setRawMode: (b: boolean) => unknown };
const tty = { isTTY: stdin.isTTY, setRawMode: stdin.setRawMode };

/** Answers each prompt written to stderr with the next of `answers`, as typed keys then Enter. */
function typeAnswers(answers: string[]): void {
  Object.defineProperty(stdin, 'isTTY', { value: true, configurable: true });
  stdin.setRawMode = () => stdin;
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    if (/: $/.test(String(s)) && answers.length) {
      const a = answers.shift()!;
      setImmediate(() => stdin.emit('data', Buffer.from(`${a}\r`)));
    }
    return true;
  });
}

beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-vault-'));
  err = '';
  delete process.env[VAULT_PASSPHRASE_ENV];
});
afterEach(() => {
  vi.restoreAllMocks();
  Object.defineProperty(stdin, 'isTTY', { value: tty.isTTY, configurable: true });
  stdin.setRawMode = tty.setRawMode;
  if (saved === undefined) delete process.env[VAULT_PASSPHRASE_ENV];
  else process.env[VAULT_PASSPHRASE_ENV] = saved;
  fs.rmSync(home, { recursive: true, force: true });
});

describe('station vault at the CLI', () => {
  it('a new vault says it is being created and asks twice; the same answer twice creates it', async () => {
    typeAnswers(['bench-secret-1', 'bench-secret-1']);
    const vault = await openVault(home);
    await vault.set('x', 'y');
    expect(err).toContain(`No station vault at ${path.join(home, 'secrets.vault')} yet: creating one.`);
    expect(err).toContain('New vault passphrase');
    expect(err).toContain('The same passphrase again');
    expect(await FileVault.inHome(home, 'bench-secret-1').get('x')).toBe('y');
  });

  it('two different answers create no vault', async () => {
    typeAnswers(['bench-secret-1', 'bench-secret-2']);
    await expect(openVault(home)).rejects.toMatchObject({
      code: 'SECRET_STORE_UNAVAILABLE',
      message: 'The two passphrases differ, so no vault was created.',
    });
    expect(fs.existsSync(path.join(home, 'secrets.vault'))).toBe(false);
  });

  it('a wrong passphrase on an existing vault says so, a short one too; the right one opens it', async () => {
    await FileVault.inHome(home, 'right-passphrase').set('ca.passphrase', 'p');
    for (const wrong of ['short', 'wrong-passphrase']) {
      process.env[VAULT_PASSPHRASE_ENV] = wrong;
      const e = await openVault(home).catch((x: unknown) => x);
      expect(e).toMatchObject({
        code: 'SECRET_STORE_UNAVAILABLE',
        message: `Wrong passphrase for the station vault ${path.join(home, 'secrets.vault')}.`,
      });
      expect(JSON.stringify(e)).not.toMatch(/at least 8/);
    }
    process.env[VAULT_PASSPHRASE_ENV] = 'right-passphrase';
    expect(await (await openVault(home)).get('ca.passphrase')).toBe('p');
  });
});
