/**
 * `asset-station` command line. Global conventions (every command follows them):
 * `--home DIR` (or ASSET_STATION_HOME) is the station data folder; `--json` prints machine-readable
 * output; exit status 0 only on success; secrets come from documented environment variables when
 * unattended, or an echo-off prompt when interactive.
 *
 * Each command lives in cli/commands/ and is listed in commands/index.ts.
 */
import { Command, CommanderError } from 'commander';
import { makeContext, reportError, type GlobalOptions } from './context';
import { COMMANDS } from './commands/index';
import { STATION_VERSION } from '../core/version';

/** Builds the commander program (exported for tests). */
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

/** Runs the CLI with `argv` (as process.argv). Sets process.exitCode; never throws. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed help/version/usage errors.
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    reportError(e, Boolean(program.opts<GlobalOptions>().json));
  }
}

await main(process.argv);
