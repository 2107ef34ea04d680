/**
 * Bounded HTTP to the org (issue 11: a 300 MB answer was read whole, a 307 to another host was followed
 * with the bearer token). Every org call the station makes goes through {@link boundedFetch}:
 * - the body is read as a stream and the read stops at `maxBodyBytes` (default 1 MiB; a Salesforce REST
 *   answer for the station's calls — one Composite upsert of ≤200 Assets, a SOQL page — is far smaller);
 * - redirects are never followed: a 3xx is an error naming the target host (jsforce follows them with
 *   the same headers, Authorization included: node_modules/jsforce/lib/request-helper.js);
 * - a request carrying the session (a bearer token, or the token exchange's subject token) goes only to
 *   the org's instance origin, checked before anything is sent.
 * Node's fetch (WHATWG fetch, `redirect: 'manual'`: https://fetch.spec.whatwg.org/#concept-request-redirect-mode).
 */
import { StationError } from '../../shared/errors';

/** Default cap of a response body, bytes (1 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** What a bounded request may do. */
export interface HttpBounds {
  /** Largest response body read, bytes. Default {@link DEFAULT_MAX_BODY_BYTES}. */
  maxBodyBytes?: number;
  /**
   * The org's instance URL (its origin is the only one that may receive a bearer token); undefined: no
   * request with an `Authorization` header is sent at all.
   */
  instanceUrl?: () => string | undefined;
}

/** One request. */
export interface BoundedRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  /** Whole exchange (headers and body), ms. */
  timeoutMs: number;
  /**
   * The request carries the org session outside an `Authorization` header (the asset-token exchange's
   * `subject_token` is in its body): it is held to the same rule, only the instance origin may receive it.
   */
  carriesSession?: boolean;
}

/** A response read within the bounds. */
export interface BoundedResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

const hostOf = (url: string) => {
  try {
    return new URL(url).host;
  } catch {
    return url.slice(0, 80);
  }
};

/**
 * Sends one request within the bounds and reads the whole (capped) body as UTF-8.
 * @param doing what the call is for, in the user's words ("read the org's signing keys").
 * @throws StationError ORG_CONFIG (a bearer token bound for another host, a redirect, a body over the cap:
 *   each needs a person, so a job fails rather than waiting for Salesforce), ORG_UNAVAILABLE (a timeout, the
 *   network: a job parks, core/jobs/parking.ts) — each naming what happened and what to do
 */
export async function boundedFetch(
  req: BoundedRequest,
  doing: string,
  bounds: HttpBounds = {},
): Promise<BoundedResponse> {
  const max = bounds.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const headers = req.headers ?? {};
  const bearer = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if (bearer || req.carriesSession) {
    const instance = bounds.instanceUrl?.();
    let origin: string | undefined;
    try {
      origin = new URL(req.url).origin;
    } catch {
      origin = undefined;
    }
    if (!instance || origin !== new URL(instance).origin) {
      throw new StationError(
        'ORG_CONFIG',
        `The station refused to send its Salesforce session to ${hostOf(req.url)} to ${doing}: only the org's instance (${instance ? hostOf(instance) : 'none known'}) may receive it.`,
        'Reconnect the org (Settings > Salesforce) so the station learns its instance URL; if this repeats, check the network for a proxy rewriting Salesforce answers.',
        { host: hostOf(req.url) },
      );
    }
  }
  let res: Response;
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
      redirect: 'manual',
      signal,
    });
  } catch (e) {
    throw unreachableError(doing, e as Error, req.timeoutMs);
  }
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => (out[k.toLowerCase()] = v));
  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    const target = out.location ? hostOf(new URL(out.location, req.url).toString()) : 'an unnamed place';
    throw new StationError(
      'ORG_CONFIG',
      `Salesforce answered the request to ${doing} with a redirect to ${target} (HTTP ${res.status}); the station does not follow redirects, so nothing was sent there.`,
      'If the org moved (a My Domain change), reconnect the org so the station learns its new address; otherwise check the network for a proxy redirecting Salesforce traffic.',
      { status: res.status, redirectHost: target },
    );
  }
  const tooBig = () =>
    new StationError(
      'ORG_CONFIG',
      `The answer to the request to ${doing} is larger than ${max} bytes, so the station stopped reading it.`,
      'Retry; if it repeats, something between the station and Salesforce is sending oversized answers: check the network (proxy).',
      { status: res.status, maxBodyBytes: max },
    );
  const declared = Number(out['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => {});
    throw tooBig();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > max) {
          await reader.cancel().catch(() => {});
          throw tooBig();
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof StationError) throw e;
      throw unreachableError(doing, e as Error, req.timeoutMs);
    }
  }
  return { status: res.status, headers: out, body: Buffer.concat(chunks).toString('utf8') };
}

function unreachableError(doing: string, e: Error, timeoutMs: number): StationError {
  const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
  const cause = (e as { cause?: { code?: string } }).cause?.code;
  return new StationError(
    'ORG_UNAVAILABLE',
    timedOut
      ? `Salesforce did not answer the request to ${doing} within ${Math.round(timeoutMs / 1000)} s.`
      : `Could not reach Salesforce to ${doing}: ${cause ?? e.message}.`,
    'Check the network connection and the instance URL, then retry.',
    { ...(cause ? { cause } : {}), ...(timedOut ? { timeoutMs } : {}) },
  );
}
