/**
 * The bench preferences a technician sets at the Station screen (kept in this window's localStorage):
 * the work-order barcode pattern, the pass/fail tone and auto-print of the label on pass. The tone and
 * auto-print are off until switched on. The label printer itself is a station setting (bench.labelPrinter).
 */
import { useState } from 'react';
import { DEFAULT_WORK_ORDER_PATTERN } from '../../lib/scanner';

export interface BenchPrefs {
  /** Regular expression a scanned work order matches. */
  workOrderPattern: string;
  tone: boolean;
  autoPrint: boolean;
}

const KEYS = {
  workOrderPattern: 'asset-station.workOrderPattern',
  tone: 'asset-station.tone',
  autoPrint: 'asset-station.autoPrint',
} as const;

function read(): BenchPrefs {
  const get = (k: string) => {
    try {
      return localStorage.getItem(k);
    } catch {
      return null;
    }
  };
  return {
    workOrderPattern: get(KEYS.workOrderPattern) ?? DEFAULT_WORK_ORDER_PATTERN,
    tone: get(KEYS.tone) === 'on',
    autoPrint: get(KEYS.autoPrint) === 'on',
  };
}

/** Why a work-order pattern cannot be used, or undefined when it is a valid regular expression. */
export function patternError(pattern: string): string | undefined {
  if (!pattern.trim()) return 'Enter a pattern, e.g. ^WO-\\d+$';
  try {
    new RegExp(pattern);
    return undefined;
  } catch {
    return 'This is not a valid pattern: scans use the default (WO- followed by the number) until it is fixed.';
  }
}

/** The preferences and a setter that stores each change at once. */
export function useBenchPrefs(): [BenchPrefs, (change: Partial<BenchPrefs>) => void] {
  const [prefs, setPrefs] = useState<BenchPrefs>(read);
  const update = (change: Partial<BenchPrefs>) => {
    const next = { ...prefs, ...change };
    try {
      localStorage.setItem(KEYS.workOrderPattern, next.workOrderPattern);
      localStorage.setItem(KEYS.tone, next.tone ? 'on' : 'off');
      localStorage.setItem(KEYS.autoPrint, next.autoPrint ? 'on' : 'off');
    } catch {
      // kept for this session only
    }
    setPrefs(next);
  };
  return [prefs, update];
}
