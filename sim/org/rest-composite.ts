/**
 * The Composite resource of the emulator (docs/salesforce-wire.md §4.2, §8): up to 25 subrequests in order,
 * later ones referring to earlier results; with `allOrNone`, one failure rolls everything back — a record
 * refused inside an sObject Collections subrequest included, whatever that subrequest's own `allOrNone`.
 */
import { ApiError } from './api-error';
import { asObject, type RestCtx, type RestRequest, type RestResult } from './rest-common';

const MAX_COMPOSITE = 25; // docs/salesforce-wire.md §4.2 (Composite: at most 25 subrequests [S])

/** The body of a subrequest rolled back or not run because another failed under `allOrNone`. */
function halted(): Array<Record<string, string>> {
  return [
    {
      errorCode: 'PROCESSING_HALTED',
      message: 'The transaction was rolled back since another operation in the same transaction failed.',
    },
  ];
}

/**
 * Composite (docs/salesforce-wire.md §4.2): `referenceId`, `@{ref.field}` substitution, `allOrNone` →
 * PROCESSING_HALTED and rollback. Subrequests go through `dispatch` (handleRest of rest.ts).
 */
export function composite(
  ctx: RestCtx,
  body: unknown,
  dispatch: (ctx: RestCtx, req: RestRequest) => RestResult,
): RestResult {
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
      out.push({ body: halted(), httpHeaders: {}, httpStatusCode: 400, referenceId });
      continue;
    }
    let res: RestResult;
    try {
      const url = new URL(subst(String(s.url ?? '')), 'http://x');
      const m = /^\/services\/data\/(v\d+\.\d)(\/.*)?$/.exec(url.pathname);
      if (!m) throw new ApiError(400, 'NOT_FOUND', `The requested resource does not exist`);
      const segs = (m[2] ?? '').split('/').filter(Boolean).map(decodeURIComponent);
      let subBody: unknown = s.body === undefined ? undefined : JSON.parse(subst(JSON.stringify(s.body)));
      const isCollection = segs[0] === 'composite' && segs[1] === 'sobjects';
      // the Composite's allOrNone overrides a Collections subrequest's (docs/salesforce-wire.md §4.2 [C ALLN])
      if (allOrNone && isCollection && subBody && typeof subBody === 'object')
        subBody = { ...(subBody as Record<string, unknown>), allOrNone: true };
      res = dispatch(
        { ...ctx, version: m[1]! },
        { method: String(s.method ?? 'GET').toUpperCase(), segs, query: url.searchParams, body: subBody },
      );
      // a refused record of a Collections subrequest fails the whole Composite under allOrNone
      if (allOrNone && isCollection && res.status < 300 && Array.isArray(res.body)) {
        const refused = (res.body as Array<{ success?: boolean }>).some((r) => r && r.success === false);
        if (refused) res = { status: 400, body: res.body };
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      res = { status: e.status, body: e.body() };
    }
    if (res.status >= 400) {
      if (allOrNone && !failed) {
        // earlier successes are rolled back and reported as halted
        for (const prev of out) {
          prev.httpStatusCode = 400;
          prev.body = halted();
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
