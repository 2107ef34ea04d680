/**
 * The emulator's REST endpoint over HTTP (docs/salesforce-wire.md §4.2, §4.3, §8): the free versions list,
 * then for `/services/data/vNN.N/…` in this order — 404 below v42.0, 401 INVALID_SESSION_ID for a bad or
 * expired token (and never otherwise), 403 REQUEST_LIMIT_EXCEEDED at the daily limit, the count, the REST
 * faults (HTML page, 5xx, 429), then Bulk API 2.0 under `jobs/` (bulk.ts, CSV bodies), or the JSON body,
 * the handler (rest.ts), and the cut-off-answer fault.
 * Every answer under a version carries `Sforce-Limit-Info`.
 */
import type http from 'node:http';
import { MAINTENANCE_PAGE, takeFault } from './faults';
import { JSON_TYPE, send, sendHtml, type EmuRequest } from './http';
import { handleRest } from './rest';
import { handleBulk } from './bulk';
import type { EmulatorState } from './state';

const VERSIONED = /^\/services\/data\/v(\d+)\.(\d)(\/.*)?$/;
/** The oldest API version served (docs/salesforce-wire.md §8). */
const MIN_VERSION = 42;

/** An error array body (docs/salesforce-wire.md §4.2). */
function errorBody(errorCode: string, message: string): Array<Record<string, string>> {
  return [{ message, errorCode }];
}

/** Answers a REST request; false when `req` is not one. */
export function restRoutes(st: EmulatorState, req: EmuRequest, res: http.ServerResponse): boolean {
  const { method, path, raw } = req;
  if (path === '/services/data' || path === '/services/data/') {
    // the versions list: no auth, not counted (docs/salesforce-wire.md §4.3)
    send(res, 200, versionsList());
    return true;
  }
  const vm = VERSIONED.exec(path);
  if (!vm) return false;
  if (Number(vm[1]) < MIN_VERSION) {
    send(res, 404, errorBody('NOT_FOUND', 'The requested resource does not exist'));
    return true;
  }
  const session = st.oauth.session(req.bearer);
  if (!session) {
    // 401 only for an invalid or expired token (docs/salesforce-wire.md §6.3, §8)
    send(res, 401, errorBody('INVALID_SESSION_ID', 'Session expired or invalid'));
    return true;
  }
  if (st.usage.exhausted()) {
    send(res, 403, errorBody('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'), st.usage.header());
    return true;
  }
  st.usage.count();
  const limit = () => st.usage.header();
  if (takeFault(st.faults, 'htmlErrors')) sendHtml(res, 503, MAINTENANCE_PAGE, limit());
  else if (takeFault(st.faults, 'serverErrors')) {
    const body = errorBody('SERVER_UNAVAILABLE', 'Server unavailable, try again later');
    send(res, st.faults.serverErrorStatus, body, limit());
  } else if (takeFault(st.faults, 'rateLimited')) {
    send(res, 429, errorBody('REQUEST_LIMIT_EXCEEDED', 'Too many requests'), limit());
  } else if (segments(vm[3])[0] === 'jobs') {
    // Bulk API 2.0: CSV bodies and answers (bulk.ts)
    const r = handleBulk(
      st.store,
      st.bulk,
      {
        method,
        segs: segments(vm[3]).slice(1),
        query: req.url.searchParams,
        raw,
        version: `v${vm[1]}.${vm[2]}`,
        userId: session.userId,
      },
      st.faults.bulkInProgressPolls,
    );
    if (r.csv === undefined) send(res, r.status, r.body, { ...limit(), ...r.headers });
    else {
      res.writeHead(r.status, { 'Content-Type': 'text/csv', ...limit(), ...r.headers });
      res.end(r.csv);
    }
  } else {
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      send(res, 400, errorBody('JSON_PARSER_ERROR', 'Unexpected character in request body'), limit());
      return true;
    }
    const result = handleRest(
      {
        store: st.store,
        version: `v${vm[1]}.${vm[2]}`,
        takeDuplicateFault: () => takeFault(st.faults, 'duplicateValue'),
        answerId: (id) =>
          takeFault(st.faults, 'otherAssetId')
            ? (st.store.list('Asset').find((r) => r.Id !== id)?.Id ?? '02i00000000LIARAAA')
            : id,
        takeDuplicateOwnFault: () => takeFault(st.faults, 'duplicateValueOwn'),
        apiUsage: () => ({ used: st.usage.used, max: st.usage.dailyLimit }),
      },
      { method, segs: segments(vm[3]), query: req.url.searchParams, body },
    );
    if (method !== 'GET') st.store.save();
    if (takeFault(st.faults, 'malformedJson')) {
      res.writeHead(result.status === 204 ? 200 : result.status, { 'Content-Type': JSON_TYPE, ...limit() });
      res.end(JSON.stringify(result.body ?? { success: true }).slice(0, 7) + '<!-- truncated');
    } else send(res, result.status, result.body, limit());
  }
  return true;
}

/** The newest API version served. */
const MAX_VERSION = 62;

/**
 * The versions list, oldest first, each with its release name (v60.0 = Spring '24; three releases a year,
 * Winter named after the next year): https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_versions.htm
 */
export function versionsList(): Array<{ label: string; url: string; version: string }> {
  const out = [];
  for (let v = MIN_VERSION; v <= MAX_VERSION; v++) {
    const idx = v - 60;
    const cycle = Math.floor(idx / 3);
    const season = ((idx % 3) + 3) % 3;
    const year = 24 + cycle + (season === 2 ? 1 : 0);
    const label = `${['Spring', 'Summer', 'Winter'][season]} '${String(year).padStart(2, '0')}`;
    out.push({ label, url: `/services/data/v${v}.0`, version: `${v}.0` });
  }
  return out;
}

/** The path after the version, split and percent-decoded (a bad escape is kept as is). */
function segments(rest: string | undefined): string[] {
  return (rest ?? '')
    .split('/')
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}
