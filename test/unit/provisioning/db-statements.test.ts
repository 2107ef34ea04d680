import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStationDb, stmt, type Db } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-stmt-'));
  db = openStationDb(dir);
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('prepared-statement cache (issue 18)', () => {
  it('prepares each SQL text once per connection and reuses it', () => {
    const a = stmt(db, 'SELECT 1 AS one');
    expect(stmt(db, 'SELECT 1 AS one')).toBe(a);
    expect(stmt(db, 'SELECT 2 AS two')).not.toBe(a);
    expect((a.get() as { one: number }).one).toBe(1);
  });

  it('keeps connections apart: a second connection gets its own statement', () => {
    const other = openStationDb(dir, 'other.db');
    try {
      const a = stmt(db, 'SELECT 1 AS one');
      const b = stmt(other, 'SELECT 1 AS one');
      expect(b).not.toBe(a);
      expect(b.database).toBe(other);
    } finally {
      other.close();
    }
  });

  it('journal writes after the first job prepare nothing new', () => {
    const j = new Journal(db);
    const run = () => {
      const id = j.createJob({
        kind: 'provision',
        bayId: 'bay-1',
        locator: 'sim:1',
        stationId: 'st',
        steps: ['identify', 'keygen'],
      });
      j.setJobState(id, 'running');
      j.startStep(id, 'identify', { a: 1 });
      j.finishStep(id, 'identify', 'done', { uid: 'U' });
      j.addSummary(id, { x: 1 });
      return id;
    };
    run();
    const prepares: string[] = [];
    const original = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      prepares.push(sql);
      return original(sql);
    }) as typeof db.prepare;
    const id = run();
    expect(prepares).toEqual([]);
    expect(j.steps(id).find((s) => s.name === 'identify')?.state).toBe('done');
  });

  it('a statement that does not compile throws and is not cached', () => {
    expect(() => stmt(db, 'SELEC nonsense')).toThrow();
    expect(() => stmt(db, 'SELEC nonsense')).toThrow();
  });
});
