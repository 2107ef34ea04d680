/**
 * Barcode-scanner input. A USB scanner is a keyboard that types a whole code within a few
 * milliseconds per key and ends with Enter; a person types far slower. {@link ScanDetector} tells the
 * two apart from key timing alone, so a scan works wherever the focus is (no field to click first),
 * and {@link classifyScan} decides which job input a scanned code fills.
 */

/** Tuning of {@link ScanDetector}. */
export interface ScanDetectorOptions {
  /** Largest median gap between the keys of one scan, in ms. Scanners: 1–30 ms; people: > 80 ms. */
  maxMedianGapMs?: number;
  /** A pause longer than this (ms) starts a new burst; shorter hiccups (a busy UI thread) do not. */
  pauseMs?: number;
  /** Fewest characters a scan has (shorter bursts are ignored). */
  minLength?: number;
}

/**
 * Feeds on key presses with their timestamps; returns the scanned code when a fast burst ends
 * with Enter. "Fast" is judged on the median gap between keys, so one late key event (the browser
 * was busy) does not cut a scan in two. Pure: no DOM, no clock (the caller passes `timeMs`).
 */
export class ScanDetector {
  private buffer = '';
  private gaps: number[] = [];
  private lastAt = -Infinity;
  private readonly maxMedianGapMs: number;
  private readonly pauseMs: number;
  private readonly minLength: number;

  constructor(opts: ScanDetectorOptions = {}) {
    this.maxMedianGapMs = opts.maxMedianGapMs ?? 50;
    this.pauseMs = opts.pauseMs ?? 500;
    this.minLength = opts.minLength ?? 4;
  }

  /**
   * One key press: `key` as KeyboardEvent.key, `timeMs` in milliseconds (e.g. event.timeStamp).
   * @returns the code when `key` is Enter ending a fast burst, otherwise undefined.
   */
  feed(key: string, timeMs: number): string | undefined {
    const gap = timeMs - this.lastAt;
    this.lastAt = timeMs;
    if (key === 'Enter') {
      const code = this.buffer;
      const gaps = [...this.gaps, gap];
      this.reset();
      this.lastAt = timeMs;
      return gap <= this.pauseMs && code.length >= this.minLength && median(gaps) <= this.maxMedianGapMs
        ? code
        : undefined;
    }
    if (key.length !== 1) {
      // Shift and friends arrive inside a scan of upper-case codes; anything else breaks it.
      if (key !== 'Shift') this.reset();
      return undefined;
    }
    if (gap > this.pauseMs || this.buffer === '') {
      this.buffer = key;
      this.gaps = [];
    } else {
      this.buffer += key;
      this.gaps.push(gap);
    }
    return undefined;
  }

  /** Forgets a partial burst (e.g. when the screen changes). */
  reset(): void {
    this.buffer = '';
    this.gaps = [];
    this.lastAt = -Infinity;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Infinity;
}

/** Job inputs a scan can fill (keys of startJob's `inputs`). */
export type ScanField = 'workOrder' | 'accountId';

/**
 * Which field a scanned code belongs to: a Salesforce Account Id (key prefix `001`, 15 or 18
 * characters, Salesforce "What Is a Record ID") or a work order (`WO` prefix, or anything else).
 */
export function classifyScan(code: string): ScanField {
  const c = code.trim();
  if (/^001[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/.test(c)) return 'accountId';
  return 'workOrder';
}

/** Default work-order pattern: `WO` then an optional separator and the number (e.g. WO-2026-0042). */
export const DEFAULT_WORK_ORDER_PATTERN = '^WO[-_ ]?[A-Za-z0-9][A-Za-z0-9-]*$';

/** What a scan on the Station screen is: a device on this station, an Account Id, a work order, or none. */
export type ScanRoute =
  | { kind: 'device'; uid: string }
  | { kind: 'accountId'; code: string }
  | { kind: 'workOrder'; code: string }
  | { kind: 'unknown'; code: string };

/**
 * Routes a scan: a device UID of one of the station's bays first (a UID label picks its bay), then an
 * Account Id ({@link classifyScan}), then a work order matching `workOrderPattern` (a regular
 * expression; an invalid one falls back to {@link DEFAULT_WORK_ORDER_PATTERN}); anything else is unknown.
 */
export function routeScan(
  code: string,
  uids: string[],
  workOrderPattern = DEFAULT_WORK_ORDER_PATTERN,
): ScanRoute {
  const c = code.trim();
  if (uids.includes(c)) return { kind: 'device', uid: c };
  if (classifyScan(c) === 'accountId') return { kind: 'accountId', code: c };
  let re: RegExp;
  try {
    re = new RegExp(workOrderPattern);
  } catch {
    re = new RegExp(DEFAULT_WORK_ORDER_PATTERN);
  }
  return re.test(c) ? { kind: 'workOrder', code: c } : { kind: 'unknown', code: c };
}
