/**
 * `GET /query?q=` (docs/salesforce-wire.md §4.2, §8.2) over the SOQL subset of soql-parse.ts: one page,
 * `done: true`; `COUNT()` answers `totalSize` with no records
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_count.htm);
 * a parent relationship is a nested record or null, a child subquery a nested query result or null when
 * it has no rows (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_understanding.htm);
 * `columns=true` answers the column metadata instead (soql-columns.ts).
 */
import { ApiError } from './api-error';
import type { RestCtx, RestResult } from './rest-common';
import { recordUrl } from './rest-common';
import { identityRecords } from './rest-identity';
import { columnMetadata } from './soql-columns';
import { parseSoql, relationship, select, type FieldReader, type ParsedQuery, type QueryType } from './soql';
import type { OrgStore } from './store';

/** `query?q=…[&columns=true]`. @throws ApiError MALFORMED_QUERY / INVALID_TYPE / INVALID_FIELD */
export function query(ctx: RestCtx, params: URLSearchParams): RestResult {
  const q = params.get('q');
  if (!q) throw new ApiError(400, 'MALFORMED_QUERY', 'A query string (q) is required.');
  const parsed = parseSoql(q);
  if (params.get('columns') === 'true') return { status: 200, body: columnMetadata(parsed) };
  const { rows, total } = runQuery(ctx.store, parsed);
  if (parsed.count) {
    return {
      status: 200,
      body: { totalSize: parsed.limit !== undefined ? rows.length : total, done: true, records: [] },
    };
  }
  return {
    status: 200,
    body: { totalSize: rows.length, done: true, records: rows.map((r) => queryRow(ctx, parsed, r)) },
  };
}

/** The stored rows a query selects (WHERE, ORDER BY, OFFSET, LIMIT), with `total` before OFFSET/LIMIT. */
export function runQuery(
  store: OrgStore,
  parsed: ParsedQuery,
): { rows: Array<Record<string, unknown>>; total: number } {
  return select(parsed, allOf(store, parsed.type), reader(store, parsed.type));
}

function allOf(store: OrgStore, type: QueryType): Array<Record<string, unknown>> {
  return type === 'User' || type === 'Organization' ? identityRecords(store, type) : store.list(type);
}

/** Reads `Field` or `Rel.Field` (through the parent record) of a `type` record. */
export function reader(store: OrgStore, type: QueryType): FieldReader {
  return (rec, field) => {
    const dot = field.indexOf('.');
    if (dot < 0) return rec[field];
    const rel = relationship(type, field.slice(0, dot));
    const parentId = rel ? rec[rel.field] : undefined;
    const parent = typeof parentId === 'string' ? store.get(rel!.to, parentId) : undefined;
    return parent?.[field.slice(dot + 1)];
  };
}

/** One query row: `attributes`, the plain fields, each parent relationship nested, each child subquery. */
function queryRow(ctx: RestCtx, parsed: ParsedQuery, rec: Record<string, unknown>): Record<string, unknown> {
  const out = fieldsOf(ctx, parsed.type, parsed.fields, rec);
  for (const sub of parsed.subqueries ?? []) {
    const children = ctx.store.list(sub.type).filter((c) => c[sub.parentField] === rec.Id);
    const { rows } = select(sub, children, reader(ctx.store, sub.type));
    out[sub.relationshipName] = rows.length
      ? {
          totalSize: rows.length,
          done: true,
          records: rows.map((r) => fieldsOf(ctx, sub.type, sub.fields, r)),
        }
      : null;
  }
  return out;
}

function fieldsOf(
  ctx: RestCtx,
  type: QueryType,
  fields: string[],
  rec: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type, url: recordUrl(ctx, type, String(rec.Id)) } };
  for (const f of fields) {
    const dot = f.indexOf('.');
    if (dot < 0) {
      out[f] = rec[f] ?? null;
      continue;
    }
    const rel = relationship(type, f.slice(0, dot))!;
    const parentId = rec[rel.field];
    const parent = typeof parentId === 'string' ? ctx.store.get(rel.to, parentId) : undefined;
    if (!parent) {
      out[rel.name] = null;
      continue;
    }
    const nested = (out[rel.name] ??= {
      attributes: { type: rel.to, url: recordUrl(ctx, rel.to, parent.Id) },
    }) as Record<string, unknown>;
    const name = f.slice(dot + 1);
    nested[name] = parent[name] ?? null;
  }
  return out;
}
