/**
 * Production counters that only grow: every job that finishes is counted once, by job id, for the
 * session (shift) and for its work order. Removing a device, reloading the bay list or retrying a
 * job never takes a count back: `failed` counts failed attempts, `passed` counts units that passed
 * (a retry that passes adds a pass that was not first-pass, and leaves the failure counted). Cycle
 * time counts only the steps' active time (not the idle time between attempts).
 */
import type { Job } from '../../../shared/domain';

/** Totals of one scope (the session, or one work order). */
export interface Totals {
  /** Units (devices) seen finishing a provisioning attempt. */
  units: number;
  /** Units (devices) that passed. */
  passed: number;
  /** Failed attempts. */
  failed: number;
  /** Units that passed on their first attempt. */
  firstPass: number;
  /** Attempts counted (every finished job, retries included). */
  attempts: number;
  /** Active time of each passed unit's passing job, ms (sum of its steps' durations). */
  cycleMs: number[];
}

export interface Production {
  /** ms since epoch the session began. */
  since: number;
  /** Finished attempts already counted, as `<job id>@<endedAt>` (a retry resumes the same job id). */
  counted: string[];
  /** Per device UID: the outcome counted for it and whether its first attempt passed. */
  units: Record<string, { outcome: 'passed' | 'failed'; attempts: number; workOrder: string }>;
  session: Totals;
  byWorkOrder: Record<string, Totals>;
}

export const emptyTotals = (): Totals => ({
  units: 0,
  passed: 0,
  failed: 0,
  firstPass: 0,
  attempts: 0,
  cycleMs: [],
});

export function newProduction(since: number): Production {
  return { since, counted: [], units: {}, session: emptyTotals(), byWorkOrder: {} };
}

/** Sum of the steps' own durations, ms (idle time between attempts is not in any step). */
export function activeMs(job: Job): number {
  let ms = 0;
  for (const s of job.steps) {
    if (!s.startedAt || !s.endedAt) continue;
    const d = Date.parse(s.endedAt) - Date.parse(s.startedAt);
    if (d > 0) ms += d;
  }
  return ms;
}

/**
 * Counts one finished attempt of a provisioning job (once per job id and end time, so a retried job
 * counts again when it finishes again) if it finished after the session began (jobs handed back as "already provisioned" are not production). Pure.
 */
export function countJob(p: Production, job: Job): Production {
  if (job.kind !== 'provision' || !job.deviceUid) return p;
  if (job.state !== 'succeeded' && job.state !== 'failed') return p;
  if (!job.endedAt || Date.parse(job.endedAt) < p.since) return p;
  const key = `${job.id}@${job.endedAt}`;
  if (p.counted.includes(key)) return p;
  const uid = job.deviceUid;
  const workOrder = job.inputs?.workOrder ?? '';
  const prev = p.units[uid];
  const outcome = job.state === 'succeeded' ? 'passed' : 'failed';
  const attempts = (prev?.attempts ?? 0) + 1;
  const apply = (t: Totals, known: boolean): Totals => {
    const n = { ...t, cycleMs: [...t.cycleMs], attempts: t.attempts + 1 };
    if (!known) n.units += 1;
    if (outcome === 'failed') n.failed += 1;
    else if (prev?.outcome !== 'passed') {
      n.passed += 1;
      n.cycleMs.push(activeMs(job));
      if (attempts === 1) n.firstPass += 1;
    }
    return n;
  };
  return {
    ...p,
    counted: [...p.counted, key],
    units: {
      ...p.units,
      [uid]: { outcome: prev?.outcome === 'passed' ? 'passed' : outcome, attempts, workOrder },
    },
    session: apply(p.session, prev !== undefined),
    byWorkOrder: workOrder
      ? {
          ...p.byWorkOrder,
          [workOrder]: apply(p.byWorkOrder[workOrder] ?? emptyTotals(), prev?.workOrder === workOrder),
        }
      : p.byWorkOrder,
  };
}

/** Figures for display. */
export interface Figures {
  passed: number;
  failed: number;
  /** First-pass yield: units that passed on their first attempt / units, 0..1 (undefined before any unit). */
  fpy?: number;
  /**
   * Passed units per hour since `since`: a figure as soon as one unit passed. Time is counted as at
   * least one minute, so a first pass a few seconds in does not read as thousands per hour
   * (undefined only while nothing passed in the first minute).
   */
  perHour?: number;
  /** Median active cycle time of passed units, ms. */
  medianCycleMs?: number;
  attempts: number;
}

export function figures(t: Totals, since: number, now: number): Figures {
  const units = t.units;
  const sorted = [...t.cycleMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length
    ? sorted.length % 2
      ? sorted[mid]!
      : (sorted[mid - 1]! + sorted[mid]!) / 2
    : undefined;
  const elapsedMs = now - since;
  const hours = Math.max(elapsedMs, 60_000) / 3_600_000;
  return {
    passed: t.passed,
    failed: t.failed,
    attempts: t.attempts,
    ...(units ? { fpy: t.firstPass / units } : {}),
    ...(t.passed > 0 || elapsedMs >= 60_000 ? { perHour: t.passed / hours } : {}),
    ...(median !== undefined ? { medianCycleMs: median } : {}),
  };
}
