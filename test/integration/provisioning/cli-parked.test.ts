/**
 * The CLI during an org outage (core/jobs/parking.ts): `provision` finishes the device side, prints the
 * parked job and exits 3 (not 0, not 1) with what to do; `jobs parked` lists it; `jobs drain` says the
 * org is still out of reach (exit 1), then registers it once the org is back; `provision` again stores
 * the Asset ID — one Asset. Real child processes, a simulated device on a PTY, the org emulator over HTTP.
 */
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_ASSET_AUDIENCE, jwtPublicKeyPem } from '../../../dev/embedded';
import { FileVault } from '../../../core/secrets';
import { startOrgEmulator, type OrgEmulator } from '../../../sim/org';
import { runCli } from '../fleet/fleet-helpers';
import { startCliHome, type CliHome } from './cli-run';

const PASS = 'cli-parked-passphrase';
let h: CliHome | undefined;
let back: OrgEmulator | undefined;

afterAll(async () => {
  await back?.stop();
  await h?.stop();
});

describe('CLI: provision during an org outage', () => {
  it('parks (exit 3), lists, drains when the org is back, and provision again finishes the device', async () => {
    h = await startCliHome(PASS, 1, 20);
    const { home, sim } = h;
    const dev = sim.devices[0]!;
    const port = h.org.port;
    await h.org.stop(); // connection refused

    const first = await runCli(home, PASS, ['provision', '--port', dev.locator]);
    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(new RegExp(`1 parked job\\(s\\):\\n  ${dev.uid} .* waiting for Salesforce`));
    expect(first.stderr).toContain('1 of 1 device(s) parked, waiting for Salesforce');
    expect(first.stderr).toContain('asset-station jobs drain');
    // issue 18: nothing reaches the device before the org has accepted the identity
    expect(sim.device(dev.uid).snapshot()).toMatchObject({ certInstalled: false });

    const listed = await runCli(home, PASS, ['--json', 'jobs', 'parked']);
    expect(listed.code).toBe(0);
    const jobs = JSON.parse(listed.stdout) as Array<{ deviceUid: string; state: string }>;
    expect(jobs.map((j) => [j.deviceUid, j.state])).toEqual([[dev.uid, 'parked']]);

    const still = await runCli(home, PASS, ['jobs', 'drain']);
    expect(still.code).toBe(1);
    expect(still.stderr).toMatch(/Salesforce is still out of reach, so the parked jobs stay parked/);

    back = await startOrgEmulator({
      home: path.join(home, 'org'),
      port,
      jwtBearerCertPem: await jwtPublicKeyPem(FileVault.inHome(home, PASS)),
      assetAudience: DEMO_ASSET_AUDIENCE,
    });
    const drained = await runCli(home, PASS, ['jobs', 'drain']);
    expect(drained.code).toBe(0);
    expect(drained.stdout).toContain('Salesforce answered: 1 job(s) registered.');
    expect(drained.stdout).toMatch(new RegExp(`${dev.uid} .* waiting for its device \\(plug it in again\\)`));
    expect(back.assets()).toHaveLength(1);

    const again = await runCli(home, PASS, ['provision', '--port', dev.locator]);
    expect(again.code).toBe(0);
    expect(back.assets()).toHaveLength(1);
    expect(sim.device(dev.uid).snapshot().assetId).toBe(back.assets()[0]!.Id);
    expect(sim.device(dev.uid).snapshot().certInstalled).toBe(true);
    const none = await runCli(home, PASS, ['jobs', 'parked']);
    expect(none.stdout.trim()).toBe('No parked jobs.');
    // The park was no device failure: the device passed first time (docs/analytics.md, parked attempts).
    const report = await runCli(home, PASS, ['report', '--json']);
    expect(report.code, report.stderr).toBe(0);
    expect(JSON.parse(report.stdout).totals).toMatchObject({ units: 1, firstPass: 1, failures: 0 });
  }, 180_000);
});
