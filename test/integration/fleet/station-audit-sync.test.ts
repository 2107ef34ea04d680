/**
 * The audit sync wired into the running station (docs/salesforce-setup.md §10): a real station (the
 * embedded defaults: simulated devices, the org emulator over HTTP, jsforce) provisions devices, and every
 * audit entry — job events with operator, org user, device UID and key fingerprint — plus the chain head
 * reaches the org in the background; closing the station sends what is still queued; entries written
 * while the station is disconnected wait, and go as soon as it connects again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_PIN, startEmbedded, type Embedded } from '../../../dev/embedded';
import { openStationDb } from '../../../core/records/db';
import { localEntries, orgEntries, orgHead, until, untilSynced } from './fleet-helpers';

const homes: string[] = [];
const envs: Embedded[] = [];
afterEach(async () => {
  for (const e of envs.splice(0)) await e.stop();
  for (const h of homes.splice(0)) fs.rmSync(h, { recursive: true, force: true });
});

async function embedded(devices: number): Promise<Embedded> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-fleet-sync-'));
  homes.push(home);
  const env = await startEmbedded({
    home,
    devices,
    deviceTransport: 'sim',
    keyAlgorithms: ['RSA-2048', 'ECDSA-P256'],
    keygenDelayMs: 20,
    watch: false,
  });
  envs.push(env);
  return env;
}

async function provisionAll(env: Embedded): Promise<void> {
  for (const bay of await env.station.listBays({})) {
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('succeeded');
  }
}

describe('audit sync in the running station', () => {
  it('every entry of a real provisioning run reaches the org, with operator, org user and the chain head', async () => {
    const env = await embedded(2);
    await provisionAll(env);
    const { stationId } = await env.station.getStationInfo({});
    const local = await untilSynced(env.org, env.station.db, stationId);
    const org = orgEntries(env.org, stationId);
    expect(org.size).toBe(local.length);
    // the session's user, unless the entry names the one the Asset was upserted as (job.succeeded's summary)
    const sessionUser = `${env.org.adminUsername} (${env.org.adminUserId})`;
    const orgUserOf = (e: (typeof local)[number]) => {
      const named = (JSON.parse(e.data) as { orgUser?: string }).orgUser;
      return named ?? sessionUser;
    };
    expect(local.map(orgUserOf)).toContain(sessionUser);
    expect(local.map(orgUserOf)).toContain(env.org.adminUsername);
    for (const e of local) {
      expect(org.get(`${stationId}:${e.seq}`), `entry ${e.seq}`).toMatchObject({
        Seq__c: e.seq,
        Entry_Hash__c: e.hash,
        Prev_Hash__c: e.prev_hash,
        Kind__c: e.action,
        Operator__c: e.actor,
        Org_User__c: orgUserOf(e),
        Device_UID__c: e.device_uid,
        Key_Fingerprint__c: e.key_fingerprint,
      });
    }
    // the job events of both devices are there, each naming its device and key
    const succeeded = local.filter((e) => e.action === 'job.succeeded');
    expect(succeeded.map((e) => e.device_uid).sort()).toEqual(['SIM-0001', 'SIM-0002']);
    for (const e of succeeded) {
      const rec = org.get(`${stationId}:${e.seq}`)!;
      expect(rec.Key_Fingerprint__c).toMatch(/^[0-9a-f]{64}$/);
      expect(rec.Key_Fingerprint__c).toBe(
        env.org.assets().find((a) => a.Device_UID__c === e.device_uid)!.Key_Fingerprint__c,
      );
      expect(JSON.parse(String(rec.Payload__c)).jobId).toBe(e.job_id);
    }
    expect(String(org.get(`${stationId}:1`)!.Name)).toMatch(/^SAE-\d{10}$/); // the org's AutoNumber
    const last = local[local.length - 1]!;
    expect(orgHead(env.org, stationId)).toMatchObject({ Head_Seq__c: last.seq, Head_Hash__c: last.hash });
  });

  it('closing the station right after a job sends what is still queued', async () => {
    const env = await embedded(1);
    const [bay] = await env.station.listBays({});
    const job = await env.station.waitForJob(
      (await env.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('succeeded');
    const { stationId } = await env.station.getStationInfo({});
    await env.station.close(); // the org is still up: the close drains the queue
    const db = openStationDb(env.station.home);
    try {
      const local = localEntries(db);
      expect(local.some((e) => e.action === 'job.succeeded')).toBe(true);
      expect([...orgEntries(env.org, stationId).keys()].sort()).toEqual(
        local.map((e) => `${stationId}:${e.seq}`).sort(),
      );
      expect(orgHead(env.org, stationId)!.Head_Seq__c).toBe(local[local.length - 1]!.seq);
    } finally {
      db.close();
    }
  });

  it('entries written while disconnected wait on the station and go as soon as it connects again', async () => {
    const env = await embedded(1);
    const { stationId } = await env.station.getStationInfo({});
    await untilSynced(env.org, env.station.db, stationId);
    await env.station.disconnectOrg({});
    const config = await env.station.getConfig({});
    await env.station.setConfig({ config: { ...config, operator: 'night-shift' }, adminPin: DEMO_ADMIN_PIN });
    const waiting = localEntries(env.station.db).at(-1)!;
    expect(waiting.action).toBe('config.changed');
    await new Promise((r) => setTimeout(r, 500));
    expect(orgEntries(env.org, stationId).has(`${stationId}:${waiting.seq}`)).toBe(false); // no login behind the operator's back
    await env.station.connectOrg({ adminPin: DEMO_ADMIN_PIN });
    // connecting retries at once (not after the backoff pause)
    await until(
      'the waiting entry to reach the org',
      () => orgEntries(env.org, stationId).has(`${stationId}:${waiting.seq}`),
      5000,
    );
    await untilSynced(env.org, env.station.db, stationId);
  });
});

describe('a rolled-back station meets its copy in the org', () => {
  it('the station says so as an error in its log (and the org keeps the original entries)', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-fleet-rollback-'));
    homes.push(home);
    const opts = { home, devices: 1, deviceTransport: 'sim' as const, keygenDelayMs: 20, watch: false };
    const first = await startEmbedded(opts);
    const { stationId } = await first.station.getStationInfo({});
    await untilSynced(first.org, first.station.db, stationId);
    const backup = path.join(home, 'backup');
    fs.mkdirSync(backup);
    first.station.db.pragma('wal_checkpoint(TRUNCATE)');
    fs.copyFileSync(path.join(home, 'station.db'), path.join(backup, 'station.db'));
    const [bay] = await first.station.listBays({});
    const job = await first.station.waitForJob(
      (await first.station.startJob({ bayId: bay!.id, kind: 'provision' })).id,
    );
    expect(job.state).toBe('succeeded');
    const synced = await untilSynced(first.org, first.station.db, stationId);
    await first.stop();

    for (const f of ['station.db', 'station.db-wal', 'station.db-shm'])
      fs.rmSync(path.join(home, f), { force: true });
    fs.copyFileSync(path.join(backup, 'station.db'), path.join(home, 'station.db')); // the older file put back
    const errors: string[] = [];
    const again = await startEmbedded(opts); // same home: same org data, same vault
    envs.push(again);
    const off = again.station.subscribe((event, payload) => {
      const p = payload as { level?: string; message?: string };
      if (event === 'log' && p.level === 'error') errors.push(p.message ?? '');
    });
    // the reopened station appends (org.connected …) under sequences the org already holds with other hashes
    await until('an audit error in the station log', () => errors.length > 0, 20_000);
    off();
    expect(errors[0]).toMatch(
      /This station's audit log does not match the copy in Salesforce: Salesforce already holds audit entry/,
    );
    expect(errors[0]).toContain('asset-station audit verify');
    const org = orgEntries(again.org, stationId);
    for (const e of synced) expect(org.get(`${stationId}:${e.seq}`)?.Entry_Hash__c).toBe(e.hash);
  }, 60_000);
});
