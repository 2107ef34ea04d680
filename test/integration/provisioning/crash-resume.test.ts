/**
 * The crash-resume matrix: the station process (`asset-station provision --json`, a real child
 * process) is killed with SIGKILL right after each step of the saga finishes, then run again on the
 * same home. Afterwards every device must hold exactly one certificate from the CA's index and the org
 * exactly one Asset for it, and the device must hold that Asset's ID — no duplicates, nothing lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISION_STEPS } from '../../../shared/domain';
import { provisionCli, startCliHome, type CliHome } from './cli-run';
import { issuedCount, provisionJobCount } from './db-counts';

let env: CliHome;
let home: string;

beforeAll(async () => {
  env = await startCliHome('crash-resume-test-vault', PROVISION_STEPS.length);
  home = env.home;
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

/** Provisions the device on `locator`; kills the process with SIGKILL once `killAfter` is reported done. */
const provision = (locator: string, killAfter?: string) =>
  provisionCli(home, env.passphrase, locator, killAfter);

describe('crash-resume matrix (SIGKILL after every step)', () => {
  it.each(PROVISION_STEPS.map((step, i) => [step, i] as const))(
    'killed after %s: resumes to exactly one certificate and one Asset',
    async (step, i) => {
      const dev = env.sim.devices[i]!;
      const killed = await provision(dev.locator, step);
      // It was killed (or, after the last step, may have finished just before the signal landed).
      expect(killed.signal === 'SIGKILL' || killed.code === 0, killed.stderr).toBe(true);
      expect(killed.lines.some((l) => l.type === 'step' && l.name === step && l.state === 'done')).toBe(true);

      const resumed = await provision(dev.locator);
      expect(resumed.code, resumed.stderr + JSON.stringify(resumed.lines.slice(-3))).toBe(0);

      const assets = env.org.assets().filter((a) => a.Device_UID__c === dev.uid);
      expect(assets).toHaveLength(1);
      expect(issuedCount(home, dev.uid)).toBe(1);
      expect(provisionJobCount(home, dev.uid)).toBe(1);
      const snap = env.sim.device(dev.uid).snapshot();
      expect(snap.certInstalled).toBe(true);
      expect(snap.assetId).toBe(assets[0]!.Id);
    },
    120_000,
  );
});
