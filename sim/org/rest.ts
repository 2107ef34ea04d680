/**
 * REST API of the emulator under `/services/data/vNN.N/` (docs/salesforce-wire.md §4.2 and §8): the
 * resource list, sObject CRUD, external-ID upsert (201/200/300), the SOQL subset; sObject Collections
 * (rest-collections.ts), Composite (rest-composite.ts) and Composite tree (rest-tree.ts).
 *
 * Handlers are pure request → {status, body} functions over the store so that Composite can dispatch
 * its subrequests through the same code.
 */
import { ApiError } from './api-error';
import { basicInfo, describeGlobal, describeSObject } from './describe';
import { findField, type SObjectType } from './schema';
import { query } from './rest-query';
import type { RestCtx, RestRequest, RestResult } from './rest-common';
import {
  asObject,
  canonField,
  dupFault,
  dupOwnFault,
  notFound,
  recordUrl,
  typeOf,
  withAttributes,
} from './rest-common';
import { collections } from './rest-collections';
import { identityRecord } from './rest-identity';
import { composite } from './rest-composite';
import { tree } from './rest-tree';

export type { RestCtx, RestRequest, RestResult } from './rest-common';

/** Handles one REST request. Errors come back as results (status ≥ 400, error array body). */
export function handleRest(ctx: RestCtx, req: RestRequest): RestResult {
  try {
    return route(ctx, req);
  } catch (e) {
    if (e instanceof ApiError) return { status: e.status, body: e.body() };
    throw e;
  }
}

function route(ctx: RestCtx, req: RestRequest): RestResult {
  const { method, segs } = req;
  const [a, b, c, d, ...rest] = segs;
  if (rest.length > 0) throw notFound();
  if (a === undefined && method === 'GET') {
    return {
      status: 200,
      body: {
        sobjects: `/services/data/${ctx.version}/sobjects`,
        query: `/services/data/${ctx.version}/query`,
        limits: `/services/data/${ctx.version}/limits`,
      },
    };
  }
  if (a === 'limits' && b === undefined && method === 'GET' && ctx.apiUsage) return limits(ctx.apiUsage());
  if (a === 'sobjects') {
    if (b !== undefined && c !== undefined && d === undefined && method === 'GET') {
      const rec = identityRecord(ctx.store, b, c);
      if (rec) {
        (rec.attributes as Record<string, string>).url = recordUrl(
          ctx,
          String(rec.attributes && (rec.attributes as Record<string, string>).type),
          String(rec.Id),
        );
        return { status: 200, body: rec };
      }
    }
    if (b === undefined && method === 'GET') {
      return { status: 200, body: describeGlobal(ctx.version) };
    }
    return sobject(ctx, req, typeOf(b), c, d);
  }
  if (a === 'query' && b === undefined && method === 'GET') return query(ctx, req.query);
  if (a === 'composite' && b === 'sobjects') return collections(ctx, req, c, d);
  if (a === 'composite' && b === 'tree' && d === undefined && method === 'POST')
    return tree(ctx, c, req.body);
  if (a === 'composite' && b === undefined && method === 'POST') return composite(ctx, req.body, handleRest);
  throw notFound();
}

/** `sobjects/{type}[/{id} | /describe | /{extField}/{value}]`. */
function sobject(
  ctx: RestCtx,
  req: RestRequest,
  type: SObjectType,
  c: string | undefined,
  d: string | undefined,
): RestResult {
  const { method, body } = req;
  if (c === undefined) {
    if (method === 'POST') {
      dupFault(ctx, type);
      const rec = ctx.store.create(type, asObject(body));
      return { status: 201, body: { id: rec.Id, success: true, errors: [] } };
    }
    if (method === 'GET') return { status: 200, body: basicInfo(type, ctx.version) };
  }
  if (c === 'describe' && d === undefined && method === 'GET')
    return { status: 200, body: describeSObject(type, ctx.version, ctx.store.legacyIdentity) };
  if (c !== undefined && d === undefined) {
    if (method === 'GET') {
      const rec = ctx.store.get(type, c);
      if (!rec) throw notFound();
      const fieldsParam = req.query.get('fields');
      const fields = fieldsParam ? fieldsParam.split(',').map((f) => canonField(type, f.trim())) : undefined;
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
  if (c !== undefined && d !== undefined) return byExternalId(ctx, req, type, c, d);
  throw notFound();
}

/** docs/salesforce-wire.md §4.2: PATCH /sobjects/Asset/{ExtField__c}/{value}, 201 create / 200 update / 300. */
function byExternalId(
  ctx: RestCtx,
  req: RestRequest,
  type: SObjectType,
  field: string,
  value: string,
): RestResult {
  // `value` is already percent-decoded by the router
  if (req.method === 'PATCH') {
    dupFault(ctx, type);
    const ext = findField(type, field);
    if (ext?.externalId) dupOwnFault(ctx, type, ext.name, ctx.store.findBy(type, ext.name, value)[0]);
    const r = ctx.store.upsert(
      type,
      field,
      value,
      asObject(req.body),
      req.query.get('updateOnly') === 'true',
    );
    if ('matches' in r) return { status: 300, body: r.matches.map((m) => recordUrl(ctx, type, m.Id)) };
    return {
      status: r.created ? 201 : 200,
      body: {
        id: type === 'Asset' && ctx.answerId ? ctx.answerId(r.rec.Id) : r.rec.Id,
        success: true,
        errors: [],
        created: r.created,
      },
    };
  }
  if (req.method === 'GET') {
    const f = findField(type, field);
    if (!f?.externalId) throw notFound();
    const found = ctx.store.findBy(type, f.name, value);
    if (found.length === 0) throw notFound();
    if (found.length > 1) return { status: 300, body: found.map((m) => recordUrl(ctx, type, m.Id)) };
    return { status: 200, body: withAttributes(ctx, type, found[0]!) };
  }
  throw notFound();
}

/**
 * `GET /limits`: `DailyApiRequests` with the same counter as `Sforce-Limit-Info` (Remaining = Max − used),
 * https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_limits.htm
 */
function limits(usage: { used: number; max: number }): RestResult {
  const left = (max: number, used: number) => ({ Max: max, Remaining: Math.max(0, max - used) });
  return {
    status: 200,
    body: {
      DailyApiRequests: left(usage.max, usage.used),
      DailyBulkV2QueryJobs: left(10000, 0),
      DailyBulkApiBatches: left(15000, 0),
      DataStorageMB: left(1024, 0),
      FileStorageMB: left(1024, 0),
    },
  };
}
