/**
 * Coalesces Asset upserts from several bays into one sObject Collections call (docs/salesforce-wire.md §4.2:
 * `PATCH /composite/sobjects/Asset/{ext}`, at most 200 records): each caller awaits its own result,
 * and calls arriving within `windowMs` of the first share one REST call.
 */
import type { AssetFacts } from './assets';
import type { StationError } from '../../shared/errors';

/** Per-record result of a batched upsert. */
export type UpsertOutcome = { ok: true; id: string; created: boolean } | { ok: false; error: StationError };

interface Pending {
  facts: AssetFacts;
  resolve: (r: { id: string; created: boolean }) => void;
  reject: (e: unknown) => void;
}

/** Options of {@link UpsertBatcher}. */
export interface BatcherOptions {
  /** How long the first upsert waits for others, ms. Default 50. */
  windowMs?: number;
  /** Records per call, at most 200 (Collections limit). Default 200. */
  maxBatch?: number;
}

/** The batcher. One per OrgClient (see OrgClient.batcher()). */
export class UpsertBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  private readonly maxBatch: number;

  constructor(
    private readonly runBatch: (facts: AssetFacts[]) => Promise<UpsertOutcome[]>,
    private readonly runSingle: (facts: AssetFacts) => Promise<{ id: string; created: boolean }>,
    opts: BatcherOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 50;
    this.maxBatch = Math.min(200, Math.max(1, opts.maxBatch ?? 200));
  }

  /** Queues one upsert; resolves with its own `{id, created}` or rejects with its own StationError. */
  upsert(facts: AssetFacts): Promise<{ id: string; created: boolean }> {
    return new Promise((resolve, reject) => {
      this.queue.push({ facts, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = this.queue;
    this.queue = [];
    // one record per device UID per call; a repeat goes to the next call
    while (all.length > 0) {
      const seen = new Set<string>();
      const batch: Pending[] = [];
      for (let i = 0; i < all.length && batch.length < this.maxBatch;) {
        const p = all[i]!;
        if (seen.has(p.facts.deviceUid)) {
          i++;
          continue;
        }
        seen.add(p.facts.deviceUid);
        batch.push(p);
        all.splice(i, 1);
      }
      void this.send(batch);
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    if (batch.length === 1) {
      const p = batch[0]!;
      return this.runSingle(p.facts).then(p.resolve, p.reject);
    }
    try {
      const results = await this.runBatch(batch.map((p) => p.facts));
      batch.forEach((p, i) => {
        const r = results[i];
        if (r?.ok) p.resolve({ id: r.id, created: r.created });
        else p.reject(r ? r.error : new Error('missing result'));
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
