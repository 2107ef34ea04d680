/**
 * Fault switches of the org emulator: run-time failures a station must survive (docs/salesforce-wire.md
 * §8 "Fault injection": expiry, 429/503, HTML maintenance pages, slow and cut-off answers, concurrent
 * refresh). Counters are consumed one per response; tests set them on `emulator.faults`, and the CLI's
 * `sim-org` through `POST /emulator/faults`.
 */

/** Run-time fault switches (mutate them on `emulator.faults`, or POST /emulator/faults). */
export interface OrgFaults {
  /** Added delay for every response, ms. */
  latencyMs: number;
  /** The next N REST responses are `serverErrorStatus` with a JSON error body (SERVER_UNAVAILABLE). */
  serverErrors: number;
  serverErrorStatus: number;
  /** The next N REST responses are a 503 HTML maintenance page. */
  htmlErrors: number;
  /** The next N REST requests are processed, then answered with a cut-off (malformed) JSON body. */
  malformedJson: number;
  /** The next N token-endpoint responses are a 503 HTML maintenance page. */
  tokenHtmlErrors: number;
  /** The next N REST responses are 429 Too Many Requests. */
  rateLimited: number;
  /** The next N Asset writes fail with 400 DUPLICATE_VALUE. */
  duplicateValue: number;
  /**
   * A lying org (issue 11): the next N Asset upserts are done, but answered with the Id of ANOTHER Asset
   * (or a made-up Id when there is none).
   */
  otherAssetId: number;
  /**
   * The next N external-ID upserts of an Asset whose UID is already on a record fail with 400 DUPLICATE_VALUE
   * naming that record (what an org answers the loser of two concurrent creates of the same device).
   */
  duplicateValueOwn: number;
  /** Refuse a refresh of a token while another refresh of it is in flight (docs/salesforce-wire.md §5.2). */
  refuseConcurrentRefresh: boolean;
  /**
   * Polls of a closed Bulk API 2.0 job (ingest or query) answered `InProgress` before it ends `JobComplete` or
   * `Failed` (docs/salesforce-wire.md §8.3; a real org stays InProgress for a while). Default 1; 0 ends the
   * job at its first poll.
   */
  bulkInProgressPolls: number;
  /** Accept ES256 actor tokens (to probe client behaviour; Salesforce documents RS256 only, docs/salesforce-wire.md §1.3). */
  acceptEs256: boolean;
}

/** The faults that count down, one per affected response. */
export type CountedFault =
  | 'serverErrors'
  | 'htmlErrors'
  | 'malformedJson'
  | 'tokenHtmlErrors'
  | 'rateLimited'
  | 'duplicateValue'
  | 'otherAssetId'
  | 'duplicateValueOwn';

/** No fault on; `latencyMs` as given. A fresh object each call (tests reset `emulator.faults` with it). */
export function defaultFaults(latencyMs = 0): OrgFaults {
  return {
    latencyMs,
    serverErrors: 0,
    serverErrorStatus: 503,
    htmlErrors: 0,
    malformedJson: 0,
    rateLimited: 0,
    tokenHtmlErrors: 0,
    duplicateValue: 0,
    otherAssetId: 0,
    duplicateValueOwn: 0,
    bulkInProgressPolls: 1,
    refuseConcurrentRefresh: true,
    acceptEs256: false,
  };
}

/** Consumes one count of `name`: true when the fault applies to this response. */
export function takeFault(faults: OrgFaults, name: CountedFault): boolean {
  if (faults[name] <= 0) return false;
  faults[name]--;
  return true;
}

/**
 * Applies a JSON patch of switches (unknown names and values of another type are ignored).
 * @returns false when `raw` is not a JSON object.
 */
export function patchFaults(faults: OrgFaults, raw: string): boolean {
  let patch: unknown;
  try {
    patch = JSON.parse(raw);
  } catch {
    return false;
  }
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return false;
  for (const [k, v] of Object.entries(patch)) {
    if (k in faults && typeof v === typeof faults[k as keyof OrgFaults]) {
      (faults as unknown as Record<string, unknown>)[k] = v;
    }
  }
  return true;
}

/** The page a Salesforce org serves while down for maintenance (HTML where the API expects JSON). */
export const MAINTENANCE_PAGE = `<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body><h1>Maintenance</h1><p>This org is down for maintenance.</p></body></html>`;
