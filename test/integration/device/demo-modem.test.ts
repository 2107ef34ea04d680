/**
 * `asset-station demo` (the README's `npm run demo`) includes a simulated Nordic nRF91 modem beside the
 * protocol v1 devices, on PTYs through the real serial stack: it is provisioned end to end (the
 * certificate the modem keeps is for the key it generated inside), the summary names each device's
 * family, and a second run on the same home finds the modem (its credentials kept in the home) already
 * provisioned, like the devices.
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodePemAll } from '../../../core/pki/pem';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-modem-'));
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const demo = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, ...args, 'demo'], {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: '' },
  });

describe('demo with an nRF91 modem', () => {
  it('provisions 4 protocol v1 devices and 1 nRF91 modem, and says which family each was', () => {
    const r = demo('--json');
    expect(r.status, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      summary: Record<string, unknown> & { deviceFamilies: Array<{ uid: string; family: string }> };
      records: Array<{ deviceUid: string; outcome: string; assetId?: string }>;
      verify: Array<{ deviceUid: string; passed: boolean }>;
    };
    expect(result.summary).toMatchObject({
      devices: 5,
      provisioned: 5,
      newlyProvisioned: 5,
      verified: 5,
      byFamily: { as1: 4, nrf91: 1 },
    });
    const modem = result.summary.deviceFamilies.find((d) => d.family === 'nrf91')!;
    expect(modem.uid).toMatch(/^IMEI-\d{15}$/);
    expect(result.summary.deviceFamilies.filter((d) => d.family === 'as1').map((d) => d.uid)).toEqual([
      'SIM-0001',
      'SIM-0002',
      'SIM-0003',
      'SIM-0004',
    ]);
    const rec = result.records.find((x) => x.deviceUid === modem.uid);
    expect(rec).toMatchObject({ outcome: 'succeeded', assetId: expect.stringMatching(/^02i/) });
    expect(result.verify.find((v) => v.deviceUid === modem.uid)?.passed).toBe(true);

    // The modem (its state kept in the home) holds a certificate for the key it generated inside.
    const imei = modem.uid.slice('IMEI-'.length);
    const st = JSON.parse(fs.readFileSync(path.join(home, 'sim', 'modem-state', `${imei}.json`), 'utf8')) as {
      creds: Record<string, string>;
      keys: Record<string, { spki: string }>;
    };
    const leaf = new crypto.X509Certificate(Buffer.from(decodePemAll(st.creds['2024,1']!)[0]!.der));
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')).toBe(
      st.keys['2024']!.spki,
    );
    expect(leaf.subject).toContain(`CN=${modem.uid}`);
    expect(
      (fs.statSync(path.join(home, 'sim', 'modem-state', `${imei}.json`)).mode & 0o777).toString(8),
    ).toBe('600');
  }, 150_000);

  it('a second run finds every device, the modem included, already provisioned and says so by family', () => {
    const r = demo();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5\/5 provisioned \(0 new, 5 already\), 5\/5 verified, 5 Assets in the org/);
    expect(r.stdout).toContain(
      'by family: protocol v1 firmware 4/4, Nordic nRF91 modem (AT commands) 1/1 provisioned',
    );
    expect(r.stdout).toMatch(/IMEI-\d{15} +Nordic nRF91 modem \(AT commands\)/);
    expect(r.stdout).toMatch(/SIM-0001 +protocol v1 firmware/);
  }, 150_000);

  it('after the demo, journal list keeps its columns aligned around the 20-character modem ID, and audit verify says what to do when the org is gone', () => {
    const cli = (passphrase: string, ...args: string[]) =>
      spawnSync(process.execPath, ['bin/asset-station.js', '--home', home, ...args], {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ASSET_STATION_VAULT_PASSPHRASE: passphrase },
      });
    const list = cli('', 'journal', 'list');
    expect(list.status, list.stderr).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    const assetCol = lines[0]!.indexOf('Asset ID');
    const rows = lines.slice(1).filter((l) => / (SIM-\d{4}|IMEI-\d{15}) /.test(l));
    expect(rows.some((l) => /IMEI-\d{15}/.test(l))).toBe(true);
    for (const row of rows) expect(row.slice(assetCol, assetCol + 3), row).toBe('02i');

    // The demo's org emulator stopped with the demo: the anchor cannot be checked, and the output says why and what to do.
    const audit = cli('asset-station-demo-only', 'audit', 'verify');
    expect(audit.status, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/audit log intact: \d+ entries/);
    expect(audit.stdout).toMatch(/Salesforce anchor not checked: .*\nwhat to do: .*org login/);
  }, 150_000);
});
