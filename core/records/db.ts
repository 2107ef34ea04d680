/**
 * The station database: one SQLite file per station (`station.db` in the home) holding the journal,
 * records, audit chain and issued-certificates index (docs/architecture.md, Storage). better-sqlite3
 * in WAL mode; each module owns its tables and declares them as numbered migrations.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';

export type Db = Database.Database;

/** Prepared statements per connection, keyed by their SQL text (see `stmt`). */
const STATEMENTS = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The prepared statement for `sql` on `db`, compiled on first use and reused after: SQLite parses and
 * plans each statement once per connection instead of on every journal write (issue 18 measured ~124
 * prepares per provisioned device). The cache lives as long as the connection (a WeakMap on it).
 * @throws SqliteError when `sql` does not compile (as `db.prepare` does).
 */
export function stmt(db: Db, sql: string): Database.Statement {
  let byDb = STATEMENTS.get(db);
  if (!byDb) STATEMENTS.set(db, (byDb = new Map()));
  let s = byDb.get(sql);
  if (!s) byDb.set(sql, (s = db.prepare(sql)));
  return s;
}

/** The transactions {@link transact} has open on a connection, and what to undo when the outermost fails. */
interface TxState {
  depth: number;
  /** The outermost transaction is ours (not one opened with `db.transaction` around a `transact`). */
  ours: boolean;
  rollbackHooks: Set<() => void>;
  /** One transaction wrapper per connection and mode (better-sqlite3 builds four closures per `db.transaction`). */
  deferred?: (fn: () => unknown) => unknown;
  immediate?: (fn: () => unknown) => unknown;
}
const TXS = new WeakMap<Db, TxState>();

function txState(db: Db): TxState {
  let t = TXS.get(db);
  if (!t) TXS.set(db, (t = { depth: 0, ours: false, rollbackHooks: new Set() }));
  return t;
}

/**
 * Runs `fn` in one transaction on `db` (`BEGIN IMMEDIATE` when `mode` says so: the write lock at once; a
 * savepoint when called inside another transaction): the writes of
 * a whole journaled step — its row, its attempt, the job's summary and its audit entry — become one
 * commit instead of four (issue 18). When the outermost transaction fails and rolls back, the
 * {@link onRollback} hooks run, so in-memory copies of rows (the journal's live jobs, the audit head)
 * never keep what the database no longer holds.
 * @returns what `fn` returns. @throws what `fn` throws (after the rollback), or SQLite's error.
 */
export function transact<T>(db: Db, fn: () => T, mode: 'deferred' | 'immediate' = 'deferred'): T {
  const t = txState(db);
  if (t.depth === 0) t.ours = !db.inTransaction;
  t.depth++;
  try {
    let run = t[mode];
    if (!run) {
      const tx = db.transaction((f: () => unknown) => f());
      run = t[mode] = mode === 'immediate' ? tx.immediate : tx.deferred;
    }
    return run(fn) as T;
  } catch (e) {
    if (t.depth === 1) for (const hook of t.rollbackHooks) hook();
    throw e;
  } finally {
    t.depth--;
  }
}

/**
 * True inside {@link transact}: a caller that keeps rows in memory may then trust its own writes, since a
 * rollback runs the {@link onRollback} hooks. False outside any transaction or inside one opened some
 * other way (`db.transaction` directly), whose end nobody reports.
 */
export function inTracked(db: Db): boolean {
  const t = TXS.get(db);
  return !!t && t.depth > 0 && t.ours;
}

/** Registers `hook` to run when an outermost {@link transact} on `db` rolls back (drop cached rows). */
export function onRollback(db: Db, hook: () => void): void {
  txState(db).rollbackHooks.add(hook);
}

/**
 * Opens (creating if needed) the station database in `home`, in WAL mode with foreign keys on.
 * `synchronous=NORMAL`: a commit survives a process crash at once (it is in the WAL, written before
 * the call returns) and a power cut once {@link durable} has resolved — callers that act on a write
 * (the saga before its next step) await that group commit (https://www.sqlite.org/pragma.html#pragma_synchronous,
 * https://www.sqlite.org/wal.html). Closing the connection checkpoints with fsync.
 */
export function openStationDb(home: string, file = 'station.db'): Db {
  const db = new Database(path.join(home, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const close = db.close.bind(db);
  db.close = () => {
    releaseWal(db);
    return close();
  };
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (module, version))`);
  return db;
}

/**
 * Applies a module's migrations in order, each once, each in its own transaction.
 * `migrations[i]` is the SQL of version i+1. Never edit a shipped migration: append a new one.
 */
export function migrate(db: Db, module: string, migrations: readonly string[]): void {
  const done = new Set(
    (
      db.prepare('SELECT version FROM schema_migrations WHERE module = ?').all(module) as Array<{
        version: number;
      }>
    ).map((r) => r.version),
  );
  migrations.forEach((sql, i) => {
    const version = i + 1;
    if (done.has(version)) return;
    db.transaction(() => {
      db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (module, version, applied_at) VALUES (?, ?, ?)').run(
        module,
        version,
        new Date().toISOString(),
      );
    })();
  });
}

/** The group-commit state of one connection (see {@link durable}). */
interface SyncState {
  /** The fsync in flight: it covers every commit made before it started. */
  running?: Promise<void>;
  /** The fsync not yet started, which every caller until it starts shares. */
  pending?: Promise<void>;
  /** The WAL file, opened on the first barrier and kept (one thread-pool trip per fsync, not three). */
  fd?: number;
  /** fsyncs done on this connection's WAL, for tests and the bench. */
  syncs: number;
}
const SYNCS = new WeakMap<Db, SyncState>();

/** Closes the connection's WAL descriptor once no fsync is using it (called when the connection closes). */
function releaseWal(db: Db): void {
  const s = SYNCS.get(db);
  const fd = s?.fd;
  if (!s || fd === undefined) return;
  s.fd = undefined;
  const free = () => fs.close(fd, () => undefined);
  if (s.running) void s.running.then(free, free);
  else free();
}

/** One fsync of the WAL file on the thread pool (the event loop keeps running other bays meanwhile). */
function syncWal(db: Db, s: SyncState): Promise<void> {
  // A closed connection checkpointed and synced everything when it closed: nothing left to sync.
  if (!db.open) return Promise.resolve();
  if (s.fd === undefined) {
    try {
      s.fd = fs.openSync(`${db.name}-wal`, 'r+');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return Promise.resolve(); // nothing written yet
      return Promise.reject(e as Error);
    }
  }
  const fd = s.fd;
  return new Promise<void>((resolve, reject) =>
    fs.fsync(fd, (err) => {
      if (err) return reject(err);
      s.syncs++;
      resolve();
    }),
  );
}

/**
 * Group commit: resolves once every commit made on `db` before the call is on disk (an fsync of the
 * WAL file, https://www.sqlite.org/wal.html — recovery replays every WAL frame whose checksum holds,
 * so the synced WAL carries those commits through a power cut). Calls in the same turn of the event
 * loop, or while an fsync is in flight, share one fsync: 16 bays finishing steps together cost one or
 * two fsyncs, not one per statement (issue 18). With `gatherMs` (ms), an fsync that would start at once
 * waits that long first, so the commits of bays finishing steps a few ms apart share it too.
 * @throws the file system's error when the fsync fails (the commits' durability is then unknown).
 */
export function durable(db: Db, gatherMs = 0): Promise<void> {
  let s = SYNCS.get(db);
  if (!s) SYNCS.set(db, (s = { syncs: 0 }));
  if (s.pending) return s.pending;
  const state = s;
  const after = state.running
    ? state.running.catch(() => undefined)
    : new Promise<void>((resolve) => (gatherMs > 0 ? setTimeout(resolve, gatherMs) : setImmediate(resolve)));
  const pending: Promise<void> = after.then(() => {
    state.pending = undefined;
    const running: Promise<void> = syncWal(db, state).finally(() => {
      if (state.running === running) state.running = undefined;
    });
    state.running = running;
    return running;
  });
  state.pending = pending;
  return pending;
}

/** How many WAL fsyncs {@link durable} has done on `db` (tests and benchmarks count group commits). */
export function walSyncCount(db: Db): number {
  return SYNCS.get(db)?.syncs ?? 0;
}
