/**
 * The station home: the data folder holding the config file, the SQLite database, the secret vault
 * and the CA files. Resolution order: explicit `--home DIR`, then `ASSET_STATION_HOME`, then the OS
 * app-data folder (Linux `$XDG_CONFIG_HOME/asset-station` or `~/.config/asset-station`, macOS
 * `~/Library/Application Support/Asset Station`, Windows `%APPDATA%\Asset Station`), which is also
 * where Electron's `app.getPath('userData')` points for this product name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StationError } from '../shared/errors';

/** Default data folder for this OS (see module doc). */
export function defaultHome(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  if (platform === 'win32')
    return path.join(env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Asset Station');
  if (platform === 'darwin')
    return path.join(os.homedir(), 'Library', 'Application Support', 'Asset Station');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'asset-station');
}

/** Picks the home folder: `explicit` (from `--home`), else `ASSET_STATION_HOME`, else {@link defaultHome}. */
export function resolveHome(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const chosen = explicit ?? env.ASSET_STATION_HOME ?? defaultHome(env);
  return path.resolve(chosen);
}

/**
 * Creates the home folder (mode 0700) if needed and checks it is writable.
 * @throws StationError HOME_UNUSABLE with the path and the OS reason.
 */
export function ensureHome(home: string): string {
  try {
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    fs.accessSync(home, fs.constants.W_OK);
    return home;
  } catch (e) {
    throw new StationError(
      'HOME_UNUSABLE',
      `The station data folder ${home} cannot be used: ${(e as Error).message}.`,
      'Choose another folder with --home DIR (or ASSET_STATION_HOME), or fix its permissions.',
    );
  }
}
