/**
 * Bulk API 2.0 jobs as the emulator keeps them (docs/salesforce-wire.md §8.3): ingest and query jobs in
 * memory for the life of the emulator, their job-info shapes as
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm and
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_one_job.htm show them.
 */
import { newId, sfDateTime } from './sf-format';
import type { SObjectType } from './schema';

/** A job's state (Open → UploadComplete → InProgress → JobComplete | Failed; Aborted). */
export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** What ingest and query jobs share. */
interface JobBase {
  id: string;
  object: string;
  createdById: string;
  createdDate: string;
  systemModstamp: string;
  state: JobState;
  concurrencyMode: 'Parallel';
  contentType: 'CSV';
  apiVersion: number;
  lineEnding: 'LF' | 'CRLF';
  columnDelimiter: string;
  numberRecordsProcessed: number;
  errorMessage?: string;
  /** Where a closed job ends (set when the emulator has processed it); the polls walk it there ({@link pollJob}). */
  final?: 'JobComplete' | 'Failed';
  /** Polls still to answer InProgress before {@link JobBase.final}. */
  inProgressPolls?: number;
}

/** An ingest job with its uploaded data and, once processed, its results. */
export interface IngestJob extends JobBase {
  kind: 'ingest';
  type?: SObjectType;
  operation: 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';
  externalIdFieldName?: string;
  /** The uploaded CSV (one upload per job). */
  data?: string;
  numberRecordsFailed: number;
  /** Result rows, each `[sf__Id, sf__Created | sf__Error, …the row]`, and the unprocessed rows. */
  header: string[];
  successful: string[][];
  failed: string[][];
  unprocessed: string[][];
}

/** A query job with its result rows (header first). */
export interface QueryJob extends JobBase {
  kind: 'query';
  operation: 'query' | 'queryAll';
  query: string;
  rows: string[][];
}

/** The emulator's Bulk API 2.0 jobs. */
export class BulkJobs {
  private readonly jobs = new Map<string, IngestJob | QueryJob>();

  /** A new ingest or query job, Open (ingest) or UploadComplete (query, already processed). */
  add<J extends IngestJob | QueryJob>(
    job: Omit<J, keyof JobBase | 'kind'> & Partial<JobBase> & { kind: J['kind'] },
  ): J {
    const now = sfDateTime();
    const full = {
      id: newId('750'),
      createdById: '',
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: 62,
      lineEnding: 'LF',
      columnDelimiter: 'COMMA',
      numberRecordsProcessed: 0,
      object: '',
      ...job,
    } as unknown as J;
    this.jobs.set(full.id, full);
    return full;
  }

  /** A job of the given kind by ID (18-character, exact). */
  get<K extends 'ingest' | 'query'>(
    kind: K,
    id: string,
  ): (K extends 'ingest' ? IngestJob : QueryJob) | undefined {
    const j = this.jobs.get(id);
    return j && j.kind === kind ? (j as K extends 'ingest' ? IngestJob : QueryJob) : undefined;
  }

  /** Every job of a kind, oldest first. */
  list(kind: 'ingest' | 'query'): Array<IngestJob | QueryJob> {
    return [...this.jobs.values()].filter((j) => j.kind === kind);
  }

  /** Forgets a job. */
  delete(id: string): void {
    this.jobs.delete(id);
  }
}

/**
 * A job the emulator has processed (`outcome`) as a client first sees it: UploadComplete, then `polls`
 * polls of InProgress, then the outcome — the states Salesforce documents for a job's life, Open →
 * UploadComplete → InProgress → JobComplete | Failed
 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/get_job_info.htm, `state`).
 */
export function closeJob(job: IngestJob | QueryJob, outcome: 'JobComplete' | 'Failed', polls: number): void {
  job.state = 'UploadComplete';
  job.final = outcome;
  job.inProgressPolls = Math.max(0, Math.floor(polls));
}

/** One poll of a closed job (`GET jobs/ingest/{id}`, `GET jobs/query/{id}`): moves it one state on. */
export function pollJob(job: IngestJob | QueryJob): void {
  if (!job.final || (job.state !== 'UploadComplete' && job.state !== 'InProgress')) return;
  if ((job.inProgressPolls ?? 0) > 0) {
    job.state = 'InProgress';
    job.inProgressPolls!--;
  } else {
    job.state = job.final;
    delete job.final;
  }
  job.systemModstamp = sfDateTime();
}

/** The job info a client reads (`GET jobs/ingest/{id}` / `jobs/query/{id}`), with `contentUrl` for ingest. */
export function jobInfo(job: IngestJob | QueryJob, version: string): Record<string, unknown> {
  const base: Record<string, unknown> = {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: job.createdDate,
    systemModstamp: job.systemModstamp,
    state: job.state,
    concurrencyMode: job.concurrencyMode,
    contentType: job.contentType,
    apiVersion: job.apiVersion,
    lineEnding: job.lineEnding,
    columnDelimiter: job.columnDelimiter,
    numberRecordsProcessed: job.numberRecordsProcessed,
    retries: 0,
    totalProcessingTime: 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  };
  if (job.kind === 'query') return { ...base, jobType: 'V2Query' };
  return {
    ...base,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    jobType: 'V2Ingest',
    contentUrl: `services/data/${version}/jobs/ingest/${job.id}/batches`,
    numberRecordsFailed: job.numberRecordsFailed,
    apiActiveProcessingTime: 0,
    apexProcessingTime: 0,
  };
}
