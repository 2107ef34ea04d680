/**
 * Coalesces calls from several bays into shared calls: items submitted within `windowMs` of the first
 * one go out together, at most `maxBatch` per call, and each caller awaits its own outcome. The Asset
 * upserts share one sObject Collections call and the Asset look-ups one SOQL query this way
 * (docs/salesforce-wire.md §4.2); see asset-records.ts.
 */

/** One item's outcome of a shared call. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Options of a {@link Coalescer}. */
export interface CoalescerOptions {
  /** How long the first item waits for others, ms. Default 50. */
  windowMs?: number;
  /** Items per call; at least 1. Default 40. */
  maxBatch?: number;
  /**
   * How many items are expected (e.g. the bays whose jobs are heading for this call or waiting for its
   * answer). When that many are queued or in flight the batch goes at once instead of waiting out
   * `windowMs`: one active bay pays no window at all, 16 bays go as soon as the 16th arrives (issue 18).
   * While items wait it is asked again every `recheckMs`, so a bay that stops (a failed job) releases
   * the others. Values below 1 count as 1; without it, only `windowMs` and `maxBatch` decide.
   */
  expected?: () => number;
  /** How often `expected` is asked again while items wait, ms. Default 10. */
  recheckMs?: number;
}

/** How a {@link Coalescer} sends. */
export interface CoalescerSpec<In, Out> extends CoalescerOptions {
  /**
   * One call for several items. Returns one outcome per item, in order; a throw (or a rejection)
   * rejects every caller of that call with the same error.
   */
  run(items: In[]): Promise<Array<Outcome<Out>>>;
  /** Items with the same key never share a call: a repeat goes to a later call. Default: no two items alike. */
  key?(item: In): string;
}

interface Pending<In, Out> {
  item: In;
  resolve: (v: Out) => void;
  reject: (e: unknown) => void;
}

/** Collects items for `windowMs` (or until `maxBatch` are queued), then sends them in shared calls. */
export class Coalescer<In, Out> {
  private queue: Array<Pending<In, Out>> = [];
  private timer: NodeJS.Timeout | undefined;
  private recheck: NodeJS.Timeout | undefined;
  /** Items sent whose call has not answered yet (their bays are still at this call). */
  private inFlight = 0;
  private readonly windowMs: number;
  private readonly maxBatch: number;

  constructor(private readonly spec: CoalescerSpec<In, Out>) {
    this.windowMs = spec.windowMs ?? 50;
    this.maxBatch = Math.max(1, spec.maxBatch ?? 40);
  }

  /** Queues one item; resolves with its own value or rejects with its own error. */
  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch || this.allExpectedQueued()) this.flush();
      else if (!this.timer) {
        this.timer = setTimeout(() => this.flush(), this.windowMs);
        if (this.spec.expected)
          this.recheck = setInterval(() => {
            if (this.allExpectedQueued()) this.flush();
          }, this.spec.recheckMs ?? 10);
      }
    });
  }

  private allExpectedQueued(): boolean {
    const expected = this.spec.expected;
    return expected !== undefined && this.queue.length + this.inFlight >= Math.max(1, expected());
  }

  /** Sends everything queued now, in as many calls as `maxBatch` and the keys require (all at once). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.recheck) clearInterval(this.recheck);
    this.timer = undefined;
    this.recheck = undefined;
    const all = this.queue;
    this.queue = [];
    while (all.length > 0) void this.send(this.takeBatch(all));
  }

  /** Removes from `all` the next call's items: in order, distinct keys, at most `maxBatch`. */
  private takeBatch(all: Array<Pending<In, Out>>): Array<Pending<In, Out>> {
    const key = this.spec.key;
    if (!key) return all.splice(0, this.maxBatch);
    const seen = new Set<string>();
    const batch: Array<Pending<In, Out>> = [];
    for (let i = 0; i < all.length && batch.length < this.maxBatch;) {
      const k = key(all[i]!.item);
      if (seen.has(k)) {
        i++;
        continue;
      }
      seen.add(k);
      batch.push(...all.splice(i, 1));
    }
    return batch;
  }

  private async send(batch: Array<Pending<In, Out>>): Promise<void> {
    this.inFlight += batch.length;
    try {
      const outcomes = await this.spec.run(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        const o = outcomes[i];
        if (o?.ok) p.resolve(o.value);
        else p.reject(o ? o.error : new Error('A shared Salesforce call returned no result for this item.'));
      });
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      this.inFlight -= batch.length;
    }
  }
}
