/**
 * `asset-station admin pin`: sets the station's local admin PIN, or changes it (the current PIN is
 * asked first). The admin PIN guards settings changes, re-provision overrides and the JWT bearer org
 * login (docs/operations.md, Admin PIN). PINs come from an echo-off prompt — the new one typed twice —
 * or, for unattended set-up, from ASSET_STATION_ADMIN_PIN (the PIN in force, or the first PIN) and
 * ASSET_STATION_NEW_ADMIN_PIN (the new PIN of a change); never from an argument.
 */
import type { Command } from 'commander';
import { StationError } from '../../shared/errors';
import { ADMIN_PIN_ENV, NEW_ADMIN_PIN_ENV } from '../../core/operators/admin-pin';
import type { CliContext } from '../context';
import { openStation } from '../open-station';
import { readSecret } from '../secrets-prompt';

/** The new PIN: from `env`, else typed twice at an echo-off prompt. */
async function readNewPin(env: string): Promise<string> {
  const fromEnv = process.env[env];
  if (fromEnv) return fromEnv;
  const first = await readSecret(env, 'New admin PIN (4 to 12 digits): ');
  const again = await readSecret(env, 'Type the new admin PIN again: ');
  if (first !== again)
    throw new StationError(
      'BAD_REQUEST',
      'The two PINs you typed are not the same, so the admin PIN was not changed.',
      'Run `asset-station admin pin` again and type the same PIN twice.',
    );
  return first;
}

export function register(program: Command, ctx: () => CliContext): void {
  const admin = program.command('admin').description('station administration');
  admin
    .command('pin')
    .description('set or change the local admin PIN (settings, re-provisioning, JWT org login)')
    .action(async () => {
      const c = ctx();
      const station = await openStation(c);
      try {
        const change = await station.hasAdminPin();
        const current = change ? await readSecret(ADMIN_PIN_ENV, 'Current admin PIN: ') : undefined;
        const pin = await readNewPin(change ? NEW_ADMIN_PIN_ENV : ADMIN_PIN_ENV);
        await station.setAdminPin(pin, current);
        c.result({ adminPin: change ? 'changed' : 'set' }, (r) =>
          r.adminPin === 'changed' ? 'The admin PIN is changed.' : 'The admin PIN is set.',
        );
      } finally {
        await station.close();
      }
    });
}
