/**
 * Getting secrets into the CLI: from a documented environment variable for unattended use, else an
 * interactive prompt with echo off. Never from a command-line argument (it would land in shell history
 * and `ps`).
 */
import { StationError } from '../shared/errors';
import { FileVault, VAULT_PASSPHRASE_ENV, type SecretStore } from '../core/secrets';

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

/** Opens the station's file vault, asking for its passphrase (env {@link VAULT_PASSPHRASE_ENV} or prompt). */
export async function openVault(home: string): Promise<SecretStore> {
  const passphrase = await readSecret(VAULT_PASSPHRASE_ENV, 'Station vault passphrase: ');
  return FileVault.inHome(home, passphrase);
}
