/**
 * Checks of option values shared by the commands. Each throws {@link usageError} (exit status 2)
 * naming the option, the value given and what to pass instead, before the command does anything.
 */
import fs from 'node:fs';
import { Locator } from '../shared/domain';
import { StationError } from '../shared/errors';
import { usageError } from './context';

/**
 * A whole number in `min..max` (inclusive).
 * @throws UsageError when `raw` is not one, e.g. `--count must be a whole number from 1 to 64, not 'x'.`
 */
export function integerOption(raw: string, flag: string, min: number, max: number): number {
  const n = raw.trim() === '' ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw usageError(
      `${flag} must be a whole number from ${min} to ${max}, not '${raw}'.`,
      `Pass ${flag} with a whole number from ${min} to ${max}.`,
    );
  return n;
}

/**
 * One of `choices`.
 * @throws UsageError listing the choices, e.g. `Use --format csv or --format json.`
 */
export function choiceOption<T extends string>(raw: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(raw)) {
    const uses = choices.map((c) => `${flag} ${c}`);
    throw usageError(
      `${flag} '${raw}' is not one of ${choices.join(', ')}.`,
      `Use ${uses.length > 1 ? `${uses.slice(0, -1).join(', ')} or ${uses.at(-1)}` : uses[0]}.`,
    );
  }
  return raw as T;
}

/** A device locator (shared/domain Locator). @throws UsageError with the three accepted forms */
export function locatorOption(raw: string, flag = '--port'): string {
  if (!Locator.safeParse(raw).success)
    throw usageError(
      `${flag} '${raw}' is not a device locator.`,
      'Use serial:/dev/ttyUSB0 (or serial:COM3), tcp:HOST:PORT (ser2net/Moxa) or sim:NAME.',
    );
  return raw;
}

/**
 * A job input typed on the command line (work order, production lot): 1 to 64 characters after trimming,
 * the rule a Retry applies to a work order (shared/retry.ts), returned trimmed.
 * @throws UsageError naming the option, e.g. `--lot must be 1 to 64 characters, not ''.`
 */
export function jobInputOption(raw: string, flag: string): string {
  const v = raw.trim();
  if (v.length < 1 || v.length > 64)
    throw usageError(
      `${flag} must be 1 to 64 characters, not '${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}'.`,
      `Pass ${flag} with the number on the paperwork, e.g. ${flag} ${flag === '--lot' ? 'LOT-12' : 'WO-1001'}.`,
    );
  return v;
}

/** A date or date-time (ISO 8601, e.g. 2026-03-01). @throws UsageError */
export function dateOption(raw: string, flag: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw) || Number.isNaN(Date.parse(raw)))
    throw usageError(`${flag} '${raw}' is not a date.`, `Pass an ISO date, e.g. ${flag} 2026-03-01.`);
  return raw;
}

/**
 * Reads the file an option names. A file that cannot be read is not a usage error: the command ran
 * and failed (exit status 1).
 * @throws StationError NOT_FOUND naming the option and the OS reason
 */
export function readFileOption(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new StationError(
      'NOT_FOUND',
      `The file ${file} given to ${flag} cannot be read: ${(e as Error).message}.`,
      `Check the path given to ${flag}.`,
    );
  }
}
