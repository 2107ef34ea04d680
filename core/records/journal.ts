/**
 * The journal: every job and every step's input, output and outcome, written to SQLite before the next
 * step starts (docs/architecture.md, Data flow). A job interrupted anywhere resumes from the last
 * finished step because finished steps' outputs are read back from here.
 *
 * Outputs are JSON; they never hold private keys or OAuth tokens (asset tokens are kept in memory only
 * and re-requested on resume, see saga.ts).
 */
import crypto from 'node:crypto';
import type { Job, JobKind, JobState, StepName } from '../../shared/domain';
import type { StationErrorShape } from '../../shared/errors';
import { durable, migrate, stmt, type Db } from './db';
import {
  toApiStep,
  toJobRow,
  toStepRow,
  type JobRow,
  type RawJob,
  type RawStep,
  type StepRow,
} from './journal-rows';
import {
  ATTEMPTS_MIGRATION,
  attemptTotals,
  closeAttempt,
  failedAttempts,
  interruptAttempts,
  listAttempts,
  openAttempt,
  type AttemptRow,
  type FailedAttempt,
  type AttemptTotals,
} from './journal-attempts';

export { checkedOutput, journalCorrupt, toApiStep, type JobRow, type StepRow } from './journal-rows';
export type { AttemptOutcome, AttemptRow, AttemptTotals, FailedAttempt } from './journal-attempts';

const MIGRATIONS = [
  `CREATE TABLE jobs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     bay_id TEXT NOT NULL,
     locator TEXT NOT NULL,
     device_uid TEXT,
     state TEXT NOT NULL,
     inputs TEXT NOT NULL DEFAULT '{}',
     reprovision INTEGER NOT NULL DEFAULT 0,
     operator TEXT,
     station_id TEXT NOT NULL,
     started_at TEXT NOT NULL,
     ended_at TEXT,
     error TEXT,
     summary TEXT NOT NULL DEFAULT '{}'
   );
   CREATE INDEX jobs_device ON jobs(device_uid, started_at);
   CREATE TABLE steps (
     job_id TEXT NOT NULL REFERENCES jobs(id),
     seq INTEGER NOT NULL,
     name TEXT NOT NULL,
     state TEXT NOT NULL,
     input TEXT,
     output TEXT,
     detail TEXT,
     error TEXT,
     attempts INTEGER NOT NULL DEFAULT 0,
     started_at TEXT,
     ended_at TEXT,
     PRIMARY KEY (job_id, name)
   );`,
  ATTEMPTS_MIGRATION,
];

/**
 * The journal over the station database. Writes are synchronous and survive a process crash when they
 * return (WAL); they survive a power cut once {@link Journal.durable} resolves (group commit, db.ts).
 */
export class Journal {
  constructor(private readonly db: Db) {
    migrate(db, 'journal', MIGRATIONS);
  }

  /**
   * Resolves once every journal (and other station database) write made so far is on disk: the saga
   * awaits it before it announces a finished step and starts the next one. Bays finishing steps in the
   * same moment share one fsync (group commit).
   * @throws the file system's error when the fsync fails.
   */
  durable(): Promise<void> {
    return durable(this.db);
  }

  /** Creates a job with its planned steps (all `pending`). Returns the new job's id. */
  createJob(j: {
    kind: JobKind;
    bayId: string;
    locator: string;
    deviceUid?: string;
    inputs?: Record<string, string>;
    reprovision?: boolean;
    operator?: string;
    stationId: string;
    steps: readonly StepName[];
  }): string {
    const id = `job_${new Date()
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14)}_${crypto.randomBytes(4).toString('hex')}`;
    this.db.transaction(() => {
      stmt(
        this.db,
        `INSERT INTO jobs (id, kind, bay_id, locator, device_uid, state, inputs, reprovision, operator, station_id, started_at)
           VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
      ).run(
        id,
        j.kind,
        j.bayId,
        j.locator,
        j.deviceUid ?? null,
        JSON.stringify(j.inputs ?? {}),
        j.reprovision ? 1 : 0,
        j.operator ?? null,
        j.stationId,
        new Date().toISOString(),
      );
      const ins = stmt(this.db, `INSERT INTO steps (job_id, seq, name, state) VALUES (?, ?, ?, 'pending')`);
      j.steps.forEach((name, i) => ins.run(id, i, name));
    })();
    return id;
  }

  /** Sets the job state (and `ended_at` for final states). */
  setJobState(id: string, state: JobState, error?: StationErrorShape): void {
    const final =
      state === 'succeeded' || state === 'failed' || state === 'cancelled' || state === 'interrupted';
    stmt(this.db, `UPDATE jobs SET state = ?, error = ?, ended_at = ? WHERE id = ?`).run(
      state,
      error ? JSON.stringify(error) : null,
      final ? new Date().toISOString() : null,
      id,
    );
  }

  /** Moves a job to another bay/locator (a device that came back on another path keeps its job). */
  relocate(id: string, bayId: string, locator: string): void {
    stmt(this.db, `UPDATE jobs SET bay_id = ?, locator = ? WHERE id = ?`).run(bayId, locator, id);
  }

  /** Replaces the job's operator inputs (Account, Contact, work order given on a retry: core/jobs/retry-inputs.ts). */
  setInputs(id: string, inputs: Record<string, string>): void {
    stmt(this.db, `UPDATE jobs SET inputs = ? WHERE id = ?`).run(JSON.stringify(inputs), id);
  }

  /** Records the device UID once identified. */
  setDeviceUid(id: string, uid: string): void {
    stmt(this.db, `UPDATE jobs SET device_uid = ? WHERE id = ?`).run(uid, id);
  }

  /** Merges facts into the job's record summary (Asset ID, certificate serial, …). */
  addSummary(id: string, facts: Record<string, unknown>): void {
    this.db.transaction(() => {
      const row = stmt(this.db, `SELECT summary FROM jobs WHERE id = ?`).get(id) as
        { summary: string } | undefined;
      const merged = { ...(row ? (JSON.parse(row.summary) as Record<string, unknown>) : {}), ...facts };
      stmt(this.db, `UPDATE jobs SET summary = ? WHERE id = ?`).run(JSON.stringify(merged), id);
    })();
  }

  /** Marks a step running with its input (increments attempts). */
  startStep(jobId: string, name: StepName, input: unknown): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      stmt(
        this.db,
        `UPDATE steps SET state = 'running', input = ?, error = NULL, attempts = attempts + 1, started_at = ?, ended_at = NULL
           WHERE job_id = ? AND name = ?`,
      ).run(JSON.stringify(input ?? null), at, jobId, name);
      const row = stmt(this.db, `SELECT attempts FROM steps WHERE job_id = ? AND name = ?`).get(
        jobId,
        name,
      ) as { attempts: number } | undefined;
      if (row) openAttempt(this.db, jobId, name, row.attempts, at);
    })();
  }

  /**
   * Ends the running attempt of a step that recovery will try again (a garbled answer, a device that
   * restarted): the attempt is kept with its error; the step stays `running`.
   */
  retryStep(jobId: string, name: StepName, error: StationErrorShape): void {
    closeAttempt(this.db, jobId, name, 'retried', new Date().toISOString(), error);
  }

  /** Every journaled step attempt of these jobs (all jobs when omitted): see journal-attempts.ts. */
  attempts(jobIds?: readonly string[]): AttemptRow[] {
    return listAttempts(this.db, jobIds);
  }

  /** Per job: attempt count, active time (ms) and unclean attempts, summed in SQL (yield reports). */
  attemptTotals(): AttemptTotals[] {
    return attemptTotals(this.db);
  }

  /** Every failed or retried step attempt with its outcome and error code (failure Paretos). */
  failedAttempts(): FailedAttempt[] {
    return failedAttempts(this.db);
  }

  /** Marks a step done (or skipped) with its output; this is the durable boundary resume relies on. */
  finishStep(
    jobId: string,
    name: StepName,
    state: 'done' | 'skipped',
    output: unknown,
    detail?: string,
  ): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      stmt(
        this.db,
        `UPDATE steps SET state = ?, output = ?, detail = ?, ended_at = ? WHERE job_id = ? AND name = ?`,
      ).run(state, JSON.stringify(output ?? null), detail ?? null, at, jobId, name);
      closeAttempt(this.db, jobId, name, state, at);
    })();
  }

  /** Marks a step failed with its error. */
  failStep(jobId: string, name: StepName, error: StationErrorShape): void {
    const at = new Date().toISOString();
    this.db.transaction(() => {
      stmt(
        this.db,
        `UPDATE steps SET state = 'failed', error = ?, ended_at = ? WHERE job_id = ? AND name = ?`,
      ).run(JSON.stringify(error), at, jobId, name);
      closeAttempt(this.db, jobId, name, error.code === 'CANCELLED' ? 'cancelled' : 'failed', at, error);
    })();
  }

  /** Puts a finished step back to pending (it must run again on resume, e.g. an in-memory-only result). */
  resetStep(jobId: string, name: StepName): void {
    stmt(
      this.db,
      `UPDATE steps SET state = 'pending', output = NULL, detail = NULL WHERE job_id = ? AND name = ?`,
    ).run(jobId, name);
  }

  getJob(id: string): JobRow | undefined {
    const r = stmt(this.db, `SELECT * FROM jobs WHERE id = ?`).get(id) as RawJob | undefined;
    return r ? toJobRow(r) : undefined;
  }

  steps(jobId: string): StepRow[] {
    return (stmt(this.db, `SELECT * FROM steps WHERE job_id = ? ORDER BY seq`).all(jobId) as RawStep[]).map(
      toStepRow,
    );
  }

  /** The newest job of `kind` for a device (any state), or undefined. */
  latestJobForDevice(uid: string, kind: JobKind): JobRow | undefined {
    const r = stmt(
      this.db,
      `SELECT * FROM jobs WHERE device_uid = ? AND kind = ? ORDER BY started_at DESC, rowid DESC LIMIT 1`,
    ).get(uid, kind) as RawJob | undefined;
    return r ? toJobRow(r) : undefined;
  }

  /** Jobs left `running`/`queued` by a process that died: marks them `interrupted` and returns them. */
  markInterrupted(): JobRow[] {
    const rows = (
      stmt(this.db, `SELECT * FROM jobs WHERE state IN ('running', 'queued')`).all() as RawJob[]
    ).map(toJobRow);
    const now = new Date().toISOString();
    const up = stmt(this.db, `UPDATE jobs SET state = 'interrupted', ended_at = ? WHERE id = ?`);
    const upSteps = stmt(
      this.db,
      `UPDATE steps SET state = 'pending' WHERE job_id = ? AND state = 'running'`,
    );
    this.db.transaction(() => {
      for (const r of rows) {
        up.run(now, r.id);
        upSteps.run(r.id);
        interruptAttempts(this.db, r.id);
      }
    })();
    return rows.map((r) => ({ ...r, state: 'interrupted' as const, endedAt: now }));
  }

  /** The jobs in `state`, oldest first (e.g. the `parked` queue). */
  jobsInState(state: JobState): JobRow[] {
    return (
      stmt(this.db, `SELECT * FROM jobs WHERE state = ? ORDER BY started_at, rowid`).all(state) as RawJob[]
    ).map(toJobRow);
  }

  /** All jobs, newest first (filtering is done by records.ts). */
  allJobs(limit = 10_000): JobRow[] {
    return (
      stmt(this.db, `SELECT * FROM jobs ORDER BY started_at DESC, rowid DESC LIMIT ?`).all(limit) as RawJob[]
    ).map(toJobRow);
  }

  /** The job as the API shows it. */
  toApiJob(row: JobRow): Job {
    return {
      id: row.id,
      kind: row.kind,
      bayId: row.bayId,
      ...(row.deviceUid ? { deviceUid: row.deviceUid } : {}),
      state: row.state,
      steps: this.steps(row.id).map(toApiStep),
      startedAt: row.startedAt,
      ...(row.endedAt ? { endedAt: row.endedAt } : {}),
      ...(row.error ? { error: row.error } : {}),
      inputs: row.inputs,
      ...(row.operator ? { operator: row.operator } : {}),
    };
  }
}
