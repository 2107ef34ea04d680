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
import { durable, migrate, onRollback, stmt, transact, type Db } from './db';
import { LiveJobs } from './journal-live';
import { warmJournal } from './journal-warm';
import {
  JOBS_MIGRATION,
  toApiJob,
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

/**
 * While more than one job runs, how long a step's fsync waits for the other bays' commits before it
 * starts, ms: a step ends at most this much later, and the bays' steps ending within it share one fsync
 * (issue 18). One job alone never waits.
 */
export const GROUP_COMMIT_MS = 3;

/**
 * The journal over the station database. Writes are synchronous and survive a process crash when they
 * return (WAL); they survive a power cut once {@link Journal.durable} resolves (group commit, db.ts).
 * The jobs a run holds ({@link Journal.hold}) are read from memory, written through to SQLite.
 */
export class Journal {
  /** The rows of the jobs running in this process (./journal-live.ts). */
  private readonly live: LiveJobs;

  constructor(private readonly db: Db) {
    migrate(db, 'journal', [JOBS_MIGRATION, ATTEMPTS_MIGRATION]);
    this.live = new LiveJobs((id) => {
      const job = this.readJob(id);
      return job && { job, steps: this.readSteps(id) };
    });
    onRollback(db, () => this.live.reload());
  }

  /**
   * Keeps job `id`'s rows in memory while it runs (issue 18: getJob and steps no longer read SQLite back
   * after every write); every write still goes to the database first. Call the returned function when
   * the run ends. A job that does not exist is not held.
   */
  hold(id: string): () => void {
    return this.live.hold(id);
  }

  /**
   * Warms the journal's database paths at station start (issue 18: the first job no longer pays for
   * them): a throw-away job goes through every write and read a run makes, inside one transaction that
   * is rolled back, so each statement is prepared and the code run once, and nothing is kept. Best
   * effort: never throws (a write refused now is left for the first job to report).
   */
  warm(): void {
    warmJournal(this, (fn) => transact(this.db, fn));
  }

  /**
   * Runs `fn`'s journal and audit writes as one transaction (one commit instead of one per write; db.ts
   * `transact`). A failure rolls all of them back and is thrown.
   */
  atomically<T>(fn: () => T): T {
    return transact(this.db, fn);
  }

  /**
   * Resolves once every journal (and other station database) write made so far is on disk: the saga
   * awaits it before it announces a finished step and starts the next one. Bays finishing steps in the
   * same moment share one fsync (group commit); while several jobs run, the fsync waits
   * {@link GROUP_COMMIT_MS} for the other bays' commits first.
   * @throws the file system's error when the fsync fails.
   */
  durable(): Promise<void> {
    return durable(this.db, this.live.count() > 1 ? GROUP_COMMIT_MS : 0);
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
    transact(this.db, () => {
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
    });
    return id;
  }

  /** Sets the job state (and `ended_at` for final states). */
  setJobState(id: string, state: JobState, error?: StationErrorShape): void {
    const final =
      state === 'succeeded' || state === 'failed' || state === 'cancelled' || state === 'interrupted';
    const errorJson = error ? JSON.stringify(error) : null;
    const endedAt = final ? new Date().toISOString() : null;
    stmt(this.db, `UPDATE jobs SET state = ?, error = ?, ended_at = ? WHERE id = ?`).run(
      state,
      errorJson,
      endedAt,
      id,
    );
    this.live.setState(id, state, errorJson, endedAt);
  }

  /** Moves a job to another bay/locator (a device that came back on another path keeps its job). */
  relocate(id: string, bayId: string, locator: string): void {
    stmt(this.db, `UPDATE jobs SET bay_id = ?, locator = ? WHERE id = ?`).run(bayId, locator, id);
    this.live.patchJob(id, { bayId, locator });
  }

  /** Replaces the job's operator inputs (Account, Contact, work order given on a retry: core/jobs/retry-inputs.ts). */
  setInputs(id: string, inputs: Record<string, string>): void {
    const inputsJson = JSON.stringify(inputs);
    stmt(this.db, `UPDATE jobs SET inputs = ? WHERE id = ?`).run(inputsJson, id);
    this.live.patchJob(id, { inputsJson });
  }

  /** Records the device UID once identified. */
  setDeviceUid(id: string, uid: string): void {
    stmt(this.db, `UPDATE jobs SET device_uid = ? WHERE id = ?`).run(uid, id);
    this.live.patchJob(id, { deviceUid: uid });
  }

  /** Merges facts into the job's record summary (Asset ID, certificate serial, …). */
  addSummary(id: string, facts: Record<string, unknown>): void {
    const held = this.live.summary(id);
    if (held) {
      const summaryJson = JSON.stringify({ ...held, ...facts });
      stmt(this.db, `UPDATE jobs SET summary = ? WHERE id = ?`).run(summaryJson, id);
      this.live.patchJob(id, { summaryJson });
      return;
    }
    transact(this.db, () => {
      const row = stmt(this.db, `SELECT summary FROM jobs WHERE id = ?`).get(id) as
        { summary: string } | undefined;
      const merged = { ...(row ? (JSON.parse(row.summary) as Record<string, unknown>) : {}), ...facts };
      stmt(this.db, `UPDATE jobs SET summary = ? WHERE id = ?`).run(JSON.stringify(merged), id);
    });
  }

  /** Marks a step running with its input (increments attempts). */
  startStep(jobId: string, name: StepName, input: unknown): void {
    const at = new Date().toISOString();
    const inputJson = JSON.stringify(input ?? null);
    transact(this.db, () => {
      stmt(
        this.db,
        `UPDATE steps SET state = 'running', input = ?, error = NULL, attempts = attempts + 1, started_at = ?, ended_at = NULL
           WHERE job_id = ? AND name = ?`,
      ).run(inputJson, at, jobId, name);
      const held = this.live.attempts(jobId, name);
      const attempts =
        held !== undefined
          ? held + 1
          : (
              stmt(this.db, `SELECT attempts FROM steps WHERE job_id = ? AND name = ?`).get(jobId, name) as
                { attempts: number } | undefined
            )?.attempts;
      if (attempts !== undefined) openAttempt(this.db, jobId, name, attempts, at);
      this.live.startStep(jobId, name, inputJson, at);
    });
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
    const outputJson = JSON.stringify(output ?? null);
    transact(this.db, () => {
      stmt(
        this.db,
        `UPDATE steps SET state = ?, output = ?, detail = ?, ended_at = ? WHERE job_id = ? AND name = ?`,
      ).run(state, outputJson, detail ?? null, at, jobId, name);
      closeAttempt(this.db, jobId, name, state, at);
      this.live.finishStep(jobId, name, state, outputJson, detail ?? null, at);
    });
  }

  /** Marks a step failed with its error. */
  failStep(jobId: string, name: StepName, error: StationErrorShape): void {
    const at = new Date().toISOString();
    const errorJson = JSON.stringify(error);
    transact(this.db, () => {
      stmt(
        this.db,
        `UPDATE steps SET state = 'failed', error = ?, ended_at = ? WHERE job_id = ? AND name = ?`,
      ).run(errorJson, at, jobId, name);
      closeAttempt(this.db, jobId, name, error.code === 'CANCELLED' ? 'cancelled' : 'failed', at, error);
      this.live.failStep(jobId, name, errorJson, at);
    });
  }

  /** Puts a finished step back to pending (it must run again on resume, e.g. an in-memory-only result). */
  resetStep(jobId: string, name: StepName): void {
    stmt(
      this.db,
      `UPDATE steps SET state = 'pending', output = NULL, detail = NULL WHERE job_id = ? AND name = ?`,
    ).run(jobId, name);
    this.live.resetStep(jobId, name);
  }

  /** The job's row (from memory while a run holds it), or undefined when there is no such job. */
  getJob(id: string): JobRow | undefined {
    return this.live.job(id) ?? this.readJob(id);
  }

  /** The job's step rows in order (from memory while a run holds it). */
  steps(jobId: string): StepRow[] {
    return this.live.steps(jobId) ?? this.readSteps(jobId);
  }

  /** One step row of the job (from memory while a run holds it), or undefined. */
  step(jobId: string, name: StepName): StepRow | undefined {
    return this.live.step(jobId, name) ?? this.readSteps(jobId).find((s) => s.name === name);
  }

  private readJob(id: string): JobRow | undefined {
    const r = stmt(this.db, `SELECT * FROM jobs WHERE id = ?`).get(id) as RawJob | undefined;
    return r ? toJobRow(r) : undefined;
  }

  private readSteps(jobId: string): StepRow[] {
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
    transact(this.db, () => {
      for (const r of rows) {
        up.run(now, r.id);
        upSteps.run(r.id);
        interruptAttempts(this.db, r.id);
      }
    });
    this.live.reload();
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
    return toApiJob(row, this.steps(row.id));
  }
}
