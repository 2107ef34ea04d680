/**
 * The SOQL subset the emulator parses (docs/salesforce-wire.md §8, §8.2), each clause as in the SOQL reference
 * (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm):
 *
 * `SELECT fields | COUNT() FROM Obj [WHERE …] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], …] [LIMIT n] [OFFSET n]`
 *
 * - fields: plain fields, one level of parent relationship field (`Account.Name`), and one level of child
 *   subquery `(SELECT f … FROM Assets [WHERE …] [ORDER BY …] [LIMIT n])`;
 * - WHERE: `f op v` joined by one connective (AND or OR, no parentheses), op one of `= != <> < <= > >=`,
 *   `LIKE 'pat'` (`%`, `_`), `IN (…)`, `NOT IN (…)`; values quoted strings (with `\'` and `\\` escapes),
 *   `null`, `true`/`false`, numbers, or unquoted date/datetime literals (`2026-12-02T07:47:21Z`).
 *
 * Anything else → 400 MALFORMED_QUERY; an unknown object INVALID_TYPE; an unknown field INVALID_FIELD.
 */
import { ApiError } from './api-error';
import { findField, findType, type SObjectType } from './schema';
import { childRelationship, relationship } from './soql-relations';
import { IDENTITY_FIELDS, type IdentityType } from './rest-identity';

/** What a query may select from: an sObject of schema.ts, or the org's read-only User or Organization. */
export type QueryType = SObjectType | IdentityType;

/** A comparison operator of the WHERE clause. */
export type Op = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'IN' | 'NOT IN';

/** One `field op value` of the WHERE clause (field name canonical, `Rel.Field` allowed; value decoded). */
export interface Condition {
  field: string;
  op: Op;
  /** An array for IN / NOT IN. */
  value: unknown;
}

/** One ORDER BY key; SOQL puts nulls first ascending and last descending unless told. */
export interface OrderKey {
  field: string;
  desc: boolean;
  nullsLast: boolean;
}

/** The clauses a query and a child subquery share. */
export interface QueryClauses {
  type: QueryType;
  /** Canonical names; a parent relationship field is `Rel.Field` (e.g. `Account.Name`). */
  fields: string[];
  conditions: Condition[];
  connective: 'AND' | 'OR';
  orderBy?: OrderKey[];
  limit?: number;
  offset?: number;
}

/** A child subquery: its relationship name, the child type and the child's reference field to the parent. */
export interface SubQuery extends QueryClauses {
  type: SObjectType;
  relationshipName: string;
  parentField: string;
}

/** A parsed query. */
export interface ParsedQuery extends QueryClauses {
  /** `SELECT COUNT()`: only `totalSize` is answered. */
  count?: boolean;
  subqueries?: SubQuery[];
}

type Tok = { t: 'word' | 'str' | 'op' | 'comma' | 'num' | 'lp' | 'rp' | 'date'; v: string };

const DATE_LITERAL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2}))?/;

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    const two = q.slice(i, i + 2);
    if (/\s/.test(c)) i++;
    else if (c === ',' || c === '(' || c === ')') {
      out.push({ t: c === ',' ? 'comma' : c === '(' ? 'lp' : 'rp', v: c });
      i++;
    } else if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ t: 'op', v: two === '<>' ? '!=' : two });
      i += 2;
    } else if (c === '=' || c === '<' || c === '>') {
      out.push({ t: 'op', v: c });
      i++;
    } else if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= q.length) throw malformed('unterminated string literal');
        const d = q[i]!;
        if (d === '\\') {
          const e = q[i + 1];
          if (e === undefined) throw malformed('bad escape');
          s += e === 'n' ? '\n' : e;
          i += 2;
        } else if (d === "'") {
          i++;
          break;
        } else {
          s += d;
          i++;
        }
      }
      out.push({ t: 'str', v: s });
    } else if (DATE_LITERAL.test(q.slice(i))) {
      const m = DATE_LITERAL.exec(q.slice(i))!;
      out.push({ t: 'date', v: m[0] });
      i += m[0].length;
    } else if (/[0-9-]/.test(c) && /^-?[0-9]/.test(q.slice(i))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(q.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(q.slice(i))!;
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    } else {
      throw malformed(`unexpected character '${c}'`);
    }
  }
  return out;
}

function malformed(why: string): ApiError {
  return new ApiError(400, 'MALFORMED_QUERY', `unexpected token: ${why}`);
}

/** A cursor over the tokens. */
class Cursor {
  p = 0;
  constructor(readonly toks: Tok[]) {}
  peek(): Tok | undefined {
    return this.toks[this.p];
  }
  next(): Tok | undefined {
    return this.toks[this.p++];
  }
  isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === 'word' && t.v.toUpperCase() === w;
  }
  expectWord(w: string): void {
    if (!this.isWord(w)) throw malformed(`expected ${w}`);
    this.p++;
  }
  number(after: string): number {
    const n = this.next();
    if (!n || n.t !== 'num' || !/^[0-9]+$/.test(n.v)) throw malformed(`expected a number after ${after}`);
    return Number(n.v);
  }
}

/** Parses the supported SOQL subset. @throws ApiError MALFORMED_QUERY / INVALID_TYPE / INVALID_FIELD */
export function parseSoql(q: string): ParsedQuery {
  const c = new Cursor(tokenize(q));
  c.expectWord('SELECT');
  const rawFields: string[] = [];
  const rawSubs: Array<{ start: number }> = [];
  let count = false;
  for (;;) {
    const t = c.peek();
    if (t?.t === 'lp') {
      // a child subquery: skip to its closing parenthesis, parsed once FROM names the parent
      rawSubs.push({ start: c.p + 1 });
      let depth = 0;
      do {
        const u = c.next();
        if (!u) throw malformed('unclosed subquery');
        if (u.t === 'lp') depth++;
        if (u.t === 'rp') depth--;
      } while (depth > 0);
    } else if (t?.t === 'word' && t.v.toUpperCase() === 'COUNT' && c.toks[c.p + 1]?.t === 'lp') {
      if (c.toks[c.p + 2]?.t !== 'rp') throw malformed('only COUNT() is supported');
      c.p += 3;
      count = true;
    } else if (t?.t === 'word') {
      rawFields.push(t.v);
      c.p++;
    } else throw malformed('expected a field name');
    if (c.peek()?.t === 'comma') {
      c.p++;
      continue;
    }
    break;
  }
  if (count && (rawFields.length > 0 || rawSubs.length > 0)) throw malformed('COUNT() must be alone');
  c.expectWord('FROM');
  const type = queryType(c.next());
  const clauses = parseTail(c, type, rawFields);
  if (c.p !== c.toks.length) throw malformed(`unexpected '${c.toks[c.p]!.v}'`);
  const subqueries = rawSubs.map(({ start }) => parseSubquery(new Cursor(c.toks.slice(start)), type));
  return {
    ...clauses,
    ...(count ? { count: true } : {}),
    ...(subqueries.length ? { subqueries } : {}),
  };
}

/** `SELECT … FROM ChildRelationship …` inside parentheses, for parent `parent`. */
function parseSubquery(c: Cursor, parent: QueryType): SubQuery {
  c.expectWord('SELECT');
  const rawFields: string[] = [];
  for (;;) {
    const t = c.next();
    if (!t || t.t !== 'word') throw malformed('expected a field name in the subquery');
    rawFields.push(t.v);
    if (c.peek()?.t !== 'comma') break;
    c.p++;
  }
  c.expectWord('FROM');
  const relTok = c.next();
  const child = relTok?.t === 'word' ? childRelationship(parent, relTok.v) : undefined;
  if (!child) {
    throw new ApiError(
      400,
      'INVALID_TYPE',
      `Didn't understand relationship '${relTok?.v ?? ''}' in FROM part of query call.`,
    );
  }
  const clauses = parseTail(c, child.type, rawFields);
  if (c.peek()?.t !== 'rp') throw malformed('expected ) after the subquery');
  return { ...clauses, type: child.type, relationshipName: child.name, parentField: child.field };
}

/** The fields list resolved, then WHERE, ORDER BY, LIMIT, OFFSET. */
function parseTail(c: Cursor, type: QueryType, rawFields: string[]): QueryClauses {
  const field = (name: string) => selectField(type, name);
  const fields = rawFields.map(field);
  const conditions: Condition[] = [];
  let connective: 'AND' | 'OR' | undefined;
  if (c.isWord('WHERE')) {
    c.p++;
    for (;;) {
      conditions.push(condition(c, field));
      if (c.isWord('AND') || c.isWord('OR')) {
        const k = c.next()!.v.toUpperCase() as 'AND' | 'OR';
        if (connective && connective !== k) throw malformed('mixing AND and OR needs parentheses');
        connective = k;
        continue;
      }
      break;
    }
  }
  const out: QueryClauses = { type, fields, conditions, connective: connective ?? 'AND' };
  if (c.isWord('ORDER')) {
    c.p++;
    c.expectWord('BY');
    out.orderBy = [];
    for (;;) {
      const f = c.next();
      if (!f || f.t !== 'word') throw malformed('expected a field after ORDER BY');
      let desc = false;
      if (c.isWord('ASC') || c.isWord('DESC')) desc = c.next()!.v.toUpperCase() === 'DESC';
      let nullsLast = desc;
      if (c.isWord('NULLS')) {
        c.p++;
        if (!c.isWord('FIRST') && !c.isWord('LAST')) throw malformed('expected FIRST or LAST');
        nullsLast = c.next()!.v.toUpperCase() === 'LAST';
      }
      out.orderBy.push({ field: field(f.v), desc, nullsLast });
      if (c.peek()?.t !== 'comma') break;
      c.p++;
    }
  }
  if (c.isWord('LIMIT')) {
    c.p++;
    out.limit = c.number('LIMIT');
  }
  if (c.isWord('OFFSET')) {
    c.p++;
    out.offset = c.number('OFFSET');
  }
  return out;
}

/** One `field op value`. */
function condition(c: Cursor, field: (name: string) => string): Condition {
  const f = c.next();
  if (!f || f.t !== 'word') throw malformed('expected a field name in WHERE');
  let op: Op;
  if (c.isWord('LIKE')) op = 'LIKE';
  else if (c.isWord('IN')) op = 'IN';
  else if (c.isWord('NOT')) {
    c.p++;
    if (!c.isWord('IN')) throw malformed('expected IN after NOT');
    op = 'NOT IN';
  } else if (c.peek()?.t === 'op') op = c.peek()!.v as Op;
  else throw malformed('expected an operator');
  c.p++;
  let value: unknown;
  if (op === 'IN' || op === 'NOT IN') {
    if (c.next()?.t !== 'lp') throw malformed('expected ( after IN');
    const list: unknown[] = [];
    for (;;) {
      list.push(literal(c.next()));
      const t = c.next();
      if (t?.t === 'rp') break;
      if (t?.t !== 'comma') throw malformed('expected , or ) in the IN list');
    }
    value = list;
  } else value = literal(c.next());
  if (op === 'LIKE' && typeof value !== 'string') throw malformed('LIKE needs a quoted pattern');
  return { field: field(f.v), op, value };
}

function literal(v: Tok | undefined): unknown {
  if (!v) throw malformed('expected a value');
  if (v.t === 'str' || v.t === 'date') return v.v;
  if (v.t === 'num') return Number(v.v);
  if (v.t === 'word' && v.v.toLowerCase() === 'null') return null;
  if (v.t === 'word' && /^(true|false)$/i.test(v.v)) return v.v.toLowerCase() === 'true';
  throw malformed(`bad value ${v.v}`);
}

/** The query type named in FROM (case-insensitive). @throws ApiError INVALID_TYPE */
function queryType(t: Tok | undefined): QueryType {
  if (!t || t.t !== 'word') throw malformed('expected an object name');
  const lower = t.v.toLowerCase();
  const type =
    findType(t.v) ?? (Object.keys(IDENTITY_FIELDS) as IdentityType[]).find((x) => x.toLowerCase() === lower);
  if (!type) throw new ApiError(400, 'INVALID_TYPE', `sObject type '${t.v}' is not supported.`);
  return type;
}

/** A selected field's canonical name: `Field` or `Rel.Field`. @throws ApiError INVALID_FIELD */
function selectField(type: QueryType, name: string): string {
  const invalid = () =>
    new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${type}'.`, [name]);
  const dot = name.indexOf('.');
  if (dot < 0) {
    const f = fieldOf(type, name);
    if (!f) throw invalid();
    return f;
  }
  const rel = relationship(type, name.slice(0, dot));
  const f = rel ? findField(rel.to, name.slice(dot + 1)) : undefined;
  if (!rel || !f || name.indexOf('.', dot + 1) >= 0) throw invalid();
  return `${rel.name}.${f.name}`;
}

/** A field's canonical name on a query type (case-insensitive). */
function fieldOf(type: QueryType, name: string): string | undefined {
  if (type === 'User' || type === 'Organization') {
    return IDENTITY_FIELDS[type].find((f) => f.toLowerCase() === name.toLowerCase());
  }
  return findField(type, name)?.name;
}
