/**
 * Provisioning batches through the real saga with the station CA's issuing key in a SoftHSM2 token:
 * simulated devices on PTYs (or loopback TCP where socat is missing) through the real device stack,
 * the org emulator over HTTP through jsforce, and the issuing CA certified by an offline root made
 * with openssl (`ca request` → `openssl x509 -req` → `ca install`, the ceremony of docs/pki.md §8).
 *
 * - every certificate the batch issues verifies to that root with `openssl verify -x509_strict`, and
 *   carries the station settings' full subject (C and serialNumber PrintableString);
 * - the token pulled out mid-batch: the jobs pause at "Sign certificate" saying to reconnect the HSM
 *   token, nothing is half-issued, and they carry on when it is back; left out too long, the job fails
 *   keeping its progress and Retry finishes it;
 * - a revoked device: `ca revoke` lists it in the CRL (`openssl crl -text`) and flags its org Asset
 *   (Certificate_Status__c = Revoked; queued while the org is unreachable, sent by `ca org-sync`), QA
 *   verify refuses it, the station will not call it provisioned, and a job that meets its revoked key
 *   is quarantined (CERT_REVOKED, no Retry) until an admin re-provisions it with a new key.
 *
 * Skipped, saying why, only when SoftHSM2 is not installed (`.ci/run` installs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, Step } from '../../../shared/domain';
import { failureClass } from '../../../shared/failure-class';
import { loadConfig, saveConfig } from '../../../core/config';
import { StationCa } from '../../../core/pki';
import { FileVault, VAULT_PASSPHRASE_ENV } from '../../../core/secrets';
import { DEMO_ADMIN_PIN, DEMO_VAULT_PASSPHRASE, startEmbedded, type Embedded } from '../../../dev/embedded';
import { loadState, type DeviceState } from '../../../sim/device/state';
import { issuedCount } from '../provisioning/db-counts';
import { tempDirs } from './helpers';
import {
  crlText,
  makeOfflineRoot,
  nameStringTypes,
  opensslVerify,
  pemFile,
  type OfflineRoot,
} from './openssl';
import { makeSoftHsm, softHsmModule, type SoftHsm } from './softhsm';

type RevokeJson = {
  revoked: Array<{ serial: string }>;
  org: {
    done: Array<{ serial: string; deviceUid: string; outcome: string }>;
    pending: number;
    error?: { message: string; remedy: string };
  };
};

const PIN = '97531';
const TOKEN = 'station-7';
const ROOT_DIR = path.resolve(__dirname, '../../..');

/** Why the file is skipped, or undefined when SoftHSM2 is installed. */
const missing = (() => {
  try {
    softHsmModule();
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
})();

const tmp = tempDirs('pki-hsm-saga-');

/** The station settings' subject template: every attribute a factory uses. */
const SUBJECT = {
  C: 'DE',
  ST: 'Bayern',
  L: 'München',
  O: 'Acme Devices',
  OU: 'Sensors',
  CN: '{uid}',
  serialNumber: '{uid}',
};

describe.skipIf(missing !== undefined)(
  `provisioning through the saga with the CA key in a SoftHSM2 token${missing ? ` — skipped: ${missing}` : ''}`,
  { timeout: 120_000 },
  () => {
    let hsm: SoftHsm;
    let home: string;
    let work: string;
    let root: OfflineRoot;
    let env: Embedded;
    const passphrase = process.env[VAULT_PASSPHRASE_ENV] || DEMO_VAULT_PASSPHRASE;

    beforeAll(async () => {
      hsm = makeSoftHsm(TOKEN, PIN);
      home = tmp();
      work = tmp();
      const vault = FileVault.inHome(home, passphrase);
      const ca = await StationCa.init(home, vault, {
        subjectO: 'Acme Devices',
        pkcs11: { module: hsm.module, token: TOKEN, keyLabel: 'issuing-ca' },
        env: { ASSET_STATION_TOKEN_PIN: PIN },
      });
      try {
        // The offline-root ceremony: the station's CSR (signed in the token), certified by an openssl root.
        root = makeOfflineRoot(path.join(work, 'root'));
        const csr = pemFile(
          work,
          'station7.csr',
          await ca.request('/C=DE/O=Acme Devices/CN=Acme Station 7 Issuing CA'),
          'CERTIFICATE REQUEST',
        );
        const cert = root.sign(csr, path.join(work, 'station7-ca.pem'));
        ca.install(fs.readFileSync(cert), fs.readFileSync(root.cert));
      } finally {
        ca.close();
      }
      const config = loadConfig(home);
      saveConfig(home, { ...config, device: { ...config.device, subject: SUBJECT } });
      env = await startEmbedded({
        home,
        devices: 6,
        keygenDelayMs: 50,
        watch: false,
        reconnectWindowMs: 6000,
      });
    });
    afterAll(async () => {
      await env?.stop();
      hsm?.remove();
    });

    /**
     * Runs the asset-station CLI on the station home (a child process, as an operator runs it). Not
     * spawnSync: the org emulator it talks to runs in this process.
     */
    function cli(
      args: string[],
      json = true,
    ): Promise<{ status: number | null; stdout: string; stderr: string }> {
      const child = spawn(
        process.execPath,
        [path.join(ROOT_DIR, 'bin/asset-station.js'), '--home', home, ...(json ? ['--json'] : []), ...args],
        { env: { ...process.env, ...hsm.env, [VAULT_PASSPHRASE_ENV]: passphrase }, timeout: 60_000 },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
    }

    const bays = async () => (await env.station.listBays({})).sort((a, b) => a.id.localeCompare(b.id));
    const uidOf = async (i: number) => (await bays())[i]!.device!.uid;
    const chainOf = (uid: string) => loadState(home, uid).slots[0]!.chain;

    async function provision(indexes: number[]): Promise<Job[]> {
      const all = await bays();
      const started = await Promise.all(
        indexes.map((i) => env.station.startJob({ bayId: all[i]!.id, kind: 'provision' })),
      );
      return Promise.all(started.map((j) => env.station.waitForJob(j.id)));
    }

    /** Resolves with the first step event of each job in `count` jobs that `match`es. */
    function pausedJobs(count: number, match: (s: Step) => boolean): Promise<Map<string, Step>> {
      const seen = new Map<string, Step>();
      return new Promise((resolve) => {
        const off = env.station.subscribe((event, payload) => {
          const p = payload as { jobId: string; step: Step };
          if (event !== 'step' || !match(p.step) || seen.has(p.jobId)) return;
          seen.set(p.jobId, p.step);
          if (seen.size === count) {
            off();
            resolve(seen);
          }
        });
      });
    }

    function expectVerifiesToRoot(uid: string): void {
      const chain = chainOf(uid);
      expect(chain, uid).toHaveLength(3);
      expect(Buffer.from(chain[2]!).toString('base64')).toBe(
        fs.readFileSync(root.cert, 'utf8').replace(/-----[A-Z ]+-----|\s/g, ''),
      );
      const v = opensslVerify(work, chain[0]!, [chain[1]!], root.cert);
      expect(v.out, uid).toMatch(/: OK/);
      expect(v.ok).toBe(true);
    }

    it('a batch signs with the token key: every certificate verifies to the offline root (-x509_strict) with the full subject', async () => {
      const jobs = await provision([0, 1, 2]);
      expect(jobs.map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      const assets = env.org.assets();
      for (const i of [0, 1, 2]) {
        const uid = await uidOf(i);
        expectVerifiesToRoot(uid);
        expect(issuedCount(home, uid)).toBe(1);
        expect(assets.find((a) => a.Device_UID__c === uid)).toBeDefined();
        const leaf = pemFile(work, `leaf-${uid}.pem`, chainOf(uid)[0]!);
        const subject = spawnSync(
          'openssl',
          ['x509', '-in', leaf, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'],
          { encoding: 'utf8' },
        ).stdout.trim();
        expect(subject).toBe(
          `subject=serialNumber=${uid},CN=${uid},OU=Sensors,O=Acme Devices,L=München,ST=Bayern,C=DE`,
        );
        expect(Object.fromEntries(nameStringTypes(leaf).slice(-7))).toMatchObject({
          countryName: 'PRINTABLESTRING',
          stateOrProvinceName: 'UTF8STRING',
          commonName: 'UTF8STRING',
          serialNumber: 'PRINTABLESTRING',
        });
      }
      // The issuing key never left the token: the CA folder holds no key file.
      expect(fs.readdirSync(path.join(home, 'ca')).filter((f) => /key/.test(f))).toEqual([]);
    });

    it('token pulled mid-batch: jobs pause at Sign asking to reconnect the HSM token, nothing half-issued, and carry on when it is back', async () => {
      const plugBack = hsm.backupToken(TOKEN);
      hsm.removeToken(TOKEN);
      const paused = pausedJobs(
        2,
        (s) => s.name === 'sign' && /reconnect the HSM token/.test(s.detail ?? ''),
      );
      const all = await bays();
      const started = await Promise.all(
        [3, 4].map((i) => env.station.startJob({ bayId: all[i]!.id, kind: 'provision' })),
      );
      const notes = await paused;
      for (const s of notes.values()) expect(s.state).toBe('running');
      for (const i of [3, 4]) {
        const uid = await uidOf(i);
        expect(issuedCount(home, uid)).toBe(0);
        expect(env.sim.device(uid).snapshot().certInstalled).toBe(false);
        expect(env.org.assets().find((a) => a.Device_UID__c === uid)).toBeUndefined();
      }
      for (const j of started) expect((await env.station.getJob({ jobId: j.id })).state).toBe('running');
      plugBack();
      const done = await Promise.all(started.map((j) => env.station.waitForJob(j.id)));
      expect(done.map((j) => j.state)).toEqual(['succeeded', 'succeeded']);
      for (const i of [3, 4]) {
        const uid = await uidOf(i);
        expect(issuedCount(home, uid)).toBe(1);
        expectVerifiesToRoot(uid);
      }
    });

    it('token left out past the wait: the job fails keeping its progress (reconnect, then Retry), and Retry finishes it', async () => {
      const plugBack = hsm.backupToken(TOKEN);
      hsm.removeToken(TOKEN);
      const uid = await uidOf(5);
      const started = await env.station.startJob({ bayId: (await bays())[5]!.id, kind: 'provision' });
      const failed = await env.station.waitForJob(started.id);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'CA_SIGNER_UNAVAILABLE' });
      expect(failed.error!.message).toMatch(/HSM token/);
      expect(failed.error!.remedy).toMatch(/Reconnect the HSM token/);
      expect(failed.error!.remedy).toMatch(/press Retry to resume at "Sign/);
      expect(failureClass(failed.error!.code)).toBe('CONFIGURATION');
      expect(issuedCount(home, uid)).toBe(0);
      expect(env.sim.device(uid).snapshot().certInstalled).toBe(false);
      plugBack();
      const retried = await env.station.retryJob({ jobId: started.id });
      expect(retried.id).toBe(started.id);
      expect((await env.station.waitForJob(started.id)).state).toBe('succeeded');
      expect(issuedCount(home, uid)).toBe(1);
      expectVerifiesToRoot(uid);
    });

    it('a revoked device: in the CRL, refused by QA verify, not "provisioned", and a job meeting its key is quarantined', async () => {
      const uid = await uidOf(0);
      const bayId = (await bays())[0]!.id;
      const revoke = await cli(['ca', 'revoke', uid, '--reason', 'keyCompromise', '--note', 'clone found']);
      expect(revoke.stderr + revoke.stdout).not.toMatch(/error/i);
      expect(revoke.status).toBe(0);
      const out = JSON.parse(revoke.stdout) as RevokeJson;
      const serial = out.revoked[0]!.serial;
      // The org was reachable: the device's Asset is flagged at once.
      const asset = () => env.org.assets().find((a) => a.Device_UID__c === uid)!;
      expect(out.org).toMatchObject({ pending: 0, done: [{ serial, deviceUid: uid, outcome: 'flagged' }] });
      expect(asset().Certificate_Status__c).toBe('Revoked');
      expect(asset().Cert_Serial__c).toBe(serial);
      // The CRL the token signed lists it (openssl crl -text).
      expect(crlText(path.join(home, 'ca', 'crl.pem'))).toMatch(
        new RegExp(`Serial Number: ${serial.toUpperCase()}[\\s\\S]*?Key Compromise`),
      );
      // QA verify refuses the device.
      const report = await env.station.verifyDevice({ bayId });
      expect(report.passed).toBe(false);
      expect(report.checks.find((c) => !c.passed)?.detail).toMatch(/revoked on .*\(keyCompromise\)/);
      // Start does not call it provisioned: it is quarantined.
      await expect(env.station.startJob({ bayId, kind: 'provision' })).rejects.toMatchObject({
        code: 'CERT_REVOKED',
        message: expect.stringMatching(/revoked .*quarantined/),
      });
      // The device loses its certificate but keeps its key: a new job meets the revoked key at Sign.
      const state = (env.sim.device(uid) as unknown as { commands: { state: DeviceState } }).commands.state;
      state.slots[0]!.chain = [];
      const job = await env.station.startJob({ bayId, kind: 'provision' });
      const failed = await env.station.waitForJob(job.id);
      expect(failed.state).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'CERT_REVOKED' });
      expect(failureClass('CERT_REVOKED')).toBe('DEVICE REFUSED');
      expect(failed.steps.find((s) => s.name === 'sign')?.state).toBe('failed');
      expect(issuedCount(home, uid)).toBe(1);
      // Quarantined: neither Retry nor Start resumes it.
      await expect(env.station.retryJob({ jobId: job.id })).rejects.toMatchObject({
        code: 'CERT_REVOKED',
        message: expect.stringMatching(/quarantined and the job cannot be resumed/),
        remedy: expect.stringMatching(/re-provision/),
      });
      await expect(env.station.startJob({ bayId, kind: 'provision' })).rejects.toMatchObject({
        code: 'CERT_REVOKED',
      });
      expect((await env.station.getJob({ jobId: job.id })).state).toBe('failed');
      // An admin re-provision gives the device a new key and a new certificate under the root.
      const again = await env.station.startJob({
        bayId,
        kind: 'provision',
        reprovision: true,
        adminPin: DEMO_ADMIN_PIN,
        inputs: { reason: 'key compromise: new identity' },
      });
      expect((await env.station.waitForJob(again.id)).state).toBe('succeeded');
      expect(issuedCount(home, uid)).toBe(2);
      expectVerifiesToRoot(uid);
      // The Asset now names the new certificate, valid again.
      expect(asset().Cert_Serial__c).not.toBe(serial);
      expect(asset().Certificate_Status__c).toBe('Valid');
    });

    it('org unreachable at revoke: the Asset flag is queued, said so, and `ca org-sync` sends it later', async () => {
      const uid = await uidOf(1);
      const asset = () => env.org.assets().find((a) => a.Device_UID__c === uid)!;
      expect(asset().Certificate_Status__c).toBe('Valid');
      env.org.faults.serverErrors = 1000; // every REST call answers 503
      const revoke = await cli(['ca', 'revoke', uid, '--reason', 'superseded']);
      env.org.faults.serverErrors = 0;
      expect(revoke.status).toBe(0); // the revocation itself stands: recorded, in the CRL
      const out = JSON.parse(revoke.stdout) as RevokeJson;
      const serial = out.revoked[0]!.serial;
      expect(crlText(path.join(home, 'ca', 'crl.pem'))).toContain(`Serial Number: ${serial.toUpperCase()}`);
      expect(out.org.pending).toBe(1);
      expect(out.org.done).toEqual([]);
      expect(out.org.error!.message).toMatch(/could not be sent to Salesforce/);
      expect(out.org.error!.remedy).toMatch(/asset-station ca org-sync/);
      expect(asset().Certificate_Status__c).toBe('Valid');
      // Human output says the same.
      const sync = await cli(['ca', 'org-sync'], false);
      expect(sync.status).toBe(0);
      expect(sync.stdout).toContain(
        `org: serial ${serial} (${uid}): Asset flagged Certificate_Status__c = Revoked`,
      );
      expect(asset().Certificate_Status__c).toBe('Revoked');
      // Sent once: nothing left.
      const again = await cli(['ca', 'org-sync'], false);
      expect(again.stdout).toContain('org: nothing to flag.');
    });
  },
);
