/**
 * Yield analytics over journal rows (pure): first-pass and final yield, failure Pareto by step and
 * by failure class, the same figures per work order / lot / station / model / firmware / day, and
 * the active cycle-time distribution. Every definition is in docs/analytics.md; the UI's Yield view
 * and `asset-station report` both show what {@link computeYield} returns.
 */
import {
  YIELD_DIMENSIONS,
  type ParetoBar,
  type YieldDimension,
  type YieldFigures,
  type YieldFilter,
  type YieldGroup,
  type YieldReport,
} from '../../shared/analytics';
import { failureClass } from '../../shared/failure-class';
import { cycleTime } from './cycle-time';
import type { YieldFailure, YieldJob } from './jobs';

/** Group key of a job without a value for a dimension (no work order typed, no lot). */
export const NONE = '(none)';
/** Failure-class key of an error that is not a bench failure class (a bug, a bad request). */
export const OTHER_CLASS = 'OTHER';

const FINAL = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/** The calendar day `YYYY-MM-DD` of an ISO instant at `utcOffsetMinutes` east of UTC. */
export function dayOf(iso: string, utcOffsetMinutes = 0): string {
  return new Date(Date.parse(iso) + utcOffsetMinutes * 60_000).toISOString().slice(0, 10);
}

/** A job's value for a breakdown dimension ({@link NONE} when it has none). */
export function dimensionOf(j: YieldJob, d: YieldDimension, utcOffsetMinutes = 0): string {
  if (d === 'day') return dayOf(j.startedAt, utcOffsetMinutes);
  return (d === 'station' ? j.station : j[d]) ?? NONE;
}

/** True when the job is in the filter's selection. */
export function inSelection(j: YieldJob, f: YieldFilter): boolean {
  const day = dayOf(j.startedAt, f.utcOffsetMinutes);
  return (
    (!f.fromDay || day >= f.fromDay) &&
    (!f.toDay || day <= f.toDay) &&
    (!f.workOrder || j.workOrder === f.workOrder) &&
    (!f.lot || j.lot === f.lot) &&
    (!f.model || j.model === f.model) &&
    (!f.firmware || j.firmware === f.firmware) &&
    (!f.station || j.station === f.station)
  );
}

/** A job that passed at once: succeeded with every step done (or skipped) on its first attempt. */
export function isCleanPass(j: YieldJob): boolean {
  return j.state === 'succeeded' && j.clean;
}

/** A unit (device) in the selection: its jobs there, oldest first. */
interface Unit {
  key: string;
  jobs: YieldJob[];
  finished: boolean;
  passed: boolean;
  firstPass: boolean;
}

const unitKey = (j: YieldJob) => j.deviceUid ?? `job:${j.id}`;

/** Appends `v` to the list of `k` (created on first use). */
function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function units(scope: readonly YieldJob[], firstEver: ReadonlyMap<string, string>): Unit[] {
  const byKey = new Map<string, YieldJob[]>();
  for (const j of scope) push(byKey, unitKey(j), j);
  return [...byKey].map(([key, jobs]) => {
    const first = jobs[0]!;
    return {
      key,
      jobs,
      finished: jobs.some((j) => FINAL.has(j.state)),
      passed: jobs.some((j) => j.state === 'succeeded'),
      firstPass: first.deviceUid !== undefined && firstEver.get(key) === first.id && isCleanPass(first),
    };
  });
}

function figures(group: readonly Unit[], failures: number): YieldFigures {
  const done = group.filter((u) => u.finished);
  const n = done.length;
  const firstPass = done.filter((u) => u.firstPass).length;
  const passed = done.filter((u) => u.passed).length;
  return {
    units: n,
    firstPass,
    passed,
    ...(n ? { firstPassYield: firstPass / n, finalYield: passed / n } : {}),
    failures,
  };
}

const failuresIn = (jobs: readonly YieldJob[]) => jobs.reduce((n, j) => n + j.failures.length, 0);

/** Pareto bars of failed attempts keyed by `keyOf`, most failures first (ties by key). */
export function pareto(jobs: readonly YieldJob[], keyOf: (f: YieldFailure) => string): ParetoBar[] {
  const count = new Map<string, { failures: number; units: Set<string> }>();
  let total = 0;
  for (const j of jobs)
    for (const f of j.failures) {
      const k = keyOf(f);
      const c = count.get(k) ?? { failures: 0, units: new Set<string>() };
      c.failures += 1;
      c.units.add(unitKey(j));
      count.set(k, c);
      total += 1;
    }
  let running = 0;
  return [...count]
    .sort(([ka, a], [kb, b]) => b.failures - a.failures || ka.localeCompare(kb))
    .map(([key, c]) => {
      running += c.failures;
      return {
        key,
        failures: c.failures,
        units: c.units.size,
        share: c.failures / total,
        cumulative: running / total,
      };
    });
}

function breakdown(all: readonly Unit[], d: YieldDimension, offset: number | undefined): YieldGroup[] {
  const groups = new Map<string, Unit[]>();
  for (const u of all) push(groups, dimensionOf(u.jobs[0]!, d, offset), u);
  const failures = new Map<string, number>();
  for (const u of all)
    for (const j of u.jobs) {
      const k = dimensionOf(j, d, offset);
      failures.set(k, (failures.get(k) ?? 0) + failuresIn([j]));
    }
  for (const k of failures.keys()) if (!groups.has(k)) groups.set(k, []);
  return [...groups]
    .map(([key, us]) => ({ key, ...figures(us, failures.get(key) ?? 0) }))
    .filter((g) => g.units > 0 || g.failures > 0) // only units still running: nothing to show yet
    .sort((a, b) => a.key.localeCompare(b.key));
}

const distinct = (values: ReadonlyArray<string | undefined>) =>
  [...new Set(values.filter((v): v is string => v !== undefined))].sort((a, b) => a.localeCompare(b));

/**
 * The yield report of the jobs `filter` selects.
 * @param all every provisioning job of the journal (any order): a unit's first pass is judged on its
 *   first job ever, so a device failed yesterday and passed today is not first-pass today.
 */
export function computeYield(all: readonly YieldJob[], filter: YieldFilter): YieldReport {
  const prod = [...all].filter((j) => !j.reprovision).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  const firstEver = new Map<string, string>();
  for (const j of prod) if (!firstEver.has(unitKey(j))) firstEver.set(unitKey(j), j.id);
  const scope = prod.filter((j) => inSelection(j, filter));
  const us = units(scope, firstEver);
  const offset = filter.utcOffsetMinutes;
  const passedUnits = us.filter((u) => u.finished && u.passed);
  return {
    filter,
    jobs: scope.length,
    inProgress: us.filter((u) => !u.finished).length,
    totals: figures(us, failuresIn(scope)),
    paretoByStep: pareto(scope, (a) => a.step),
    paretoByClass: pareto(scope, (a) => (a.errorCode && failureClass(a.errorCode)) || OTHER_CLASS),
    breakdowns: Object.fromEntries(
      YIELD_DIMENSIONS.map((d) => [d, breakdown(us, d, offset)]),
    ) as YieldReport['breakdowns'],
    cycleTime: cycleTime(
      passedUnits.map((u) => ({
        ms: u.jobs.reduce((t, j) => t + j.activeMs, 0),
        attempts: u.jobs.reduce((n, j) => n + j.attempts, 0),
      })),
    ),
    choices: {
      workOrder: distinct(prod.map((j) => j.workOrder)),
      lot: distinct(prod.map((j) => j.lot)),
      station: distinct(prod.map((j) => j.station)),
      model: distinct(prod.map((j) => j.model)),
      firmware: distinct(prod.map((j) => j.firmware)),
    },
  };
}
