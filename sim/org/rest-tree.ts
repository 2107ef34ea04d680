/**
 * The Composite tree resource (docs/salesforce-wire.md §8.4): `POST composite/tree/{type}` creates up to 200
 * records of one root type with their children nested under child relationship names, in one transaction
 * (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobject_tree.htm,
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/requests_composite_sobject_tree.htm):
 * 201 `{hasErrors: false, results: [{referenceId, id}]}`, or 400 `{hasErrors: true, results: [{referenceId,
 * errors: [{statusCode, message, fields}]}]}` with nothing created.
 */
import { ApiError } from './api-error';
import { asObject, typeOf, type RestCtx, type RestResult } from './rest-common';
import type { SObjectType } from './schema';
import { childRelationship } from './soql-relations';

const MAX_TREE = 200;

interface TreeRecord {
  type: SObjectType;
  referenceId: string;
  fields: Record<string, unknown>;
  children: Array<{ field: string; records: TreeRecord[] }>;
}

function bad(message: string): ApiError {
  return new ApiError(400, 'INVALID_INPUT', message);
}

/** Reads one level of `records` (recursively), counting them against the limit. */
function readRecords(list: unknown, type: SObjectType, seen: Set<string>): TreeRecord[] {
  if (!Array.isArray(list)) throw bad('records must be an array');
  return list.map((raw) => {
    const o = asObject(raw);
    const attrs = asObject(o.attributes ?? {});
    if (typeof attrs.type !== 'string' || typeOf(attrs.type) !== type)
      throw bad(`every record here must have attributes.type ${type}`);
    const referenceId = attrs.referenceId;
    if (typeof referenceId !== 'string' || !referenceId)
      throw bad('every record needs attributes.referenceId');
    if (seen.has(referenceId)) throw bad(`Duplicate ReferenceId provided in the request: ${referenceId}`);
    seen.add(referenceId);
    if (seen.size > MAX_TREE) {
      throw new ApiError(400, 'LIMIT_EXCEEDED', `A tree request can create at most ${MAX_TREE} records`);
    }
    const fields: Record<string, unknown> = {};
    const children: TreeRecord['children'] = [];
    for (const [k, v] of Object.entries(o)) {
      if (k === 'attributes') continue;
      const rel = v && typeof v === 'object' && !Array.isArray(v) ? childRelationship(type, k) : undefined;
      if (rel) children.push({ field: rel.field, records: readRecords(asObject(v).records, rel.type, seen) });
      else fields[k] = v;
    }
    return { type, referenceId, fields, children };
  });
}

/** `POST composite/tree/{type}`. */
export function tree(ctx: RestCtx, typeName: string | undefined, body: unknown): RestResult {
  const type = typeOf(typeName);
  const records = readRecords(asObject(body).records, type, new Set());
  const snapshot = ctx.store.snapshot();
  const results: Array<{ referenceId: string; id: string }> = [];
  const create = (recs: TreeRecord[], parent?: { field: string; id: string }) => {
    for (const r of recs) {
      let id: string;
      try {
        id = ctx.store.create(r.type, { ...r.fields, ...(parent ? { [parent.field]: parent.id } : {}) }).Id;
      } catch (e) {
        if (e instanceof ApiError) throw Object.assign(e, { referenceId: r.referenceId });
        throw e;
      }
      results.push({ referenceId: r.referenceId, id });
      for (const c of r.children) create(c.records, { field: c.field, id });
    }
  };
  try {
    create(records);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    ctx.store.restore(snapshot);
    const referenceId = (e as ApiError & { referenceId?: string }).referenceId ?? '';
    return {
      status: 400,
      body: {
        hasErrors: true,
        results: [
          { referenceId, errors: [{ statusCode: e.errorCode, message: e.message, fields: e.fields }] },
        ],
      },
    };
  }
  return { status: 201, body: { hasErrors: false, results } };
}
