/**
 * How the Asset calls of several bays share calls (coalescer.ts): upserts within a window go in one
 * sObject Collections call (at most 200 records, one per device UID; docs/salesforce-wire.md §4.2), and
 * look-ups in one SOQL query, each caller getting the records that answer its own UID or fingerprint.
 */
import type { StationError } from '../../shared/errors';
import type { AssetFacts } from './assets';
import { answersLookup, type AssetRow, type Lookup, type LookupFields } from './asset-lookup';
import { Coalescer, type CoalescerOptions, type Outcome } from './coalescer';

/** Records per sObject Collections call (docs/salesforce-wire.md §4.2). */
export const COLLECTION_MAX = 200;

/** The Id and whether the upsert created the record (HTTP 201) or updated it (200). */
export interface UpsertResult {
  id: string;
  created: boolean;
}

/** Per-record result of a Collections upsert. */
export type UpsertOutcome = ({ ok: true } & UpsertResult) | { ok: false; error: StationError };

/** Upserts from several bays: see {@link upsertBatcher}. */
export interface UpsertBatcher {
  /** Queues one upsert; resolves with its own `{id, created}` or rejects with its own StationError. */
  upsert(facts: AssetFacts): Promise<UpsertResult>;
  /** Sends what is queued now. */
  flush(): void;
}

/**
 * Coalesces upserts into Collections calls (default window 50 ms, at most 200 records): one record per
 * device UID per call (a repeat goes to the next call); a call of one record uses `one`.
 */
export function upsertBatcher(
  many: (facts: AssetFacts[]) => Promise<UpsertOutcome[]>,
  one: (facts: AssetFacts) => Promise<UpsertResult>,
  opts: CoalescerOptions = {},
): UpsertBatcher {
  const c = new Coalescer<AssetFacts, UpsertResult>({
    ...opts,
    maxBatch: Math.min(COLLECTION_MAX, opts.maxBatch ?? COLLECTION_MAX),
    key: (f) => f.deviceUid,
    run: async (fs): Promise<Array<Outcome<UpsertResult>>> => {
      if (fs.length === 1) return [{ ok: true, value: await one(fs[0]!) }];
      return (await many(fs)).map((r) =>
        r.ok ? { ok: true, value: { id: r.id, created: r.created } } : { ok: false, error: r.error },
      );
    },
  });
  return { upsert: (f) => c.submit(f), flush: () => c.flush() };
}

/**
 * Coalesces look-ups into one query (default window 50 ms, at most 40 look-ups so that the GET URL stays
 * well under Salesforce's 16 KB): each caller gets the records answering its own UID or fingerprint.
 */
export function lookupBatcher(
  query: (lookups: Lookup[]) => Promise<AssetRow[]>,
  fields: LookupFields,
  opts: CoalescerOptions = {},
): { lookup(l: Lookup): Promise<AssetRow[]> } {
  const c = new Coalescer<Lookup, AssetRow[]>({
    ...opts,
    run: async (ls) => {
      const recs = await query(ls);
      return ls.map((l) => ({ ok: true, value: recs.filter((r) => answersLookup(r, l, fields)) }));
    },
  });
  return { lookup: (l) => c.submit(l) };
}
