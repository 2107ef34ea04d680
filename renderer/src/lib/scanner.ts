/**
 * Barcode-scanner input. A USB scanner is a keyboard that types a whole code within a few
 * milliseconds per key and ends with Enter; a person types far slower. {@link ScanDetector} tells the
 * two apart from key timing alone, so a scan works wherever the focus is (no field to click first),
 * and {@link classifyScan} decides which job input a scanned code fills.
 */

/** Tuning of {@link ScanDetector}. */
export interface ScanDetectorOptions {
  /** Largest gap between two keys of one scan, in ms. Scanners: 5–30 ms; people: > 80 ms. */
  maxGapMs?: number;
  /** Fewest characters a scan has (shorter bursts are ignored). */
  minLength?: number;
}

/**
 * Feeds on key presses with their timestamps; returns the scanned code when a fast burst ends
 * with Enter. Pure: no DOM, no clock (the caller passes `timeMs`).
 */
export class ScanDetector {
  private buffer = '';
  private lastAt = -Infinity;
  private readonly maxGapMs: number;
  private readonly minLength: number;

  constructor(opts: ScanDetectorOptions = {}) {
    this.maxGapMs = opts.maxGapMs ?? 50;
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
      this.buffer = '';
      return gap <= this.maxGapMs && code.length >= this.minLength ? code : undefined;
    }
    if (key.length !== 1) {
      // Shift and friends arrive inside a scan of upper-case codes; anything else breaks it.
      if (key !== 'Shift') this.buffer = '';
      return undefined;
    }
    this.buffer = gap <= this.maxGapMs ? this.buffer + key : key;
    return undefined;
  }

  /** Forgets a partial burst (e.g. when the screen changes). */
  reset(): void {
    this.buffer = '';
    this.lastAt = -Infinity;
  }
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
