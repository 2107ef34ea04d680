/**
 * Issue 14's Done-when: an org outage of 60 s (ORG_OUTAGE_MS to change it) during a 16-device batch.
 * Simulated devices on real PTYs through the serial stack, the org emulator over real HTTP (stopped:
 * connection refused, then started again on the same port and data). The technician starts a device
 * every 300 ms; after the fourth device is provisioned the org goes away. Later devices park after
 * sign — their certificate waits on the station until the org accepts the identity (issue 18) — and are unplugged (the bay is free); when the org is back the station registers them on
 * its own; plugged in again (auto mode), each finishes with the same job. In the end: every device
 * provisioned, exactly one Asset each (queried over HTTP), the Asset ID on each device, one certificate
 * each. The figures are printed (no timed assertion).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/domain';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, startEmbedded, type Embedded } from '../../../dev/embedded';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { issuedCount, provisionJobCount } from './db-counts';

const DEVICES = 16;
/** How long the org stays away, ms (the Done-when figure is 60 s; the logic does not depend on it). */
const OUTAGE_MS = Number(process.env.ORG_OUTAGE_MS ?? 60_000);
/** Pause between two devices the technician starts, ms. */
const START_EVERY_MS = 300;

let env: Embedded | undefined;
let org: OrgEmulator | undefined;
const dirs: string[] = [];

afterAll(async () => {
  await org?.stop();
  await env?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function until(what: string, ok: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The org's Assets as an admin would list them: SOQL over the REST API. */
async function assetsOverHttp(o: OrgEmulator): Promise<Array<{ Id: string; Device_UID__c: string }>> {
  const q = encodeURIComponent('SELECT Id, Device_UID__c FROM Asset ORDER BY Device_UID__c');
  const res = await fetch(`${o.baseUrl}/services/data/v62.0/query?q=${q}`, {
    headers: { Authorization: `Bearer ${o.accessToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: Array<{ Id: string; Device_UID__c: string }> }).records;
}

describe(`an org outage of ${OUTAGE_MS / 1000} s during a ${DEVICES}-device batch`, () => {
  it('every device ends provisioned with exactly one Asset; parked devices finish on re-attach', async () => {
    const t0 = Date.now();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-outage-batch-'));
    dirs.push(home);
    env = await startEmbedded({
      home,
      devices: DEVICES,
      keygenDelayMs: 20,
      watch: false,
      deviceTransport: 'pty',
      reconnectWindowMs: 3000,
    });
    const e = env;
    const bays = await e.station.listBays({});
    expect(bays).toHaveLength(DEVICES);

    // The org goes away once the fourth device is provisioned.
    let succeeded = 0;
    let down: Promise<void> | undefined;
    let downAt = 0;
    const off = e.station.subscribe((event, payload) => {
      if (event !== 'job' || (payload as Job).state !== 'succeeded') return;
      if (++succeeded === 4 && !down) {
        downAt = Date.now();
        down = e.org.stop();
      }
    });
    const jobs: Job[] = [];
    for (const b of bays) {
      jobs.push(await e.station.startJob({ bayId: b.id, kind: 'provision' }));
      await sleep(START_EVERY_MS);
    }
    const ended = await Promise.all(jobs.map((j) => e.station.waitForJob(j.id)));
    off();
    await down;
    const parked = ended.filter((j) => j.state === 'parked');
    const firstPass = ended.filter((j) => j.state === 'succeeded');
    expect(parked.length + firstPass.length).toBe(DEVICES);
    expect(parked.length).toBeGreaterThan(0);
    for (const j of parked) {
      expect(j.error?.details?.parked).toBe('salesforce');
      expect(j.steps.find((s) => s.name === 'sign')?.state).toBe('done');
      // parked at the Asset step: the certificate waits on the station (issue 18); a job whose Asset was
      // registered before the outage parks at the asset token, its certificate installed
      const at = j.steps.find((s) => s.state === 'failed')?.name;
      expect(['upsert-asset', 'asset-token']).toContain(at);
      const registered = at === 'asset-token';
      expect(j.steps.find((s) => s.name === 'install-cert')?.state).toBe(registered ? 'done' : 'pending');
      expect(e.sim.device(j.deviceUid!).snapshot().certInstalled).toBe(registered);
    }
    // the technician unplugs each parked device and goes on; no bay stays busy
    for (const j of parked) await e.sim.device(j.deviceUid!).unplug();
    for (const b of await e.station.listBays({})) expect(b.status).not.toBe('busy');
    expect((await e.station.listParkedJobs({})).length).toBe(parked.length);

    // the org comes back after the outage, on the same address with the same data
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    const outageMs = Date.now() - downAt;
    org = await startOrgEmulator({
      home: path.join(home, 'org'),
      port: e.org.port,
      jwtBearerCertPem: await jwtPublicKeyPem(e.secrets),
      assetAudience: DEMO_ASSET_AUDIENCE,
    });
    const back = Date.now();
    const o = org;
    await until(
      'every parked job registered in Salesforce',
      async () => {
        const q = await e.station.listParkedJobs({});
        return q.length === parked.length && q.every((j) => j.error?.details?.parked === 'device');
      },
      90_000,
    );
    const drainedMs = Date.now() - back;
    expect((await assetsOverHttp(o)).length).toBe(DEVICES);
    for (const j of parked) expect(e.sim.device(j.deviceUid!).snapshot().assetId).toBeUndefined();

    // plugged in again: auto mode resumes each parked job (same device) and writes its Asset ID
    await e.station.setAutoMode({ enabled: true });
    e.station.watch();
    for (const j of parked) await e.sim.device(j.deviceUid!).plug();
    await until(
      'every parked job finished on re-attach',
      async () => {
        const states = await Promise.all(parked.map((j) => e.station.getJob({ jobId: j.id })));
        return states.every((j) => j.state === 'succeeded');
      },
      60_000,
    );

    const assets = await assetsOverHttp(o);
    const uids = bays.map((b) => b.device!.uid).sort();
    expect(assets.map((a) => a.Device_UID__c).sort()).toEqual(uids); // exactly one Asset per device
    for (const uid of uids) {
      const asset = assets.find((a) => a.Device_UID__c === uid)!;
      expect(e.sim.device(uid).snapshot().assetId).toBe(asset.Id);
      expect(e.sim.device(uid).snapshot().certInstalled).toBe(true);
      expect(issuedCount(home, uid)).toBe(1);
      expect(provisionJobCount(home, uid)).toBe(1);
    }
    expect(await e.station.listParkedJobs({})).toEqual([]);
    console.log(
      `[org-outage-batch] devices ${DEVICES}; provisioned before the outage ${firstPass.length}; parked ${parked.length}; ` +
        `outage ${(outageMs / 1000).toFixed(1)} s; parked jobs registered ${(drainedMs / 1000).toFixed(1)} s after the org was back; ` +
        `Assets ${assets.length} (one per device); total ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }, 240_000);
});
