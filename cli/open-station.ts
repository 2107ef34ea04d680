/**
 * Opens the station of a home for the CLI: the vault (ASSET_STATION_VAULT_PASSPHRASE or a prompt),
 * the real services, and the org connection from the home's configuration; signs in the operator
 * named by ASSET_STATION_OPERATOR (cli/commands/operator.ts).
 */
import { Station } from '../core/station';
import { realServices } from '../core/wiring';
import type { CliContext } from './context';
import { signInFromEnvironment } from './commands/operator';
import { openInBrowser } from './open-browser';
import { openVault } from './secrets-prompt';

/** Opens the station with its vault; call `station.close()` when done. */
export async function openStation(c: CliContext): Promise<Station> {
  const secrets = await openVault(c.home);
  const station = await Station.open({
    home: c.home,
    transport: 'in-process',
    services: realServices({ home: c.home, secrets, openUrl: openInBrowser }),
  });
  try {
    await signInFromEnvironment(station); // ASSET_STATION_OPERATOR: jobs and audit entries name them
  } catch (e) {
    await station.close();
    throw e;
  }
  return station;
}
