/**
 * The station log that stays: every info, warning and error line the station emits is kept in the
 * station database (table `station_log`, added by this module's migration), so the log survives a
 * window reload and a restart, can be filtered by level, bay and text, and exported as CSV. A finished
 * job leaves one line in bench words (passed, or failed with its failure class, step and message).
 * The table keeps the newest {@link DEFAULT_MAX_ROWS} lines.
 */
import type { Job, LogEntry } from '../../shared/domain';
import { benchFailure } from '../../shared/failure-class';
import { stepLabel } from '../../shared/step-labels';
import { migrate, stmt, type Db } from './db';

const MIGRATIONS = [
  `CREATE TABLE station_log (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     at TEXT NOT NULL,
     level TEXT NOT NULL,
     message TEXT NOT NULL,
     bay_id TEXT,
     job_id TEXT);
   CREATE INDEX station_log_bay ON station_log (bay_id, seq);`,
];

/** Lines kept; older ones are pruned. */
export const DEFAULT_MAX_ROWS = 50_000;

/** Levels from least to most severe. */
const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** What to list: lines at `level` or more severe, of one bay, containing `text` (case-insensitive). */
export interface LogFilter {
  level?: LogEntry['level'] | undefined;
  bayId?: string | undefined;
  text?: string | undefined;
  /** Most lines returned, newest first (default 500, at most 5000). */
  limit?: number | undefined;
}

interface Row {
  at: string;
  level: LogEntry['level'];
  message: string;
  bay_id: string | null;
  job_id: string | null;
}

const toEntry = (r: Row): LogEntry => ({
  at: r.at,
  level: r.level,
  message: r.message,
  ...(r.bay_id ? { bayId: r.bay_id } : {}),
  ...(r.job_id ? { jobId: r.job_id } : {}),
});

/** CSV field: quoted when needed; a leading = + - @ is prefixed with ' so a spreadsheet never runs it. */
function csvField(s: string): string {
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The station log table. */
export class StationLog {
  private inserts = 0;
  /** Job finishes already logged, as `<job id>@<endedAt>` (a retry finishes again). */
  private readonly finished = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly maxRows = DEFAULT_MAX_ROWS,
  ) {
    migrate(db, 'station-log', MIGRATIONS);
  }

  /** Keeps one line (debug lines are not kept: they are for the live view only). */
  append(e: LogEntry): void {
    if (e.level === 'debug') return;
    stmt(this.db, 'INSERT INTO station_log (at, level, message, bay_id, job_id) VALUES (?, ?, ?, ?, ?)').run(
      e.at,
      e.level,
      e.message,
      e.bayId ?? null,
      e.jobId ?? null,
    );
    if (++this.inserts % 500 === 0)
      this.db
        .prepare('DELETE FROM station_log WHERE seq <= (SELECT MAX(seq) FROM station_log) - ?')
        .run(this.maxRows);
  }

  /** Lines matching `f`, newest first. */
  list(f: LogFilter = {}): LogEntry[] {
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (f.level && f.level !== 'debug') {
      const levels = LEVELS.slice(LEVELS.indexOf(f.level));
      where.push(`level IN (${levels.map(() => '?').join(', ')})`);
      args.push(...levels);
    }
    if (f.bayId) {
      where.push('bay_id = ?');
      args.push(f.bayId);
    }
    if (f.text?.trim()) {
      // LIKE with the wildcards of the search text escaped: it matches as typed.
      where.push("message LIKE ? ESCAPE '\\'");
      args.push(`%${f.text.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
    const limit = Math.min(Math.max(1, f.limit ?? 500), 5000);
    const sql = `SELECT at, level, message, bay_id, job_id FROM station_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...args, limit) as Row[]).map(toEntry);
  }

  /** The filtered lines as CSV (oldest first), named with the time of export (UTC). */
  exportCsv(f: LogFilter = {}): { filename: string; body: string } {
    const lines = this.list({ ...f, limit: 5000 }).reverse();
    const body = ['time,level,bay,job,message']
      .concat(
        lines.map((l) => [l.at, l.level, l.bayId ?? '', l.jobId ?? '', l.message].map(csvField).join(',')),
      )
      .join('\n');
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    return { filename: `station-log-${stamp}.csv`, body: `${body}\n` };
  }

  /**
   * The line a job's update deserves, once per finish: "SIM-0003 passed" or "SIM-0003 failed at
   * "Identify device": NOT RESPONDING — …". Undefined for updates that are not a finish.
   */
  jobLine(job: Job): LogEntry | undefined {
    if (!job.endedAt || !['succeeded', 'failed', 'interrupted', 'cancelled'].includes(job.state))
      return undefined;
    const key = `${job.id}@${job.endedAt}`;
    if (this.finished.has(key)) return undefined;
    this.finished.add(key);
    const who = job.deviceUid ?? 'The device';
    const what = job.kind === 'verify' ? 'verify' : 'provisioning';
    const base = { at: job.endedAt, bayId: job.bayId, jobId: job.id };
    if (job.state === 'succeeded') return { ...base, level: 'info', message: `${who}: ${what} passed.` };
    if (job.state !== 'failed') return { ...base, level: 'warn', message: `${who}: ${what} ${job.state}.` };
    const step = job.steps.find((s) => s.state === 'failed');
    const err = job.error ?? step?.error;
    const f = err ? benchFailure(err) : undefined;
    return {
      ...base,
      level: 'error',
      message: `${who}: ${what} failed${step ? ` at "${stepLabel(step.name)}"` : ''}${f?.failureClass ? `: ${f.failureClass}` : ''}${f ? ` — ${f.message}` : '.'}`,
    };
  }
}
