/**
 * The query layer of yield analytics: the journal's provisioning jobs with their step attempts
 * summed per job, as plain {@link YieldJob} rows the pure functions (yield.ts) work on. The only
 * module of core/analytics that reads the database; the sums are done by SQLite (one row per job, not
 * per attempt: bench/yield.bench.ts).
 */
import type { JobState, StepName } from '../../shared/domain';
import type { ErrorCode } from '../../shared/errors';
import { parksAt } from '../jobs/parking';
import type { AttemptOutcome, Journal, JobRow, StepRow } from '../records/journal';

/** One attempt of one step. Times are ISO 8601 instants. */
export interface YieldAttempt {
  step: StepName;
  outcome: AttemptOutcome;
  startedAt: string;
  endedAt?: string;
  errorCode?: string;
}

/**
 * True when the attempt is an org-outage park, not a device failure: run-step.ts journals a job parked
 * "waiting for Salesforce" as a `failed` attempt of an org step (upsert-asset, asset-token) with an
 * outage code (ORG_UNAVAILABLE, ORG_LIMIT) — exactly the attempts {@link parksAt} parks, which never
 * fail a job (core/jobs/parking.ts). Yield leaves them out of failures and first pass (docs/analytics.md).
 */
export function isParkedAttempt(a: { step: StepName; outcome: AttemptOutcome; errorCode?: string }): boolean {
  return (
    a.outcome === 'failed' && a.errorCode !== undefined && parksAt(a.step, { code: a.errorCode as ErrorCode })
  );
}

/** A step attempt that ended in an error (failed, or retried by the recovery policy); parks are not. */
export interface YieldFailure {
  step: StepName;
  errorCode?: string;
}

/** What yield needs of a job's attempts. */
export interface AttemptSummary {
  /** Step attempts made. */
  attempts: number;
  /** Active time: sum of (end − start) of the attempts that ended, ms. */
  activeMs: number;
  /** Every attempt ended done or skipped, or parked (no failure, retry, cancel or interruption). */
  clean: boolean;
  failures: YieldFailure[];
}

/** A provisioning job with the facts yield is broken down by. */
export interface YieldJob extends AttemptSummary {
  id: string;
  /** Absent when the device never identified itself (the job failed at identify). */
  deviceUid?: string;
  state: JobState;
  /** An administrator's re-provision override: rework, not production (left out of yield). */
  reprovision: boolean;
  startedAt: string;
  station: string;
  workOrder?: string;
  lot?: string;
  model?: string;
  firmware?: string;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The summary of a list of attempts (the same sums the SQL query makes). */
export function summariseAttempts(attempts: readonly YieldAttempt[]): AttemptSummary {
  let activeMs = 0;
  for (const a of attempts) {
    if (!a.endedAt) continue;
    activeMs += Math.max(0, Math.round(Date.parse(a.endedAt) - Date.parse(a.startedAt)));
  }
  return {
    attempts: attempts.length,
    activeMs,
    clean: attempts.every((a) => a.outcome === 'done' || a.outcome === 'skipped' || isParkedAttempt(a)),
    failures: attempts
      .filter((a) => (a.outcome === 'failed' || a.outcome === 'retried') && !isParkedAttempt(a))
      .map((a) => ({ step: a.step, ...(a.errorCode ? { errorCode: a.errorCode } : {}) })),
  };
}

/**
 * The attempts of a job journaled before attempts were kept (journal migration 2): the latest attempt
 * of each step that ran, from its step row (earlier attempts of those jobs are not known).
 */
export function attemptsFromSteps(steps: readonly StepRow[]): YieldAttempt[] {
  const out: YieldAttempt[] = [];
  for (const s of steps) {
    if (!s.startedAt || s.attempts < 1 || s.state === 'pending') continue;
    const outcome: AttemptOutcome =
      s.state === 'failed' ? (s.error?.code === 'CANCELLED' ? 'cancelled' : 'failed') : s.state;
    out.push({
      step: s.name,
      outcome,
      startedAt: s.startedAt,
      ...(s.endedAt && s.state !== 'running' ? { endedAt: s.endedAt } : {}),
      ...(s.error ? { errorCode: s.error.code } : {}),
    });
  }
  return out;
}

/** A journal job row and its attempt summary as a {@link YieldJob}. */
export function toYieldJob(row: JobRow, summary: AttemptSummary): YieldJob {
  const workOrder = text(row.inputs.workOrder);
  const lot = text(row.inputs.lot);
  const model = text(row.summary.model);
  const firmware = text(row.summary.firmware);
  return {
    id: row.id,
    ...(row.deviceUid ? { deviceUid: row.deviceUid } : {}),
    state: row.state,
    reprovision: row.reprovision,
    startedAt: row.startedAt,
    station: row.stationId,
    ...(workOrder ? { workOrder } : {}),
    ...(lot ? { lot } : {}),
    ...(model ? { model } : {}),
    ...(firmware ? { firmware } : {}),
    ...summary,
  };
}

/**
 * Every provisioning job of the journal with its attempt summary, oldest first. Three queries (jobs,
 * per-job sums, failed attempts); jobs older than the attempts table fall back to their step rows.
 * Parked attempts ({@link isParkedAttempt}) are neither failures nor make a job unclean.
 * @param limit most recent jobs read (default 1 000 000).
 */
export function loadYieldJobs(journal: Journal, limit = 1_000_000): YieldJob[] {
  const rows = journal.allJobs(limit).filter((r) => r.kind === 'provision');
  const totals = new Map(journal.attemptTotals().map((t) => [t.jobId, t]));
  const failures = new Map<string, YieldFailure[]>();
  const parked = new Map<string, number>(); // parked attempts per job: counted unclean by the SQL sums
  for (const f of journal.failedAttempts()) {
    if (isParkedAttempt(f)) {
      parked.set(f.jobId, (parked.get(f.jobId) ?? 0) + 1);
      continue;
    }
    const list = failures.get(f.jobId);
    const item = { step: f.step, ...(f.errorCode ? { errorCode: f.errorCode } : {}) };
    if (list) list.push(item);
    else failures.set(f.jobId, [item]);
  }
  return rows
    .map((r) => {
      const t = totals.get(r.id);
      const summary: AttemptSummary = t
        ? {
            attempts: t.attempts,
            activeMs: t.activeMs,
            clean: t.unclean - (parked.get(r.id) ?? 0) === 0,
            failures: failures.get(r.id) ?? [],
          }
        : summariseAttempts(attemptsFromSteps(journal.steps(r.id)));
      return toYieldJob(r, summary);
    })
    .reverse();
}
