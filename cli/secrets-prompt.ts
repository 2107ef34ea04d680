/**
 * Getting secrets into the CLI: from a documented environment variable for unattended use, else an
 * interactive prompt with echo off. Never from a command-line argument (it would land in shell history
 * and `ps`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { StationError } from '../shared/errors';
import { FileVault, SECRET_NAMES, VAULT_PASSPHRASE_ENV, type SecretStore } from '../core/secrets';

/**
 * Reads a secret: `process.env[envName]` if set, else prompts on the TTY with echo off.
 * @throws StationError SECRET_MISSING when neither is possible (no TTY, variable unset).
 */
export async function readSecret(envName: string, prompt: string): Promise<string> {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) {
    throw new StationError(
      'SECRET_MISSING',
      `${prompt.replace(/:\s*$/, '')} is needed and there is no terminal to ask on.`,
      `Set ${envName} in the environment for unattended use, or run the command in a terminal.`,
    );
  }
  return promptHidden(prompt);
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    // Echo off before the prompt shows: an answer typed ahead (or pasted) must not echo either.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    let value = '';
    const onData = (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          cleanup();
          process.stderr.write('\n');
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new StationError('CANCELLED', 'Input was cancelled.', 'Run the command again.'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const cleanup = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
    };
    stdin.on('data', onData);
  });
}

/**
 * Opens the station's file vault, asking for its passphrase (env {@link VAULT_PASSPHRASE_ENV} or prompt).
 * An existing vault is opened at once, so a wrong passphrase is said as such before any work starts. A
 * missing vault is announced as being created, and at a prompt its passphrase is asked twice.
 * @throws StationError SECRET_STORE_UNAVAILABLE (wrong passphrase, the two entries differ, too short),
 *   SECRET_MISSING (no passphrase and no terminal)
 */
export async function openVault(home: string): Promise<SecretStore> {
  const file = path.join(home, 'secrets.vault');
  if (!fs.existsSync(file)) return createVault(home, file);
  const passphrase = await readSecret(VAULT_PASSPHRASE_ENV, 'Station vault passphrase: ');
  const wrong = () =>
    new StationError(
      'SECRET_STORE_UNAVAILABLE',
      `Wrong passphrase for the station vault ${file}.`,
      `Enter the vault passphrase again (or set ${VAULT_PASSPHRASE_ENV}). If you have lost it, move the vault aside and create a new one: its secrets (CA key passphrase, org login) must then be set again.`,
    );
  // A vault is only ever created with 8 characters or more: a shorter answer is simply wrong.
  if (passphrase.length < 8) throw wrong();
  const vault = FileVault.inHome(home, passphrase);
  try {
    await vault.get(SECRET_NAMES.caPassphrase); // decrypts the vault: a wrong passphrase fails here
  } catch (e) {
    if (e instanceof StationError && /wrong passphrase/.test(e.message)) throw wrong();
    throw e;
  }
  return vault;
}

async function createVault(home: string, file: string): Promise<SecretStore> {
  process.stderr.write(`No station vault at ${file} yet: creating one.\n`);
  const fromEnv = process.env[VAULT_PASSPHRASE_ENV];
  const passphrase = await readSecret(VAULT_PASSPHRASE_ENV, 'New vault passphrase (8 characters or more): ');
  if (fromEnv === undefined || fromEnv === '') {
    const again = await readSecret(VAULT_PASSPHRASE_ENV, 'The same passphrase again: ');
    if (again !== passphrase)
      throw new StationError(
        'SECRET_STORE_UNAVAILABLE',
        'The two passphrases differ, so no vault was created.',
        'Run the command again and type the same passphrase twice.',
      );
  }
  return FileVault.inHome(home, passphrase);
}
