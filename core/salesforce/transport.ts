/**
 * A jsforce Transport that counts HTTP calls, reads `Sforce-Limit-Info` (docs/salesforce-wire.md §4.3) from
 * every response, and sends each request through {@link boundedFetch} (bounded-http.ts: body capped,
 * redirects refused, the bearer token only to the instance) instead of jsforce's own fetch, keeping
 * jsforce's retry rule for idempotent methods. jsforce itself is unmodified: Connection.request accepts a
 * per-call `transport`.
 */
import { PassThrough } from 'node:stream';
import { Transport } from 'jsforce/lib/transport.js';
import type { HttpRequest, HttpRequestOptions } from 'jsforce';
import { isStationError } from '../../shared/errors';
import { boundedFetch, type HttpBounds } from './bounded-http';

/** HTTP calls made by one client, by kind. */
export interface CallStats {
  /** REST calls (`/services/data/…`). */
  restCalls: number;
  /** Token-endpoint calls (`/services/oauth2/token`): logins, refreshes, asset-token exchanges. */
  tokenCalls: number;
  /** Everything else: identity URL, `/id/keys`, revoke. */
  otherCalls: number;
}

/** Counts one call of `url` in `stats` by its kind. */
export function countCall(stats: CallStats, url: string): void {
  if (url.includes('/services/oauth2/token')) stats.tokenCalls++;
  else if (url.includes('/services/data/')) stats.restCalls++;
  else stats.otherCalls++;
}

/** Parses `api-usage=used/limit` (docs/salesforce-wire.md §4.3); undefined when absent. */
export function parseLimitInfo(header: string | undefined): { used: number; limit: number } | undefined {
  const m = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}

/** jsforce's retry rule (node_modules/jsforce/lib/request.js): these statuses, these methods. */
const RETRY_STATUSES = [420, 429, 500, 502, 503, 504];
const RETRY_METHODS = ['GET', 'PUT', 'HEAD', 'OPTIONS', 'DELETE'];
const RETRY_CAUSES = [
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
];
/** jsforce's default request timeout when none is given, ms. */
const JSFORCE_DEFAULT_TIMEOUT_MS = 1_800_000;

/**
 * One request as jsforce's transport does it — retried on {@link RETRY_STATUSES} (420 at most twice)
 * and on network failures for idempotent methods, pause `minTimeout × 2^n` — but within `bounds`.
 * @returns jsforce's response shape `{statusCode, headers, body}`.
 * @throws StationError of boundedFetch
 */
export async function boundedJsforceRequest(
  req: HttpRequest,
  options: HttpRequestOptions & { retry?: { maxRetries?: number; minTimeout?: number } },
  bounds: HttpBounds,
): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  const method = req.method.toUpperCase();
  const maxRetries = RETRY_METHODS.includes(method) ? (options.retry?.maxRetries ?? 5) : 0;
  const minTimeout = options.retry?.minTimeout ?? 500;
  let retries420 = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await boundedFetch(
        {
          method,
          url: req.url,
          headers: (req.headers ?? {}) as Record<string, string>,
          ...(req.body !== undefined && req.body !== null && !['GET', 'HEAD'].includes(method)
            ? { body: String(req.body) }
            : {}),
          timeoutMs: options.timeout ?? JSFORCE_DEFAULT_TIMEOUT_MS,
        },
        'call the Salesforce REST API',
        bounds,
      );
      const again =
        attempt < maxRetries &&
        RETRY_STATUSES.includes(res.status) &&
        (res.status !== 420 || retries420++ < 2);
      if (!again) return { statusCode: res.status, headers: res.headers, body: res.body };
    } catch (e) {
      const cause = isStationError(e) ? (e.details?.cause as string | undefined) : undefined;
      if (!(attempt < maxRetries && cause && RETRY_CAUSES.includes(cause))) throw e;
    }
    await new Promise((r) => setTimeout(r, minTimeout * 2 ** attempt));
  }
}

/** Counts calls into `stats` and reports the API usage of each response that carries it. */
export class CountingTransport extends Transport {
  /**
   * @param bounds body cap and the instance URL that alone may receive the bearer token (bounded-http.ts).
   */
  constructor(
    private readonly stats: CallStats,
    private readonly onUsage: (u: { used: number; limit: number }) => void,
    private readonly bounds: HttpBounds = {},
  ) {
    super();
  }

  /** jsforce's stream protocol (`complete` / `error` on the returned stream), over {@link boundedJsforceRequest}. */
  override getRequestStreamCreator() {
    return (req: HttpRequest, options: HttpRequestOptions = {}) => {
      const stream = new PassThrough();
      boundedJsforceRequest(req, options, this.bounds).then(
        (res) => stream.emit('complete', res),
        (e: unknown) => stream.emit('error', e),
      );
      return stream as unknown as ReturnType<ReturnType<Transport['getRequestStreamCreator']>>;
    };
  }

  /** Sends one request through jsforce's own transport, counting it and reading its API usage. */
  override httpRequest(req: HttpRequest, options?: HttpRequestOptions) {
    countCall(this.stats, req.url);
    const p = super.httpRequest(req, options);
    p.then(
      (res) => {
        const u = parseLimitInfo(res?.headers?.['sforce-limit-info']);
        if (u) this.onUsage(u);
      },
      () => {},
    );
    return p;
  }
}
