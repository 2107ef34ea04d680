/**
 * Attack: make the audit say nothing happened. Every audit row and the head wiped while the journal
 * lists jobs; the audit tables dropped; an older copy of station.db put back (rollback). Each must be
 * AUDIT_BROKEN — never "intact: 0 entries" or an unexpected error — the rollback caught against the
 * anchor kept outside the database (the vault). Real SQLite database and FileVault on disk.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStationDb, type Db } from '../../core/records/db';
import { AUDIT_ANCHOR_SECRET, AuditLog } from '../../core/records/audit';
import { Journal } from '../../core/records/journal';
import { FileVault } from '../../core/secrets';
import { PROVISION_STEPS } from '../../shared/domain';

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  while (dbs.length) dbs.pop()!.close();
  while (dirs.length) fs.rmSync(dirs.pop()!, { recursive: true, force: true });
});

async function station(jobs: number, events: number) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'adv-audit-'));
  dirs.push(home);
  const db = openStationDb(home);
  dbs.push(db);
  const vault = FileVault.inHome(home, 'correct horse battery');
  const journal = new Journal(db);
  for (let i = 0; i < jobs; i++)
    journal.createJob({
      kind: 'provision',
      bayId: 'bay-1',
      locator: 'serial:/dev/x',
      deviceUid: `SIM-${i}`,
      inputs: {},
      reprovision: false,
      operator: 'ada',
      stationId: 'st-1',
      steps: PROVISION_STEPS,
    });
  const log = await AuditLog.open(db, vault, 'st-1');
  for (let i = 0; i < events; i++)
    log.append({ actor: 'ada', action: 'step.done', jobId: `j${i}`, data: { i } });
  await log.anchored();
  return { home, db, vault, log };
}

describe('adversarial: the audit cannot be made to say nothing happened', () => {
  it('untouched: intact, and the anchor in the vault names the newest entry', async () => {
    const { log, vault } = await station(2, 6);
    expect(await log.verifyAnchored()).toEqual({ ok: true, entries: 6 });
    expect(JSON.parse((await vault.get(AUDIT_ANCHOR_SECRET))!)).toMatchObject({ seq: 6 });
  });

  it('every audit row and the head wiped while the journal lists jobs: broken, not "0 entries"', async () => {
    const { db, log } = await station(8, 10);
    db.exec('DELETE FROM audit; DELETE FROM audit_head;');
    const v = log.verify();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/audit is empty but the journal holds 8 jobs/);
    expect((await log.verifyAnchored()).ok).toBe(false);
  });

  it('the same wipe with an empty journal is still caught by the vault anchor', async () => {
    const { db, log } = await station(0, 4);
    db.exec('DELETE FROM audit; DELETE FROM audit_head;');
    expect(log.verify().ok).toBe(true); // nothing inside the database says otherwise…
    const v = await log.verifyAnchored(); // …the anchor outside it does
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/anchor kept outside it names entry 4, the log ends at 0/);
  });

  it('dropped audit tables: broken with a clear problem, no unexpected error', async () => {
    const { db, log } = await station(1, 3);
    db.exec('DROP TABLE audit_head; DROP TABLE audit;');
    const v = await log.verifyAnchored();
    expect(v).toMatchObject({ ok: false, problem: 'the audit tables are missing (dropped from station.db)' });
  });

  it('an older copy of station.db put back (rollback): caught against the vault anchor', async () => {
    const { home, db, log } = await station(1, 3);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const old = path.join(home, 'old.db');
    await db.backup(old);
    for (let i = 0; i < 4; i++) log.append({ actor: 'ada', action: 'step.done', data: { later: i } });
    await log.anchored();
    expect((await log.verifyAnchored()).ok).toBe(true);
    // the attacker restores the older copy (a chain that verifies on its own)
    const restored = new (db.constructor as new (f: string) => Db)(old);
    dbs.push(restored);
    const vault = FileVault.inHome(home, 'correct horse battery');
    const oldLog = await AuditLog.open(restored, vault, 'st-1');
    expect(oldLog.verify()).toEqual({ ok: true, entries: 3 });
    const v = await oldLog.verifyAnchored();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(
      /older than the audit: the anchor kept outside it names entry 7, the log ends at 3/,
    );
  });

  it('a forged anchor is refused (it carries a MAC under the audit key)', async () => {
    const { log, vault } = await station(0, 2);
    await vault.set(AUDIT_ANCHOR_SECRET, JSON.stringify({ seq: 1, hash: 'f'.repeat(64), mac: 'x' }));
    expect((await log.verifyAnchored()).problem).toMatch(/anchor .* unreadable or altered/);
  });

  it('anchored from the very start: a new log has its genesis anchored in the vault before any entry', async () => {
    const { log, vault } = await station(0, 0);
    expect(JSON.parse((await vault.get(AUDIT_ANCHOR_SECRET))!)).toMatchObject({
      seq: 0,
      hash: '0'.repeat(64),
    });
    expect(await log.verifyAnchored()).toEqual({ ok: true, entries: 0 });
  });

  it('a copy taken before the first append, put back, then appended to on open: still caught', async () => {
    const { home, db, log } = await station(1, 0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const old = path.join(home, 'before-first-append.db');
    await db.backup(old);
    for (let i = 0; i < 5; i++) log.append({ actor: 'ada', action: 'step.done', data: { i } });
    await log.anchored();
    // the attacker puts the empty copy back; the station opens it and writes new events at once
    const restored = new (db.constructor as new (f: string) => Db)(old);
    dbs.push(restored);
    const vault = FileVault.inHome(home, 'correct horse battery');
    const oldLog = await AuditLog.open(restored, vault, 'st-1');
    for (let i = 0; i < 2; i++) oldLog.append({ actor: 'mallory', action: 'job.start', data: { i } });
    await oldLog.anchored();
    expect(oldLog.verify()).toEqual({ ok: true, entries: 2 }); // a chain that verifies on its own…
    const v = await oldLog.verifyAnchored(); // …but the anchor was not moved back by those appends
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(
      /older than the audit: the anchor kept outside it names entry 5, the log ends at 2/,
    );
    expect(JSON.parse((await vault.get(AUDIT_ANCHOR_SECRET))!)).toMatchObject({ seq: 5 });
  });

  it('the same copy appended past the anchored entry: caught as a rewrite', async () => {
    const { home, db, log } = await station(0, 0);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const old = path.join(home, 'before.db');
    await db.backup(old);
    for (let i = 0; i < 2; i++) log.append({ actor: 'ada', action: 'step.done', data: { i } });
    await log.anchored();
    const restored = new (db.constructor as new (f: string) => Db)(old);
    dbs.push(restored);
    const vault = FileVault.inHome(home, 'correct horse battery');
    const oldLog = await AuditLog.open(restored, vault, 'st-1');
    for (let i = 0; i < 4; i++) oldLog.append({ actor: 'mallory', action: 'step.done', data: { i } });
    const v = await oldLog.verifyAnchored();
    expect(v).toMatchObject({ ok: false, badSeq: 2 });
    expect(v.problem).toMatch(/entry 2 is not the one anchored outside the database/);
  });

  it('the anchor removed from the vault: reported, not passed', async () => {
    const { log, vault } = await station(0, 3);
    await vault.delete(AUDIT_ANCHOR_SECRET);
    const v = await log.verifyAnchored();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/anchor is missing from the secret store/);
  });

  it('a log kept before anchors existed gets its current head anchored when it opens', async () => {
    const { db, log, vault } = await station(0, 3);
    await vault.delete(AUDIT_ANCHOR_SECRET);
    const again = await AuditLog.open(db, vault, 'st-1');
    expect(JSON.parse((await vault.get(AUDIT_ANCHOR_SECRET))!)).toMatchObject({
      seq: 3,
      hash: log.head().hash,
    });
    expect(await again.verifyAnchored()).toEqual({ ok: true, entries: 3 });
  });
});
