/**
 * Records benchmark (run: `npx tsx bench/records.bench.ts [bays] [rounds]`): the station's journal and
 * audit writes of provisioning jobs alone, as the saga makes them (core/jobs/saga.ts, run-step.ts) — per
 * job: create, hold, running + `job.start`; per step: start, then the step's one transaction (finish,
 * summary, audit entry) and the group-commit barrier before the next; at the end the final state,
 * `job.succeeded` and the API view — for `bays` jobs interleaved (default 16), on a real station database
 * and file vault in a temporary home. Prints process CPU per device (all threads: the fsyncs run on the
 * thread pool), WAL fsyncs per device and anchor writes; the first round is cold (statements prepared,
 * code not yet optimised), the others warm. Figures only, no assertions (issue 18: the records side of
 * the 15 ms/device goal).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROVISION_STEPS } from '../shared/domain';
import { openStationDb, walSyncCount } from '../core/records/db';
import { Journal } from '../core/records/journal';
import { AUDIT_ANCHOR_SECRET, AuditLog } from '../core/records/audit';
import { auditJob } from '../core/jobs/job-audit';
import { FileVault } from '../core/secrets';

const bays = Number(process.argv[2] ?? 16);
const rounds = Number(process.argv[3] ?? 4);

class CountingVault extends FileVault {
  anchorWrites = 0;
  override async set(name: string, value: string): Promise<void> {
    if (name === AUDIT_ANCHOR_SECRET) this.anchorWrites++;
    return super.set(name, value);
  }
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'as-recordsbench-'));
const db = openStationDb(home);
const journal = new Journal(db);
const vault = new CountingVault(path.join(home, 'secrets.vault'), 'records bench');
const audit = await AuditLog.open(db, vault, 'st-bench');

/** A step's output about the size of the real ones (identity, CSR, certificate PEM). */
const output = (step: string, i: number) => ({
  step,
  uid: `UID-${i}`,
  pem: 'MIIB'.padEnd(900, 'x'),
  facts: { serial: `0${i}`, fingerprint: 'ab'.repeat(32) },
});

/** One job through the saga's writes; `tick` yields to the event loop as a device exchange would. */
async function job(i: number): Promise<void> {
  const id = journal.createJob({
    kind: 'provision',
    bayId: `bay-${i % bays}`,
    locator: `sim:${i}`,
    inputs: { accountId: '001000000000001AAA' },
    stationId: 'st-bench',
    steps: PROVISION_STEPS,
  });
  const release = journal.hold(id);
  const act = (action: Parameters<typeof auditJob>[3], data?: Record<string, unknown>) =>
    auditJob(audit, journal, 'bench', action, id, data);
  journal.setJobState(id, 'running');
  act('job.start', { kind: 'provision' });
  journal.toApiJob(journal.getJob(id)!);
  for (const step of PROVISION_STEPS) {
    journal.startStep(id, step, { attempt: 1 });
    // the device or the org works meanwhile: 1–40 ms, different per bay and step (bays drift apart)
    await new Promise((r) => setTimeout(r, 1 + ((i * 7 + step.length * 13) % 40)));
    journal.atomically(() => {
      journal.finishStep(id, step, 'done', output(step, i), `${step} ok`);
      journal.addSummary(id, { [step]: i });
      if (step === 'identify') journal.setDeviceUid(id, `UID-${i}`);
      act('step.done', { step });
    });
    await journal.durable();
    journal.step(id, step);
  }
  journal.setJobState(id, 'succeeded');
  act('job.succeeded', journal.getJob(id)!.summary);
  await journal.durable();
  journal.toApiJob(journal.getJob(id)!);
  release();
}

console.log(
  `Records benchmark — ${bays} bays, ${PROVISION_STEPS.length} steps per job, ${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}`,
);
for (let r = 0; r < rounds; r++) {
  const syncs0 = walSyncCount(db);
  const anchors0 = vault.anchorWrites;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: bays }, (_, i) => job(r * bays + i)));
  await audit.anchored();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const perDevice = (cpu.user + cpu.system) / 1000 / bays;
  const line = {
    bench: 'records',
    round: r + 1,
    bays,
    cpuMsPerDevice: +perDevice.toFixed(2),
    userMsPerDevice: +(cpu.user / 1000 / bays).toFixed(2),
    systemMsPerDevice: +(cpu.system / 1000 / bays).toFixed(2),
    fsyncsPerDevice: +((walSyncCount(db) - syncs0) / bays).toFixed(2),
    anchorWrites: vault.anchorWrites - anchors0,
    wallMs: Math.round(wallMs),
    load1: +os.loadavg()[0]!.toFixed(2),
  };
  console.log(JSON.stringify(line));
}
db.close();
fs.rmSync(home, { recursive: true, force: true });
