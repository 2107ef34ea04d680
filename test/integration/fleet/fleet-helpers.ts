/**
 * Helpers of the fleet tests: the local audit chain of a station database, the org's copy of a station's
 * entries and head, and polling until the background audit sync has caught up.
 */
import { spawn } from 'node:child_process';
import type { Db } from '../../../core/records/db';
import type { OrgEmulator, Rec } from '../../../sim/org';

/** One local audit row as the fleet tests compare it with the org. */
export interface LocalEntry {
  seq: number;
  hash: string;
  prev_hash: string;
  actor: string;
  action: string;
  device_uid: string | null;
  key_fingerprint: string | null;
  job_id: string | null;
  station_id: string;
  /** JSON of the entry's data. */
  data: string;
}

/** The station's audit chain, oldest first. */
export const localEntries = (db: Db): LocalEntry[] =>
  db.prepare('SELECT * FROM audit ORDER BY seq').all() as LocalEntry[];

/** The org's entries of one station, by Entry_Key__c. */
export const orgEntries = (org: OrgEmulator, stationId: string): Map<string, Rec> =>
  new Map(
    org
      .records('Station_Audit_Entry__c')
      .filter((r) => r.Station_Id__c === stationId)
      .map((r) => [String(r.Entry_Key__c), r]),
  );

/** The org's chain head of one station. */
export const orgHead = (org: OrgEmulator, stationId: string): Rec | undefined =>
  org.records('Station_Chain_Head__c').find((r) => r.Station_Id__c === stationId);

/** Polls `ok` every 50 ms until it is true. @throws Error naming `what` after `ms` */
export async function until(what: string, ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the org's head of the station is the station's local head (the sync caught up). */
export async function untilSynced(org: OrgEmulator, db: Db, stationId: string): Promise<LocalEntry[]> {
  await until(`the org to hold station ${stationId}'s head`, () => {
    const local = localEntries(db);
    return local.length > 0 && orgHead(org, stationId)?.Head_Seq__c === local[local.length - 1]!.seq;
  });
  return localEntries(db);
}

/** Result of one CLI run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `asset-station --home <home> …args` as a child process, asynchronously (an org emulator started by
 * the test answers from the test's own process, so a synchronous spawn would stall it).
 */
export function runCli(
  home: string,
  passphrase: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/asset-station.js', '--home', home, ...args], {
      env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: passphrase, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Checks, from the org's records alone, that a station's entries form one chain: sequences 1…N with no gap,
 * each Prev_Hash__c the hash before it, and the head on the last. @returns the first problem, or undefined
 */
export function orgChainProblem(org: OrgEmulator, stationId: string): string | undefined {
  const rows = [...orgEntries(org, stationId).values()].sort((a, b) => Number(a.Seq__c) - Number(b.Seq__c));
  let prev = '0'.repeat(64);
  for (const [i, r] of rows.entries()) {
    if (Number(r.Seq__c) !== i + 1) return `entry ${i + 1} is missing`;
    if (r.Prev_Hash__c !== prev) return `entry ${i + 1} does not follow entry ${i}`;
    prev = String(r.Entry_Hash__c);
  }
  const head = orgHead(org, stationId);
  if (!head || head.Head_Seq__c !== rows.length || head.Head_Hash__c !== prev)
    return 'the head is not the last entry';
  return undefined;
}
