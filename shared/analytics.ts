/**
 * Yield analytics contract (docs/analytics.md): the filter and the report that the History screen's
 * Yield view and `asset-station report --json` both get from the same core function
 * (core/analytics/). Pure schemas; no Node, no DOM.
 */
import { z } from 'zod';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a day is written YYYY-MM-DD');
const Text = z.string().min(1).max(256);

/**
 * Which provisioning jobs a report covers. Days are calendar days at the station's clock
 * (`utcOffsetMinutes` east of UTC, e.g. 60 for CET in winter), both ends inclusive; the other
 * fields match the job's work order, lot, station id, device model and firmware exactly.
 */
export const YieldFilter = z
  .object({
    fromDay: Day.optional(),
    toDay: Day.optional(),
    workOrder: Text.optional(),
    lot: Text.optional(),
    model: Text.optional(),
    firmware: Text.optional(),
    station: Text.optional(),
    /** Minutes east of UTC used for the day range and the per-day breakdown (default 0). */
    utcOffsetMinutes: z.number().int().min(-840).max(840).optional(),
  })
  .strict();
export type YieldFilter = z.infer<typeof YieldFilter>;

/** The breakdown dimensions, in the order the report lists them. */
export const YIELD_DIMENSIONS = ['workOrder', 'lot', 'station', 'model', 'firmware', 'day'] as const;
export type YieldDimension = (typeof YIELD_DIMENSIONS)[number];

/** Units and yields of one group (the whole selection, or one work order, lot, day…). */
export const YieldFigures = z.object({
  /** Devices with at least one finished provisioning job in the group. */
  units: z.number().int(),
  /** Units whose very first provisioning job passed with every step done on its first attempt. */
  firstPass: z.number().int(),
  /** Units with a passed job. */
  passed: z.number().int(),
  /** firstPass / units, 0..1 (absent when there are no units). */
  firstPassYield: z.number().optional(),
  /** passed / units, 0..1 (absent when there are no units). */
  finalYield: z.number().optional(),
  /** Failed step attempts (failed or retried). */
  failures: z.number().int(),
});
export type YieldFigures = z.infer<typeof YieldFigures>;

/** One bar of a Pareto chart: failed step attempts with this key, most first. */
export const ParetoBar = z.object({
  key: z.string(),
  /** Failed step attempts (failed or retried). */
  failures: z.number().int(),
  /** Distinct units that had such a failure. */
  units: z.number().int(),
  /** failures / all failures in the chart, 0..1. */
  share: z.number(),
  /** Running total of `share` down to this bar, 0..1. */
  cumulative: z.number(),
});
export type ParetoBar = z.infer<typeof ParetoBar>;

/** One histogram bin: passed units whose active cycle time t is fromMs ≤ t < toMs. */
export const CycleBin = z.object({ fromMs: z.number(), toMs: z.number(), count: z.number().int() });
export type CycleBin = z.infer<typeof CycleBin>;

/** Active cycle time of passed units (docs/analytics.md, "Active time"), ms. */
export const CycleTime = z.object({
  /** Passed units measured. */
  samples: z.number().int(),
  medianMs: z.number().optional(),
  /** 90th percentile, nearest rank. */
  p90Ms: z.number().optional(),
  meanMs: z.number().optional(),
  /** Step attempts per passed unit, mean (1 attempt per step is a clean pass). */
  meanAttempts: z.number().optional(),
  binMs: z.number(),
  bins: z.array(CycleBin),
});
export type CycleTime = z.infer<typeof CycleTime>;

/** A group of a breakdown: its key (a work order, a day…) and its figures. */
export const YieldGroup = YieldFigures.extend({ key: z.string() });
export type YieldGroup = z.infer<typeof YieldGroup>;

/** The yield report of a selection. */
export const YieldReport = z.object({
  filter: YieldFilter,
  /** Provisioning jobs in the selection (finished or not). */
  jobs: z.number().int(),
  /** Units whose jobs are all still running (not in the figures). */
  inProgress: z.number().int(),
  totals: YieldFigures,
  paretoByStep: z.array(ParetoBar),
  paretoByClass: z.array(ParetoBar),
  breakdowns: z.object({
    workOrder: z.array(YieldGroup),
    lot: z.array(YieldGroup),
    station: z.array(YieldGroup),
    model: z.array(YieldGroup),
    firmware: z.array(YieldGroup),
    day: z.array(YieldGroup),
  }),
  cycleTime: CycleTime,
  /** Values seen in the journal for each filter (all provisioning jobs), for pick lists. */
  choices: z.object({
    workOrder: z.array(z.string()),
    lot: z.array(z.string()),
    station: z.array(z.string()),
    model: z.array(z.string()),
    firmware: z.array(z.string()),
  }),
});
export type YieldReport = z.infer<typeof YieldReport>;
