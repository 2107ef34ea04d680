/**
 * Issue 18: the audit's rollback anchor (the newest head, kept in the SecretStore outside the database) is
 * written once per burst of appends — a job's dozen entries cost one vault write, not twelve — and is never
 * left behind: `anchored()` and `verifyAnchored()` write the pending head at once, and the gathering pause
 * writes it by itself. Real SQLite database and FileVault on disk; only setTimeout is faked (the pause).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openStationDb, type Db } from '../../../core/records/db';
import { AUDIT_ANCHOR_SECRET, AuditLog } from '../../../core/records/audit';
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
    await vi.advanceTimersByTimeAsync(60);
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
    await new Promise((r) => setTimeout(r, 120)); // the gathering pause writes the anchor by itself
    expect(await anchorOf(vault)).toMatchObject({ seq: 8 });
    const restored = new (db.constructor as new (f: string) => Db)(old);
    dbs.push(restored);
    const oldLog = await AuditLog.open(restored, vault, 'st-1');
    expect(oldLog.verify()).toEqual({ ok: true, entries: 4 });
    const v = await oldLog.verifyAnchored();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/the anchor kept outside it names entry 8, the log ends at 4/);
  });
});
