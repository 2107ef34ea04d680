/**
 * Runs `asset-station … --json provision --port <locator>` as a real child process (what a station
 * operator runs) and collects its NDJSON lines; can SIGKILL it right after a step is reported done.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem, prepareHome } from '../../../dev/embedded';
import { FileVault } from '../../../core/secrets';
import { startDeviceSimulator, type DeviceSimulator } from '../../../sim/device';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';

/** A station home for the CLI with its own org emulator and simulated RSA devices on real PTYs. */
export interface CliHome {
  home: string;
  passphrase: string;
  org: OrgEmulator;
  sim: DeviceSimulator;
  stop(): Promise<void>;
}

/**
 * Prepares a fresh home (development CA, JWT key, config for the emulator) and starts `count` devices
 * whose key generation takes `keygenDelayMs` (ms).
 */
export async function startCliHome(passphrase: string, count: number, keygenDelayMs = 100): Promise<CliHome> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-home-'));
  const vault = FileVault.inHome(home, passphrase);
  const org = await startOrgEmulator({
    home: path.join(home, 'org'),
    jwtBearerCertPem: await jwtPublicKeyPem(vault),
    assetAudience: DEMO_ASSET_AUDIENCE,
  });
  await prepareHome(home, vault, org);
  const sim = await startDeviceSimulator({
    home,
    count,
    keyAlgorithms: ['RSA-2048'],
    keygenDelayMs,
    transport: 'pty',
  });
  return {
    home,
    passphrase,
    org,
    sim,
    async stop() {
      await sim.stop();
      await org.stop();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: Array<Record<string, unknown>>;
  /** All of stdout (the `--json` error object spans several lines). */
  stdout: string;
  stderr: string;
}

/**
 * Provisions the device on `locator` in station home `home` (vault passphrase `passphrase`). With
 * `killAfter`, the process is killed with SIGKILL once that step is reported done or skipped.
 */
export function provisionCli(
  home: string,
  passphrase: string,
  locator: string,
  killAfter?: string,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['bin/asset-station.js', '--home', home, '--json', 'provision', '--port', locator],
      {
        env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: passphrase },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
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
    child.on('exit', (code, signal) => resolve({ code, signal, lines, stdout, stderr }));
  });
}
