/**
 * Whole provisioning jobs against both kinds of org (issue 18): one that enforces the device identity rules
 * (Key_Fingerprint__c unique, the key-change validation rule) and one that runs the package from before
 * them. The first needs no clone check before the upsert and refuses a clone there (its certificate revoked,
 * never installed); the second keeps the SOQL clone check before signing and pre-flight says once, in the
 * station log, to deploy the updated package.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ADMIN_PIN, startEmbedded, type Embedded } from '../../../dev/embedded';
import { issuedCount } from './db-counts';

const envs: Embedded[] = [];
const dirs: string[] = [];

async function embedded(opts: Partial<Parameters<typeof startEmbedded>[0]> = {}): Promise<Embedded> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'station-rules-'));
  dirs.push(home);
  // SIM-0003 carries SIM-0002's key (its key exists from the start, so a test can register it elsewhere)
  const env = await startEmbedded({
    home,
    devices: 2,
    clones: [{ of: 'SIM-0002' }],
    keygenDelayMs: 50,
    watch: false,
    ...opts,
  });
  envs.push(env);
  return env;
}

afterEach(async () => {
  for (const e of envs.splice(0)) await e.stop();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** SHA-256 (hex) of a simulated device's public key: its Key_Fingerprint__c. */
function keyOf(env: Embedded, uid: string): string {
  const spki = env.sim.device(uid).snapshot().spkiB64;
  return crypto.createHash('sha256').update(Buffer.from(spki!, 'base64')).digest('hex');
}

/** Runs a provisioning job on the bay of `uid` to its end. */
async function provision(env: Embedded, uid: string) {
  const bay = (await env.station.listBays({})).find((b) => b.device?.uid === uid)!;
  return env.station.waitForJob((await env.station.startJob({ bayId: bay.id, kind: 'provision' })).id);
}

/** The key another station registered for another device (its Asset seeded in the org). */
function registeredElsewhere(env: Embedded, uid: string) {
  return env.org.seedAsset({
    Name: 'registered by another station',
    Device_UID__c: `ELSEWHERE-${uid}`,
    Key_Fingerprint__c: keyOf(env, uid),
    AccountId: env.org.defaultAccountId,
  });
}

const warnings = async (env: Embedded) =>
  (await env.station.listLog({ level: 'warn' })).filter((l) => /older Asset Station package/.test(l.message));

describe('an org that enforces the identity rules', () => {
  it('no clone check before the upsert; a key registered elsewhere is refused there, its certificate revoked and never installed', async () => {
    const env = await embedded();
    const [ok, dup] = ['SIM-0001', 'SIM-0003'];
    const done = await provision(env, ok);
    expect(done.state).toBe('succeeded');
    expect(done.steps.find((s) => s.name === 'policy')?.detail).toMatch(
      /Salesforce checks the key when the Asset is registered/,
    );
    const other = registeredElsewhere(env, dup);
    const refused = await provision(env, dup);
    expect(refused.state).toBe('failed');
    expect(refused.error?.code).toBe('CLONE_SUSPECTED');
    expect(refused.steps.find((s) => s.state === 'failed')?.name).toBe('upsert-asset');
    expect(refused.error?.message).toContain(String(other.Id));
    expect(refused.error?.message).toMatch(/revoked at once \(keyCompromise\) and never left the station/);
    expect(issuedCount(env.station.home, dup)).toBe(1);
    const serial = refused.steps.find((s) => s.name === 'sign')?.detail?.split(' ')[1];
    const revoked = env.station.db.prepare('SELECT reason FROM pki_revoked WHERE serial = ?').all(serial);
    expect(revoked).toEqual([{ reason: 'keyCompromise' }]);
    expect(env.sim.device(dup).snapshot()).toMatchObject({ certInstalled: false });
    expect(env.org.assets().some((a) => a.Device_UID__c === dup)).toBe(false);
    // a Retry does not bring the revoked certificate back: the job is quarantined
    const again = await env.station.waitForJob((await env.station.retryJob({ jobId: refused.id })).id);
    expect(again.error?.code).toBe('CERT_REVOKED');
    expect(env.sim.device(dup).snapshot()).toMatchObject({ certInstalled: false });
    expect(await warnings(env)).toEqual([]);
  }, 90_000);
});

describe('an org that enforces the identity rules: a registered UID with another key', () => {
  it('REPROVISION_REQUIRED at the upsert, the certificate revoked (cessationOfOperation) and never installed; an admin re-provision then moves the Asset to the new key', async () => {
    const env = await embedded();
    const uid = 'SIM-0001';
    const oldKey = 'a'.repeat(64);
    const held = env.org.seedAsset({
      Name: 'registered before',
      Device_UID__c: uid,
      Key_Fingerprint__c: oldKey,
      AccountId: env.org.defaultAccountId,
    });
    const refused = await provision(env, uid);
    expect(refused.error?.code).toBe('REPROVISION_REQUIRED');
    expect(refused.steps.find((s) => s.state === 'failed')?.name).toBe('upsert-asset');
    expect(refused.error?.message).toContain(String(held.Id));
    expect(refused.error?.message).toMatch(
      /revoked at once \(cessationOfOperation\) and never left the station/,
    );
    const serial = refused.steps.find((s) => s.name === 'sign')?.detail?.split(' ')[1];
    expect(env.station.db.prepare('SELECT reason FROM pki_revoked WHERE serial = ?').all(serial)).toEqual([
      { reason: 'cessationOfOperation' },
    ]);
    expect(env.sim.device(uid).snapshot()).toMatchObject({ certInstalled: false });
    expect(
      env.org
        .assets()
        .filter((a) => a.Device_UID__c === uid)
        .map((a) => a.Key_Fingerprint__c),
    ).toEqual([oldKey]);
    // the admin approves a re-provision (a new job): the org lets the key change, the device gets it all
    const bay = (await env.station.listBays({})).find((b) => b.device?.uid === uid)!;
    const started = await env.station.startJob({
      bayId: bay.id,
      kind: 'provision',
      reprovision: true,
      adminPin: DEMO_ADMIN_PIN,
    });
    const done = await env.station.waitForJob(started.id);
    expect(done.state).toBe('succeeded');
    const after = env.org.assets().filter((a) => a.Device_UID__c === uid);
    expect(after.map((a) => a.Id)).toEqual([held.Id]);
    expect(after[0]!.Key_Fingerprint__c).toBe(keyOf(env, uid));
    expect(after[0]!.Key_Change_Approved__c).toBe(true);
    expect(env.sim.device(uid).snapshot()).toMatchObject({ certInstalled: true, assetId: held.Id });
  }, 90_000);
});

describe('an org that runs the package from before the identity rules', () => {
  it('keeps the clone check before signing, refuses the clone there, and warns once to deploy the update', async () => {
    const env = await embedded({ legacyAssetMetadata: true });
    const [ok, dup] = ['SIM-0001', 'SIM-0003'];
    const done = await provision(env, ok);
    expect(done.state).toBe('succeeded');
    expect(done.steps.find((s) => s.name === 'policy')?.detail).toMatch(/no other device holds this key/);
    expect(env.org.assets().find((a) => a.Device_UID__c === ok)).not.toHaveProperty('Key_Change_Approved__c');
    registeredElsewhere(env, dup);
    const refused = await provision(env, dup);
    expect(refused.error?.code).toBe('CLONE_SUSPECTED');
    expect(refused.steps.find((s) => s.state === 'failed')?.name).toBe('policy');
    expect(issuedCount(env.station.home, dup)).toBe(0);
    const warned = await warnings(env);
    expect(warned).toHaveLength(1);
    expect(warned[0]!.message).toMatch(/Key_Fingerprint__c is not unique/);
    expect(warned[0]!.message).toMatch(/deploy the updated Asset Station package/);
  }, 90_000);
});
