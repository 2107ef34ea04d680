/**
 * The Yield view's pure parts: its filter form and the station's YieldFilter (shared/analytics.ts),
 * and the tables behind each chart — as rows on screen and as the CSV the user saves.
 */
import type { CycleTime, ParetoBar, YieldFilter, YieldGroup } from '../../../../shared/analytics';
import { toCsv } from '../../lib/csv';

/** The filter form: days `YYYY-MM-DD` (or empty) and exact values picked from the journal's. */
export interface YieldFilterForm {
  from: string;
  to: string;
  workOrder: string;
  lot: string;
  model: string;
  firmware: string;
  station: string;
}

export const emptyYieldForm: YieldFilterForm = {
  from: '',
  to: '',
  workOrder: '',
  lot: '',
  model: '',
  firmware: '',
  station: '',
};

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The station filter of the form at the browser's clock (`utcOffsetMinutes` east of UTC: pass
 * `-new Date().getTimezoneOffset()`). Empty fields and malformed days are left out.
 */
export function toYieldFilter(f: YieldFilterForm, utcOffsetMinutes: number): YieldFilter {
  const text = (v: string) => v.trim() || undefined;
  const out: YieldFilter = { utcOffsetMinutes };
  if (DAY.test(f.from)) out.fromDay = f.from;
  if (DAY.test(f.to)) out.toDay = f.to;
  for (const k of ['workOrder', 'lot', 'model', 'firmware', 'station'] as const) {
    const v = text(f[k]);
    if (v) out[k] = v;
  }
  return out;
}

/** A share 0..1 as a percentage with one decimal, or — when there is none. */
export function percent(v: number | undefined): string {
  return v === undefined ? '—' : `${(v * 100).toFixed(1)} %`;
}

/** Milliseconds as seconds with one decimal (cycle times are seconds to minutes). */
export function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(1)} s`;
}

/** A histogram bin's label, e.g. `10–12 s`. */
export function binLabel(fromMs: number, toMs: number): string {
  const s = (ms: number) => String(Number((ms / 1000).toFixed(1)));
  return `${s(fromMs)}–${s(toMs)} s`;
}

/** The CSV behind a Pareto chart: `what` is the first column's name (step or failure class). */
export function paretoCsv(what: string, bars: readonly ParetoBar[]): string {
  return toCsv(
    [what, 'failed attempts', 'units', 'share', 'cumulative share'],
    bars.map((b) => [b.key, b.failures, b.units, round(b.share), round(b.cumulative)]),
  );
}

/** The CSV behind the cycle-time histogram: one row per bin, times in ms. */
export function cycleCsv(c: CycleTime): string {
  return toCsv(
    ['from (ms)', 'to (ms)', 'passed units'],
    c.bins.map((b) => [b.fromMs, b.toMs, b.count]),
  );
}

/** The CSV of a breakdown (per work order, lot, …): `what` is the first column's name. */
export function breakdownCsv(what: string, groups: readonly YieldGroup[]): string {
  return toCsv(
    [what, 'units', 'first pass', 'passed', 'first-pass yield', 'final yield', 'failed attempts'],
    groups.map((g) => [
      g.key,
      g.units,
      g.firstPass,
      g.passed,
      g.firstPassYield === undefined ? undefined : round(g.firstPassYield),
      g.finalYield === undefined ? undefined : round(g.finalYield),
      g.failures,
    ]),
  );
}

/** Ratios in files: 4 decimals (0.6667), enough for a spreadsheet, stable in tests. */
function round(v: number): number {
  return Math.round(v * 10_000) / 10_000;
}
