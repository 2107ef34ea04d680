/**
 * Runs the device-link CLI commands (`sim device`, `conformance`) through the real commander wiring
 * and CLI context, without loading the other command modules (so these tests do not depend on
 * unrelated parts of the CLI). Usage: `tsx cli-entry.ts [--home DIR] [--json] <command> …`.
 */
import { Command, CommanderError } from 'commander';
import { makeContext, reportError, type GlobalOptions } from '../../../cli/context';
import { register as simDevice } from '../../../cli/commands/sim-device';
import { register as conformance } from '../../../cli/commands/conformance';

const program = new Command();
program.name('asset-station').option('--home <dir>').option('--json').exitOverride();
const ctx = () => makeContext(program.opts<GlobalOptions>());
simDevice(program, ctx);
conformance(program, ctx);
try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? 0 : 2;
  else reportError(e, Boolean(program.opts<GlobalOptions>().json));
}
