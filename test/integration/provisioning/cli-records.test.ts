/**
 * The records and audit CLI on a real provisioned home: `journal list|show|export` and
 * `audit verify`, which must pass on an untouched log and fail (exit 1, with what to do) after an
 * entry is edited in the database behind the station's back.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VAULT_PASSPHRASE, startEmbedded } from '../../../dev/embedded';
import { openStationDb } from '../../../core/records/db';

let home: string;

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, ...args], {
    env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: DEMO_VAULT_PASSPHRASE },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-records-'));
  const env = await startEmbedded({ home, devices: 2, keygenDelayMs: 50, watch: false });
  try {
    const bays = await env.station.listBays({});
    const jobs = await Promise.all(
      bays.map((b) =>
        env.station.startJob({ bayId: b.id, kind: 'provision', inputs: { workOrder: 'WO-9' } }),
      ),
    );
    await Promise.all(jobs.map((j) => env.station.waitForJob(j.id)));
  } finally {
    await env.stop();
  }
}, 60_000);

afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('journal and audit CLI', () => {
  it('lists, shows and exports the records', () => {
    const list = cli('--json', 'journal', 'list');
    expect(list.code).toBe(0);
    const records = JSON.parse(list.stdout) as Array<{
      jobId: string;
      deviceUid: string;
      outcome: string;
      assetId: string;
    }>;
    expect(records.map((r) => r.deviceUid).sort()).toEqual(['SIM-0001', 'SIM-0002']);
    expect(records.every((r) => r.outcome === 'succeeded' && r.assetId.startsWith('02i'))).toBe(true);

    const show = cli('journal', 'show', records[0]!.jobId);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/done\s+read-back/);

    const csv = cli('journal', 'export', '--format', 'csv');
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('WO-9');

    const labelFile = path.join(home, 'label.svg');
    const label = cli('journal', 'label', records[0]!.jobId, '--out', labelFile);
    expect(label.code, label.stderr).toBe(0);
    const svg = fs.readFileSync(labelFile, 'utf8');
    expect(svg).toContain(records[0]!.deviceUid);
    expect(svg).toContain(records[0]!.assetId);

    const bad = cli('journal', 'export', '--format', 'xml');
    expect(bad.code).toBe(2); // a usage error (cli/context.ts)
    expect(bad.stderr).toContain('what to do: Use --format csv or --format json.');
  });

  it('audit verify passes on the untouched log and fails after an edit', () => {
    const ok = cli('audit', 'verify');
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/audit log intact: \d+ entries/);

    const db = openStationDb(home);
    db.prepare(
      `UPDATE audit SET device_uid = 'SIM-9999' WHERE seq = (SELECT MIN(seq) FROM audit WHERE device_uid IS NOT NULL)`,
    ).run();
    db.close();
    const broken = cli('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/The audit log is broken: entry \d+ was altered/);
    expect(broken.stderr).toContain('what to do:');
  });
});
