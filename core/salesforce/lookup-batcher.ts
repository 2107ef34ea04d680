/**
 * Coalesces the Asset look-ups of several bays (clone check before signing, read-back for verify)
 * into one SOQL query per window: `… WHERE Device_UID__c = 'a' OR Key_Fingerprint__c = 'f' OR …`.
 * Each caller gets the records that match its own UID or key fingerprint.
 */

/** One caller's look-up: records whose external ID is `uid` or whose key fingerprint is `keyFingerprint`. */
export interface Lookup {
  uid: string;
  keyFingerprint?: string;
}

interface Pending extends Lookup {
  resolve: (recs: Array<Record<string, unknown>>) => void;
  reject: (e: unknown) => void;
}

/** Options of {@link LookupBatcher}. */
export interface LookupBatcherOptions {
  /** How long the first look-up waits for others, ms. Default 50. */
  windowMs?: number;
  /** Look-ups per query (keeps the GET URL well under Salesforce's 16 KB limit). Default 40. */
  maxBatch?: number;
}

/** The batcher. */
export class LookupBatcher {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;
  private readonly maxBatch: number;

  /**
   * @param run one query for several look-ups; returns every matching record, each carrying the
   *   external-ID field `extField` and the key-fingerprint field `keyField`.
   */
  constructor(
    private readonly run: (lookups: Lookup[]) => Promise<Array<Record<string, unknown>>>,
    private readonly extField: string,
    private readonly keyField: string,
    opts: LookupBatcherOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 50;
    this.maxBatch = Math.max(1, opts.maxBatch ?? 40);
  }

  /** Queues a look-up; resolves with the records matching its UID or fingerprint. */
  lookup(l: Lookup): Promise<Array<Record<string, unknown>>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...l, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Sends what is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) void this.send(this.queue.splice(0, this.maxBatch));
  }

  private async send(batch: Pending[]): Promise<void> {
    try {
      const recs = await this.run(
        batch.map(({ uid, keyFingerprint }) => ({ uid, ...(keyFingerprint ? { keyFingerprint } : {}) })),
      );
      for (const p of batch) {
        p.resolve(
          recs.filter(
            (r) =>
              r[this.extField] === p.uid ||
              (p.keyFingerprint !== undefined && r[this.keyField] === p.keyFingerprint),
          ),
        );
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
