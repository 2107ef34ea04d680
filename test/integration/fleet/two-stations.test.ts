/**
 * Many stations, one org (issue 15, docs/salesforce-setup.md §10): two station homes, each with its own
 * issuing CA certified by one offline root (`ca request` / `ca install`, docs/pki.md "Common root"), each run
 * as its own `asset-station provision` process against one org emulator, devices on real PTYs:
 * - a clone (the key of a device A registered, under another UID) is refused on B, whose own CA has never
 *   seen that key: only the org knows it — its unique Key_Fingerprint__c refuses the clone's Asset (issue 18),
 *   B revokes the certificate it had signed (keyCompromise) and nothing reaches the clone;
 * - an original and its clone provisioned at the same moment on A and B: exactly one Asset, the other job
 *   CLONE_SUSPECTED (the org's unique index cannot be raced, as a query before the upsert could);
 * - the same device UID on both stations gives one Asset (B certifies the moved device and upserts the same
 *   Asset on its external ID; a re-key by admin override lands there too);
 * - both stations' audit chains are in the org, linked entry to entry, and `audit verify` on each station
 *   matches its head there.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ASSET_AUDIENCE, prepareHome } from '../../../dev/embedded';
import { loadConfig, saveConfig } from '../../../core/config';
import { StationCa } from '../../../core/pki';
import { openStationDb } from '../../../core/records/db';
import { FileVault, SECRET_NAMES } from '../../../core/secrets';
import { Station } from '../../../core/station';
import { realServices } from '../../../core/wiring';
import { startDeviceSimulator, type DeviceSimulator } from '../../../sim/device';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { makeOfflineRoot, pemFile } from '../pki/openssl';
import { localEntries, orgChainProblem, orgEntries, orgHead, runCli, type CliRun } from './fleet-helpers';

const PASS = 'fleet-two-stations';
const PIN = '2468';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'as-fleet-two-'));
let org: OrgEmulator;
let sim: DeviceSimulator;
const homes = { A: path.join(root, 'station-a'), B: path.join(root, 'station-b') };
const ids = { A: 'ST-FLEET-A', B: 'ST-FLEET-B' };

/** Makes a station home: JWT key (one integration user for the fleet), config, CA under the common root, PIN. */
async function makeHome(which: 'A' | 'B', jwtPem: string, offline: ReturnType<typeof makeOfflineRoot>) {
  const home = homes[which];
  fs.mkdirSync(home, { recursive: true });
  const vault = FileVault.inHome(home, PASS);
  await vault.set(SECRET_NAMES.orgJwtKey, jwtPem);
  await prepareHome(home, vault, org);
  saveConfig(home, { ...loadConfig(home), stationId: ids[which] });
  const ca = await StationCa.load(home, vault);
  const csr = pemFile(
    home,
    'issuing.csr',
    await ca.request(`/O=Acme Devices/CN=Acme Station ${which} Issuing CA`),
    'CERTIFICATE REQUEST',
  );
  const cert = offline.sign(csr, path.join(home, 'issuing.pem'));
  ca.install(fs.readFileSync(cert, 'utf8'), fs.readFileSync(offline.cert, 'utf8'));
  ca.close();
  const station = await Station.open({
    home,
    transport: 'in-process',
    services: realServices({ home, secrets: vault }),
  });
  await station.setAdminPin(PIN);
  await station.close();
}

const provision = (which: 'A' | 'B', uid: string, ...extra: string[]): Promise<CliRun> =>
  runCli(
    homes[which],
    PASS,
    ['--json', 'provision', '--port', sim.devices.find((d) => d.uid === uid)!.locator, ...extra],
    { ASSET_STATION_ADMIN_PIN: PIN },
  );
const errorOf = (r: CliRun) => {
  const start = r.stdout.indexOf('{\n  "error"');
  return start < 0
    ? undefined
    : (JSON.parse(r.stdout.slice(start)) as { error: { code: string; message: string; remedy: string } })
        .error;
};
const revokedBy = (which: 'A' | 'B', uid: string) => {
  const db = openStationDb(homes[which]);
  try {
    return (
      db.prepare('SELECT reason FROM pki_revoked WHERE device_uid = ?').all(uid) as Array<{ reason: string }>
    ).map((r) => r.reason);
  } finally {
    db.close();
  }
};
const issuedBy = (which: 'A' | 'B', uid: string) => {
  const db = openStationDb(homes[which]);
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM pki_issued WHERE device_uid = ?').get(uid) as { n: number })
      .n;
  } finally {
    db.close();
  }
};

beforeAll(async () => {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  org = await startOrgEmulator({
    jwtBearerCertPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  const offline = makeOfflineRoot(path.join(root, 'offline-root'));
  const jwtPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await makeHome('A', jwtPem, offline);
  await makeHome('B', jwtPem, offline);
  // SIM-0001..3 are genuine; SIM-0004 is a clone of SIM-0001, SIM-0005 of SIM-0003 (their key, another UID)
  sim = await startDeviceSimulator({
    home: path.join(root, 'devices'),
    count: 3,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs: 50,
    transport: 'pty',
    clones: [{ of: 'SIM-0001' }, { of: 'SIM-0003' }],
  });
}, 120_000);

afterAll(async () => {
  await sim?.stop();
  await org?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('two stations, one org', () => {
  it('both issuing CAs chain to the one offline root', () => {
    const rootPem = fs.readFileSync(path.join(root, 'offline-root', 'root.pem'), 'utf8').trim();
    for (const which of ['A', 'B'] as const) {
      const chain = fs.readFileSync(path.join(homes[which], 'ca', 'chain.pem'), 'utf8');
      expect(chain.trim().endsWith(rootPem), which).toBe(true);
    }
  });

  it('a clone first seen on A is refused on B by the org itself; its certificate is revoked and never installed', async () => {
    const a = await provision('A', 'SIM-0001');
    expect(a.code, a.stderr + a.stdout).toBe(0);
    const first = org.assets().filter((x) => x.Device_UID__c === 'SIM-0001');
    expect(first).toHaveLength(1);
    expect(first[0]!.Station_Id__c).toBe(ids.A);
    // SIM-0004 carries SIM-0001's key under its own UID; B's CA has never seen that key, only the org has
    const clone = await provision('B', 'SIM-0004');
    expect(clone.code).toBe(1);
    const err = errorOf(clone)!;
    expect(err.code).toBe('CLONE_SUSPECTED');
    expect(err.message).toContain('UID SIM-0001');
    expect(err.message).toContain(first[0]!.Id);
    expect(err.message).toMatch(/revoked at once \(keyCompromise\) and never left the station/);
    expect(err.message).toMatch(/no Asset was created and nothing was written to the device/);
    // B signed (the org refuses at the upsert, after signing), then revoked it at once
    expect(issuedBy('B', 'SIM-0004')).toBe(1);
    expect(revokedBy('B', 'SIM-0004')).toEqual(['keyCompromise']);
    expect(sim.device('SIM-0004').snapshot()).toMatchObject({ certInstalled: false });
    expect(sim.device('SIM-0004').snapshot().assetId).toBeUndefined();
    expect(org.assets().some((x) => x.Device_UID__c === 'SIM-0004')).toBe(false);
  }, 120_000);

  it('an original and its clone at the same moment on two stations: one Asset, the other refused as a clone', async () => {
    const [onA, onB] = await Promise.all([provision('A', 'SIM-0003'), provision('B', 'SIM-0005')]);
    const key = (uid: string) => org.assets().filter((x) => x.Device_UID__c === uid);
    const registered = [...key('SIM-0003'), ...key('SIM-0005')];
    expect(registered).toHaveLength(1);
    const runs = [
      { which: 'A' as const, uid: 'SIM-0003', run: onA },
      { which: 'B' as const, uid: 'SIM-0005', run: onB },
    ];
    const winner = runs.find((r) => r.uid === registered[0]!.Device_UID__c)!;
    const loser = runs.find((r) => r !== winner)!;
    expect(winner.run.code, winner.run.stderr + winner.run.stdout).toBe(0);
    expect(loser.run.code).toBe(1);
    const err = errorOf(loser.run)!;
    expect(err.code).toBe('CLONE_SUSPECTED');
    expect(err.message).toContain(`UID ${winner.uid}`);
    expect(revokedBy(loser.which, loser.uid)).toEqual(['keyCompromise']);
    expect(sim.device(loser.uid).snapshot().certInstalled).toBe(false);
    expect(sim.device(winner.uid).snapshot().assetId).toBe(registered[0]!.Id);
  }, 120_000);

  it('the same device UID on both stations is one Asset', async () => {
    // a device of its own (SIM-0001's key is on a clone now: quarantined on B, keyCompromise)
    expect((await provision('A', 'SIM-0002')).code).toBe(0);
    const first = org.assets().filter((x) => x.Device_UID__c === 'SIM-0002');
    expect(first.map((x) => x.Station_Id__c)).toEqual([ids.A]);
    // the device moves to B with its own key: B certifies it and upserts the same Asset (external ID)
    const onB = await provision('B', 'SIM-0002');
    expect(onB.code, onB.stderr + onB.stdout).toBe(0);
    const after = org.assets().filter((x) => x.Device_UID__c === 'SIM-0002');
    expect(after).toHaveLength(1);
    expect(after[0]!.Id).toBe(first[0]!.Id);
    expect(after[0]!.Key_Fingerprint__c).toBe(first[0]!.Key_Fingerprint__c);
    expect(after[0]!.Station_Id__c).toBe(ids.B);
    expect([issuedBy('A', 'SIM-0002'), issuedBy('B', 'SIM-0002')]).toEqual([1, 1]);
    // a re-key on B (the admin override) still lands on that one Asset: the org lets the key change
    const rekey = await provision('B', 'SIM-0002', '--reprovision');
    expect(rekey.code, rekey.stderr + rekey.stdout).toBe(0);
    const rekeyed = org.assets().filter((x) => x.Device_UID__c === 'SIM-0002');
    expect(rekeyed.map((x) => x.Id)).toEqual([first[0]!.Id]);
    expect(rekeyed[0]!.Key_Fingerprint__c).not.toBe(first[0]!.Key_Fingerprint__c);
  }, 120_000);

  it("both stations' audit chains are in the org, linked, and each station's verify matches its head", async () => {
    for (const which of ['A', 'B'] as const) {
      const db = openStationDb(homes[which]);
      const local = localEntries(db);
      db.close();
      const inOrg = orgEntries(org, ids[which]);
      expect(inOrg.size, which).toBe(local.length);
      for (const e of local) expect(inOrg.get(`${ids[which]}:${e.seq}`)?.Entry_Hash__c).toBe(e.hash);
      expect(orgChainProblem(org, ids[which]), which).toBeUndefined();
      expect(orgHead(org, ids[which])!.Head_Seq__c).toBe(local.at(-1)!.seq);
      const v = await runCli(homes[which], PASS, ['audit', 'verify']);
      expect(v.code, v.stderr).toBe(0);
      expect(v.stdout).toContain(`Salesforce anchor: entry ${local.at(-1)!.seq} matches`);
    }
    // the clone refusal is in B's chain in the org, naming the device
    const bEntries = [...orgEntries(org, ids.B).values()];
    expect(bEntries.some((r) => r.Kind__c === 'job.failed' && r.Device_UID__c === 'SIM-0004')).toBe(true);
    expect(orgChainProblem(org, 'ST-NOBODY')).toBe('the head is not the last entry'); // the check can fail
  }, 120_000);
});
