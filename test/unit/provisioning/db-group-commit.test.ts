/**
 * Group commit (core/records/db.ts durable(), issue 18): commits are on disk once durable() resolves;
 * callers in the same moment share one WAL fsync; a commit made while an fsync is in flight gets a
 * later one (never the fsync that may have started before it); the journal's durable() is the same
 * barrier.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { durable, openStationDb, walSyncCount, type Db } from '../../../core/records/db';
import { GROUP_COMMIT_MS, Journal } from '../../../core/records/journal';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-group-'));
  db = openStationDb(dir);
  db.exec('CREATE TABLE t (v INTEGER)');
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const insert = (v: number) => db.prepare('INSERT INTO t (v) VALUES (?)').run(v);

describe('group commit', () => {
  it('runs the connection in WAL with synchronous=NORMAL (the barrier, not each commit, syncs)', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('16 bays committing in the same moment share one fsync', async () => {
    for (let i = 0; i < 16; i++) insert(i);
    await Promise.all(Array.from({ length: 16 }, () => durable(db)));
    expect(walSyncCount(db)).toBe(1);
  });

  it('a commit made while an fsync is in flight waits for the next fsync', async () => {
    insert(1);
    const first = durable(db);
    await new Promise((r) => setImmediate(r)); // the first fsync has started
    insert(2);
    const second = durable(db);
    expect(second).not.toBe(first);
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await second;
    expect(firstDone).toBe(true);
    expect(walSyncCount(db)).toBe(2);
  });

  it('with a gathering pause, bays committing a few ms apart share one fsync (and without it they do not)', async () => {
    const bays = async (gatherMs: number) => {
      const before = walSyncCount(db);
      const barriers: Array<Promise<void>> = [];
      await Promise.all(
        [0, 2, 4, 6].map(
          (ms, i) =>
            new Promise<void>((resolve) =>
              setTimeout(() => {
                insert(i);
                barriers.push(durable(db, gatherMs));
                resolve();
              }, ms),
            ),
        ),
      );
      await Promise.all(barriers);
      return { fsyncs: walSyncCount(db) - before, shared: new Set(barriers).size };
    };
    // the pause (20 ms) is set when the first bay commits; the others' timers (2–6 ms) fire before it ends
    expect(await bays(20)).toEqual({ fsyncs: 1, shared: 1 });
    const apart = await bays(0);
    expect(apart.fsyncs).toBeGreaterThan(1);
  });

  it("the journal waits for other bays' commits only while more than one job runs", async () => {
    const j = new Journal(db);
    const job = () =>
      j.createJob({ kind: 'provision', bayId: 'b', locator: 'l', stationId: 's', steps: ['identify'] });
    const one = j.hold(job());
    let sleeps: number[] = [];
    const realSetTimeout = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      sleeps.push(ms ?? 0);
      return realSetTimeout(fn, ms);
    }) as typeof setTimeout;
    try {
      insert(1);
      await j.durable();
      expect(sleeps).toEqual([]); // one job: the fsync starts at once
      const two = j.hold(job());
      insert(2);
      await j.durable();
      expect(sleeps).toEqual([GROUP_COMMIT_MS]);
      two();
      sleeps = [];
      insert(3);
      await j.durable();
      expect(sleeps).toEqual([]);
    } finally {
      globalThis.setTimeout = realSetTimeout;
      one();
    }
  });

  it('callers while one fsync is pending join it; later ones get one more, not one each', async () => {
    insert(1);
    const a = durable(db);
    expect(durable(db)).toBe(a);
    await new Promise((r) => setImmediate(r));
    insert(2);
    const waiting = [durable(db), durable(db), durable(db)];
    expect(new Set(waiting).size).toBe(1);
    await Promise.all([a, ...waiting]);
    expect(walSyncCount(db)).toBe(2);
  });

  it('commits are in the WAL file the barrier syncs, and read back by a new connection', async () => {
    insert(42);
    await durable(db);
    expect(fs.statSync(path.join(dir, 'station.db-wal')).size).toBeGreaterThan(0);
    const other = openStationDb(dir);
    try {
      expect(other.prepare('SELECT v FROM t').all()).toEqual([{ v: 42 }]);
    } finally {
      other.close();
    }
  });

  it("the journal's durable() is the database's barrier", async () => {
    const j = new Journal(db);
    const before = walSyncCount(db);
    const id = j.createJob({
      kind: 'provision',
      bayId: 'b',
      locator: 'sim:1',
      stationId: 's',
      steps: ['identify'],
    });
    j.startStep(id, 'identify', {});
    j.finishStep(id, 'identify', 'done', { uid: 'U' });
    await j.durable();
    expect(walSyncCount(db)).toBe(before + 1);
  });

  it('after the connection is closed there is nothing left to sync', async () => {
    insert(1);
    const other = openStationDb(dir, 'other.db');
    other.close();
    await expect(durable(other)).resolves.toBeUndefined();
    expect(walSyncCount(other)).toBe(0);
  });
});
