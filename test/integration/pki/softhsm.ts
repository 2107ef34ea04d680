/**
 * Test helper: a SoftHSM2 token in a temporary folder. SoftHSM reads SOFTHSM2_CONF when the module is
 * initialised, so the helper sets it in this process (and returns it for child processes); the
 * token folder is private to the test. Needs the Debian packages softhsm2 (and opensc for
 * pkcs11-tool), which `.ci/run` installs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where Debian and other distributions put the SoftHSM2 module. */
const MODULE_CANDIDATES = [
  '/usr/lib/softhsm/libsofthsm2.so',
  '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so',
  '/usr/local/lib/softhsm/libsofthsm2.so',
];

/** The SoftHSM2 module path. @throws when SoftHSM2 is not installed (with what to install). */
export function softHsmModule(): string {
  const found = MODULE_CANDIDATES.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error('SoftHSM2 is not installed: apt-get install softhsm2 opensc (.ci/run does this).');
  }
  return found;
}

/** A token created for a test. */
export interface SoftHsm {
  module: string;
  /** Folder with softhsm2.conf and the tokens. */
  dir: string;
  conf: string;
  /** Environment for child processes (SOFTHSM2_CONF). */
  env: Record<string, string>;
  /** Creates (initialises) another token; returns its label. */
  addToken(label: string, pin?: string): string;
  /** Deletes a token, as if it were pulled out of the machine. */
  removeToken(label: string): void;
  /** Copies a token's files aside; the returned function puts them back ("plugs the token in again"). */
  backupToken(label: string): () => void;
  remove(): void;
}

/**
 * Creates a SoftHSM2 configuration in a fresh temporary folder, points SOFTHSM2_CONF at it, and
 * initialises one token `label` with user PIN `pin` (SO PIN 12345678).
 */
export function makeSoftHsm(label = 'station-ca', pin = '1234'): SoftHsm {
  const module = softHsmModule();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'softhsm-'));
  fs.mkdirSync(path.join(dir, 'tokens'));
  const conf = path.join(dir, 'softhsm2.conf');
  fs.writeFileSync(
    conf,
    `directories.tokendir = ${path.join(dir, 'tokens')}\nobjectstore.backend = file\nlog.level = ERROR\n`,
  );
  process.env.SOFTHSM2_CONF = conf;
  const env = { SOFTHSM2_CONF: conf };
  const util = (args: string[]) =>
    execFileSync('softhsm2-util', args, { env: { ...process.env, ...env }, stdio: 'pipe' });
  const hsm: SoftHsm = {
    module,
    dir,
    conf,
    env,
    addToken(l, p = pin) {
      util(['--init-token', '--free', '--label', l, '--so-pin', '12345678', '--pin', p]);
      return l;
    },
    removeToken(l) {
      util(['--delete-token', '--token', l]);
    },
    backupToken(l) {
      const tokens = path.join(dir, 'tokens');
      const folder = fs
        .readdirSync(tokens)
        .find((d) => fs.readFileSync(path.join(tokens, d, 'token.object')).includes(Buffer.from(l)));
      if (!folder) throw new Error(`no SoftHSM token labelled ${l}`);
      const copy = path.join(dir, `backup-${folder}`);
      fs.cpSync(path.join(tokens, folder), copy, { recursive: true });
      return () => fs.cpSync(copy, path.join(tokens, folder), { recursive: true });
    },
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  hsm.addToken(label, pin);
  return hsm;
}

/** Runs pkcs11-tool (opensc) against the test token; returns stdout. */
export function pkcs11Tool(hsm: SoftHsm, args: string[]): string {
  return execFileSync('pkcs11-tool', ['--module', hsm.module, ...args], {
    env: { ...process.env, ...hsm.env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs pkcs11-tool logged in to token `token` with user PIN `pin`, then `args`; returns stdout. */
export function pkcs11ToolLoggedIn(hsm: SoftHsm, token: string, pin: string, args: string[]): string {
  return pkcs11Tool(hsm, ['--token-label', token, '--login', '--pin', pin, ...args]);
}
