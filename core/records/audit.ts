/**
 * The audit log: an append-only, hash-chained record of every job event (who, what, when, device UID,
 * key fingerprint). Entry n stores `hash_n = HMAC-SHA256(K, hash_{n-1} || canonical(entry_n))`, with
 * K a random 256-bit key kept in the SecretStore, so an edit, an insertion or a deletion in the middle
 * breaks the chain, and nobody without K can re-forge it. A MAC'd head row (last seq + hash) catches
 * deletion of the newest entries.
 *
 * Rollback (an older copy of station.db put back) is caught against an anchor kept OUTSIDE the database
 * (./audit-anchor.ts): written when the log is first opened, then after appends the head (seq, hash,
 * MAC) goes to the SecretStore (`station.auditAnchor`), and {@link AuditLog.verifyAnchored} requires the
 * log to reach that head. An empty or missing audit while
 * the journal has jobs, and dropped audit tables, are reported as broken, never as "intact: 0 entries".
 *
 * Limit (stated in docs/security.md): someone holding K (i.e. the unlocked vault) can rewrite the whole
 * chain and the anchor; anchoring heads outside the station (the org) is what closes that.
 */
import crypto from 'node:crypto';
import { StationError } from '../../shared/errors';
import { inTracked, migrate, onRollback, stmt, transact, type Db } from './db';
import type { SecretStore } from '../secrets';
import { AuditAnchor, type AnchorView } from './audit-anchor';

const MIGRATIONS = [
  `CREATE TABLE audit (
     seq INTEGER PRIMARY KEY,
     at TEXT NOT NULL,
     station_id TEXT NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     device_uid TEXT,
     key_fingerprint TEXT,
     job_id TEXT,
     data TEXT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL
   );
   CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, mac TEXT NOT NULL);`,
];

const INSERT_ENTRY = `INSERT INTO audit (seq, at, station_id, actor, action, device_uid, key_fingerprint, job_id, data, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const UPSERT_HEAD = `INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, mac = excluded.mac`;

/** Secret name of the audit MAC key. */
export const AUDIT_KEY_SECRET = 'station.auditKey';
export { AUDIT_ANCHOR_SECRET } from './audit-anchor';
const GENESIS = '0'.repeat(64);

/** One audit event as appended. */
export interface AuditEvent {
  /** Operator or org user behind the action. */
  actor: string;
  /** e.g. `job.start`, `step.done`, `job.failed`, `reprovision.override`. */
  action: string;
  deviceUid?: string;
  keyFingerprint?: string;
  jobId?: string;
  data?: Record<string, unknown>;
}

/** A stored audit entry. */
export interface AuditEntry extends AuditEvent {
  seq: number;
  at: string;
  stationId: string;
  prevHash: string;
  hash: string;
}

/** Result of {@link AuditLog.verify}. */
export interface AuditVerification {
  ok: boolean;
  entries: number;
  /** First problem found, e.g. "entry 12 was altered" (undefined when ok). */
  problem?: string;
  /** Sequence number of the first bad entry. */
  badSeq?: number;
}

type Row = Record<string, string | number | null>;

function canonical(e: Omit<AuditEntry, 'hash' | 'prevHash'>): string {
  return JSON.stringify([
    e.seq,
    e.at,
    e.stationId,
    e.actor,
    e.action,
    e.deviceUid ?? null,
    e.keyFingerprint ?? null,
    e.jobId ?? null,
    e.data ?? {},
  ]);
}

/** A write refused because entry `seq` exists already (another process appended to the same database). */
function isSeqTaken(e: unknown): boolean {
  return (e as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** The audit log over the station database, keyed by a secret from the SecretStore. */
export class AuditLog {
  private readonly listeners: Array<(e: AuditEntry) => void> = [];
  /** The rollback anchor in the SecretStore (absent: none kept). */
  private readonly anchorStore: AuditAnchor | undefined;
  /**
   * The newest head as this connection last wrote or read it (issue 18: an append no longer reads it back
   * from disk). Dropped when a transaction around an append rolls back; another process's appends are
   * caught by the primary key on `seq` (the append then reads the head and tries once more).
   */
  private cachedHead: { seq: number; hash: string } | undefined;
  /** What the anchor reads of this log. */
  private readonly view: AnchorView = {
    entries: () => (stmt(this.db, 'SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n,
    hashAt: (seq) => this.entriesAfter(seq - 1, 1).find((e) => e.seq === seq)?.hash,
    head: () => this.head(),
  };

  /** The MAC key as a KeyObject, made once (createHmac would import the raw key on every call). */
  private readonly macKey: crypto.KeyObject;

  private constructor(
    private readonly db: Db,
    key: Buffer,
    private readonly stationId: string,
    secrets?: SecretStore,
  ) {
    this.anchorStore = secrets ? new AuditAnchor(secrets, (seq, hash) => this.headMac(seq, hash)) : undefined;
    this.macKey = crypto.createSecretKey(key);
    onRollback(db, () => (this.cachedHead = undefined));
  }

  /** Opens the log, creating the MAC key in the SecretStore on first use. */
  static async open(db: Db, secrets: SecretStore, stationId: string): Promise<AuditLog> {
    migrate(db, 'audit', MIGRATIONS);
    let k = await secrets.get(AUDIT_KEY_SECRET);
    if (!k) {
      const empty = (db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n === 0;
      if (!empty) {
        throw new StationError(
          'AUDIT_BROKEN',
          'The audit log exists but its key is missing from the secret store, so it cannot be extended or verified.',
          'Open the station with the vault that was used to create it (same home, same passphrase).',
        );
      }
      k = crypto.randomBytes(32).toString('base64');
      await secrets.set(AUDIT_KEY_SECRET, k);
    }
    const log = new AuditLog(db, Buffer.from(k, 'base64'), stationId, secrets);
    log.readHead(); // and its statements prepared before the first append (issue 18)
    stmt(db, INSERT_ENTRY);
    stmt(db, UPSERT_HEAD);
    await log.anchorStore?.open(log.view);
    return log;
  }

  /** Resolves once the newest head is in the SecretStore (tests, shutdown; a pending one is written at once). */
  async anchored(): Promise<void> {
    await this.anchorStore?.flushed();
  }

  /**
   * A job ended: its entries reach the rollback anchor within ANCHOR_GATHER_MS (50 ms) instead of the
   * anchor's one-second window (./audit-anchor.ts).
   */
  anchorSoon(): void {
    this.anchorStore?.soon();
  }

  private mac(prev: string, body: string): string {
    return crypto.createHmac('sha256', this.macKey).update(prev).update('\n').update(body).digest('hex');
  }

  private headMac(seq: number, hash: string): string {
    return crypto.createHmac('sha256', this.macKey).update(`head:${seq}:${hash}`).digest('hex');
  }

  /**
   * Appends one event (synchronously, in one transaction with the head update; a savepoint inside a
   * journal step's transaction, db.ts `transact`). The previous head comes from memory.
   * @throws SqliteError when the database refuses the write (nothing is appended then).
   */
  append(ev: AuditEvent): AuditEntry {
    // inside a transaction opened elsewhere, whose rollback nobody reports, the head is read and not kept
    const keep = !this.db.inTransaction || inTracked(this.db);
    let stored: AuditEntry;
    try {
      stored = this.write(ev, (keep && this.cachedHead) || this.readHead());
    } catch (e) {
      if (!isSeqTaken(e)) throw e;
      stored = this.write(ev, this.readHead()); // another process appended since: chain onto its head
    }
    this.cachedHead = keep ? { seq: stored.seq, hash: stored.hash } : undefined;
    this.anchorStore?.write({ seq: stored.seq, hash: stored.hash });
    for (const l of this.listeners) l(stored);
    return stored;
  }

  /** Writes entry `last.seq + 1` after `last` and moves the MAC'd head, in one transaction. */
  private write(ev: AuditEvent, last: { seq: number; hash: string }): AuditEntry {
    return transact(
      this.db,
      () => {
        const entry = {
          ...ev,
          seq: last.seq + 1,
          at: new Date().toISOString(),
          stationId: this.stationId,
          prevHash: last.hash,
        };
        const hash = this.mac(entry.prevHash, canonical(entry));
        stmt(this.db, INSERT_ENTRY).run(
          entry.seq,
          entry.at,
          entry.stationId,
          entry.actor,
          entry.action,
          entry.deviceUid ?? null,
          entry.keyFingerprint ?? null,
          entry.jobId ?? null,
          JSON.stringify(entry.data ?? {}),
          entry.prevHash,
          hash,
        );
        stmt(this.db, UPSERT_HEAD).run(entry.seq, hash, this.headMac(entry.seq, hash));
        return { ...entry, hash };
      },
      'immediate',
    );
  }

  /** The newest head as stored (seq 0 and the genesis hash when empty). */
  private readHead(): { seq: number; hash: string } {
    const last = stmt(this.db, 'SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1').get() as
      { seq: number; hash: string } | undefined;
    return last ?? { seq: 0, hash: GENESIS };
  }

  /** Called after each append (e.g. to wake the audit sync); a listener must not throw. */
  onAppend(listener: (e: AuditEntry) => void): void {
    this.listeners.push(listener);
  }

  /** At most `limit` entries with a sequence above `afterSeq`, in order (the audit sync's queue). */
  entriesAfter(afterSeq: number, limit: number): AuditEntry[] {
    return this.rows(
      stmt(this.db, 'SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(afterSeq, limit) as Row[],
    );
  }

  /** The newest entry's sequence and hash (seq 0 and the genesis hash when empty). */
  head(): { seq: number; hash: string } {
    return this.readHead();
  }

  /**
   * The newest entry's sequence as this process knows it, without reading the database (the audit sync's
   * queue count on every append, issue 18); {@link head} reads the database, seeing other processes too.
   */
  lastSeq(): number {
    return (this.cachedHead ?? this.readHead()).seq;
  }

  /** Entries in order (optionally only for one device). */
  entries(deviceUid?: string): AuditEntry[] {
    const rows = (
      deviceUid
        ? this.db.prepare('SELECT * FROM audit WHERE device_uid = ? ORDER BY seq').all(deviceUid)
        : this.db.prepare('SELECT * FROM audit ORDER BY seq').all()
    ) as Row[];
    return this.rows(rows);
  }

  private rows(rows: Row[]): AuditEntry[] {
    return rows.map((r) => ({
      seq: Number(r.seq),
      at: String(r.at),
      stationId: String(r.station_id),
      actor: String(r.actor),
      action: String(r.action),
      ...(r.device_uid ? { deviceUid: String(r.device_uid) } : {}),
      ...(r.key_fingerprint ? { keyFingerprint: String(r.key_fingerprint) } : {}),
      ...(r.job_id ? { jobId: String(r.job_id) } : {}),
      data: JSON.parse(String(r.data)) as Record<string, unknown>,
      prevHash: String(r.prev_hash),
      hash: String(r.hash),
    }));
  }

  /**
   * {@link verify}, then the rollback check: the log must reach the head anchored in the SecretStore
   * (an older database has fewer entries, or another entry at the anchor's seq).
   */
  async verifyAnchored(): Promise<AuditVerification> {
    const v = this.verify();
    if (!v.ok || !this.anchorStore) return v;
    const p = await this.anchorStore.check(this.view);
    return p ? { ...v, ok: false, ...p } : v;
  }

  /** Walks the whole chain; reports the first edit, insertion, reordering or deletion found. */
  verify(): AuditVerification {
    let all: AuditEntry[];
    try {
      all = this.entries();
      this.db.prepare('SELECT seq FROM audit_head WHERE id = 1').get();
    } catch (e) {
      if (/no such table/i.test((e as Error).message))
        return { ok: false, entries: 0, problem: 'the audit tables are missing (dropped from station.db)' };
      throw e;
    }
    let prev = GENESIS;
    for (let i = 0; i < all.length; i++) {
      const e = all[i]!;
      if (e.seq !== i + 1)
        return {
          ok: false,
          entries: all.length,
          badSeq: i + 1,
          problem: `entry ${i + 1} is missing (deleted)`,
        };
      if (e.prevHash !== prev)
        return {
          ok: false,
          entries: all.length,
          badSeq: e.seq,
          problem: `entry ${e.seq} does not follow entry ${e.seq - 1} (an entry was deleted or replaced)`,
        };
      if (this.mac(prev, canonical(e)) !== e.hash)
        return { ok: false, entries: all.length, badSeq: e.seq, problem: `entry ${e.seq} was altered` };
      prev = e.hash;
    }
    const head = this.db.prepare('SELECT seq, hash, mac FROM audit_head WHERE id = 1').get() as
      { seq: number; hash: string; mac: string } | undefined;
    if (all.length > 0 || head) {
      if (!head || head.mac !== this.headMac(head.seq, head.hash))
        return { ok: false, entries: all.length, problem: 'the audit head record is missing or altered' };
      if (head.seq !== all.length || head.hash !== prev)
        return {
          ok: false,
          entries: all.length,
          badSeq: all.length + 1,
          problem: `the newest ${head.seq - all.length} entries were deleted (head says ${head.seq}, log has ${all.length})`,
        };
    }
    if (all.length === 0 && this.journalJobs() > 0)
      return {
        ok: false,
        entries: 0,
        problem: `the audit is empty but the journal holds ${this.journalJobs()} jobs (the audit was wiped)`,
      };
    return { ok: true, entries: all.length };
  }

  /** Jobs in the journal of the same database (0 when there is no journal table). */
  private journalJobs(): number {
    try {
      return (this.db.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;
    } catch {
      return 0;
    }
  }
}
