/**
 * The SOQL subset the emulator answers (docs/salesforce-wire.md §8):
 * `SELECT f1, Rel.f2 FROM Obj [WHERE f op 'v' [AND|OR f op 'v' …]] [LIMIT n]` with op `=` or `!=`,
 * one level of parent relationship field (`Account.Name` through `AccountId`, as in
 * https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_understanding.htm),
 * FROM any sObject of schema.ts or the read-only `User` and `Organization`,
 * values as quoted strings (with `\'` and `\\` escapes), `null`, `true`/`false` or numbers. One
 * connective per WHERE (no parentheses). Anything else → 400 MALFORMED_QUERY.
 */
import { ApiError } from './api-error';
import { findField, findType, type SObjectType } from './schema';
import { IDENTITY_FIELDS, type IdentityType } from './rest-identity';

/** What a query may select from: an sObject of schema.ts, or the org's read-only User or Organization. */
export type QueryType = SObjectType | IdentityType;

/** One `field op value` of the WHERE clause (field name canonical, value decoded). */
export interface Condition {
  field: string;
  op: '=' | '!=';
  value: unknown;
}

/** A parsed query: object, canonical field names, conditions joined by one connective, optional LIMIT. */
export interface ParsedQuery {
  type: QueryType;
  /** Canonical names; a parent relationship field is `Rel.Field` (e.g. `Account.Name`). */
  fields: string[];
  conditions: Condition[];
  connective: 'AND' | 'OR';
  limit?: number;
}

type Tok = { t: 'word' | 'str' | 'op' | 'comma' | 'num'; v: string };

function tokenize(q: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === ',') {
      out.push({ t: 'comma', v: c });
      i++;
    } else if (c === '=') {
      out.push({ t: 'op', v: '=' });
      i++;
    } else if (c === '!' && q[i + 1] === '=') {
      out.push({ t: 'op', v: '!=' });
      i += 2;
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
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(q.slice(i))!;
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

/** Parses the supported SOQL subset. @throws ApiError MALFORMED_QUERY / INVALID_TYPE / INVALID_FIELD */
export function parseSoql(q: string): ParsedQuery {
  const toks = tokenize(q);
  let p = 0;
  const peek = () => toks[p];
  const word = (w: string) => peek()?.t === 'word' && peek()!.v.toUpperCase() === w;
  const expectWord = (w: string) => {
    if (!word(w)) throw malformed(`expected ${w}`);
    p++;
  };
  expectWord('SELECT');
  const rawFields: string[] = [];
  for (;;) {
    const t = toks[p++];
    if (!t || t.t !== 'word') throw malformed('expected a field name');
    rawFields.push(t.v);
    if (peek()?.t === 'comma') {
      p++;
      continue;
    }
    break;
  }
  expectWord('FROM');
  const objTok = toks[p++];
  if (!objTok || objTok.t !== 'word') throw malformed('expected an object name');
  const type = findQueryType(objTok.v);
  if (!type) {
    throw new ApiError(400, 'INVALID_TYPE', `sObject type '${objTok.v}' is not supported.`);
  }
  const invalid = (name: string) =>
    new ApiError(400, 'INVALID_FIELD', `No such column '${name}' on entity '${type}'.`, [name]);
  const canon = (name: string): string => {
    const f = fieldOf(type, name);
    if (!f) throw invalid(name);
    return f;
  };
  const selectField = (name: string): string => {
    const dot = name.indexOf('.');
    if (dot < 0) return canon(name);
    const rel = relationship(type, name.slice(0, dot));
    const f = rel ? findField(rel.to, name.slice(dot + 1)) : undefined;
    if (!rel || !f || name.indexOf('.', dot + 1) >= 0) throw invalid(name);
    return `${rel.name}.${f.name}`;
  };
  const fields = rawFields.map(selectField);
  const conditions: Condition[] = [];
  let connective: 'AND' | 'OR' | undefined;
  if (word('WHERE')) {
    p++;
    for (;;) {
      const f = toks[p++];
      const op = toks[p++];
      const v = toks[p++];
      if (!f || f.t !== 'word' || !op || op.t !== 'op' || !v) throw malformed('expected field op value');
      let value: unknown;
      if (v.t === 'str') value = v.v;
      else if (v.t === 'num') value = Number(v.v);
      else if (v.t === 'word' && v.v.toLowerCase() === 'null') value = null;
      else if (v.t === 'word' && /^(true|false)$/i.test(v.v)) value = v.v.toLowerCase() === 'true';
      else throw malformed(`bad value ${v.v}`);
      conditions.push({ field: canon(f.v), op: op.v as '=' | '!=', value });
      if (word('AND') || word('OR')) {
        const c = peek()!.v.toUpperCase() as 'AND' | 'OR';
        if (connective && connective !== c) throw malformed('mixing AND and OR needs parentheses');
        connective = c;
        p++;
        continue;
      }
      break;
    }
  }
  let limit: number | undefined;
  if (word('LIMIT')) {
    p++;
    const n = toks[p++];
    if (!n || n.t !== 'num') throw malformed('expected a number after LIMIT');
    limit = Number(n.v);
  }
  if (p !== toks.length) throw malformed(`unexpected '${toks[p]!.v}'`);
  return { type, fields, conditions, connective: connective ?? 'AND', limit };
}

/** True when `rec` satisfies the query's WHERE clause. */
export function matches(q: ParsedQuery, rec: Record<string, unknown>): boolean {
  if (q.conditions.length === 0) return true;
  const test = (c: Condition) => {
    const v = rec[c.field] ?? null;
    return c.op === '=' ? v === c.value : v !== c.value;
  };
  return q.connective === 'AND' ? q.conditions.every(test) : q.conditions.some(test);
}

/** The query type named in FROM (case-insensitive). */
function findQueryType(name: string): QueryType | undefined {
  const lower = name.toLowerCase();
  return (
    findType(name) ?? (Object.keys(IDENTITY_FIELDS) as IdentityType[]).find((t) => t.toLowerCase() === lower)
  );
}

/** A field's canonical name on a query type (case-insensitive). */
function fieldOf(type: QueryType, name: string): string | undefined {
  if (type === 'User' || type === 'Organization') {
    return IDENTITY_FIELDS[type].find((f) => f.toLowerCase() === name.toLowerCase());
  }
  return findField(type, name)?.name;
}

/** A parent relationship of `type`: `Account` for the reference field `AccountId`. */
export function relationship(
  type: QueryType,
  relName: string,
): { name: string; field: string; to: SObjectType } | undefined {
  if (type === 'User' || type === 'Organization') return undefined;
  const f = findField(type, `${relName}Id`);
  if (!f || f.type !== 'reference' || !f.referenceTo) return undefined;
  return { name: f.name.slice(0, -2), field: f.name, to: f.referenceTo };
}
