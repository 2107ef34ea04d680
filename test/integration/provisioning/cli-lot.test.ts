/**
 * `asset-station provision --lot <id>` (issue 17): the lot is journaled as the job input `lot` (what the
 * yield analytics and QA lots read), `report --json --lot` counts the device, and a bad --lot is a usage
 * error (exit 2) before any device is touched. Real child processes, simulated devices on PTYs, the org
 * emulator over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationDb } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { runCli } from '../fleet/fleet-helpers';
import { startCliHome, type CliHome } from './cli-run';

const PASS = 'cli-lot-input-passphrase';
let h: CliHome;

beforeAll(async () => {
  h = await startCliHome(PASS, 2, 20);
}, 60_000);
afterAll(async () => h?.stop());

/** The inputs of the device's provisioning jobs, read from the journal. */
function jobInputs(uid: string): Array<Record<string, string>> {
  const db = openStationDb(h.home);
  try {
    return new Journal(db)
      .allJobs(100)
      .filter((j) => j.kind === 'provision' && j.deviceUid === uid)
      .map((j) => j.inputs as Record<string, string>);
  } finally {
    db.close();
  }
}

describe('CLI: provision --lot', () => {
  it('journals the lot as the job input and the yield report counts the device under it', async () => {
    const [d1, d2] = h.sim.devices;
    const bad = await runCli(h.home, PASS, ['provision', '--port', d1!.locator, '--lot', '  ']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--lot must be 1 to 64 characters, not '  '");
    expect(bad.stderr).toContain('--lot LOT-12');
    expect(jobInputs(d1!.uid)).toEqual([]); // nothing was started

    const tooLong = await runCli(h.home, PASS, [
      'provision',
      '--port',
      d1!.locator,
      '--work-order',
      'W'.repeat(65),
    ]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr).toContain('--work-order must be 1 to 64 characters');

    const p = await runCli(h.home, PASS, [
      'provision',
      '--port',
      d1!.locator,
      '--work-order',
      'WO-31',
      '--lot',
      ' LOT-7 ',
    ]);
    expect(p.code, p.stderr).toBe(0);
    expect(jobInputs(d1!.uid)).toEqual([{ workOrder: 'WO-31', lot: 'LOT-7' }]);
    const other = await runCli(h.home, PASS, ['provision', '--port', d2!.locator, '--work-order', 'WO-31']);
    expect(other.code, other.stderr).toBe(0);
    expect(jobInputs(d2!.uid)).toEqual([{ workOrder: 'WO-31' }]);

    const byLot = await runCli(h.home, PASS, ['report', '--json', '--lot', 'LOT-7']);
    expect(byLot.code, byLot.stderr).toBe(0);
    const report = JSON.parse(byLot.stdout) as {
      totals: { units: number; firstPass: number };
      breakdowns: { lot: Array<{ key: string; units: number }> };
    };
    expect(report.totals).toMatchObject({ units: 1, firstPass: 1 });
    const all = JSON.parse((await runCli(h.home, PASS, ['report', '--json'])).stdout) as typeof report;
    expect(all.totals.units).toBe(2);
    expect(all.breakdowns.lot.map((g) => [g.key, g.units]).sort()).toEqual([
      ['(none)', 1],
      ['LOT-7', 1],
    ]);
  }, 120_000);
});
