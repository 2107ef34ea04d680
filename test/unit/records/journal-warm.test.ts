/**
 * Issue 18: the journal is warmed at station start — every statement a run uses is prepared by a
 * throw-away job in a rolled-back transaction — and the warm-up leaves nothing behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStationDb, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journal-warm-'));
  db = openStationDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const count = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('journal warm-up', () => {
  it('keeps nothing: no job, step or attempt row, and the next job is the only one', () => {
    const j = new Journal(db);
    j.warm();
    expect([count('jobs'), count('steps'), count('step_attempts')]).toEqual([0, 0, 0]);
    expect(db.inTransaction).toBe(false);
    const id = j.createJob({
      kind: 'provision',
      bayId: 'b',
      locator: 'l',
      stationId: 's',
      steps: ['identify'],
    });
    expect(j.allJobs().map((r) => r.id)).toEqual([id]);
  });

  it("after it, a job's run prepares no statement", () => {
    const j = new Journal(db);
    j.warm();
    const prepares: string[] = [];
    const original = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepares.push(sql);
      return original(sql);
    }) as typeof db.prepare;
    try {
      const id = j.createJob({
        kind: 'provision',
        bayId: 'b',
        locator: 'l',
        stationId: 's',
        steps: ['identify'],
      });
      const release = j.hold(id);
      j.setJobState(id, 'running');
      j.startStep(id, 'identify', {});
      j.atomically(() => {
        j.finishStep(id, 'identify', 'done', { uid: 'U' });
        j.addSummary(id, { keyFingerprint: 'ff' });
        j.setDeviceUid(id, 'U');
      });
      j.setJobState(id, 'succeeded');
      j.toApiJob(j.getJob(id)!);
      release();
      expect(j.getJob(id)?.state).toBe('succeeded');
    } finally {
      db.prepare = original;
    }
    expect(prepares).toEqual([]);
  });

  it('is best effort: a write lock held by another process past the busy timeout costs no error and no row', () => {
    const j = new Journal(db);
    const other = openStationDb(dir);
    try {
      other.prepare('BEGIN IMMEDIATE').run(); // another process is writing
      db.pragma('busy_timeout = 20');
      expect(() => j.warm()).not.toThrow();
      expect(db.inTransaction).toBe(false);
    } finally {
      if (other.inTransaction) other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(count('jobs')).toBe(0);
    expect(j.getJob('anything')).toBeUndefined();
  });
});
