/**
 * A jsforce Transport that counts HTTP calls and reads `Sforce-Limit-Info` (docs/salesforce-wire.md §4.3) from
 * every response. jsforce itself is unmodified: Connection.request accepts a per-call `transport`.
 */
import { Transport } from 'jsforce/lib/transport.js';
import type { HttpRequest, HttpRequestOptions } from 'jsforce';

/** Parses `api-usage=used/limit` (docs/salesforce-wire.md §4.3); undefined when absent. */
export function parseLimitInfo(header: string | undefined): { used: number; limit: number } | undefined {
  const m = header ? /api-usage=(\d+)\/(\d+)/.exec(header) : null;
  return m ? { used: Number(m[1]), limit: Number(m[2]) } : undefined;
}

/** Counts calls and reports API usage. */
export class CountingTransport extends Transport {
  constructor(
    private readonly onCall: (req: HttpRequest) => void,
    private readonly onUsage: (u: { used: number; limit: number }) => void,
  ) {
    super();
  }

  override httpRequest(req: HttpRequest, options?: HttpRequestOptions) {
    this.onCall(req);
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
