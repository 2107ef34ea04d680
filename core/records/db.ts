/**
 * The station database: one SQLite file per station (`station.db` in the home) holding the journal,
 * records, audit chain and issued-certificates index (docs/architecture.md, Storage). better-sqlite3
 * in WAL mode; each module owns its tables and declares them as numbered migrations.
 */
import Database from 'better-sqlite3';
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

/**
 * Opens (creating if needed) the station database in `home`, in WAL mode with foreign keys on.
 * `synchronous=FULL` so a finished journal step survives a power cut, not only a process crash.
 */
export function openStationDb(home: string, file = 'station.db'): Db {
  const db = new Database(path.join(home, file));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
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
