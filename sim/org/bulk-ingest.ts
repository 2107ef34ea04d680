/**
 * Bulk API 2.0 ingest (docs/salesforce-wire.md §8.3): a job's uploaded CSV processed row by row through the
 * same store and record rules as REST, when the client sets the job to UploadComplete
 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/walkthrough_upsert.htm):
 * an empty value leaves the field alone, `#N/A` sets it to null
 * (https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/datafiles_prepare_csv.htm);
 * a row that fails goes to failedResults with `sf__Error` = `CODE:message:fields --`; an unknown column fails
 * the whole job ("InvalidBatch : Field name not found : …").
 */
import { ApiError } from './api-error';
import type { IngestJob } from './bulk-jobs';
import { DELIMITERS, parseCsv } from './bulk-csv';
import { findField, type SObjectType } from './schema';
import type { OrgStore } from './store';

/** Processes an UploadComplete ingest job; it ends JobComplete or Failed. */
export function processIngest(store: OrgStore, job: IngestJob): void {
  const type = job.type!;
  let rows: string[][];
  try {
    rows = parseCsv(job.data ?? '', DELIMITERS[job.columnDelimiter] ?? ',');
  } catch (e) {
    return fail(job, `InvalidBatch : ${(e as Error).message}`);
  }
  const header = rows.shift() ?? [];
  job.header = header;
  const fields: string[] = [];
  for (const col of header) {
    const f = findField(type, col);
    if (!f) return fail(job, `InvalidBatch : Field name not found : ${col}`);
    fields.push(f.name);
  }
  for (const row of rows) {
    try {
      const { id, created } = processRow(store, job, type, fields, row);
      job.successful.push([id, String(created), ...row]);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      job.failed.push(['', `${e.errorCode}:${e.message}:${e.fields.join(',')} --`, ...row]);
      job.numberRecordsFailed++;
    }
    job.numberRecordsProcessed++;
  }
  job.state = 'JobComplete';
}

function fail(job: IngestJob, message: string): void {
  job.state = 'Failed';
  job.errorMessage = message;
  const rows = (() => {
    try {
      return parseCsv(job.data ?? '', DELIMITERS[job.columnDelimiter] ?? ',');
    } catch {
      return [];
    }
  })();
  job.header = rows.shift() ?? [];
  job.unprocessed = rows;
}

/** A CSV value as a field value: '' → absent, `#N/A` → null, booleans and numbers typed. */
function value(type: SObjectType, field: string, raw: string): unknown {
  if (raw === '#N/A') return null;
  const f = findField(type, field)!;
  if (f.type === 'boolean') return /^(true|1)$/i.test(raw);
  if (f.type === 'double') {
    const n = Number(raw);
    if (Number.isNaN(n))
      throw new ApiError(
        400,
        'INVALID_TYPE_ON_FIELD_IN_RECORD',
        `${field}: value not of required type: ${raw}`,
        [field],
      );
    return n;
  }
  return raw;
}

function processRow(
  store: OrgStore,
  job: IngestJob,
  type: SObjectType,
  fields: string[],
  row: string[],
): { id: string; created: boolean } {
  const input: Record<string, unknown> = {};
  fields.forEach((f, i) => {
    const raw = row[i] ?? '';
    if (raw !== '') input[f] = value(type, f, raw);
  });
  const id = typeof input.Id === 'string' ? input.Id : undefined;
  delete input.Id;
  switch (job.operation) {
    case 'insert':
      return { id: store.create(type, input).Id, created: true };
    case 'update':
      if (!id) throw new ApiError(400, 'MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']);
      return { id: store.update(type, id, input).Id, created: false };
    case 'delete':
    case 'hardDelete':
      if (!id) throw new ApiError(400, 'MISSING_ARGUMENT', 'Id not specified in a delete call', ['Id']);
      store.delete(type, id);
      return { id: store.get(type, id)?.Id ?? id, created: false };
    case 'upsert': {
      const ext = findField(type, job.externalIdFieldName!)!.name;
      const extValue = ext === 'Id' ? id : input[ext];
      if (typeof extValue !== 'string' || extValue === '') {
        throw new ApiError(400, 'MISSING_ARGUMENT', `${ext} not specified`, [ext]);
      }
      delete input[ext];
      const r = store.upsert(type, ext, extValue, input);
      if ('matches' in r) {
        throw new ApiError(
          300,
          'DUPLICATE_EXTERNAL_ID',
          `${type}.${ext}: more than one record found for external id field: [${r.matches.map((m) => m.Id).join(', ')}]`,
          [ext],
        );
      }
      return { id: r.rec.Id, created: r.created };
    }
  }
}
