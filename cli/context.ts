/**
 * What every CLI command gets: the resolved home, output mode, and helpers that print results and
 * errors the same way everywhere (people: readable lines; `--json`: one JSON document on stdout).
 *
 * Exit status: {@link EXIT_OK} (0) only on success; {@link EXIT_FAILURE} (1) when the command ran and
 * failed (a station error: no device at the port, wrong passphrase, a job that failed);
 * {@link EXIT_USAGE} (2) for a usage error — an argument or option the command does not accept
 * (commander's own errors, and every {@link usageError} a command throws). `provision` exits 3 when no
 * device failed but some are parked by a Salesforce outage (cli/commands/provision.ts EXIT_PARKED).
 */
import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { StationError, isStationError, toErrorShape } from '../shared/errors';
import { ensureHome, resolveHome } from '../core/home';
import { benchFailure } from '../shared/failure-class';

/** Exit status: success. */
export const EXIT_OK = 0;
/** Exit status: the command ran and failed. */
export const EXIT_FAILURE = 1;
/** Exit status: bad arguments or options; nothing was done. */
export const EXIT_USAGE = 2;

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export interface CliContext {
  /**
   * Absolute station home, which must exist already: a mistyped `--home` must not start an empty station.
   * @throws StationError HOME_UNUSABLE "There is no station home at …" naming where the path came from
   *   (--home, ASSET_STATION_HOME or the default) and how to create one; or when it cannot be written.
   */
  home: string;
  /**
   * Absolute station home, created (mode 0700) when it does not exist yet: only for the commands that set
   * up a station or run stand-ins in one (config init, ca init, ca import, demo, web, sim …).
   * @throws StationError HOME_UNUSABLE when it cannot be created or written.
   */
  newHome: string;
  /** Absolute station home path, neither checked nor created (to check input before creating the home). */
  homePath: string;
  json: boolean;
  /** Prints a human line (suppressed in --json mode). */
  info(line: string): void;
  /** Prints the final result: `value` as JSON in --json mode, else `human(value)`. */
  result<T>(value: T, human: (v: T) => string): void;
}

/** `p` as one shell word (quoted when it has spaces or other special characters), for a command to copy. */
const shellWord = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

/**
 * The station home of `opts`, which must exist (see {@link CliContext.home}).
 * @throws StationError HOME_UNUSABLE when the folder does not exist (nothing is created) or is not writable.
 */
export function existingHome(opts: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const home = resolveHome(opts.home, env);
  if (!fs.existsSync(home)) {
    const from =
      opts.home !== undefined
        ? 'given with --home'
        : env.ASSET_STATION_HOME !== undefined
          ? 'set in ASSET_STATION_HOME'
          : "this computer's default station home";
    const fix =
      opts.home !== undefined
        ? 'Check the folder given to --home (a mistyped one would start an empty station)'
        : env.ASSET_STATION_HOME !== undefined
          ? 'Check the folder in ASSET_STATION_HOME (a mistyped one would start an empty station)'
          : 'Give the station home with --home DIR (or ASSET_STATION_HOME) if it is elsewhere';
    const create =
      opts.home !== undefined || env.ASSET_STATION_HOME !== undefined
        ? `asset-station --home ${shellWord(home)} config init`
        : 'asset-station config init';
    throw new StationError(
      'HOME_UNUSABLE',
      `There is no station home at ${home} (${from}); nothing was done.`,
      `${fix}; or, to set up a new station there, run ${create}.`,
    );
  }
  return ensureHome(home);
}

/** Builds the context from commander's global options. */
export function makeContext(opts: GlobalOptions): CliContext {
  const json = Boolean(opts.json);
  return {
    get home() {
      return existingHome(opts);
    },
    get newHome() {
      return ensureHome(resolveHome(opts.home));
    },
    get homePath() {
      return resolveHome(opts.home);
    },
    json,
    info(line) {
      if (!json) process.stdout.write(line + '\n');
    },
    result(value, human) {
      if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
      else process.stdout.write(human(value) + '\n');
    },
  };
}

/** A command-line argument or option the command does not accept (code BAD_REQUEST, exit status 2). */
export class UsageError extends StationError {
  constructor(message: string, remedy: string) {
    super('BAD_REQUEST', message, remedy);
    this.name = 'UsageError';
  }
}

/**
 * The error every command throws for a bad argument or option, before doing anything: what was
 * wrong (`message`, naming the option and the value) and what to pass instead (`remedy`).
 * {@link reportError} maps it to exit status 2.
 */
export function usageError(
  message: string,
  remedy = 'Run the command with --help to see its options.',
): UsageError {
  return new UsageError(message, remedy);
}

/**
 * Prints an error (what happened + what to do) and sets the exit code: 2 for a {@link UsageError},
 * 1 for anything else. In --json mode the error is a JSON object `{"error":{code,message,remedy}}` on
 * stdout; people get two lines on stderr.
 * @returns the exit status it set
 */
export function reportError(e: unknown, json: boolean): number {
  const shape = toErrorShape(e);
  if (json) process.stdout.write(JSON.stringify({ error: shape }, null, 2) + '\n');
  else {
    const bench = benchFailure(shape);
    const cls = bench.failureClass ? `${bench.failureClass}: ` : '';
    process.stderr.write(`error: ${cls}${bench.message}\n`);
    process.stderr.write(`  what to do: ${bench.remedy}\n`);
    if (!isStationError(e) && process.env.ASSET_STATION_DEBUG && e instanceof Error)
      process.stderr.write(`${e.stack}\n`);
  }
  const status = e instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE;
  process.exitCode = status;
  return status;
}

/**
 * Runs a commander program on `argv` (as process.argv) and returns the exit status (also left in
 * process.exitCode): commander's own usage errors (unknown option, missing argument) give 2, help and
 * version 0; a thrown error goes through {@link reportError}. Never throws.
 */
export async function runProgram(program: Command, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv);
    return Number(process.exitCode ?? EXIT_OK);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed help, the version or the usage error.
      process.exitCode = e.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
      return process.exitCode;
    }
    return reportError(e, Boolean(program.opts<GlobalOptions>().json));
  }
}
