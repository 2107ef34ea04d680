/**
 * The query layer of yield analytics: the journal's provisioning jobs with their step attempts, as
 * plain {@link YieldJob} rows the pure functions (yield.ts) work on. The only module of
 * core/analytics that reads the database.
 */
import type { JobState, StepName } from '../../shared/domain';
import type { AttemptOutcome, AttemptRow, Journal, JobRow, StepRow } from '../records/journal';

/** One attempt of one step, as analytics sees it. Times are ISO 8601 instants. */
export interface YieldAttempt {
  step: StepName;
  outcome: AttemptOutcome;
  startedAt: string;
  endedAt?: string;
  errorCode?: string;
}

/** A provisioning job with the facts yield is broken down by. */
export interface YieldJob {
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
  attempts: YieldAttempt[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

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

/** A journal job row and its attempts as a {@link YieldJob}. */
export function toYieldJob(row: JobRow, attempts: readonly YieldAttempt[]): YieldJob {
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
    attempts: [...attempts],
  };
}

const toAttempt = (a: AttemptRow): YieldAttempt => ({
  step: a.step,
  outcome: a.outcome,
  startedAt: a.startedAt,
  ...(a.endedAt ? { endedAt: a.endedAt } : {}),
  ...(a.errorCode ? { errorCode: a.errorCode } : {}),
});

/**
 * Every provisioning job of the journal with its attempts, oldest first. Two queries (jobs, then all
 * attempts); jobs older than the attempts table fall back to their step rows.
 * @param limit most recent jobs read (default 1 000 000).
 */
export function loadYieldJobs(journal: Journal, limit = 1_000_000): YieldJob[] {
  const rows = journal.allJobs(limit).filter((r) => r.kind === 'provision');
  const byJob = new Map<string, YieldAttempt[]>();
  for (const a of journal.attempts()) {
    let list = byJob.get(a.jobId);
    if (!list) byJob.set(a.jobId, (list = []));
    list.push(toAttempt(a));
  }
  return rows.map((r) => toYieldJob(r, byJob.get(r.id) ?? attemptsFromSteps(journal.steps(r.id)))).reverse();
}
