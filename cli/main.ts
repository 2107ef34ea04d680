/**
 * `asset-station` command line (bin/asset-station.js loads this file): runs the program of
 * ./program.ts on the process arguments and leaves the exit status in process.exitCode.
 */
import { runProgram } from './context';
import { buildProgram } from './program';

await runProgram(buildProgram(), process.argv);
