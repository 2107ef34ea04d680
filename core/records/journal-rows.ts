/**
 * Journal rows as the code reads them: the job and step row types, their mapping from SQLite rows
 * (damaged JSON in a step's output never throws here), the API view of a step, and the typed
 * read-back of a step's output through its schema ({@link checkedOutput}, JOURNAL_CORRUPT).
 */
import type { z } from 'zod';
import type { Job, JobKind, JobState, Step, StepName, StepState } from '../../shared/domain';
import { StationError, type StationErrorShape } from '../../shared/errors';

/** Migration 1 of the journal module: the jobs and steps tables (never edit: append a migration). */
export const JOBS_MIGRATION = `CREATE TABLE jobs (
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
   );`;

/** A journaled job row. `summary` accumulates the record facts (Asset ID, serial, fingerprints…). */
export interface JobRow {
  id: string;
  kind: JobKind;
  bayId: string;
  locator: string;
  deviceUid?: string;
  state: JobState;
  inputs: Record<string, string>;
  reprovision: boolean;
  operator?: string;
  stationId: string;
  startedAt: string;
  endedAt?: string;
  error?: StationErrorShape;
  summary: Record<string, unknown>;
}

/** A journaled step row. */
export interface StepRow {
  name: StepName;
  seq: number;
  state: StepState;
  input?: unknown;
  /** The journaled output as stored; read it through {@link checkedOutput}, never by a cast. */
  output?: unknown;
  /** Set when the stored output cannot even be parsed as JSON (a damaged row). */
  outputUnreadable?: true;
  detail?: string;
  error?: StationErrorShape;
  attempts: number;
  startedAt?: string;
  endedAt?: string;
}

/** A row of `jobs` as SQLite returns it. */
export type RawJob = Record<string, string | number | null>;
/** A row of `steps` as SQLite returns it. */
export type RawStep = Record<string, string | number | null>;

const parse = <T>(s: string | number | null | undefined): T | undefined =>
  typeof s === 'string' && s !== '' ? (JSON.parse(s) as T) : undefined;
const opt = (v: string | number | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : String(v);

/** A step as the API shows it. */
export function toApiStep(s: StepRow): Step {
  return {
    name: s.name,
    state: s.state,
    ...(s.startedAt ? { startedAt: s.startedAt } : {}),
    ...(s.endedAt ? { endedAt: s.endedAt } : {}),
    ...(s.detail ? { detail: s.detail } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

/** The job as the API shows it, with its step rows. */
export function toApiJob(row: JobRow, steps: readonly StepRow[]): Job {
  return {
    id: row.id,
    kind: row.kind,
    bayId: row.bayId,
    ...(row.deviceUid ? { deviceUid: row.deviceUid } : {}),
    state: row.state,
    steps: steps.map(toApiStep),
    startedAt: row.startedAt,
    ...(row.endedAt ? { endedAt: row.endedAt } : {}),
    ...(row.error ? { error: row.error } : {}),
    inputs: row.inputs,
    ...(row.operator ? { operator: row.operator } : {}),
  };
}

/** Maps a `jobs` row. */
export function toJobRow(r: RawJob): JobRow {
  return {
    id: String(r.id),
    kind: r.kind as JobKind,
    bayId: String(r.bay_id),
    locator: String(r.locator),
    ...(r.device_uid ? { deviceUid: String(r.device_uid) } : {}),
    state: r.state as JobState,
    inputs: parse<Record<string, string>>(r.inputs) ?? {},
    reprovision: r.reprovision === 1,
    ...(r.operator ? { operator: String(r.operator) } : {}),
    stationId: String(r.station_id),
    startedAt: String(r.started_at),
    ...(opt(r.ended_at) ? { endedAt: opt(r.ended_at) } : {}),
    ...(r.error ? { error: parse<StationErrorShape>(r.error) } : {}),
    summary: parse<Record<string, unknown>>(r.summary) ?? {},
  };
}

/** JSON of a step row, or `undefined` when the text is not JSON (damaged rows must not crash a read). */
function tryParse(s: string | number | null | undefined): { value: unknown } | undefined {
  try {
    return { value: parse(s) };
  } catch {
    return undefined;
  }
}

/** Maps a `steps` row. */
export function toStepRow(r: RawStep): StepRow {
  const output = r.output ? tryParse(r.output) : { value: undefined };
  return {
    name: String(r.name) as StepName,
    seq: Number(r.seq),
    state: r.state as StepState,
    ...(r.input ? { input: tryParse(r.input)?.value } : {}),
    ...(output === undefined ? { outputUnreadable: true as const } : {}),
    ...(output?.value !== undefined ? { output: output.value } : {}),
    ...(r.detail ? { detail: String(r.detail) } : {}),
    ...(r.error ? { error: parse<StationErrorShape>(r.error) } : {}),
    attempts: Number(r.attempts),
    ...(opt(r.started_at) ? { startedAt: opt(r.started_at) } : {}),
    ...(opt(r.ended_at) ? { endedAt: opt(r.ended_at) } : {}),
  };
}

/**
 * A finished step's journaled output, checked against that step's schema: what resume, retry and
 * reports read back from SQLite after a crash instead of trusting the stored JSON.
 * @throws StationError JOURNAL_CORRUPT naming the job and the step when the row is damaged (not
 *   JSON) or from an older format (valid JSON of another shape). The row itself is left untouched.
 */
export function checkedOutput<T>(jobId: string, row: StepRow, schema: z.ZodType<T>): T {
  const parsed = row.outputUnreadable ? undefined : schema.safeParse(row.output);
  if (parsed?.success) return parsed.data;
  const issue = parsed?.error.issues[0];
  const why = !parsed
    ? 'it is not valid JSON'
    : `${issue?.path.length ? `${issue.path.join('.')}: ` : ''}${issue?.message ?? 'unexpected shape'}`;
  throw journalCorrupt(jobId, row.name, why);
}

/**
 * The JOURNAL_CORRUPT error: the journaled result of `step` in job `jobId` cannot be used (`why`).
 * The remedy is a new job: every step is safe to run again, so no second certificate or Asset results.
 */
export function journalCorrupt(jobId: string, step: string, why: string): StationError {
  return new StationError(
    'JOURNAL_CORRUPT',
    `The saved result of step "${step}" in job ${jobId} cannot be read back (${why}): the record is damaged or was written by another version of the station.`,
    'Start a new job for this device (press Start on its bay, or run provision again): the station starts afresh without issuing a second certificate or Asset. The old job record is kept as it is.',
    { jobId, step },
  );
}
