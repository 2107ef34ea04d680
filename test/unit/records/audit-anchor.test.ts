/**
 * Issue 18: the audit's rollback anchor (the newest head, kept in the SecretStore outside the database) is
 * written once per window of appends — at most ANCHOR_INTERVAL_MS after the first uncovered entry, at once
 * when ANCHOR_MAX_ENTRIES are uncovered, within ANCHOR_GATHER_MS of a job's end (`anchorSoon`) — and is
 * never left behind: `anchored()` and `verifyAnchored()` write the pending head at once, and the window
 * writes it by itself. Real SQLite database and FileVault on disk; only setTimeout is faked (the pause).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStationDb, type Db } from '../../../core/records/db';
import { AUDIT_ANCHOR_SECRET, AuditLog } from '../../../core/records/audit';
import { ANCHOR_GATHER_MS, ANCHOR_INTERVAL_MS, ANCHOR_MAX_ENTRIES } from '../../../core/records/audit-anchor';
import { FileVault } from '../../../core/secrets';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  vi.useRealTimers();
  while (dbs.length) dbs.pop()!.close();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

/** A FileVault that counts its writes of the anchor. */
class CountingVault extends FileVault {
  anchorWrites = 0;
  override async set(name: string, value: string): Promise<void> {
    if (name === AUDIT_ANCHOR_SECRET) this.anchorWrites++;
    return super.set(name, value);
  }
}

const anchorOf = async (vault: FileVault) =>
  JSON.parse((await vault.get(AUDIT_ANCHOR_SECRET))!) as { seq: number };

async function open() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-anchor-'));
  dirs.push(home);
  const db = openStationDb(home);
  dbs.push(db);
  const vault = new CountingVault(path.join(home, 'secrets.vault'), 'correct horse battery');
  const log = await AuditLog.open(db, vault, 'st-1');
  // a new log anchors its genesis head at open (issue 11); the counts below are of the appends' writes
  expect(vault.anchorWrites).toBe(1);
  expect(await anchorOf(vault)).toMatchObject({ seq: 0 });
  vault.anchorWrites = 0;
  return { db, vault, log };
}

/** Appends `n` entries, each in its own turn of the event loop (as a job's steps do). */
async function appendTurnByTurn(log: AuditLog, n: number, from = 0): Promise<void> {
  for (let i = 0; i < n; i++) {
    log.append({ actor: 'ada', action: 'step.done', jobId: 'j1', data: { i: from + i } });
    await new Promise((r) => setImmediate(r));
  }
}

describe('audit anchor writes are gathered', () => {
  it("a job's twelve entries appended turn by turn cost one anchor write, naming the newest entry", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { vault, log } = await open();
    await appendTurnByTurn(log, 12);
    expect(vault.anchorWrites).toBe(0); // still gathering
    await vi.advanceTimersByTimeAsync(ANCHOR_INTERVAL_MS - 10);
    expect(vault.anchorWrites).toBe(0); // the window is not over
    await vi.advanceTimersByTimeAsync(20);
    await log.anchored();
    expect(vault.anchorWrites).toBe(1);
    expect(await anchorOf(vault)).toMatchObject({ seq: 12 });
  });

  it('anchored() and verifyAnchored() write the pending head at once', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { vault, log } = await open();
    await appendTurnByTurn(log, 3);
    await log.anchored();
    expect(vault.anchorWrites).toBe(1);
    expect(await anchorOf(vault)).toMatchObject({ seq: 3 });
    await appendTurnByTurn(log, 2, 3);
    expect(await log.verifyAnchored()).toEqual({ ok: true, entries: 5 });
    expect(vault.anchorWrites).toBe(2);
    expect(await anchorOf(vault)).toMatchObject({ seq: 5 });
  });

  it('an older copy of the database put back after a gathered write is still caught', async () => {
    const { db, vault, log } = await open();
    const home = path.dirname(db.name);
    await appendTurnByTurn(log, 4);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const old = path.join(home, 'old.db');
    await db.backup(old);
    await appendTurnByTurn(log, 4, 4);
    log.anchorSoon(); // a job ended: the short gathering pause writes the anchor by itself
    await new Promise((r) => setTimeout(r, ANCHOR_GATHER_MS + 70));
    expect(await anchorOf(vault)).toMatchObject({ seq: 8 });
    const restored = new (db.constructor as new (f: string) => Db)(old);
    dbs.push(restored);
    const oldLog = await AuditLog.open(restored, vault, 'st-1');
    expect(oldLog.verify()).toEqual({ ok: true, entries: 4 });
    const v = await oldLog.verifyAnchored();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/the anchor kept outside it names entry 8, the log ends at 4/);
  });

  it("a job's end anchors within the short pause, not the whole window", async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { vault, log } = await open();
    await appendTurnByTurn(log, 5);
    log.anchorSoon();
    await vi.advanceTimersByTimeAsync(ANCHOR_GATHER_MS + 5);
    await log.anchored();
    expect(vault.anchorWrites).toBe(1);
    expect(await anchorOf(vault)).toMatchObject({ seq: 5 });
    log.anchorSoon(); // nothing uncovered: no write
    await vi.advanceTimersByTimeAsync(ANCHOR_INTERVAL_MS * 2);
    expect(vault.anchorWrites).toBe(1);
  });

  it('ANCHOR_MAX_ENTRIES uncovered entries are anchored at once, without waiting for the window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { vault, log } = await open();
    for (let i = 0; i < ANCHOR_MAX_ENTRIES; i++)
      log.append({ actor: 'ada', action: 'step.done', data: { i } });
    await log.anchored(); // the write already queued; no timer left to flush
    expect(vault.anchorWrites).toBe(1);
    expect(await anchorOf(vault)).toMatchObject({ seq: ANCHOR_MAX_ENTRIES });
  });

  it('the window: a copy taken inside it goes unnoticed until the anchor is written, then it is caught', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { db, vault, log } = await open();
    const home = path.dirname(db.name);
    await appendTurnByTurn(log, 3);
    await log.anchored(); // anchor at 3
    await appendTurnByTurn(log, 2, 3); // entries 4 and 5: inside the window, not anchored yet
    db.pragma('wal_checkpoint(TRUNCATE)');
    const old = path.join(home, 'old.db');
    await db.backup(old); // a copy holding 5 entries
    await appendTurnByTurn(log, 1, 5); // entry 6, still inside the window
    const oldDb = () => {
      const copy = path.join(home, `copy-${dbs.length}.db`);
      fs.copyFileSync(old, copy);
      const d = new (db.constructor as new (f: string) => Db)(copy);
      dbs.push(d);
      return d;
    };
    // Put back now, the copy reaches the anchor (3): the window's entries are what a rollback can take.
    const early = await AuditLog.open(oldDb(), vault, 'st-1');
    expect(await early.verifyAnchored()).toEqual({ ok: true, entries: 5 });
    // Once the window is over, the anchor names entry 6 and the same copy is caught.
    await vi.advanceTimersByTimeAsync(ANCHOR_INTERVAL_MS + 10);
    await log.anchored();
    expect(await anchorOf(vault)).toMatchObject({ seq: 6 });
    const late = await AuditLog.open(oldDb(), vault, 'st-1');
    const v = await late.verifyAnchored();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/names entry 6, the log ends at 5/);
  });
});
