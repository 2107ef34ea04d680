/**
 * Ctrl-C during `asset-station provision` (a real child process, a simulated device on a real PTY with
 * a slow key generation): the first SIGINT stops the job as `interrupted` — journaled by this process
 * and audited as the operator's stop, not left `running` for the next start to find — says where it
 * left the device in the screen's step words, and exits 130; the next `provision` resumes the same job
 * to the end (the second SIGINT: test/unit/cli/ctrl-c.test.ts).
 */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStationDb } from '../../../core/records/db';
import { provisionCli, startCliHome, type CliHome } from './cli-run';

const PASS = 'cli-ctrl-c-test-vault';
let env: CliHome;

beforeAll(async () => {
  env = await startCliHome(PASS, 2, 3000);
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

/**
 * Runs `provision` on `locator` and sends SIGINT `signals` times in a row once key generation
 * is running; `json` picks the output mode.
 */
function provisionAndCtrlC(locator: string, signals: number, json: boolean) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>((resolve) => {
    const args = ['bin/asset-station.js', '--home', env.home, ...(json ? ['--json'] : []), 'provision'];
    const child = spawn(process.execPath, [...args, '--port', locator], {
      env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sentAt = 0;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      // JSON lines show the running step; people's lines show identify done (keygen starts next).
      const keygenRunning = json
        ? line.includes('"name":"keygen"') && line.includes('"state":"running"')
        : /identify\s+✓/.test(line);
      if (sentAt || !keygenRunning) return;
      sentAt = Date.now();
      for (let i = 0; i < signals; i++) child.kill('SIGINT');
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: sentAt ? Date.now() - sentAt : -1 }));
  });
}

function jobRow(uid: string): { id: string; state: string } {
  const db = openStationDb(env.home);
  try {
    return db
      .prepare(`SELECT id, state FROM jobs WHERE device_uid = ? AND kind = 'provision' ORDER BY rowid DESC`)
      .get(uid) as { id: string; state: string };
  } finally {
    db.close();
  }
}

function auditActions(): Array<{ action: string; data: string }> {
  const db = openStationDb(env.home);
  try {
    return db.prepare(`SELECT * FROM audit ORDER BY seq`).all() as Array<{ action: string; data: string }>;
  } finally {
    db.close();
  }
}

it('first Ctrl-C: the job is journaled interrupted, the device named with where it was left, exit 130; provision resumes it', async () => {
  const dev = env.sim.devices[0]!;
  const r = await provisionAndCtrlC(dev.locator, 1, true);
  expect(r.ms, r.stderr).toBeGreaterThan(0);
  expect(r.code, r.stderr + r.stdout).toBe(130);
  const said = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .find((l) => l.type === 'interrupted');
  expect(said).toMatchObject({ deviceUid: dev.uid, state: 'interrupted' });
  expect(String(said!.message)).toMatch(
    /^Stopped during '(Generate key on device|Certificate request)': .*Run provision again/,
  );
  // Journaled by the stopping process itself (a job left running would read 'running' here).
  const row = jobRow(dev.uid);
  expect(row.state).toBe('interrupted');
  const audit = JSON.stringify(auditActions());
  expect(audit).toContain('the operator stopped the station');

  // The device itself still finishes the key generation it was given (the simulator's 3 s) and answers
  // BUSY even to HELLO until then: the rerun at once waits that out when it connects the bay
  // (core/bays/busy.ts) instead of failing.
  const resumed = await provisionCli(env.home, PASS, dev.locator);
  expect(resumed.code, resumed.stdout).toBe(0);
  expect(jobRow(dev.uid)).toEqual({ id: row.id, state: 'succeeded' });
}, 120_000);

it("Ctrl-C on people's output: the note on stderr, the device and where it was left on stdout, exit 130", async () => {
  const dev = env.sim.devices[1]!;
  const r = await provisionAndCtrlC(dev.locator, 1, false);
  expect(r.code, r.stderr).toBe(130);
  expect(r.stderr).toContain('press Ctrl-C again to quit at once');
  expect(r.stdout).toMatch(new RegExp(`^${dev.uid}: Stopped during '[^']+': .*Run provision again`, 'm'));
  expect(jobRow(dev.uid).state).toBe('interrupted');
}, 120_000);
