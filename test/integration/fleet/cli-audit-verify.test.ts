/**
 * `asset-station provision` and `asset-station audit verify` as real child processes against one org
 * emulator (docs/salesforce-setup.md §10): a CLI provisioning run leaves every audit entry and the chain
 * head in the org (the station sends them as it goes and on close); `audit verify` then checks the local
 * chain against that anchor — intact passes, a restored older copy of station.db (a rollback) and a deleted
 * one (a wipe) both fail with AUDIT_BROKEN, what to do, and exit 1, although each is intact on its own.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationDb } from '../../../core/records/db';
import { loadConfig } from '../../../core/config';
import { provisionCli, startCliHome, type CliHome } from '../provisioning/cli-run';
import { localEntries, orgEntries, orgHead, runCli } from './fleet-helpers';

const PASSPHRASE = 'fleet-cli-audit';
let h: CliHome;
let stationId: string;

const cli = (...args: string[]) => runCli(h.home, PASSPHRASE, args);

const DB_FILES = ['station.db', 'station.db-wal', 'station.db-shm'];
const copyDb = (from: string, to: string) => {
  fs.mkdirSync(to, { recursive: true });
  for (const f of DB_FILES) {
    fs.rmSync(path.join(to, f), { force: true });
    if (fs.existsSync(path.join(from, f))) fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
};

function local() {
  const db = openStationDb(h.home);
  try {
    return localEntries(db);
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  h = await startCliHome(PASSPHRASE, 2);
  stationId = loadConfig(h.home).stationId;
}, 60_000);
afterAll(async () => h?.stop());

describe('audit verify against the org head (CLI)', () => {
  it('a CLI provisioning run leaves every entry and the head in the org; verify says the anchor matches', async () => {
    const run = await provisionCli(h.home, PASSPHRASE, h.sim.devices[0]!.locator);
    expect(run.code, run.stderr).toBe(0);
    const entries = local();
    expect(entries.some((e) => e.action === 'job.succeeded')).toBe(true);
    const org = orgEntries(h.org, stationId);
    for (const e of entries)
      expect(org.get(`${stationId}:${e.seq}`)?.Entry_Hash__c, `entry ${e.seq}`).toBe(e.hash);
    const last = entries.at(-1)!;
    expect(orgHead(h.org, stationId)).toMatchObject({ Head_Seq__c: last.seq, Head_Hash__c: last.hash });

    const ok = await cli('audit', 'verify');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`audit log intact: ${entries.length} entries`);
    expect(ok.stdout).toContain(`Salesforce anchor: entry ${last.seq} matches`);
  }, 60_000);

  it('a rolled-back station.db (intact on its own) is AUDIT_BROKEN against the org head, exit 1', async () => {
    const backup = path.join(h.home, 'backup');
    copyDb(h.home, backup); // the state after the first device
    const before = local().length;
    const run = await provisionCli(h.home, PASSPHRASE, h.sim.devices[1]!.locator);
    expect(run.code, run.stderr).toBe(0);
    const orgSeq = Number(orgHead(h.org, stationId)!.Head_Seq__c);
    expect(orgSeq).toBeGreaterThan(before);

    copyDb(backup, h.home); // someone puts the older file back
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(
      `The audit log does not match Salesforce: the local log ends at entry ${before} but Salesforce recorded entry ${orgSeq} for this station: the log was wiped or rolled back.`,
    );
    expect(broken.stderr).toMatch(/what to do: .*stop provisioning on it, keep a copy of station\.db/);
    const json = await cli('--json', 'audit', 'verify');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'AUDIT_BROKEN' } });
  }, 60_000);

  it('a wiped station.db is AUDIT_BROKEN against the org head, exit 1', async () => {
    for (const f of DB_FILES) fs.rmSync(path.join(h.home, f), { force: true });
    const broken = await cli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/the local log ends at entry 0 but Salesforce recorded entry \d+/);
    expect(broken.stderr).toContain('what to do:');
  });
});
