/**
 * Opens the station of a home for the CLI: the vault (ASSET_STATION_VAULT_PASSPHRASE or a prompt),
 * the real services, and the org connection from the home's configuration.
 */
import { Station } from '../core/station';
import { realServices } from '../core/wiring';
import type { CliContext } from './context';
import { openVault } from './secrets-prompt';

/** Opens the station with its vault; call `station.close()` when done. */
export async function openStation(c: CliContext, opts: { watch?: boolean } = {}): Promise<Station> {
  const secrets = await openVault(c.home);
  const station = await Station.open({
    home: c.home,
    transport: 'in-process',
    services: realServices({ home: c.home, secrets, openUrl: openInBrowser }),
  });
  if (opts.watch) station.watch();
  return station;
}

/** Opens a URL in the system browser (xdg-open / open / start). */
export async function openInBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'cmd' : 'xdg-open';
  const args = process.platform === 'win32' ? ['/c', 'start', '', url] : [url];
  process.stderr.write(
    `Opening the Salesforce login in your browser. If it does not open, visit:\n  ${url}\n`,
  );
  spawn(cmd, args, { stdio: 'ignore', detached: true })
    .on('error', () => {})
    .unref();
}
