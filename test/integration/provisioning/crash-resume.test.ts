/**
 * The crash-resume matrix: the station process (`asset-station provision --json`, a real child
 * process) is killed with SIGKILL right after each step of the saga finishes, then run again on the
 * same home. Afterwards every device must hold exactly one certificate from the CA's index and the org
 * exactly one Asset for it, and the device must hold that Asset's ID — no duplicates, nothing lost.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISION_STEPS } from '../../../shared/domain';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome } from '../../../dev/embedded';
import { issuedCount, provisionJobCount } from './db-counts';
import { FileVault } from '../../../core/secrets';
import { startDeviceSimulator, type DeviceSimulator } from '../../../sim/device';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';

const PASS = 'crash-resume-test-vault';
let home: string;
let org: OrgEmulator;
let sim: DeviceSimulator;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'crash-'));
  const vault = FileVault.inHome(home, PASS);
  org = await startOrgEmulator({
    home: path.join(home, 'org'),
    jwtBearerCertPem: await jwtPublicKeyPem(vault),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  await prepareHome(home, vault, org);
  sim = await startDeviceSimulator({
    home,
    count: PROVISION_STEPS.length,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs: 100,
    transport: 'pty',
  });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  await org?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Array<Record<string, unknown>>;
  stderr: string;
}

/** Runs `provision` for one locator; kills the process with SIGKILL once `killAfter` is reported done. */
function provision(locator: string, killAfter?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['bin/asset-station.js', '--home', home, '--json', 'provision', '--port', locator],
      {
        env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASS },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      lines.push(msg);
      if (
        killAfter &&
        msg.type === 'step' &&
        msg.name === killAfter &&
        (msg.state === 'done' || msg.state === 'skipped')
      ) {
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, lines, stderr }));
  });
}

describe('crash-resume matrix (SIGKILL after every step)', () => {
  it.each(PROVISION_STEPS.map((step, i) => [step, i] as const))(
    'killed after %s: resumes to exactly one certificate and one Asset',
    async (step, i) => {
      const dev = sim.devices[i]!;
      const killed = await provision(dev.locator, step);
      // It was killed (or, after the last step, may have finished just before the signal landed).
      expect(killed.signal === 'SIGKILL' || killed.code === 0, killed.stderr).toBe(true);
      expect(killed.lines.some((l) => l.type === 'step' && l.name === step && l.state === 'done')).toBe(true);

      const resumed = await provision(dev.locator);
      expect(resumed.code, resumed.stderr + JSON.stringify(resumed.lines.slice(-3))).toBe(0);

      const assets = org.assets().filter((a) => a.Device_UID__c === dev.uid);
      expect(assets).toHaveLength(1);
      expect(issuedCount(home, dev.uid)).toBe(1);
      expect(provisionJobCount(home, dev.uid)).toBe(1);
      const snap = sim.device(dev.uid).snapshot();
      expect(snap.certInstalled).toBe(true);
      expect(snap.assetId).toBe(assets[0]!.Id);
    },
    120_000,
  );
});
