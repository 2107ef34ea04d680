/**
 * REST calls of one session (docs/salesforce-wire.md §4.2, §6.3): each goes through jsforce's Connection
 * (jsforce refreshes on 401 through the session's refreshFn and retries GETs on 420/429/5xx), the API
 * budget is checked before it (§4.3), idempotent writes get a bounded retry of their own, every failure
 * becomes a StationError, and SOQL queries are followed over `nextRecordsUrl`.
 */
import type { HttpRequest } from 'jsforce';
import type { OrgStatus } from '../../shared/domain';
import { fromJsforceError, unexpectedAnswer } from './errors';
import type { OrgSession } from './session';

/** Per-request timeout when none is configured, ms. */
export const DEFAULT_TIMEOUT_MS = 60_000;
/** Pause before the n-th retry of an idempotent write: n × this, ms. */
const RETRY_PAUSE_MS = 300;
/** At most this many pages of one query are read (2000 records each, docs/salesforce-wire.md §4.2). */
const MAX_QUERY_PAGES = 50;

/** Options of the REST calls. */
export interface RestOptions {
  /** Per-request timeout, ms. Default 60000. */
  requestTimeoutMs?: number;
  /** Extra attempts of idempotent writes (external-ID upserts) after a 5xx/HTML/malformed answer. Default 1. */
  idempotentRetries?: number;
  /** jsforce's automatic retries of GET requests on 420/429/5xx (docs/salesforce-wire.md §6.3). Default 2. */
  getRetries?: number;
  /** Absolute path of the station settings file, named in the remedies (errors.ts fromJsforceError). */
  settingsFile?: string;
}

/** One SOQL result page as the query resource returns it. */
interface QueryPage {
  records?: unknown;
  done?: unknown;
  nextRecordsUrl?: unknown;
}

/** The REST API of one session. */
export class RestApi {
  constructor(
    private readonly session: OrgSession,
    private readonly opts: RestOptions = {},
  ) {}

  /** The session's API version, like `62.0` (the `vNN.N` of `/services/data`, e.g. for Composite subrequest URLs). */
  get apiVersion(): string {
    return this.session.conn.version;
  }

  /**
   * One REST call; `req.url` is relative to `/services/data/vNN.N`.
   * @param doing what the call is for, in the user's words ("upsert the Asset of device X").
   * @param idempotentWrite the write is keyed (external-ID upsert): retried after an unclear answer.
   * @throws StationError ORG_LIMIT (budget reserve reached, or the org's limit), ORG_AUTH, ORG_CONFIG,
   *   ORG_DUPLICATE, ORG_REJECTED, ORG_UNAVAILABLE (see fromJsforceError)
   */
  async call<T>(req: HttpRequest, doing: string, idempotentWrite = false): Promise<T> {
    const attempts = 1 + (idempotentWrite ? (this.opts.idempotentRetries ?? 1) : 0);
    for (let attempt = 1; ; attempt++) {
      this.session.checkBudget(doing);
      try {
        const res = await this.session.conn.request<T>(req, {
          transport: this.session.transport,
          timeout: this.opts.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS,
          retry: { maxRetries: this.opts.getRetries ?? 2, minTimeout: RETRY_PAUSE_MS },
        });
        if (typeof res === 'string') {
          // jsforce returns the raw text when a JSON body does not parse (http-api.ts parseResponseBody)
          throw unexpectedAnswer(
            doing,
            'a malformed response (not JSON)',
            'Retry; the request is keyed by the device external ID, so a retry never creates a second Asset. If it persists, check for a proxy between the station and Salesforce.',
            { retrySafe: idempotentWrite },
          );
        }
        this.session.recordOutcome();
        return res;
      } catch (e) {
        const se = fromJsforceError(e, doing, this.session.lastRefreshError, this.opts.settingsFile);
        this.session.recordOutcome(se);
        if (se.code === 'ORG_UNAVAILABLE' && attempt < attempts) {
          await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS * attempt));
          continue;
        }
        throw se;
      }
    }
  }

  /**
   * Runs a SOQL query and follows `nextRecordsUrl` while `done` is false (docs/salesforce-wire.md §4.2).
   * @returns the records, each with `attributes` and the selected fields.
   * @throws StationError as {@link call}; ORG_UNAVAILABLE for a body without `records`.
   */
  async query(soql: string, doing: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    let url: string | undefined = `/query?q=${encodeURIComponent(soql)}`;
    for (let page = 0; url && page < MAX_QUERY_PAGES; page++) {
      const res: QueryPage | undefined = await this.call<QueryPage | undefined>(
        { method: 'GET', url },
        doing,
      );
      if (!res || typeof res !== 'object' || !Array.isArray(res.records)) {
        throw unexpectedAnswer(doing, 'an unexpected body');
      }
      out.push(...(res.records as Array<Record<string, unknown>>));
      url = res.done === false && typeof res.nextRecordsUrl === 'string' ? res.nextRecordsUrl : undefined;
    }
    return out;
  }

  /**
   * Makes one cheap REST call (the versioned resource list) to check the session and read API usage.
   * @throws StationError as {@link call}
   */
  async ping(): Promise<OrgStatus> {
    await this.call<unknown>({ method: 'GET', url: '/' }, 'check the Salesforce connection');
    return this.session.status();
  }
}
