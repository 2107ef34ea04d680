/**
 * A journal row damaged while the station was down: the station process (`asset-station provision
 * --json`) is killed with SIGKILL after a step, the step's row in station.db is corrupted (not JSON;
 * or JSON of an older shape), and the job is resumed. The resume must stop with JOURNAL_CORRUPT
 * naming the job and the step before any step runs; provisioning the device again starts a new job
 * that ends with exactly one certificate and one Asset, and the damaged record is kept as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStationDb } from '../../../core/records/db';
import { Journal } from '../../../core/records/journal';
import { provisionCli, startCliHome, type CliHome } from './cli-run';
import { issuedCount, provisionJobCount } from './db-counts';

let env: CliHome;

beforeAll(async () => {
  env = await startCliHome('journal-corrupt-test-vault', 2);
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

/** Runs `fn` on the home's journal and closes it again. */
function withJournal<T>(fn: (j: Journal, db: ReturnType<typeof openStationDb>) => T): T {
  const db = openStationDb(env.home);
  try {
    return fn(new Journal(db), db);
  } finally {
    db.close();
  }
}

describe('a corrupted journal row after a crash', () => {
  it.each([
    ['sign', 'not JSON', '{"chain":["MIIB', /not valid JSON/],
    ['keygen', 'an older format', '{"algorithm":"RSA-2048","publicKey":"abcd"}', /spki|keyFingerprint/],
  ] as const)(
    'killed after %s, row made %s: the resume says JOURNAL_CORRUPT; a new job finishes the device',
    async (step, _what, damaged, why) => {
      const dev = env.sim.devices[step === 'sign' ? 0 : 1]!;
      const killed = await provisionCli(env.home, env.passphrase, dev.locator, step);
      expect(killed.signal === 'SIGKILL', killed.stderr).toBe(true);
      const jobId = withJournal((j, db) => {
        const job = j.latestJobForDevice(dev.uid, 'provision')!;
        db.prepare(`UPDATE steps SET output = ? WHERE job_id = ? AND name = ?`).run(damaged, job.id, step);
        return job.id;
      });

      const resumed = await provisionCli(env.home, env.passphrase, dev.locator);
      expect(resumed.code).toBe(1);
      const { error } = JSON.parse(resumed.stdout.slice(resumed.stdout.lastIndexOf('{\n  "error"'))) as {
        error: { code: string; message: string; remedy: string };
      };
      expect(error.code).toBe('JOURNAL_CORRUPT');
      expect(error.message).toContain(jobId);
      expect(error.message).toContain(`"${step}"`);
      expect(error.message).toMatch(why);
      expect(error.remedy).toMatch(/Start a new job for this device/);
      // Stopped before any step ran (nothing touched the device in that run).
      expect(resumed.lines.filter((l) => l.type === 'step')).toEqual([]);
      const old = withJournal((j) => j.getJob(jobId)!);
      expect(old.state).toBe('failed');
      expect(old.error?.code).toBe('JOURNAL_CORRUPT');

      const again = await provisionCli(env.home, env.passphrase, dev.locator);
      expect(again.code, again.stderr + again.stdout.slice(-400)).toBe(0);
      const assets = env.org.assets().filter((a) => a.Device_UID__c === dev.uid);
      expect(assets).toHaveLength(1);
      expect(issuedCount(env.home, dev.uid)).toBe(1);
      expect(provisionJobCount(env.home, dev.uid)).toBe(2);
      const snap = env.sim.device(dev.uid).snapshot();
      expect(snap.certInstalled).toBe(true);
      expect(snap.assetId).toBe(assets[0]!.Id);
      // The damaged record is kept as it was.
      withJournal((j, db) => {
        expect(j.latestJobForDevice(dev.uid, 'provision')!.id).not.toBe(jobId);
        const row = db.prepare(`SELECT output FROM steps WHERE job_id = ? AND name = ?`).get(jobId, step);
        expect(row).toEqual({ output: damaged });
      });
    },
    120_000,
  );
});
