/**
 * The `asset-station` commander program. Global conventions (every command follows them):
 * `--home DIR` (or ASSET_STATION_HOME) is the station data folder; `--json` prints machine-readable
 * output; exit status 0 only on success, 1 when the command failed, 2 for a usage error
 * (cli/context.ts); secrets come from documented environment variables when unattended, or an
 * echo-off prompt when interactive.
 *
 * Each command lives in cli/commands/ and is listed in commands/index.ts.
 */
import { Command } from 'commander';
import { makeContext, type GlobalOptions } from './context';
import { COMMANDS } from './commands/index';
import { STATION_VERSION } from '../core/version';

/** Builds the program with every command (cli/main.ts runs it; tests run it in-process). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('asset-station')
    .description('Asset Station: give each device a hardware-bound identity and register it in Salesforce.')
    .version(STATION_VERSION)
    .option('--home <dir>', 'station data folder (default: ASSET_STATION_HOME, else the OS app-data folder)')
    .option('--json', 'machine-readable output on stdout')
    .showHelpAfterError('(run asset-station --help for the list of commands)')
    .exitOverride();
  const ctx = () => makeContext(program.opts<GlobalOptions>());
  for (const register of COMMANDS) register(program, ctx);
  return program;
}
