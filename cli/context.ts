/**
 * What every CLI command gets: the resolved home, output mode, and helpers that print results and
 * errors the same way everywhere (people: readable lines; `--json`: one JSON document on stdout).
 * Exit status: 0 only on success; 1 for a station error; 2 for a usage error.
 */
import { isStationError, toErrorShape } from '../shared/errors';
import { ensureHome, resolveHome } from '../core/home';

export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

export interface CliContext {
  /** Absolute station home (created on first use). */
  home: string;
  json: boolean;
  /** Prints a human line (suppressed in --json mode). */
  info(line: string): void;
  /** Prints the final result: `value` as JSON in --json mode, else `human(value)`. */
  result<T>(value: T, human: (v: T) => string): void;
}

/** Builds the context from commander's global options. */
export function makeContext(opts: GlobalOptions): CliContext {
  const json = Boolean(opts.json);
  return {
    get home() {
      return ensureHome(resolveHome(opts.home));
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

/**
 * Prints an error (what happened + what to do) and sets the exit code. In --json mode the error is a
 * JSON object `{"error":{code,message,remedy}}` on stdout; people get two lines on stderr.
 */
export function reportError(e: unknown, json: boolean): void {
  const shape = toErrorShape(e);
  if (json) process.stdout.write(JSON.stringify({ error: shape }, null, 2) + '\n');
  else {
    process.stderr.write(`error: ${shape.message}\n`);
    process.stderr.write(`  what to do: ${shape.remedy}\n`);
    if (!isStationError(e) && process.env.ASSET_STATION_DEBUG && e instanceof Error)
      process.stderr.write(`${e.stack}\n`);
  }
  process.exitCode = 1;
}
