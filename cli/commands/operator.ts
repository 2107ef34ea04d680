/**
 * `asset-station operator add|list|remove|set-pin`: the station's local operator accounts (roles:
 * technician, qa, installer, admin; core/operators/). Only a signed-in administrator manages accounts,
 * except the very first, which must be an administrator.
 *
 * Signing in on the command line: ASSET_STATION_OPERATOR names the login and the PIN comes from
 * ASSET_STATION_OPERATOR_PIN or an echo-off prompt (never an argument); every command that opens the
 * station signs in this way (cli/open-station.ts), so its jobs and audit entries name the operator.
 * A new account's PIN comes from ASSET_STATION_NEW_OPERATOR_PIN or is typed twice at a prompt.
 */
import type { Command } from 'commander';
import { OPERATOR_ROLES } from '../../shared/api';
import { StationError } from '../../shared/errors';
import type { Station } from '../../core/station';
import type { Role } from '../../core/operators/roles';
import { usageError, type CliContext } from '../context';
import { openStation } from '../open-station';
import { readSecret } from '../secrets-prompt';

/** Environment variable: the operator login the CLI signs in as. */
export const OPERATOR_ENV = 'ASSET_STATION_OPERATOR';
/** Environment variable: that operator's PIN or password (else an echo-off prompt). */
export const OPERATOR_PIN_ENV = 'ASSET_STATION_OPERATOR_PIN';
/** Environment variable: the PIN of an account being added or reset (else typed twice at a prompt). */
export const NEW_OPERATOR_PIN_ENV = 'ASSET_STATION_NEW_OPERATOR_PIN';

/**
 * Signs the operator named by {@link OPERATOR_ENV} in at `station` (no-op when it is unset).
 * @throws StationError UNAUTHORIZED (wrong login or PIN), SECRET_MISSING (no PIN and no terminal).
 */
export async function signInFromEnvironment(station: Station): Promise<void> {
  const login = process.env[OPERATOR_ENV];
  if (!login) return;
  const secret = await readSecret(OPERATOR_PIN_ENV, `PIN or password of operator ${login}: `);
  await station.signIn({ login, secret });
}

async function readNewSecret(login: string): Promise<string> {
  const fromEnv = process.env[NEW_OPERATOR_PIN_ENV];
  if (fromEnv) return fromEnv;
  const first = await readSecret(NEW_OPERATOR_PIN_ENV, `New PIN or password for ${login}: `);
  const again = await readSecret(NEW_OPERATOR_PIN_ENV, 'Type it again: ');
  if (first !== again)
    throw new StationError(
      'BAD_REQUEST',
      'The two PINs you typed are not the same, so nothing was changed.',
      'Run the command again and type the same PIN twice.',
    );
  return first;
}

function parseRole(value: string): Role {
  const role = OPERATOR_ROLES.find((r) => r === value.trim().toLowerCase());
  if (!role) throw usageError(`--role ${value} is not a role.`, `Use one of: ${OPERATOR_ROLES.join(', ')}.`);
  return role;
}

async function withStation<T>(c: CliContext, fn: (s: Station) => Promise<T>): Promise<T> {
  const station = await openStation(c);
  try {
    return await fn(station);
  } finally {
    await station.close();
  }
}

export function register(program: Command, ctx: () => CliContext): void {
  const op = program
    .command('operator')
    .description(`operator accounts and roles (sign in: ${OPERATOR_ENV}, ${OPERATOR_PIN_ENV})`);

  op.command('add <login>')
    .description('add an operator account (admin only; the first account must be an admin)')
    .requiredOption('--name <name>', 'the person’s name, as jobs and reports show it')
    .requiredOption('--role <role>', `one of ${OPERATOR_ROLES.join(', ')}`)
    .action(async (login: string, o: { name: string; role: string }) => {
      const c = ctx();
      const role = parseRole(o.role);
      const added = await withStation(c, async (s) =>
        s.addOperator({ login, name: o.name, role, secret: await readNewSecret(login) }),
      );
      c.result(added, (a) => `Added ${a.login} (${a.name}) as ${a.role}.`);
    });

  op.command('list')
    .description('list the operator accounts (admin only)')
    .action(async () => {
      const c = ctx();
      const list = await withStation(c, (s) => s.listOperators({}));
      c.result(list, (l) =>
        l.length === 0
          ? 'No operator accounts: this station is an open bench (add an admin with `operator add`).'
          : l
              .map(
                (a) => `${a.login.padEnd(20)} ${a.role.padEnd(11)} ${a.disabled ? 'disabled ' : ''}${a.name}`,
              )
              .join('\n'),
      );
    });

  op.command('remove <login>')
    .description('remove an operator account (admin only; never the last admin)')
    .action(async (login: string) => {
      const c = ctx();
      const r = await withStation(c, (s) => s.removeOperator({ login }));
      c.result(r, (x) => `Removed ${x.removed}.`);
    });

  op.command('set-pin <login>')
    .description('set a new PIN or password for an operator (admin only)')
    .action(async (login: string) => {
      const c = ctx();
      const r = await withStation(c, async (s) =>
        s.setOperatorSecret({ login, secret: await readNewSecret(login) }),
      );
      c.result(r, (x) => `New PIN set for ${x.login}.`);
    });
}
