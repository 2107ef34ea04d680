/**
 * `asset-station lot` as a QA inspector runs it (child processes, simulated devices on real PTYs, the
 * org emulator over HTTP): a lot of a work order plus a scanned unit that was never provisioned is
 * verified (exit 1: one device failed), cannot be accepted without a disposition, is accepted with one
 * by the signed-in QA inspector, and its CSV and PDF reports name the failed device and its checks.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseCsv } from '../../../sim/org/bulk-csv';
import { parseDisposition } from '../../../cli/commands/lot';
import { startCliHome, type CliHome } from '../provisioning/cli-run';
import { pdfText } from '../onboard/pdf-text';

const PASSPHRASE = 'cli-lot-test-vault';
let h: CliHome;
beforeAll(async () => {
  h = await startCliHome(PASSPHRASE, 3);
}, 60_000);
afterAll(async () => h?.stop());

/** Runs the CLI as a child process (the org emulator answers from this process meanwhile). */
function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; json: Record<string, unknown>; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/asset-station.js', '--home', h.home, '--json', ...args], {
      env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: PASSPHRASE, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (code) => {
      const last = out.trim().split('\n').filter(Boolean);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(out) as Record<string, unknown>;
      } catch {
        json = JSON.parse(last[last.length - 1] ?? '{}') as Record<string, unknown>;
      }
      resolve({ code, json, stderr });
    });
  });
}

it('create, add, verify, sign-off and report a lot from the command line', async () => {
  const [d1, d2, d3] = h.sim.devices;
  for (const d of [d1!, d2!]) {
    const p = await cli({}, 'provision', '--port', d.locator, '--work-order', 'WO-9');
    expect(p.code, p.stderr).toBe(0);
  }
  const usage = await cli({}, 'lot', 'create');
  expect(usage.code).toBe(2);
  const created = await cli({}, 'lot', 'create', '--work-order', 'WO-9', '--name', 'Line 1 batch');
  expect(created.code, created.stderr).toBe(0);
  const lotId = created.json.id as string;
  expect((created.json.devices as Array<{ deviceUid: string }>).map((d) => d.deviceUid)).toEqual([
    d1!.uid,
    d2!.uid,
  ]);
  expect((await cli({}, 'lot', 'add', lotId, d3!.uid)).code).toBe(0);

  const verified = await cli(
    {},
    'lot',
    'verify',
    lotId,
    '--port',
    d1!.locator,
    '--port',
    d2!.locator,
    '--port',
    d3!.locator,
  );
  expect(verified.code).toBe(1); // one device failed
  const devices = verified.json.devices as Array<{ deviceUid: string; verification: { passed: boolean } }>;
  expect(devices.map((d) => [d.deviceUid, d.verification.passed])).toEqual([
    [d1!.uid, true],
    [d2!.uid, true],
    [d3!.uid, false],
  ]);

  // operators: the first account is an admin, who adds a QA inspector
  const pin = { ASSET_STATION_NEW_OPERATOR_PIN: '975310' };
  expect((await cli(pin, 'operator', 'add', 'boss', '--name', 'Ada Admin', '--role', 'admin')).code).toBe(0);
  const asBoss = { ASSET_STATION_OPERATOR: 'boss', ASSET_STATION_OPERATOR_PIN: '975310' };
  const addQa = await cli(
    { ...asBoss, ASSET_STATION_NEW_OPERATOR_PIN: '2468' },
    'operator',
    'add',
    'quinn',
    '--name',
    'Quinn Inspector',
    '--role',
    'qa',
  );
  expect(addQa.code, addQa.stderr).toBe(0);
  const asQa = { ASSET_STATION_OPERATOR: 'quinn', ASSET_STATION_OPERATOR_PIN: '2468' };

  const refused = await cli(asQa, 'lot', 'sign-off', lotId, '--accept');
  expect(refused.code).toBe(1);
  expect(refused.json).toMatchObject({
    error: { code: 'BAD_REQUEST', message: expect.stringContaining(d3!.uid) },
  });
  const signed = await cli(
    asQa,
    'lot',
    'sign-off',
    lotId,
    '--accept',
    '--disposition',
    `${d3!.uid}=rework:never provisioned`,
  );
  expect(signed.code, signed.stderr).toBe(0);
  expect(signed.json.signOff).toMatchObject({ verdict: 'accepted', login: 'quinn', name: 'Quinn Inspector' });

  const csvFile = path.join(h.home, 'lot.csv');
  expect((await cli(asQa, 'lot', 'report', lotId, '--format', 'csv', '--out', csvFile)).code).toBe(0);
  const [header, ...rows] = parseCsv(fs.readFileSync(csvFile, 'utf8'));
  const col = (n: string) => header!.indexOf(n);
  const fails = rows.filter((r) => r[col('result')] === 'fail');
  expect(new Set(fails.map((r) => r[col('deviceUid')]))).toEqual(new Set([d3!.uid]));
  expect(fails.map((r) => r[col('check')])).toContain('chain');
  expect(fails[0]![col('disposition')]).toBe('rework');

  const pdfFile = path.join(h.home, 'lot.pdf');
  expect((await cli(asQa, 'lot', 'report', lotId, '--out', pdfFile)).code).toBe(0);
  const { text } = await pdfText(fs.readFileSync(pdfFile));
  for (const s of [
    lotId,
    'Line 1 batch',
    `${d3!.uid}: FAIL`,
    'Failed: chain',
    'ACCEPTED',
    'Quinn Inspector (quinn)',
  ])
    expect(text).toContain(s);

  // no --out: the station home's reports folder (not the folder the command was typed in), path printed
  const byDefault = await cli(asQa, 'lot', 'report', lotId);
  expect(byDefault.code, byDefault.stderr).toBe(0);
  const inReports = path.join(h.home, 'reports', `qa-lot-${lotId}-accepted.pdf`);
  expect(byDefault.json).toMatchObject({ lotId, format: 'pdf', written: inReports });
  expect((await pdfText(fs.readFileSync(inReports))).text).toContain(lotId);
  expect(fs.existsSync(path.join(process.cwd(), path.basename(inReports)))).toBe(false);
  const csvDefault = await cli(asQa, 'lot', 'report', lotId, '--format', 'csv');
  expect(csvDefault.json.written).toBe(path.join(h.home, 'reports', `qa-lot-${lotId}-accepted.csv`));

  const list = await cli(asQa, 'lot', 'list');
  expect(list.json).toMatchObject([{ id: lotId, devices: 3, passed: 2, failed: 1 }]);
}, 240_000);

it('parses a disposition as UID=kind:reason and refuses anything else', () => {
  expect(parseDisposition('SIM-0002=quarantine:key does not match')).toEqual({
    deviceUid: 'SIM-0002',
    disposition: 'quarantine',
    note: 'key does not match',
  });
  expect(() => parseDisposition('SIM-0002=ship:fine')).toThrow(/is not UID=scrap\|rework\|quarantine:reason/);
  expect(() => parseDisposition('SIM-0002=scrap')).toThrow(/is not UID=/);
});
