/**
 * sObject Collections of the emulator (docs/salesforce-wire.md §4.2, §8): create, update and upsert on an
 * external ID (at most 200 records), retrieve by ids, delete by ids; `allOrNone` rolls back and reports
 * ALL_OR_NONE_OPERATION_ROLLED_BACK. Per-record errors carry `statusCode`, not `errorCode`.
 */
import { ApiError } from './api-error';
import { findField, findType, SOBJECT_TYPES, type SObjectType } from './schema';
import type { RestCtx, RestRequest, RestResult } from './rest-common';
import { asObject, canonField, dupFault, dupOwnFault, notFound, typeOf, withAttributes } from './rest-common';

const MAX_COLLECTION = 200; // docs/salesforce-wire.md §4.2 (Collections: at most 200 records)

interface CollectionResult {
  id?: string;
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
  created?: boolean;
}

/** sObject Collections (docs/salesforce-wire.md §4.2): per-record errors carry `statusCode`, not `errorCode`. */
export function collections(
  ctx: RestCtx,
  req: RestRequest,
  typeName: string | undefined,
  extField: string | undefined,
): RestResult {
  const { method, query, body } = req;
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
      dupOwnFault(ctx, type, f.name, ctx.store.findBy(type, f.name, value)[0]);
      const res = ctx.store.upsert(type, f.name, value, rec);
      if ('matches' in res) {
        throw new ApiError(
          300,
          'DUPLICATE_EXTERNAL_ID',
          `Foreign key external ID: ${value} matched ${res.matches.length} records`,
          [f.name],
        );
      }
      const id = type === 'Asset' && ctx.answerId ? ctx.answerId(res.rec.Id) : res.rec.Id;
      return { id, success: true, errors: [], created: res.created };
    });
  }
  throw notFound();
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
