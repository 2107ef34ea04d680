/**
 * REST API of the emulator under `/services/data/vNN.N/` (docs/salesforce-wire.md §4.2 and §8): sObject CRUD,
 * external-ID upsert (201/200/300), the SOQL subset, sObject Collections and Composite.
 *
 * Handlers are pure request → {status, body} functions over the store so that Composite can dispatch
 * its subrequests through the same code.
 */
import { ApiError, type OrgStore, type Rec } from './store';
import { describe, findField, findType, SOBJECT_TYPES, type SObjectType } from './schema';
import { matches, parseSoql } from './soql';

/** A handled REST request. `body === undefined` means 204 No Content. */
export interface RestResult {
  status: number;
  body?: unknown;
}

/** Per-request context. */
export interface RestCtx {
  store: OrgStore;
  /** e.g. `v62.0`. */
  version: string;
  /** Consumes one DUPLICATE_VALUE fault for an Asset write (true → fail this write). */
  takeDuplicateFault(): boolean;
}

const MAX_COLLECTION = 200; // docs/salesforce-wire.md §4.2 (Collections: at most 200 records)
const MAX_COMPOSITE = 25; // docs/salesforce-wire.md §4.2 (Composite: at most 25 subrequests [S])

function recordUrl(ctx: RestCtx, type: string, id: string): string {
  return `/services/data/${ctx.version}/sobjects/${type}/${id}`;
}

function withAttributes(
  ctx: RestCtx,
  type: SObjectType,
  rec: Rec,
  fields?: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type, url: recordUrl(ctx, type, rec.Id) } };
  const names = fields ?? Object.keys(rec);
  for (const f of names) out[f] = rec[f] ?? null;
  return out;
}

function typeOf(name: string | undefined): SObjectType {
  const t = name ? findType(name) : undefined;
  if (!t) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
  return t;
}

function asObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function dupFault(ctx: RestCtx, type: SObjectType): void {
  if (type === 'Asset' && ctx.takeDuplicateFault()) {
    throw new ApiError(
      400,
      'DUPLICATE_VALUE',
      'duplicate value found: Device_UID__c duplicates value on record with id: 02i000000000000AAA',
      ['Device_UID__c'],
    );
  }
}

/** Handles one REST request. Errors come back as results (status ≥ 400, error array body). */
export function handleRest(
  ctx: RestCtx,
  method: string,
  segs: string[],
  query: URLSearchParams,
  body: unknown,
): RestResult {
  try {
    return route(ctx, method, segs, query, body);
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, body: e.body() };
    throw e;
  }
}

function route(
  ctx: RestCtx,
  method: string,
  segs: string[],
  query: URLSearchParams,
  body: unknown,
): RestResult {
  const [a, b, c, d, ...rest] = segs;
  if (rest.length > 0) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
  if (a === undefined && method === 'GET') {
    return {
      status: 200,
      body: {
        sobjects: `/services/data/${ctx.version}/sobjects`,
        query: `/services/data/${ctx.version}/query`,
      },
    };
  }
  if (a === 'sobjects') {
    if (b === undefined && method === 'GET') {
      return { status: 200, body: { sobjects: SOBJECT_TYPES.map((t) => ({ name: t, createable: true })) } };
    }
    const type = typeOf(b);
    if (c === undefined) {
      if (method === 'POST') {
        dupFault(ctx, type);
        const rec = ctx.store.create(type, asObject(body));
        return { status: 201, body: { id: rec.Id, success: true, errors: [] } };
      }
      if (method === 'GET') return { status: 200, body: { objectDescribe: { name: type } } };
    }
    if (c === 'describe' && d === undefined && method === 'GET') return { status: 200, body: describe(type) };
    if (c !== undefined && d === undefined) {
      if (method === 'GET') {
        const rec = ctx.store.get(type, c);
        if (!rec) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
        const fieldsParam = query.get('fields');
        const fields = fieldsParam
          ? fieldsParam.split(',').map((f) => canonField(type, f.trim()))
          : undefined;
        return { status: 200, body: withAttributes(ctx, type, rec, fields) };
      }
      if (method === 'PATCH') {
        dupFault(ctx, type);
        ctx.store.update(type, c, asObject(body));
        return { status: 204 };
      }
      if (method === 'DELETE') {
        ctx.store.delete(type, c);
        return { status: 204 };
      }
    }
    if (c !== undefined && d !== undefined) {
      // docs/salesforce-wire.md §4.2: PATCH /sobjects/Asset/{ExtField__c}/{value}, 201 create / 200 update / 300
      const value = d; // already percent-decoded by the router
      if (method === 'PATCH') {
        dupFault(ctx, type);
        const r = ctx.store.upsert(type, c, value, asObject(body), query.get('updateOnly') === 'true');
        if ('matches' in r) return { status: 300, body: r.matches.map((m) => recordUrl(ctx, type, m.Id)) };
        return {
          status: r.created ? 201 : 200,
          body: { id: r.rec.Id, success: true, errors: [], created: r.created },
        };
      }
      if (method === 'GET') {
        const f = findField(type, c);
        if (!f?.externalId) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
        const found = ctx.store.findBy(type, f.name, value);
        if (found.length === 0) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
        if (found.length > 1) return { status: 300, body: found.map((m) => recordUrl(ctx, type, m.Id)) };
        return { status: 200, body: withAttributes(ctx, type, found[0]!) };
      }
    }
  }
  if (a === 'query' && b === undefined && method === 'GET') {
    const q = query.get('q');
    if (!q) throw new ApiError(400, 'MALFORMED_QUERY', 'A query string (q) is required.');
    const parsed = parseSoql(q);
    let recs = ctx.store.list(parsed.type).filter((r) => matches(parsed, r));
    if (parsed.limit !== undefined) recs = recs.slice(0, parsed.limit);
    return {
      status: 200,
      body: {
        totalSize: recs.length,
        done: true,
        records: recs.map((r) => withAttributes(ctx, parsed.type, r, parsed.fields)),
      },
    };
  }
  if (a === 'composite' && b === 'sobjects') return collections(ctx, method, c, d, query, body);
  if (a === 'composite' && b === undefined && method === 'POST') return composite(ctx, body);
  throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function canonField(type: SObjectType, name: string): string {
  const f = findField(type, name);
  if (!f)
    throw new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type}`, [name]);
  return f.name;
}

interface CollectionResult {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

/** sObject Collections (docs/salesforce-wire.md §4.2): per-record errors carry `statusCode`, not `errorCode`. */
function collections(
  ctx: RestCtx,
  method: string,
  typeName: string | undefined,
  extField: string | undefined,
  query: URLSearchParams,
  body: unknown,
): RestResult {
  if (method === 'POST' && typeName !== undefined && extField === undefined) {
    // retrieve: {ids, fields}
    const type = typeOf(typeName);
    const o = asObject(body);
    if (!Array.isArray(o.ids) || !Array.isArray(o.fields)) {
      throw new ApiError(400, 'JSON_PARSER_ERROR', 'ids and fields are required');
    }
    const fields = (o.fields as string[]).map((f) => canonField(type, f));
    return {
      status: 200,
      body: (o.ids as string[]).map((id) => {
        const rec = ctx.store.get(type, String(id));
        return rec ? withAttributes(ctx, type, rec, fields) : null;
      }),
    };
  }
  if (method === 'DELETE' && typeName === undefined) {
    const ids = (query.get('ids') ?? '').split(',').filter(Boolean);
    return runCollection(ctx, query.get('allOrNone') === 'true', ids, (id) => {
      const type = SOBJECT_TYPES.find((t) => ctx.store.get(t, id));
      if (!type) throw new ApiError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      ctx.store.delete(type, id);
      return { id, success: true, errors: [] };
    });
  }
  const o = asObject(body);
  const records = o.records;
  if (!Array.isArray(records)) throw new ApiError(400, 'JSON_PARSER_ERROR', 'records is required');
  if (records.length > MAX_COLLECTION) {
    throw new ApiError(
      400,
      'EXCEEDED_ID_LIMIT',
      `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`,
    );
  }
  const allOrNone = o.allOrNone === true;
  const recType = (r: Record<string, unknown>): SObjectType => {
    const attrs = r.attributes as { type?: string } | undefined;
    const t = attrs?.type ? findType(attrs.type) : typeName ? findType(typeName) : undefined;
    if (!t) throw new ApiError(400, 'INVALID_TYPE', 'sObject type is missing or not supported');
    return t;
  };
  if (method === 'POST' && typeName === undefined) {
    return runCollection(ctx, allOrNone, records, (r) => {
      const rec = asObject(r);
      if (rec.id !== undefined || rec.Id !== undefined)
        throw new ApiError(400, 'INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']);
      const type = recType(rec);
      dupFault(ctx, type);
      const created = ctx.store.create(type, rec);
      return { id: created.Id, success: true, errors: [] };
    });
  }
  if (method === 'PATCH' && typeName === undefined) {
    return runCollection(ctx, allOrNone, records, (r) => {
      const { Id, id, ...rec } = asObject(r);
      const type = recType(rec);
      dupFault(ctx, type);
      const updated = ctx.store.update(type, String(Id ?? id ?? ''), rec);
      return { id: updated.Id, success: true, errors: [] };
    });
  }
  if (method === 'PATCH' && typeName !== undefined && extField !== undefined) {
    const type = typeOf(typeName);
    const f = findField(type, extField);
    if (!f?.externalId) {
      throw new ApiError(
        400,
        'INVALID_FIELD',
        `Provided external ID field does not exist or is not accessible: ${extField}`,
        [extField],
      );
    }
    return runCollection(ctx, allOrNone, records, (r) => {
      const rec = { ...asObject(r) };
      recType(rec);
      const key = Object.keys(rec).find((k) => k.toLowerCase() === f.name.toLowerCase());
      const value = key ? rec[key] : undefined;
      if (typeof value !== 'string' || value === '') {
        throw new ApiError(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${f.name}]`, [
          f.name,
        ]);
      }
      dupFault(ctx, type);
      const res = ctx.store.upsert(type, f.name, value, rec);
      if ('matches' in res) {
        throw new ApiError(
          300,
          'DUPLICATE_EXTERNAL_ID',
          `Foreign key external ID: ${value} matched ${res.matches.length} records`,
          [f.name],
        );
      }
      return { id: res.rec.Id, success: true, errors: [], created: res.created };
    });
  }
  throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
}

function runCollection<T>(
  ctx: RestCtx,
  allOrNone: boolean,
  items: T[],
  op: (item: T) => CollectionResult,
): RestResult {
  const snapshot = allOrNone ? ctx.store.snapshot() : undefined;
  const results: CollectionResult[] = items.map((item) => {
    try {
      return op(item);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return { success: false, errors: [{ statusCode: e.errorCode, message: e.message, fields: e.fields }] };
    }
  });
  if (snapshot && results.some((r) => !r.success)) {
    ctx.store.restore(snapshot);
    return {
      status: 200,
      body: results.map((r) =>
        r.success
          ? {
              success: false,
              errors: [
                {
                  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
                  message:
                    'Record rolled back because not all records were valid and the request was using AllOrNone header',
                  fields: [],
                },
              ],
            }
          : r,
      ),
    };
  }
  return { status: 200, body: results };
}

/** Composite (docs/salesforce-wire.md §4.2): `referenceId`, `@{ref.field}` substitution, `allOrNone` → PROCESSING_HALTED. */
function composite(ctx: RestCtx, body: unknown): RestResult {
  const o = asObject(body);
  const subs = o.compositeRequest;
  if (!Array.isArray(subs) || subs.length === 0)
    throw new ApiError(400, 'JSON_PARSER_ERROR', 'compositeRequest is required');
  if (subs.length > MAX_COMPOSITE)
    throw new ApiError(
      400,
      'LIMIT_EXCEEDED',
      `A composite request can have at most ${MAX_COMPOSITE} subrequests`,
    );
  const allOrNone = o.allOrNone === true;
  const snapshot = allOrNone ? ctx.store.snapshot() : undefined;
  const refs = new Map<string, unknown>();
  const out: Array<{
    body: unknown;
    httpHeaders: Record<string, string>;
    httpStatusCode: number;
    referenceId: string;
  }> = [];
  let failed = false;
  const subst = (s: string) =>
    s.replace(/@\{([A-Za-z0-9_]+)\.([A-Za-z0-9_.]+)\}/g, (_m, ref: string, path: string) => {
      let v: unknown = refs.get(ref);
      for (const p of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[p];
      if (v === undefined)
        throw new ApiError(400, 'INVALID_REFERENCE', `Invalid reference specified: ${ref}.${path}`);
      return String(v);
    });
  for (const raw of subs) {
    const s = asObject(raw);
    const referenceId = String(s.referenceId ?? '');
    if (failed && allOrNone) {
      out.push({
        body: [
          {
            errorCode: 'PROCESSING_HALTED',
            message:
              'The transaction was rolled back since another operation in the same transaction failed.',
          },
        ],
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId,
      });
      continue;
    }
    let res: RestResult;
    try {
      const url = new URL(subst(String(s.url ?? '')), 'http://x');
      const m = /^\/services\/data\/(v\d+\.\d)(\/.*)?$/.exec(url.pathname);
      if (!m) throw new ApiError(400, 'NOT_FOUND', `The requested resource does not exist`);
      const segs = (m[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
      const subBody = s.body === undefined ? undefined : JSON.parse(subst(JSON.stringify(s.body)));
      res = handleRest(
        { ...ctx, version: m[1]! },
        String(s.method ?? 'GET').toUpperCase(),
        segs,
        url.searchParams,
        subBody,
      );
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      res = { status: e.status, body: e.body() };
    }
    if (res.status >= 400) {
      if (allOrNone && !failed) {
        // earlier successes are rolled back and reported as halted
        for (const prev of out) {
          prev.httpStatusCode = 400;
          prev.body = [
            {
              errorCode: 'PROCESSING_HALTED',
              message:
                'The transaction was rolled back since another operation in the same transaction failed.',
            },
          ];
        }
      }
      failed = true;
    } else {
      refs.set(referenceId, res.body);
    }
    out.push({ body: res.body ?? null, httpHeaders: {}, httpStatusCode: res.status, referenceId });
  }
  if (failed && snapshot) ctx.store.restore(snapshot);
  return { status: 200, body: { compositeResponse: out } };
}
