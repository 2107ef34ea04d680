/**
 * The audit log's rollback anchor (issue 11): the newest head `{seq, hash, mac}` kept in the SecretStore,
 * outside station.db, so an older copy of the database put back is caught. Kept from the very start: the
 * anchor is written when the log is opened for the first time (the genesis head, seq 0, before any entry),
 * and a database that does not reach the anchor when the log opens freezes it — later appends to that
 * database never move the anchor, so the evidence of the rollback stays until someone looks.
 *
 * Limit (docs/security.md): whoever holds the audit key (the unlocked vault) can rewrite the chain and the
 * anchor together; the org-side anchor (audit sync) is what closes that.
 */
import type { SecretStore } from '../secrets';

/** Secret name of the rollback anchor: the newest head `{seq, hash, mac}` as JSON. */
export const AUDIT_ANCHOR_SECRET = 'station.auditAnchor';
/**
 * The anchor's window (issue 18, docs/security.md "Audit rollback anchor"): the newest head is written to
 * the SecretStore at most {@link ANCHOR_INTERVAL_MS} after the first entry it does not cover yet, at once
 * when {@link ANCHOR_MAX_ENTRIES} entries are uncovered, within {@link ANCHOR_GATHER_MS} of a job's end
 * ({@link AuditAnchor.soon}) and when the station closes ({@link AuditAnchor.flushed}).
 */
export const ANCHOR_INTERVAL_MS = 1000;
/** Uncovered entries that make the anchor write at once (see {@link ANCHOR_INTERVAL_MS}). */
export const ANCHOR_MAX_ENTRIES = 256;
/** How long a job-end anchor write waits for the other bays' job ends, ms (see {@link AuditAnchor.soon}). */
export const ANCHOR_GATHER_MS = 50;

/** A head of the chain: the newest entry's sequence number and hash (seq 0: the genesis, no entry). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** What the anchor reads of the log. */
export interface AnchorView {
  /** Number of entries (the newest seq when intact). */
  entries(): number;
  /** The hash of entry `seq`, or undefined when there is none. */
  hashAt(seq: number): string | undefined;
  /** The newest head (seq 0 and the genesis hash when empty). */
  head(): ChainHead;
}

/** A rollback found against the anchor. */
export interface AnchorProblem {
  problem: string;
  badSeq?: number;
}

/** The anchor of one open log. `mac` is the log's head MAC (HMAC-SHA256 under the audit key). */
export class AuditAnchor {
  /** The write in flight (one at a time, always the newest value). */
  private writing: Promise<void> = Promise.resolve();
  private pending = false;
  /** The gathering pause before the next write, while one is due. */
  private timer: NodeJS.Timeout | undefined;
  /** When the running timer fires (ms since the epoch), to shorten it for a job end. */
  private due = 0;
  /** Entries appended since the last write was queued. */
  private uncovered = 0;
  /** The newest head to anchor, taken at append time (the database may be closed by the time it is written). */
  private value = '';
  private frozen = false;

  constructor(
    private readonly secrets: SecretStore,
    private readonly mac: (seq: number, hash: string) => string,
  ) {}

  /**
   * At open: with no anchor yet, anchors the log's head now (the genesis for a new log; the current head
   * for a log kept before anchors existed); with one, checks that the database reaches it and freezes the
   * anchor when it does not.
   */
  async open(view: AnchorView): Promise<void> {
    const raw = await this.secrets.get(AUDIT_ANCHOR_SECRET);
    if (!raw) {
      await this.secrets.set(AUDIT_ANCHOR_SECRET, this.encode(view.head()));
      return;
    }
    if (this.problem(raw, view)) this.frozen = true;
  }

  /**
   * Anchors a new head, gathered: one vault write carries the heads of all the entries appended in the
   * {@link ANCHOR_INTERVAL_MS} after the first of them (16 bays append ~15 entries per device within
   * seconds; each vault write re-encrypts and renames the vault file — issue 18), or at once when
   * {@link ANCHOR_MAX_ENTRIES} are waiting. A failed write is retried with the next append;
   * {@link flushed} writes at once. Never once frozen.
   */
  write(head: ChainHead): void {
    if (this.frozen) return;
    this.value = this.encode(head);
    if (++this.uncovered >= ANCHOR_MAX_ENTRIES) return this.writeNow();
    if (this.pending || this.timer) return;
    this.arm(ANCHOR_INTERVAL_MS);
  }

  /**
   * A job ended: the head is written within {@link ANCHOR_GATHER_MS} (the other bays' job ends in that
   * pause share the write), so a finished job's entries are anchored at once, not up to a second later.
   */
  soon(): void {
    if (this.frozen || this.pending || !this.timer) return;
    if (this.due - Date.now() > ANCHOR_GATHER_MS) this.arm(ANCHOR_GATHER_MS);
  }

  /** (Re)starts the gathering pause: the write happens `ms` from now. */
  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.due = Date.now() + ms;
    // not unref'd: a one-shot CLI command that appended waits for the write before it exits
    this.timer = setTimeout(() => this.writeNow(), ms);
  }

  /** Queues the write of the newest head (one write at a time, always the newest value). */
  private writeNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending) return;
    this.pending = true;
    this.uncovered = 0;
    this.writing = this.writing.then(async () => {
      this.pending = false;
      try {
        await this.secrets.set(AUDIT_ANCHOR_SECRET, this.value);
      } catch {
        // retried with the next append; check() only requires the log to reach the anchor
      }
    });
  }

  /** Resolves once the newest head is in the SecretStore (a pending one is written at once). */
  async flushed(): Promise<void> {
    if (this.timer) this.writeNow();
    await this.writing;
  }

  /** The rollback the anchor shows (a missing, altered or unreached anchor), or undefined. */
  async check(view: AnchorView): Promise<AnchorProblem | undefined> {
    await this.flushed();
    const raw = await this.secrets.get(AUDIT_ANCHOR_SECRET);
    if (!raw)
      return {
        problem:
          'the audit anchor is missing from the secret store (it is written when the log is created, so it was removed)',
      };
    return this.problem(raw, view);
  }

  private encode(h: ChainHead): string {
    return JSON.stringify({ seq: h.seq, hash: h.hash, mac: this.mac(h.seq, h.hash) });
  }

  private problem(raw: string, view: AnchorView): AnchorProblem | undefined {
    let a: { seq?: unknown; hash?: unknown; mac?: unknown };
    try {
      a = JSON.parse(raw) as typeof a;
    } catch {
      a = {};
    }
    if (typeof a.seq !== 'number' || typeof a.hash !== 'string' || a.mac !== this.mac(a.seq, a.hash))
      return { problem: 'the audit anchor in the secret store is unreadable or altered' };
    const entries = view.entries();
    if (a.seq > entries)
      return {
        badSeq: entries + 1,
        problem: `the database is older than the audit: the anchor kept outside it names entry ${a.seq}, the log ends at ${entries} (an older copy of station.db was put back, or entries were removed)`,
      };
    if (a.seq > 0 && view.hashAt(a.seq) !== a.hash)
      return {
        badSeq: a.seq,
        problem: `entry ${a.seq} is not the one anchored outside the database (the log was rewritten)`,
      };
    return undefined;
  }
}
