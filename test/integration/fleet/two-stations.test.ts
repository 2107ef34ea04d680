/**
 * Many stations, one org (issue 15, docs/salesforce-setup.md §10): two station homes, each with its own
 * issuing CA certified by one offline root (`ca request` / `ca install`, docs/pki.md "Common root"), each run
 * as its own `asset-station provision` process against one org emulator, devices on real PTYs:
 * - a clone (the key of a device A registered, under another UID) is refused on B, whose own CA has never
 *   seen that key: only the org's Key_Fingerprint__c query can know it;
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
  // SIM-0001 is genuine; SIM-0002 is a clone of it (its key, another UID)
  sim = await startDeviceSimulator({
    home: path.join(root, 'devices'),
    count: 1,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs: 50,
    transport: 'pty',
    clones: [{ of: 'SIM-0001' }],
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

  it('a clone first seen on A is refused on B by the org-side clone check', async () => {
    const a = await provision('A', 'SIM-0001');
    expect(a.code, a.stderr + a.stdout).toBe(0);
    const first = org.assets().filter((x) => x.Device_UID__c === 'SIM-0001');
    expect(first).toHaveLength(1);
    expect(first[0]!.Station_Id__c).toBe(ids.A);
    // SIM-0002 carries SIM-0001's key under its own UID; B's CA has never seen that key, only the org has
    const clone = await provision('B', 'SIM-0002');
    expect(clone.code).toBe(1);
    const err = errorOf(clone)!;
    expect(err.code).toBe('CLONE_SUSPECTED');
    expect(err.message).toContain('SIM-0001');
    expect(issuedBy('B', 'SIM-0002')).toBe(0);
    expect(org.assets().some((x) => x.Device_UID__c === 'SIM-0002')).toBe(false);
  }, 120_000);

  it('the same device UID on both stations is one Asset', async () => {
    const first = org.assets().filter((x) => x.Device_UID__c === 'SIM-0001'); // provisioned on A above
    expect(first.map((x) => x.Station_Id__c)).toEqual([ids.A]);
    // the device moves to B with its own key: B certifies it and upserts the same Asset (external ID)
    const onB = await provision('B', 'SIM-0001');
    expect(onB.code, onB.stderr + onB.stdout).toBe(0);
    const after = org.assets().filter((x) => x.Device_UID__c === 'SIM-0001');
    expect(after).toHaveLength(1);
    expect(after[0]!.Id).toBe(first[0]!.Id);
    expect(after[0]!.Key_Fingerprint__c).toBe(first[0]!.Key_Fingerprint__c);
    expect(after[0]!.Station_Id__c).toBe(ids.B);
    expect([issuedBy('A', 'SIM-0001'), issuedBy('B', 'SIM-0001')]).toEqual([1, 1]);
    // a re-key on B (the admin override) still lands on that one Asset
    const rekey = await provision('B', 'SIM-0001', '--reprovision');
    expect(rekey.code, rekey.stderr + rekey.stdout).toBe(0);
    const rekeyed = org.assets().filter((x) => x.Device_UID__c === 'SIM-0001');
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
    expect(bEntries.some((r) => r.Kind__c === 'job.failed' && r.Device_UID__c === 'SIM-0002')).toBe(true);
    expect(orgChainProblem(org, 'ST-NOBODY')).toBe('the head is not the last entry'); // the check can fail
  }, 120_000);
});
