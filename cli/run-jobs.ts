/**
 * Runs provisioning and verify jobs on bays for the CLI, with live per-step progress: readable lines
 * for people, or one JSON object per line (NDJSON) with `--json` — `{"type":"step",…}` while running,
 * then `{"type":"result",…}` last.
 */
import type { Bay, Job, ProvisioningRecord, VerifyReport } from '../shared/domain';
import type { Station } from '../core/station';
import { benchFailure } from '../shared/failure-class';

export interface JobsOutput {
  json: boolean;
  write(line: string): void;
}

/** stdout writer honouring --json. */
export function stdoutOutput(json: boolean): JobsOutput {
  return { json, write: (l) => process.stdout.write(l + '\n') };
}

const MARK: Record<string, string> = { done: '✓', skipped: '–', failed: '✗', running: '…' };

/** Width of the device column: 12 characters, or the longest UID shown (an nRF91 IMEI ID is 20). */
function uidWidth(uids: string[]): number {
  return Math.max(12, ...uids.map((u) => u.length));
}

/** Subscribes to step events and prints them; returns the unsubscribe function. */
export function printProgress(station: Station, bays: Bay[], out: JobsOutput): () => void {
  const uidOf = (bayId: string) => bays.find((b) => b.id === bayId)?.device?.uid ?? bayId;
  const width = uidWidth(bays.map((b) => uidOf(b.id)));
  return station.subscribe((event, payload) => {
    if (event !== 'step') return;
    const p = payload as {
      jobId: string;
      bayId: string;
      step: {
        name: string;
        state: string;
        detail?: string;
        error?: { code: string; message: string; remedy: string };
        progress?: number;
      };
    };
    if (out.json) {
      if (p.step.progress === undefined)
        out.write(JSON.stringify({ type: 'step', deviceUid: uidOf(p.bayId), jobId: p.jobId, ...p.step }));
      return;
    }
    if (p.step.state === 'running') return;
    const bench = p.step.error ? benchFailure(p.step.error) : undefined;
    const detail = bench
      ? `${bench.failureClass ? `${bench.failureClass}: ` : ''}${bench.message}\n${' '.repeat(width + 24)}what to do: ${bench.remedy}`
      : (p.step.detail ?? '');
    out.write(
      `  ${uidOf(p.bayId).padEnd(width)} ${p.step.name.padEnd(20)} ${MARK[p.step.state] ?? p.step.state} ${detail}`,
    );
  });
}

/** Outcome of provisioning one bay. */
export interface ProvisionOutcome {
  bayId: string;
  deviceUid: string;
  job: Job;
  /** True when the device was already provisioned and nothing was done. */
  alreadyProvisioned: boolean;
}

/**
 * Provisions every bay in parallel (each failing on its own) and waits for all.
 * A bay whose device is already provisioned returns its earlier job.
 */
async function provisionBays(
  station: Station,
  bays: Bay[],
  opts: { reprovision?: boolean; adminPin?: string | undefined; inputs?: Record<string, string> } = {},
): Promise<ProvisionOutcome[]> {
  return Promise.all(
    bays.map(async (bay) => {
      const uid = bay.device?.uid ?? '';
      const before = station.journal.latestJobForDevice(uid, 'provision');
      const started = await station.startJob({
        bayId: bay.id,
        kind: 'provision',
        ...(opts.inputs ? { inputs: opts.inputs } : {}),
        ...(opts.reprovision ? { reprovision: true, adminPin: opts.adminPin } : {}),
      });
      const already = before?.id === started.id && started.state === 'succeeded';
      const job = already ? started : await station.waitForJob(started.id);
      return { bayId: bay.id, deviceUid: uid, job, alreadyProvisioned: already };
    }),
  );
}

/**
 * Provisions every bay with live step lines ({@link printProgress}), then names the devices that were
 * already provisioned (people only). Returns the outcomes and the record of each job.
 */
export async function provisionWithProgress(
  station: Station,
  bays: Bay[],
  out: JobsOutput,
  opts: Parameters<typeof provisionBays>[2] = {},
): Promise<{ outcomes: ProvisionOutcome[]; records: ProvisioningRecord[] }> {
  const unsubscribe = printProgress(station, bays, out);
  let outcomes: ProvisionOutcome[];
  try {
    outcomes = await provisionBays(station, bays, opts);
  } finally {
    unsubscribe();
  }
  if (!out.json)
    for (const oc of outcomes.filter((x) => x.alreadyProvisioned))
      out.write(
        `  ${oc.deviceUid.padEnd(uidWidth(outcomes.map((o) => o.deviceUid)))} already provisioned (job ${oc.job.id}); nothing created`,
      );
  const records = await Promise.all(outcomes.map((oc) => station.getRecord({ jobId: oc.job.id })));
  return { outcomes, records: records.map((r) => r.record) };
}

/** Verifies every bay in parallel. */
export async function verifyBays(station: Station, bays: Bay[]): Promise<VerifyReport[]> {
  return Promise.all(bays.map((b) => station.verifyDevice({ bayId: b.id })));
}

/** A records table for people. */
export function recordsTable(records: ProvisioningRecord[]): string {
  const head = ['device UID', 'Asset ID', 'cert serial', 'key SHA-256', 'token', 'outcome', 'time'];
  const rows = records.map((r) => [
    r.deviceUid,
    r.assetId ?? '-',
    r.certSerial ? r.certSerial.slice(0, 16) : '-',
    r.keyFingerprint ? r.keyFingerprint.slice(0, 16) : '-',
    r.assetToken ?? '-',
    r.outcome,
    r.durationMs !== undefined ? `${(r.durationMs / 1000).toFixed(1)} s` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Verify reports for people: one line per device, failed checks spelled out. */
export function verifyLines(reports: VerifyReport[]): string {
  const width = uidWidth(reports.map((r) => r.deviceUid));
  return reports
    .map((r) => {
      const checks = r.checks.map((c) => `${c.name} ${c.passed ? '✓' : '✗'}`).join('  ');
      const why = r.checks
        .filter((c) => !c.passed)
        .map((c) => `\n      ✗ ${c.name}: ${c.detail}`)
        .join('');
      return `  ${r.deviceUid.padEnd(width)} ${r.passed ? 'PASS' : 'FAIL'}  ${checks}${why}`;
    })
    .join('\n');
}
