/**
 * The rows of the jobs running in this process, kept in memory with the journal as their log (issue 18):
 * while a run holds a job ({@link LiveJobs.hold}), the journal serves its job and step rows from here
 * instead of reading SQLite back after every write, and each journal write updates both — the database
 * first, then these rows, exactly as the SQL changed them (the row mapping of journal-rows.ts: JSON in,
 * JSON out). Reads return copies, so a caller that edits what it got never edits the live row.
 *
 * A transaction that rolls back reloads the held rows from the database (db.ts `onRollback`). Another
 * process does not write a job this process is running (a job runs in one station at a time).
 */
import type { JobState, StepName } from '../../shared/domain';
import type { StationErrorShape } from '../../shared/errors';
import type { JobRow, StepRow } from './journal-rows';

/** A held job: its rows and how many runs hold it. */
interface Held {
  holds: number;
  job: JobRow;
  steps: StepRow[];
}

/** The held jobs' rows. `load` reads a job's rows from the database (undefined: no such job). */
export class LiveJobs {
  private readonly held = new Map<string, Held>();

  constructor(private readonly load: (id: string) => { job: JobRow; steps: StepRow[] } | undefined) {}

  /**
   * Keeps job `id` in memory until the returned release is called (holds nest: the last release drops it).
   * Does nothing (and releases nothing) when there is no such job.
   */
  hold(id: string): () => void {
    let h = this.held.get(id);
    if (!h) {
      const rows = this.load(id);
      if (!rows) return () => undefined;
      this.held.set(id, (h = { holds: 0, ...rows }));
    }
    h.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--h.holds === 0 && this.held.get(id) === h) this.held.delete(id);
    };
  }

  /** How many jobs are held (running in this process). */
  count(): number {
    return this.held.size;
  }

  /** A copy of the held job's row, or undefined when the job is not held. */
  job(id: string): JobRow | undefined {
    const j = this.held.get(id)?.job;
    return j && { ...j, inputs: { ...j.inputs }, summary: { ...j.summary } };
  }

  /** Copies of the held job's step rows in order, or undefined when the job is not held. */
  steps(id: string): StepRow[] | undefined {
    return this.held.get(id)?.steps.map((s) => ({ ...s }));
  }

  /** A copy of one step row of a held job (undefined: not held, or no such step). */
  step(id: string, name: StepName): StepRow | undefined {
    const s = this.held.get(id)?.steps.find((r) => r.name === name);
    return s && { ...s };
  }

  /** The held job's row itself, for a write to change (undefined: not held). */
  private jobRow(id: string): JobRow | undefined {
    return this.held.get(id)?.job;
  }

  /** The held step row itself, for a write to change (undefined: not held). */
  private stepRow(id: string, name: StepName): StepRow | undefined {
    return this.held.get(id)?.steps.find((r) => r.name === name);
  }

  /** Mirrors `setJobState`: `error` as stored (JSON), `endedAt` set for a final state, else cleared. */
  setState(id: string, state: JobState, errorJson: string | null, endedAt: string | null): void {
    const j = this.jobRow(id);
    if (!j) return;
    j.state = state;
    set(j, 'error', errorJson ? (JSON.parse(errorJson) as StationErrorShape) : undefined);
    set(j, 'endedAt', endedAt ?? undefined);
  }

  /** Mirrors a plain update of job fields (bay, locator, device UID; JSON fields given as stored). */
  patchJob(
    id: string,
    p: { bayId?: string; locator?: string; deviceUid?: string; inputsJson?: string; summaryJson?: string },
  ): void {
    const j = this.jobRow(id);
    if (!j) return;
    if (p.bayId !== undefined) j.bayId = p.bayId;
    if (p.locator !== undefined) j.locator = p.locator;
    if (p.deviceUid !== undefined) set(j, 'deviceUid', p.deviceUid || undefined);
    if (p.inputsJson !== undefined) j.inputs = JSON.parse(p.inputsJson) as Record<string, string>;
    if (p.summaryJson !== undefined) j.summary = JSON.parse(p.summaryJson) as Record<string, unknown>;
  }

  /** The held job's summary (undefined: not held), to merge facts into without reading SQLite. */
  summary(id: string): Record<string, unknown> | undefined {
    return this.jobRow(id)?.summary;
  }

  /** The held step's attempt count (undefined: not held or no such step). */
  attempts(id: string, name: StepName): number | undefined {
    return this.stepRow(id, name)?.attempts;
  }

  /** Mirrors `startStep`: running, input as stored, error and end cleared, one more attempt. */
  startStep(id: string, name: StepName, inputJson: string, at: string): void {
    const s = this.stepRow(id, name);
    if (!s) return;
    s.state = 'running';
    s.input = JSON.parse(inputJson);
    delete s.error;
    s.attempts++;
    s.startedAt = at;
    delete s.endedAt;
  }

  /** Mirrors `finishStep`: the state, output and detail as stored, ended `at` (the error is kept). */
  finishStep(
    id: string,
    name: StepName,
    state: 'done' | 'skipped',
    outputJson: string,
    detail: string | null,
    at: string,
  ): void {
    const s = this.stepRow(id, name);
    if (!s) return;
    s.state = state;
    s.output = JSON.parse(outputJson);
    delete s.outputUnreadable;
    set(s, 'detail', detail || undefined);
    s.endedAt = at;
  }

  /** Mirrors `failStep`: failed with the error as stored, ended `at`. */
  failStep(id: string, name: StepName, errorJson: string, at: string): void {
    const s = this.stepRow(id, name);
    if (!s) return;
    s.state = 'failed';
    s.error = JSON.parse(errorJson) as StationErrorShape;
    s.endedAt = at;
  }

  /** Mirrors `resetStep`: pending, no output, no detail. */
  resetStep(id: string, name: StepName): void {
    const s = this.stepRow(id, name);
    if (!s) return;
    s.state = 'pending';
    delete s.output;
    delete s.outputUnreadable;
    delete s.detail;
  }

  /** Reads every held job's rows again (after a rollback, or a write this class does not mirror). */
  reload(): void {
    for (const [id, h] of this.held) {
      const rows = this.load(id);
      if (rows) Object.assign(h, rows);
      else this.held.delete(id);
    }
  }
}

/** Sets `key` of `o` to `v`, or removes it when `v` is undefined (the row mapping omits absent columns). */
function set<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined): void {
  if (v === undefined) delete o[key];
  else o[key] = v;
}
