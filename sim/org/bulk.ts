/**
 * Bulk API 2.0 under `/services/data/vNN.N/jobs/` (docs/salesforce-wire.md §8.3): ingest jobs (create, upload
 * CSV, UploadComplete, poll, successfulResults / failedResults / unprocessedrecords, abort, delete;
 * upsert on an external ID) and query jobs (create, poll, results paged with `Sforce-Locator`, abort, delete),
 * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0.htm.
 *
 * The emulator processes a job at once when it is closed (ingest) or created (query); the client then sees
 * it as Salesforce documents a job's life: the close (or the create) answers UploadComplete, the next
 * `inProgressPolls` polls InProgress, then JobComplete or Failed (bulk-jobs.ts closeJob/pollJob). Result
 * files are served once the job has ended.
 */
import { ApiError } from './api-error';
import { toCsv, DELIMITERS } from './bulk-csv';
import { processIngest } from './bulk-ingest';
import { closeJob, jobInfo, pollJob, type BulkJobs, type IngestJob, type QueryJob } from './bulk-jobs';
import { reader, runQuery } from './rest-query';
import { findField, findType } from './schema';
import { parseSoql } from './soql';
import type { OrgStore } from './store';

/** A Bulk API 2.0 request below `jobs/`. */
export interface BulkRequest {
  method: string;
  /** Path segments after `jobs`. */
  segs: string[];
  query: URLSearchParams;
  /** The raw body (JSON for job requests, CSV for an upload). */
  raw: string;
  version: string;
  userId: string;
}

/** A Bulk answer: JSON `body`, or `csv` text; extra headers. */
export interface BulkResult {
  status: number;
  body?: unknown;
  csv?: string;
  headers?: Record<string, string>;
}

/**
 * Handles one Bulk API 2.0 request. Errors come back as results (error array body).
 * @param inProgressPolls polls of a closed job answered InProgress before it ends (faults.bulkInProgressPolls).
 */
export function handleBulk(
  store: OrgStore,
  jobs: BulkJobs,
  req: BulkRequest,
  inProgressPolls = 1,
): BulkResult {
  try {
    const [kind, id, sub, ...rest] = req.segs;
    if (rest.length || (kind !== 'ingest' && kind !== 'query')) throw notFound();
    if (id === undefined) {
      if (req.method === 'POST')
        return kind === 'ingest' ? createIngest(jobs, req) : createQuery(store, jobs, req, inProgressPolls);
      if (req.method === 'GET') {
        const records = jobs.list(kind).map((j) => jobInfo(j, req.version));
        return { status: 200, body: { done: true, records, nextRecordsUrl: null } };
      }
      throw notFound();
    }
    const job = jobs.get(kind, id);
    if (!job) throw notFound();
    if (sub === undefined) {
      if (req.method === 'GET') {
        pollJob(job);
        return { status: 200, body: jobInfo(job, req.version) };
      }
      if (req.method === 'DELETE') {
        jobs.delete(job.id);
        return { status: 204 };
      }
      if (req.method === 'PATCH') return setState(store, job, req, inProgressPolls);
      throw notFound();
    }
    if (job.kind === 'ingest') return ingestData(job, sub, req);
    if (sub === 'results' && req.method === 'GET') return queryResults(job, req.query);
    throw notFound();
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, body: e.body() };
    throw e;
  }
}

function notFound(): ApiError {
  return new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function invalidJob(message: string): ApiError {
  return new ApiError(400, 'INVALIDJOB', message);
}

function jsonBody(raw: string): Record<string, unknown> {
  try {
    const b = JSON.parse(raw) as unknown;
    if (b && typeof b === 'object' && !Array.isArray(b)) return b as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object.');
}

/** Shared job options: lineEnding, columnDelimiter. */
function format(b: Record<string, unknown>): { lineEnding: 'LF' | 'CRLF'; columnDelimiter: string } {
  const lineEnding = b.lineEnding ?? 'LF';
  const columnDelimiter = b.columnDelimiter ?? 'COMMA';
  if (lineEnding !== 'LF' && lineEnding !== 'CRLF')
    throw invalidJob(`Invalid lineEnding: ${String(lineEnding)}`);
  if (typeof columnDelimiter !== 'string' || !DELIMITERS[columnDelimiter])
    throw invalidJob(`Invalid columnDelimiter: ${String(columnDelimiter)}`);
  if (b.contentType !== undefined && b.contentType !== 'CSV') throw invalidJob('contentType must be CSV');
  return { lineEnding, columnDelimiter };
}

function createIngest(jobs: BulkJobs, req: BulkRequest): BulkResult {
  const b = jsonBody(req.raw);
  const type = typeof b.object === 'string' ? findType(b.object) : undefined;
  if (!type) throw invalidJob(`InvalidJob : Unable to find object: ${String(b.object)}`);
  const operation = b.operation;
  if (!['insert', 'update', 'upsert', 'delete', 'hardDelete'].includes(String(operation)))
    throw invalidJob(`InvalidJob : Invalid operation: ${String(operation)}`);
  let externalIdFieldName: string | undefined;
  if (operation === 'upsert') {
    if (typeof b.externalIdFieldName !== 'string' || !b.externalIdFieldName)
      throw invalidJob(`External ID was blank for ${type}. An External ID must be specified for upsert.`);
    const f = findField(type, b.externalIdFieldName);
    if (!f || (!f.externalId && f.name !== 'Id'))
      throw invalidJob(
        `InvalidJob : Field name provided, ${b.externalIdFieldName} is not an External ID or indexed field for ${type}`,
      );
    externalIdFieldName = f.name;
  }
  const job = jobs.add<IngestJob>({
    kind: 'ingest',
    type,
    object: type,
    operation: operation as IngestJob['operation'],
    ...(externalIdFieldName ? { externalIdFieldName } : {}),
    ...format(b),
    createdById: req.userId,
    apiVersion: Number(req.version.slice(1)),
    numberRecordsFailed: 0,
    header: [],
    successful: [],
    failed: [],
    unprocessed: [],
  });
  return { status: 200, body: jobInfo(job, req.version) };
}

function createQuery(store: OrgStore, jobs: BulkJobs, req: BulkRequest, polls: number): BulkResult {
  const b = jsonBody(req.raw);
  if (b.operation !== 'query' && b.operation !== 'queryAll')
    throw invalidJob(`InvalidJob : Invalid operation: ${String(b.operation)}`);
  if (typeof b.query !== 'string' || !b.query) throw invalidJob('InvalidJob : a query is required');
  const parsed = parseSoql(b.query);
  if (parsed.count || parsed.subqueries?.length)
    throw new ApiError(400, 'API_ERROR', 'Bulk API 2.0 query jobs do not support COUNT() or nested queries');
  const read = reader(store, parsed.type);
  const { rows } = runQuery(store, parsed);
  const cell = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const job = jobs.add<QueryJob>({
    kind: 'query',
    object: parsed.type,
    operation: b.operation,
    query: b.query,
    ...format(b),
    createdById: req.userId,
    apiVersion: Number(req.version.slice(1)),
    rows: [parsed.fields, ...rows.map((r) => parsed.fields.map((f) => cell(read(r, f))))],
  });
  const info = jobInfo(job, req.version);
  job.numberRecordsProcessed = rows.length;
  closeJob(job, 'JobComplete', polls);
  return { status: 200, body: { ...info, state: 'UploadComplete' } };
}

/** PATCH `{state: 'UploadComplete' | 'Aborted'}`. */
function setState(store: OrgStore, job: IngestJob | QueryJob, req: BulkRequest, polls: number): BulkResult {
  const state = jsonBody(req.raw).state;
  if (state === 'Aborted') {
    if (job.state === 'JobComplete' || job.state === 'Failed')
      throw invalidJob(`InvalidJob : Job is already ${job.state}`);
    job.state = 'Aborted';
    delete job.final;
    return { status: 200, body: jobInfo(job, req.version) };
  }
  if (state !== 'UploadComplete' || job.kind !== 'ingest')
    throw invalidJob(`Invalid state: ${String(state)}`);
  if (job.state !== 'Open') throw invalidJob(`InvalidJob : Job is not open (it is ${job.state})`);
  job.state = 'UploadComplete';
  const info = jobInfo(job, req.version);
  if (!job.data) {
    job.state = 'Failed';
    job.errorMessage = 'InvalidBatch : No data was uploaded for this job';
  } else processIngest(store, job);
  store.save();
  closeJob(job, job.state === 'Failed' ? 'Failed' : 'JobComplete', polls);
  return { status: 200, body: info };
}

/** `batches` (PUT CSV) and the three result files of an ingest job. */
function ingestData(job: IngestJob, sub: string, req: BulkRequest): BulkResult {
  if (sub === 'batches' && req.method === 'PUT') {
    if (job.state !== 'Open') throw invalidJob('InvalidJob : Job is not open for uploads');
    if (job.data !== undefined) throw invalidJob('InvalidJob : Only one upload per job is accepted');
    job.data = req.raw;
    return { status: 201 };
  }
  if (req.method !== 'GET') throw notFound();
  if (job.state === 'Open' || job.state === 'UploadComplete' || job.state === 'InProgress')
    throw invalidJob(`InvalidJob : Job is ${job.state}: its results are ready once it has ended`);
  const delim = DELIMITERS[job.columnDelimiter] ?? ',';
  const eol = job.lineEnding === 'CRLF' ? '\r\n' : '\n';
  if (sub === 'successfulResults')
    return {
      status: 200,
      csv: toCsv([['sf__Id', 'sf__Created', ...job.header], ...job.successful], delim, eol),
    };
  if (sub === 'failedResults')
    return { status: 200, csv: toCsv([['sf__Id', 'sf__Error', ...job.header], ...job.failed], delim, eol) };
  if (sub === 'unprocessedrecords')
    return { status: 200, csv: toCsv([job.header, ...job.unprocessed], delim, eol) };
  throw notFound();
}

/**
 * `results[?locator=…&maxRecords=n]`: one page of CSV, `Sforce-NumberOfRecords` on it and `Sforce-Locator`
 * naming the next page, or the text `null` on the last
 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_get_job_results.htm).
 */
function queryResults(job: QueryJob, params: URLSearchParams): BulkResult {
  if (job.state !== 'JobComplete') throw invalidJob(`InvalidJob : Job is ${job.state}, not JobComplete`);
  const [header, ...rows] = job.rows;
  const from = params.get('locator')
    ? Number.parseInt(Buffer.from(params.get('locator')!, 'base64url').toString(), 10)
    : 0;
  const max = params.get('maxRecords') ? Number(params.get('maxRecords')) : 50_000;
  if (!Number.isInteger(from) || from < 0 || from > rows.length)
    throw invalidJob('InvalidJob : Invalid locator');
  if (!Number.isInteger(max) || max < 1) throw invalidJob('InvalidJob : Invalid maxRecords');
  const page = rows.slice(from, from + max);
  const next =
    from + page.length < rows.length ? Buffer.from(String(from + page.length)).toString('base64url') : 'null';
  const delim = DELIMITERS[job.columnDelimiter] ?? ',';
  return {
    status: 200,
    csv: toCsv([header!, ...page], delim, job.lineEnding === 'CRLF' ? '\r\n' : '\n'),
    headers: { 'Sforce-Locator': next, 'Sforce-NumberOfRecords': String(page.length) },
  };
}
