/**
 * Runs the device-link CLI commands (`sim device`, `conformance`) through the real commander wiring,
 * CLI context and exit-status mapping (cli/context.ts runProgram), without loading the other command
 * modules (so these tests do not depend on unrelated parts of the CLI).
 * Usage: `tsx cli-entry.ts [--home DIR] [--json] <command> …`.
 */
import { Command } from 'commander';
import { makeContext, runProgram, type GlobalOptions } from '../../../cli/context';
import { register as simDevice } from '../../../cli/commands/sim-device';
import { register as conformance } from '../../../cli/commands/conformance';

const program = new Command();
program.name('asset-station').option('--home <dir>').option('--json').exitOverride();
const ctx = () => makeContext(program.opts<GlobalOptions>());
simDevice(program, ctx);
conformance(program, ctx);
await runProgram(program, process.argv);
