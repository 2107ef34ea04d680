/**
 * Audit sync (docs/salesforce-setup.md §10): every audit entry is sent to the org as a
 * `Station_Audit_Entry__c`, in calls of up to 1000 (Collections of 200), each with the chain head it ends with in ONE
 * all-or-none call (so the org's head never gets ahead of its entries) — in the background, never on the
 * provisioning path. The queue is the audit table itself plus a cursor persisted in the same SQLite database
 * (`audit_sync.sent_seq`): a restart loses nothing, and a batch replayed after a lost answer is harmless
 * (entries are idempotent on `Entry_Key__c`). Failures back off exponentially (1 s doubling to 5 min) and
 * retry. Gathering adapts to the line (issue 18): while jobs run, entries are held until the line goes idle,
 * {@link AuditSyncOptions.maxEntries} are queued, or {@link AuditSyncOptions.maxDelayMs} has passed, so a
 * batch of devices costs one audit call; with the line idle, a new entry is sent after a short pause.
 */
import { migrate, stmt, type Db } from './db';
import type { AuditEntry, AuditLog } from './audit';
import { AUDIT_CALL_MAX } from '../salesforce/audit-records';

const MIGRATIONS = [
  `CREATE TABLE audit_sync (id INTEGER PRIMARY KEY CHECK (id = 1), sent_seq INTEGER NOT NULL, head_seq INTEGER NOT NULL);
   INSERT INTO audit_sync (id, sent_seq, head_seq) VALUES (1, 0, 0);`,
];

/** Where the entries go (core/salesforce/audit-records.ts over an org session). */
export interface AuditSink {
  /**
   * Sends at most {@link AUDIT_CALL_MAX} (1000) entries and the chain head `head` (the last of them)
   * all-or-none in one call: the org stores both or neither. @returns the REST calls made. @throws on any failure
   */
  sendWithHead(
    stationId: string,
    entries: readonly AuditEntry[],
    head: { seq: number; hash: string },
  ): Promise<number>;
  /** Upserts the station's chain head alone. @throws on any failure */
  upsertHead(stationId: string, head: { seq: number; hash: string }): Promise<void>;
}

/** Options of {@link AuditSync}. */
export interface AuditSyncOptions {
  /** Entries per call, at most {@link AUDIT_CALL_MAX} (1000: five Collections of 200 in one Composite). Default 1000. */
  batchSize?: number;
  /** First retry pause after a failure, ms. Default 1000. */
  backoffMs?: number;
  /** Longest retry pause, ms. Default 300000. */
  maxBackoffMs?: number;
  /** Pause between a new entry and its send while the line is idle, gathering the entries that follow, ms. Default 2000. */
  gatherMs?: number;
  /** Whether jobs are running: entries are then held (see {@link AuditSync.lineIdle}). Default: never busy. */
  busy?: () => boolean;
  /** While busy, send once this many entries are queued. Default 1000 (one call). */
  maxEntries?: number;
  /** While busy, longest hold of a queued entry, ms. Default 30000. */
  maxDelayMs?: number;
  /** Pause after the line goes idle, gathering a job's last entries, ms. Default 250. */
  idleGatherMs?: number;
  /** Told about each failed attempt (e.g. to log it); the entries stay queued. */
  onError?: (e: unknown) => void;
}

/** Result of one {@link AuditSync.flush}. */
export interface AuditFlush {
  sent: number;
  /** REST calls made (entry batches with their head, duplicate checks). */
  calls: number;
}

/** The background sender of one station's audit entries. */
export class AuditSync {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AuditFlush> | undefined;
  private failures = 0;
  private started = false;
  private callsMade = 0;
  /** The timer is a gathering pause begun while the line was idle. */
  private gathering = false;
  /** {@link sentSeq} as last read or written by this sender (the queue count on every append, issue 18). */
  private sent: number | undefined;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly stationId: string,
    private readonly sink: AuditSink,
    private readonly opts: AuditSyncOptions = {},
  ) {
    migrate(db, 'audit_sync', MIGRATIONS);
  }

  /** The sequence of the last entry the org has acknowledged. */
  sentSeq(): number {
    this.sent = (
      stmt(this.db, 'SELECT sent_seq FROM audit_sync WHERE id = 1').get() as { sent_seq: number }
    ).sent_seq;
    return this.sent;
  }

  /** The sequence of the last head the org has acknowledged. */
  private headSeq(): number {
    return (stmt(this.db, 'SELECT head_seq FROM audit_sync WHERE id = 1').get() as { head_seq: number })
      .head_seq;
  }

  /** REST calls made by this sender's flushes so far, failed attempts excluded (for the bench, issue 18). */
  calls(): number {
    return this.callsMade;
  }

  /**
   * Entries not yet acknowledged by the org, counted in memory (no database read per append, issue 18):
   * the newest seq this process knows minus the last acknowledged one. Another process's appends are
   * counted from this process's next append on; a flush reads the database itself.
   */
  pending(): number {
    return this.audit.lastSeq() - (this.sent ?? this.sentSeq());
  }

  /**
   * Sends every queued entry, then the head when it moved. One flush at a time (a second call waits for
   * the running one). @throws the sink's error; what was acknowledged before it stays acknowledged
   */
  flush(): Promise<AuditFlush> {
    this.running ??= this.doFlush()
      .then((r) => {
        this.callsMade += r.calls;
        return r;
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async doFlush(): Promise<AuditFlush> {
    const size = Math.min(this.opts.batchSize ?? AUDIT_CALL_MAX, AUDIT_CALL_MAX);
    let sent = 0;
    let calls = 0;
    // what is queued now; entries appended meanwhile wait for the next (gathered) flush
    const upTo = this.audit.head().seq;
    for (;;) {
      const batch = this.audit.entriesAfter(this.sentSeq(), size).filter((e) => e.seq <= upTo);
      if (batch.length === 0) break;
      const last = batch[batch.length - 1]!;
      calls += await this.sink.sendWithHead(this.stationId, batch, { seq: last.seq, hash: last.hash });
      stmt(this.db, 'UPDATE audit_sync SET sent_seq = ?, head_seq = ? WHERE id = 1').run(last.seq, last.seq);
      this.sent = last.seq;
      sent += batch.length;
    }
    const sentSeq = this.sentSeq();
    if (sentSeq > this.headSeq()) {
      // entries acknowledged without their head (a database written before heads travelled with them)
      const e = this.audit.entriesAfter(sentSeq - 1, 1)[0]!;
      await this.sink.upsertHead(this.stationId, { seq: e.seq, hash: e.hash });
      calls++;
      stmt(this.db, 'UPDATE audit_sync SET head_seq = ? WHERE id = 1').run(e.seq);
    }
    return { sent, calls };
  }

  /**
   * Starts the background sender: a flush now (what an earlier process left queued), one
   * {@link AuditSyncOptions.gatherMs} after each new entry, and after failures with backoff.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.audit.onAppend(() => this.kick());
    if (this.pending() > 0 || this.sentSeq() > this.headSeq()) this.schedule(0);
  }

  /**
   * Stops the sender: a running flush finishes; with `drainMs`, and when the last attempt reached the org,
   * one more flush sends what is still queued, waiting at most `drainMs` ms for it (a one-shot CLI command
   * closing right after a job). What is not acknowledged stays queued for the next start. Never throws.
   */
  async stop(opts: { drainMs?: number } = {}): Promise<void> {
    const wasStarted = this.started;
    this.started = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    if (!wasStarted || !opts.drainMs || this.failures > 0 || this.pending() === 0) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.flush().catch((e: unknown) => this.opts.onError?.(e)),
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, opts.drainMs);
        timeout.unref();
      }),
    ]);
    clearTimeout(timeout);
  }

  /** Retries now, forgetting the backoff (e.g. right after the org was connected). */
  wake(): void {
    if (!this.started) return;
    this.failures = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(0);
  }

  /**
   * Schedules a flush, unless one is scheduled: after the backoff pause following a failure; while the line
   * is busy, after {@link AuditSyncOptions.maxDelayMs} (at once when {@link AuditSyncOptions.maxEntries} are
   * queued); otherwise after the gathering pause.
   */
  kick(): void {
    if (!this.started) return;
    if (this.failures > 0) {
      if (!this.timer) this.schedule(this.pause());
      return;
    }
    if (this.opts.busy?.()) {
      if (this.pending() >= (this.opts.maxEntries ?? AUDIT_CALL_MAX)) this.reschedule(0);
      // a gathering pause begun while the line was idle becomes a hold: a job started meanwhile
      else if (!this.timer || this.gathering) this.reschedule(this.opts.maxDelayMs ?? 30_000);
      return;
    }
    if (!this.timer) {
      this.schedule(this.opts.gatherMs ?? 2000);
      this.gathering = true;
    }
  }

  /** The line went idle (no job running): what was held is sent after {@link AuditSyncOptions.idleGatherMs}. */
  lineIdle(): void {
    if (!this.started || this.failures > 0 || this.pending() === 0) return;
    this.reschedule(this.opts.idleGatherMs ?? 250);
  }

  private reschedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.schedule(ms);
  }

  private pause(): number {
    const base = this.opts.backoffMs ?? 1000;
    return Math.min(base * 2 ** (this.failures - 1), this.opts.maxBackoffMs ?? 300_000);
  }

  private schedule(ms: number): void {
    this.gathering = false;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (!this.started) return;
      this.flush().then(
        () => {
          this.failures = 0;
          if (this.pending() > 0) this.kick();
        },
        (e: unknown) => {
          this.failures++;
          this.opts.onError?.(e);
          if (this.started && !this.timer) this.schedule(this.pause());
        },
      );
    }, ms);
    this.timer.unref();
  }
}

/** Result of {@link compareWithOrgHead}: ok, or what the org's anchor shows about the local chain. */
export type OrgHeadComparison = { ok: true } | { ok: false; problem: string };

/**
 * Compares the local chain with the head the org holds for this station (docs/salesforce-setup.md §10):
 * a local chain shorter than the org's head, or another hash at the org's sequence, means the local log
 * was wiped, rolled back or rewritten. A local chain ahead of the org is fine (entries not yet sent).
 * @param entryHashAt the local hash at a sequence, or undefined when the local log has no such entry.
 */
export function compareWithOrgHead(
  local: { seq: number },
  org: { seq: number; hash: string } | undefined,
  entryHashAt: (seq: number) => string | undefined,
): OrgHeadComparison {
  if (!org || org.seq === 0) return { ok: true };
  if (local.seq < org.seq) {
    return {
      ok: false,
      problem: `the local log ends at entry ${local.seq} but Salesforce recorded entry ${org.seq} for this station: the log was wiped or rolled back`,
    };
  }
  if (entryHashAt(org.seq) !== org.hash) {
    return {
      ok: false,
      problem: `local entry ${org.seq} differs from the one Salesforce recorded: the log was rewritten`,
    };
  }
  return { ok: true };
}
