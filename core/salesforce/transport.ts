/**
 * A jsforce Transport that counts HTTP calls and reads `Sforce-Limit-Info` (docs/salesforce-wire.md §4.3) from
 * every response. jsforce itself is unmodified: Connection.request accepts a per-call `transport`.
 */
import { Transport } from 'jsforce/lib/transport.js';
import type { HttpRequest, HttpRequestOptions } from 'jsforce';

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

/** Counts calls into `stats` and reports the API usage of each response that carries it. */
export class CountingTransport extends Transport {
  constructor(
    private readonly stats: CallStats,
    private readonly onUsage: (u: { used: number; limit: number }) => void,
  ) {
    super();
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
