/**
 * Step attempts: one row per attempt of a step, kept after the step row itself is overwritten by the
 * next attempt (the `steps` table holds only the latest). Yield analytics read them
 * (core/analytics/): which step failed, with which error, how long the station was actually busy.
 *
 * An attempt opens when the step starts and closes when it ends: `done`/`skipped`, `failed` (the job
 * stops there), `retried` (recovery tried again: a garbled answer, a replug), `cancelled`, or
 * `interrupted` (the station stopped; no end time — its duration is unknown).
 */
import type { StepName } from '../../shared/domain';
import type { StationErrorShape } from '../../shared/errors';
import { stmt, type Db } from './db';

/** Migration 2 of the journal module: the attempts table (additive; older journals have no rows). */
export const ATTEMPTS_MIGRATION = `CREATE TABLE step_attempts (
     job_id TEXT NOT NULL REFERENCES jobs(id),
     name TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     outcome TEXT NOT NULL DEFAULT 'running',
     started_at TEXT NOT NULL,
     ended_at TEXT,
     error_code TEXT,
     PRIMARY KEY (job_id, name, attempt)
   );`;

/** How an attempt ended (`running` while it runs). */
export type AttemptOutcome =
  'running' | 'done' | 'skipped' | 'failed' | 'retried' | 'cancelled' | 'interrupted';

/** One journaled attempt of one step. Times are ISO 8601 instants. */
export interface AttemptRow {
  jobId: string;
  step: StepName;
  /** 1-based, counted over the whole job (a Retry of a failed job goes on counting). */
  attempt: number;
  outcome: AttemptOutcome;
  startedAt: string;
  endedAt?: string;
  /** The error code of a failed, retried or cancelled attempt (shared/errors.ts). */
  errorCode?: string;
}

/** Opens attempt `attempt` of a step, started `at`. */
export function openAttempt(db: Db, jobId: string, step: StepName, attempt: number, at: string): void {
  stmt(
    db,
    `INSERT OR REPLACE INTO step_attempts (job_id, name, attempt, outcome, started_at) VALUES (?, ?, ?, 'running', ?)`,
  ).run(jobId, step, attempt, at);
}

/**
 * Closes the latest attempt of a step with its outcome, end time `at` and error. The latest attempt is
 * closed when it is still running, or, for `failed`/`cancelled`, also when it was closed as `retried`
 * and recovery then gave up (the job stops there): it keeps its own end time, so the wait for a
 * device that never came back is not counted as work.
 */
export function closeAttempt(
  db: Db,
  jobId: string,
  step: StepName,
  outcome: Exclude<AttemptOutcome, 'running'>,
  at: string | undefined,
  error?: Pick<StationErrorShape, 'code'>,
): void {
  const final = outcome === 'failed' || outcome === 'cancelled' ? 1 : 0;
  stmt(
    db,
    `UPDATE step_attempts SET outcome = ?, ended_at = COALESCE(ended_at, ?), error_code = ?
       WHERE job_id = ? AND name = ?
         AND (outcome = 'running' OR (? = 1 AND outcome = 'retried'))
         AND attempt = (SELECT MAX(attempt) FROM step_attempts WHERE job_id = ? AND name = ?)`,
  ).run(outcome, at ?? null, error?.code ?? null, jobId, step, final, jobId, step);
}

/** Closes every attempt of a job still open (the station stopped) as `interrupted`, with no end time. */
export function interruptAttempts(db: Db, jobId: string): void {
  stmt(db, `UPDATE step_attempts SET outcome = 'interrupted' WHERE job_id = ? AND outcome = 'running'`).run(
    jobId,
  );
}

/** Every attempt of the given jobs (all jobs when `jobIds` is omitted), by job, then start time. */
export function listAttempts(db: Db, jobIds?: readonly string[]): AttemptRow[] {
  const rows = stmt(db, `SELECT * FROM step_attempts ORDER BY job_id, started_at, attempt`).all() as Array<
    Record<string, string | number | null>
  >;
  const want = jobIds ? new Set(jobIds) : undefined;
  const out: AttemptRow[] = [];
  for (const r of rows) {
    if (want && !want.has(String(r.job_id))) continue;
    out.push({
      jobId: String(r.job_id),
      step: String(r.name) as StepName,
      attempt: Number(r.attempt),
      outcome: String(r.outcome) as AttemptOutcome,
      startedAt: String(r.started_at),
      ...(r.ended_at ? { endedAt: String(r.ended_at) } : {}),
      ...(r.error_code ? { errorCode: String(r.error_code) } : {}),
    });
  }
  return out;
}

/** Per job: how many step attempts, the active time of those that ended, and whether all were clean. */
export interface AttemptTotals {
  jobId: string;
  attempts: number;
  /** Sum of (end − start) of the attempts that ended, ms, each rounded to the ms. */
  activeMs: number;
  /** Attempts that ended otherwise than done or skipped (or are still running). */
  unclean: number;
}

/**
 * {@link AttemptTotals} of every job with attempts, summed by SQLite (one row per job, not per attempt:
 * what keeps yield reports fast on a long journal, see bench/yield.bench.ts).
 */
export function attemptTotals(db: Db): AttemptTotals[] {
  return (
    stmt(
      db,
      `SELECT job_id, COUNT(*) AS n,
              SUM(CASE WHEN ended_at IS NULL THEN 0
                       ELSE MAX(0, ROUND((julianday(ended_at) - julianday(started_at)) * 86400000.0)) END) AS active,
              SUM(outcome NOT IN ('done', 'skipped')) AS unclean
         FROM step_attempts GROUP BY job_id`,
    ).all() as Array<{ job_id: string; n: number; active: number; unclean: number }>
  ).map((r) => ({ jobId: r.job_id, attempts: r.n, activeMs: r.active, unclean: r.unclean }));
}

/** A failed or retried attempt: its job, step, outcome and error code. */
export interface FailedAttempt {
  jobId: string;
  step: StepName;
  outcome: 'failed' | 'retried';
  errorCode?: string;
}

/** Every failed or retried attempt (step, outcome and error code), by job. */
export function failedAttempts(db: Db): FailedAttempt[] {
  return (
    stmt(
      db,
      `SELECT job_id, name, outcome, error_code FROM step_attempts WHERE outcome IN ('failed', 'retried')
         ORDER BY job_id, attempt`,
    ).all() as Array<{
      job_id: string;
      name: string;
      outcome: 'failed' | 'retried';
      error_code: string | null;
    }>
  ).map((r) => ({
    jobId: r.job_id,
    step: r.name as StepName,
    outcome: r.outcome,
    ...(r.error_code ? { errorCode: r.error_code } : {}),
  }));
}
