/**
 * Audit sync against the org emulator over real HTTP (docs/salesforce-setup.md §10): batches of 200, each
 * with its chain head in one all-or-none Composite call, an outage retried with backoff, a batch replayed
 * after a lost answer stored once, a rewritten local entry refused as AUDIT_BROKEN, the queue surviving a
 * restart, entries held while the line is busy.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../../core/records/audit';
import { AuditSync } from '../../../core/records/audit-sync';
import { openStationDb, type Db } from '../../../core/records/db';
import { AuditRecords } from '../../../core/salesforce/audit-records';
import { MemorySecrets } from '../salesforce/helpers';
import { caught, orgClientSuite } from '../salesforce/helpers';

const suite = orgClientSuite();
const homes: string[] = [];
const dbs: Db[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

async function station(stationId: string, home?: string, secrets = new MemorySecrets()) {
  const dir = home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'as-sync-'));
  if (!home) homes.push(dir);
  const db = openStationDb(dir);
  dbs.push(db);
  const audit = await AuditLog.open(db, secrets, stationId);
  const { client } = await suite.jwtClient();
  const org = new AuditRecords(client.rest);
  return { dir, db, audit, org, secrets, sync: (o = {}) => new AuditSync(db, audit, stationId, org, o) };
}

const append = (audit: AuditLog, n: number, uid = 'DEV') => {
  for (let i = 0; i < n; i++)
    audit.append({
      actor: 'op-1',
      action: 'step.done',
      deviceUid: `${uid}-${i}`,
      keyFingerprint: 'ab'.repeat(32),
      data: { orgUser: 'admin@emu' },
    });
};
const orgEntries = (stationId: string) =>
  suite.emu.records('Station_Audit_Entry__c').filter((r) => r.Station_Id__c === stationId);
const orgHead = (stationId: string) =>
  suite.emu.records('Station_Chain_Head__c').find((r) => r.Station_Id__c === stationId);

describe('audit sync', () => {
  it('sends 450 entries in ONE Composite call (three Collections subrequests and the head); every field and hash lands', async () => {
    const s = await station('ST-SYNC-A');
    append(s.audit, 450);
    const sync = s.sync();
    expect(sync.pending()).toBe(450);
    const before = suite.emu.stats().apiUsed;
    expect(await sync.flush()).toEqual({ sent: 450, calls: 1 });
    expect(suite.emu.stats().apiUsed - before).toBe(1); // the org's own count
    expect(sync.pending()).toBe(0);
    const stored = orgEntries('ST-SYNC-A');
    expect(stored).toHaveLength(450);
    const local = s.audit.entries();
    const e7 = stored.find((r) => r.Entry_Key__c === 'ST-SYNC-A:7')!;
    expect(e7).toMatchObject({
      Seq__c: 7,
      Entry_Hash__c: local[6]!.hash,
      Prev_Hash__c: local[5]!.hash,
      Device_UID__c: 'DEV-6',
      Operator__c: 'op-1',
      Org_User__c: 'admin@emu',
      Kind__c: 'step.done',
    });
    expect(orgHead('ST-SYNC-A')).toMatchObject({ Head_Seq__c: 450, Head_Hash__c: local[449]!.hash });
    expect(await s.org.head('ST-SYNC-A')).toEqual({ seq: 450, hash: local[449]!.hash });
    expect(await sync.flush()).toEqual({ sent: 0, calls: 0 }); // nothing new: no call
  });

  it('with batches of 200 asked for, 450 entries take 3 calls, each batch with its head', async () => {
    const s = await station('ST-SYNC-A2');
    append(s.audit, 450);
    expect(await s.sync({ batchSize: 200 }).flush()).toEqual({ sent: 450, calls: 3 });
    expect(orgEntries('ST-SYNC-A2')).toHaveLength(450);
    expect(orgHead('ST-SYNC-A2')!.Head_Seq__c).toBe(450);
  });

  it('1001 entries: the first 1000 in one call, the last with its head in a second', async () => {
    const s = await station('ST-SYNC-A3');
    append(s.audit, 1001);
    const before = suite.emu.stats().apiUsed;
    expect(await s.sync().flush()).toEqual({ sent: 1001, calls: 2 });
    expect(suite.emu.stats().apiUsed - before).toBe(2);
    expect(orgEntries('ST-SYNC-A3')).toHaveLength(1001);
    expect(orgHead('ST-SYNC-A3')!.Head_Seq__c).toBe(1001);
  });

  it('a 450-entry call replayed after its answer was lost: the entries the org holds are checked, the rest sent, each stored once', async () => {
    const s = await station('ST-SYNC-A4');
    append(s.audit, 450);
    suite.emu.faults.malformedJson = 1; // the org stores entries 1-250, the answer is lost
    await caught(s.sync({ batchSize: 250 }).flush());
    expect(orgEntries('ST-SYNC-A4')).toHaveLength(250);
    const sync = s.sync();
    const again = await sync.flush();
    expect(again.sent).toBe(450);
    // refused (1-200 held) + hash check + refused (201-250 held) + hash check + 251-450 with the head
    expect(again.calls).toBe(5);
    const keys = orgEntries('ST-SYNC-A4').map((r) => r.Entry_Key__c);
    expect(keys).toHaveLength(450);
    expect(new Set(keys).size).toBe(450);
    expect(orgHead('ST-SYNC-A4')!.Head_Seq__c).toBe(450);
  });

  it('an outage is retried with backoff in the background; nothing is lost and appends never wait', async () => {
    const s = await station('ST-SYNC-B');
    const errors: unknown[] = [];
    const sync = s.sync({
      backoffMs: 50,
      gatherMs: 20,
      batchSize: 10,
      onError: (e: unknown) => errors.push(e),
    });
    suite.emu.faults.serverErrors = 3;
    sync.start();
    append(s.audit, 25); // appends return at once whatever the org does
    await expect.poll(() => sync.pending(), { timeout: 20_000, interval: 50 }).toBe(0);
    await sync.stop();
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(orgEntries('ST-SYNC-B')).toHaveLength(25);
    expect(orgHead('ST-SYNC-B')!.Head_Seq__c).toBe(25);
  });

  it("a job's entries, appended one by one, travel together after the gathering pause: one call with the head", async () => {
    const s = await station('ST-SYNC-G');
    const sync = s.sync({ gatherMs: 1000 });
    sync.start(); // nothing queued: no call until an entry comes
    const before = suite.emu.stats().apiUsed;
    for (let i = 0; i < 15; i++) {
      append(s.audit, 1, `JOB-${i}`);
      await new Promise((r) => setImmediate(r)); // each entry in its own turn of the event loop, like a job's steps
    }
    await expect.poll(() => sync.pending(), { timeout: 20_000, interval: 50 }).toBe(0);
    await sync.stop();
    expect(orgEntries('ST-SYNC-G')).toHaveLength(15);
    expect(suite.emu.stats().apiUsed - before).toBe(1); // not 15 × 2
    expect(orgHead('ST-SYNC-G')!.Head_Seq__c).toBe(15);
  });

  it('a batch replayed after a lost answer is stored once (idempotent on Entry_Key__c)', async () => {
    const s = await station('ST-SYNC-C');
    append(s.audit, 30);
    const sync = s.sync({ batchSize: 20 });
    suite.emu.faults.malformedJson = 1; // the org stores the first batch, the answer is lost
    await caught(sync.flush());
    expect(orgEntries('ST-SYNC-C')).toHaveLength(20);
    expect(sync.sentSeq()).toBe(0);
    const again = await sync.flush();
    expect(again.sent).toBe(30);
    expect(again.calls).toBe(4); // batch 1 (duplicates) + the hash check + its head alone + batch 2 with its head
    const keys = orgEntries('ST-SYNC-C').map((r) => r.Entry_Key__c);
    expect(keys).toHaveLength(30);
    expect(new Set(keys).size).toBe(30);
  });

  it('the org holding another hash under the same key is AUDIT_BROKEN, and the entry stays queued', async () => {
    const s = await station('ST-SYNC-D');
    append(s.audit, 3);
    await s.sync().flush();
    // the local log is wiped and rewritten under the same station ID: same keys, other hashes
    const s2 = await station('ST-SYNC-D');
    append(s2.audit, 4, 'OTHER');
    const sync2 = s2.sync();
    const err = await caught(sync2.flush());
    expect(err.code).toBe('AUDIT_BROKEN');
    expect(err.message).toContain('ST-SYNC-D:1');
    expect(sync2.pending()).toBe(4);
    // all-or-none: the new key 4 is not stored either, the org's three entries and head keep their hashes
    const byKey = new Map(orgEntries('ST-SYNC-D').map((r) => [r.Entry_Key__c, r.Entry_Hash__c]));
    const first = s.audit.entries();
    for (const i of [0, 1, 2]) expect(byKey.get(`ST-SYNC-D:${i + 1}`)).toBe(first[i]!.hash);
    expect(byKey.has('ST-SYNC-D:4')).toBe(false);
    expect(orgHead('ST-SYNC-D')).toMatchObject({ Head_Seq__c: 3, Head_Hash__c: first[2]!.hash });
  });

  it('the queue survives a restart: entries appended while offline are sent by the next process', async () => {
    const s = await station('ST-SYNC-E');
    append(s.audit, 5);
    await s.sync().flush();
    append(s.audit, 7); // never sent: the process stops here
    s.db.close();
    dbs.splice(dbs.indexOf(s.db), 1);
    const s2 = await station('ST-SYNC-E', s.dir, s.secrets);
    const sync = s2.sync();
    expect(sync.pending()).toBe(7);
    expect(await sync.flush()).toEqual({ sent: 7, calls: 1 });
    expect(orgEntries('ST-SYNC-E')).toHaveLength(12);
    expect(orgHead('ST-SYNC-E')!.Head_Seq__c).toBe(12);
  });

  it('the org refuses to move a head back: a rolled-back station cannot overwrite its anchor', async () => {
    const s = await station('ST-SYNC-F');
    append(s.audit, 6);
    await s.sync().flush();
    const err = await caught(s.org.upsertHead('ST-SYNC-F', { seq: 2, hash: s.audit.entries()[1]!.hash }));
    expect(err.code).toBe('ORG_REJECTED');
    expect(orgHead('ST-SYNC-F')!.Head_Seq__c).toBe(6);
  });

  it('a head the org refuses rolls its entries back too: the head never gets ahead of the entries, nor they without it', async () => {
    const s = await station('ST-SYNC-H');
    await s.org.upsertHead('ST-SYNC-H', { seq: 100, hash: 'f'.repeat(64) }); // the org's anchor is far ahead
    append(s.audit, 3);
    const err = await caught(s.sync().flush());
    expect(err.code).toBe('ORG_REJECTED');
    expect(orgEntries('ST-SYNC-H')).toHaveLength(0); // the Collections subrequest was rolled back with the head
    expect(orgHead('ST-SYNC-H')!.Head_Seq__c).toBe(100);
  });

  it('while the line is busy entries are held, then sent in one call when it goes idle; a full batch goes at once', async () => {
    const s = await station('ST-SYNC-I');
    let busy = true;
    const sync = s.sync({ gatherMs: 20, idleGatherMs: 20, maxEntries: 10, busy: () => busy });
    sync.start();
    const before = suite.emu.stats().apiUsed;
    append(s.audit, 6);
    await new Promise((r) => setTimeout(r, 300)); // far past gatherMs: still held
    expect(sync.pending()).toBe(6);
    expect(suite.emu.stats().apiUsed - before).toBe(0);
    append(s.audit, 4); // 10 queued = maxEntries: sent although the line is busy
    await expect.poll(() => sync.pending(), { timeout: 20_000, interval: 20 }).toBe(0);
    expect(suite.emu.stats().apiUsed - before).toBe(1);
    append(s.audit, 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(sync.pending()).toBe(3);
    busy = false;
    sync.lineIdle();
    await expect.poll(() => sync.pending(), { timeout: 20_000, interval: 20 }).toBe(0);
    await sync.stop();
    expect(suite.emu.stats().apiUsed - before).toBe(2);
    expect(orgEntries('ST-SYNC-I')).toHaveLength(13);
    expect(orgHead('ST-SYNC-I')!.Head_Seq__c).toBe(13);
  });

  it('while busy, stop with a drain still sends what was held', async () => {
    const s = await station('ST-SYNC-J');
    const sync = s.sync({ gatherMs: 20, busy: () => true });
    sync.start();
    append(s.audit, 5);
    await new Promise((r) => setTimeout(r, 100));
    expect(sync.pending()).toBe(5);
    await sync.stop({ drainMs: 10_000 });
    expect(sync.pending()).toBe(0);
    expect(orgEntries('ST-SYNC-J')).toHaveLength(5);
  });
});
