import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStationDb, transact, type Db } from '../../../core/records/db';
import { AuditLog } from '../../../core/records/audit';
import { FileVault } from '../../../core/secrets';

let dir: string;
let db: Db;
let vault: FileVault;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
  db = openStationDb(dir);
  vault = FileVault.inHome(dir, 'correct horse battery');
});
afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function logWith(n: number): Promise<AuditLog> {
  const log = await AuditLog.open(db, vault, 'st-1');
  for (let i = 0; i < n; i++)
    log.append({ actor: 'op', action: 'step.done', deviceUid: `UID${i}`, data: { i } });
  return log;
}

describe('audit chain', () => {
  it('verifies an untouched chain', async () => {
    const log = await logWith(5);
    expect(log.verify()).toEqual({ ok: true, entries: 5 });
  });

  it('detects an edited entry', async () => {
    const log = await logWith(5);
    db.prepare(`UPDATE audit SET device_uid = 'FORGED' WHERE seq = 3`).run();
    expect(log.verify()).toMatchObject({ ok: false, badSeq: 3, problem: 'entry 3 was altered' });
  });

  it('detects a deleted middle entry', async () => {
    const log = await logWith(5);
    db.prepare(`DELETE FROM audit WHERE seq = 2`).run();
    expect(log.verify()).toMatchObject({ ok: false, badSeq: 2 });
  });

  it('detects deletion of the newest entries through the MACed head', async () => {
    const log = await logWith(5);
    db.prepare(`DELETE FROM audit WHERE seq >= 4`).run();
    const v = log.verify();
    expect(v.ok).toBe(false);
    expect(v.problem).toMatch(/newest 2 entries were deleted/);
  });

  it('detects a re-forged chain made without the key', async () => {
    const log = await logWith(3);
    // An attacker recomputes plain SHA-256 hashes: without the MAC key the chain does not verify.
    db.prepare(`UPDATE audit SET data = '{"i":99}' WHERE seq = 1`).run();
    expect(log.verify().ok).toBe(false);
  });

  it('refuses to extend a log whose key is missing from the vault', async () => {
    await logWith(1);
    const other = FileVault.inHome(fs.mkdtempSync(path.join(os.tmpdir(), 'audit2-')), 'another passphrase');
    await expect(AuditLog.open(db, other, 'st-1')).rejects.toMatchObject({ code: 'AUDIT_BROKEN' });
  });

  it('appends chain on from memory, and a second connection appending in between (another process) is chained onto', async () => {
    const log = await logWith(2);
    const other = openStationDb(dir);
    try {
      const otherLog = await AuditLog.open(other, vault, 'st-1');
      otherLog.append({ actor: 'cli', action: 'ca.revoke', data: { n: 1 } }); // entry 3, behind log's back
      const e = log.append({ actor: 'op', action: 'step.done', data: { n: 2 } });
      expect(e.seq).toBe(4);
      expect(log.verify()).toEqual({ ok: true, entries: 4 });
      expect(log.entries().map((x) => x.actor)).toEqual(['op', 'op', 'cli', 'op']);
    } finally {
      other.close();
    }
  });

  it('an append inside a transaction that rolls back leaves no gap: the next entry follows the stored head', async () => {
    const log = await logWith(2);
    expect(() =>
      transact(db, () => {
        log.append({ actor: 'op', action: 'step.done', data: { lost: true } });
        throw new Error('the step write failed');
      }),
    ).toThrow('the step write failed');
    expect(log.append({ actor: 'op', action: 'step.done' }).seq).toBe(3);
    // and one opened with db.transaction directly (whose end the log is not told about)
    expect(() =>
      db.transaction(() => {
        log.append({ actor: 'op', action: 'step.done', data: { lost: true } });
        throw new Error('again');
      })(),
    ).toThrow('again');
    expect(log.append({ actor: 'op', action: 'job.succeeded' }).seq).toBe(4);
    expect(log.verify()).toEqual({ ok: true, entries: 4 });
  });
});
