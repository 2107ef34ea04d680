/**
 * Runs a parsed query (soql-parse.ts) over records (docs/salesforce-wire.md §8, §8.2): WHERE with SOQL's
 * comparison rules, ORDER BY, OFFSET and LIMIT, as in
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_comparisonoperators.htm
 * and https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_orderby.htm:
 * text compares case-insensitively (`=`, `LIKE`, `IN`, ordering), `LIKE` knows `%` and `_`, nulls sort first
 * ascending and last descending unless NULLS FIRST/LAST says otherwise.
 */
import type { Condition, OrderKey, QueryClauses } from './soql-parse';

export { parseSoql, type Condition, type ParsedQuery, type QueryType, type SubQuery } from './soql-parse';
export { relationship, childRelationship } from './soql-relations';

/** Reads a (possibly `Rel.Field`) value of a record; the default reads plain fields only. */
export type FieldReader = (rec: Record<string, unknown>, field: string) => unknown;

const plain: FieldReader = (rec, field) => rec[field];

/** A value for comparing: datetimes as epoch ms, text lower-cased, null for undefined. */
function norm(v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v)) {
      const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (!Number.isNaN(t)) return t;
    }
    return v.toLowerCase();
  }
  return v;
}

function like(value: unknown, pattern: string): boolean {
  if (typeof value !== 'string') return false;
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') re += '[\\s\\S]*';
    else if (ch === '_') re += '[\\s\\S]';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i').test(value);
}

function test(c: Condition, raw: unknown): boolean {
  const v = norm(raw);
  switch (c.op) {
    case '=':
      return v === norm(c.value);
    case '!=':
      return v !== norm(c.value);
    case 'LIKE':
      return like(raw, c.value as string);
    case 'IN':
      return (c.value as unknown[]).some((x) => norm(x) === v);
    case 'NOT IN':
      return !(c.value as unknown[]).some((x) => norm(x) === v);
    default: {
      const w = norm(c.value);
      if (v === null || w === null) return false;
      const [a, b] = [v as number | string, w as number | string];
      return c.op === '<' ? a < b : c.op === '<=' ? a <= b : c.op === '>' ? a > b : a >= b;
    }
  }
}

/** True when `rec` satisfies the query's WHERE clause. */
export function matches(q: QueryClauses, rec: Record<string, unknown>, read: FieldReader = plain): boolean {
  if (q.conditions.length === 0) return true;
  const ok = (c: Condition) => test(c, read(rec, c.field));
  return q.connective === 'AND' ? q.conditions.every(ok) : q.conditions.some(ok);
}

function compare(a: unknown, b: unknown, key: OrderKey): number {
  const [x, y] = [norm(a), norm(b)];
  if (x === y) return 0;
  if (x === null) return key.nullsLast ? 1 : -1;
  if (y === null) return key.nullsLast ? -1 : 1;
  const r = (x as number | string) < (y as number | string) ? -1 : 1;
  return key.desc ? -r : r;
}

/**
 * The rows of `all` the query selects, in order, after OFFSET and LIMIT.
 * @returns the rows and `total`, the count before OFFSET/LIMIT (what COUNT() answers when there is no LIMIT)
 */
export function select<T extends Record<string, unknown>>(
  q: QueryClauses,
  all: T[],
  read: FieldReader = plain,
): { rows: T[]; total: number } {
  let rows = all.filter((r) => matches(q, r, read));
  const total = rows.length;
  if (q.orderBy?.length) {
    const keys = q.orderBy;
    rows = [...rows].sort((a, b) => {
      for (const k of keys) {
        const d = compare(read(a, k.field), read(b, k.field), k);
        if (d !== 0) return d;
      }
      return 0;
    });
  }
  const from = q.offset ?? 0;
  rows = rows.slice(from, q.limit !== undefined ? from + q.limit : undefined);
  return { rows, total };
}
