/**
 * The saga runner: runs a job's steps in order, journaling each step's input, output and outcome
 * before the next starts, and resumes a job from its last finished step. Finished steps' outputs are
 * read back from the journal and checked against their schemas first (JOURNAL_CORRUPT before anything
 * touches the device). A failed attempt goes through the recovery policy (recovery.ts): device resets
 * and unplugs mid-step are absorbed and the step runs again, which every step tolerates.
 */
import type { Job, StationConfig, Step, StepName } from '../../shared/domain';
import { StationError, toErrorShape, type StationErrorShape } from '../../shared/errors';
import type { DeviceDriver } from '../device';
import type { SagaPorts } from '../bays/ports';
import type { AuditLog } from '../records/audit';
import type { Journal, JobRow } from '../records/journal';
import type { JobDefinition } from './definition';
import { DeviceSession } from './device-session';
import { auditJob } from './job-audit';
import { RECONNECT_WINDOW_MS, recover } from './recovery';
import { cancelStep, failStep, runStep, type RunScope } from './run-step';
import { deviceOpenOptions } from '../settings';
import { stepLabel } from '../../shared/step-labels';
import type { JobMemory } from './steps/context';
import { DEVICELESS_STEPS, parkedShape, type ParkedFor } from './parking';

/** What the runner needs. */
export interface RunnerDeps {
  journal: Journal;
  audit: AuditLog;
  ports: SagaPorts;
  config: () => StationConfig;
  operator: () => string;
  /** Emits API events (`job`, `step`). */
  onJob(job: Job): void;
  onStep(jobId: string, bayId: string, step: Step): void;
  /** How long to wait for a vanished device to return, in ms (default {@link RECONNECT_WINDOW_MS}). */
  reconnectWindowMs?: number;
  /**
   * Where a device UID is attached now, if anywhere (the bay manager follows devices by UID). Lets a
   * job follow a device that came back on another path (USB re-enumeration after a reset).
   */
  locate?: (uid: string) => Promise<string | undefined>;
}

/** Options of one run. */
export interface RunOptions {
  signal: AbortSignal;
  /** An already-open device client to use first (the bay's), else the runner opens the locator. */
  device?: DeviceDriver;
  /** Carried across runs of the same job in this process (the in-memory asset token). */
  memory?: JobMemory;
  /**
   * Run only the org steps a parked job can do without its device (parking.ts DEVICELESS_STEPS), then
   * park it again waiting for the device. The device is never opened.
   */
  deviceless?: boolean;
}

/** How a run of a job ended. */
type JobEnd =
  | { kind: 'succeeded' }
  | { kind: 'failed'; error: StationErrorShape }
  | { kind: 'cancelled' }
  | { kind: 'parked'; waitsFor: ParkedFor; error?: StationErrorShape };

/**
 * Runs (or resumes) a job of kind `def` to its end. The outcome is in the journal and the returned
 * job (`succeeded`, `failed`, `cancelled`). Closes the device it opened.
 * @throws StationError NOT_FOUND when there is no such job (nothing else).
 */
export async function runJob(
  deps: RunnerDeps,
  jobId: string,
  def: JobDefinition,
  opts: RunOptions,
): Promise<Job> {
  const { journal } = deps;
  const job = journal.getJob(jobId);
  if (!job) throw new StationError('NOT_FOUND', `There is no job ${jobId}.`, 'Pick a job from the list.');
  const actor = deps.operator();
  const audit: RunScope['audit'] = (action, data) =>
    auditJob(deps.audit, journal, actor, action, jobId, data);
  const session = new DeviceSession(
    {
      openDevice: (l, o) => deps.ports.openDevice(l, o),
      openOptions: () => deviceOpenOptions(deps.config()),
      ...(deps.locate ? { locate: deps.locate } : {}),
      onRelocated: (from, to) => {
        journal.relocate(jobId, job.bayId, to);
        audit('job.relocated', { from, to });
      },
    },
    job.locator,
    opts.device,
  );
  const scope: RunScope = {
    jobId,
    bayId: job.bayId,
    actor,
    signal: opts.signal,
    journal,
    run: def.begin(jobId),
    session,
    memory: opts.memory ?? {},
    sameDevice: { pending: true },
    ports: deps.ports,
    waitMs: deps.reconnectWindowMs ?? RECONNECT_WINDOW_MS,
    config: deps.config,
    onStep: (step) => deps.onStep(jobId, job.bayId, step),
    audit,
    ...(opts.deviceless ? { deviceless: true } : {}),
  };
  const release = journal.hold(jobId); // the job's rows in memory while it runs, written through
  try {
    journal.atomically(() => begin(scope, job)); // one commit: the state and its audit entries
    deps.onJob(journal.toApiJob(journal.getJob(jobId)!));
    let end: JobEnd;
    try {
      end = await runSteps(scope, def, deps.reconnectWindowMs ?? RECONNECT_WINDOW_MS);
    } catch (e) {
      end = { kind: 'failed', error: toErrorShape(e) }; // a bug or a journal write error: keep it visible
    } finally {
      await session.close();
    }
    journal.atomically(() => finish(scope, end));
    await journal.durable();
    const result = journal.toApiJob(journal.getJob(jobId)!);
    deps.onJob(result);
    return result;
  } finally {
    release();
  }
}

function begin(scope: RunScope, job: JobRow): void {
  scope.journal.setJobState(scope.jobId, 'running');
  scope.audit(job.state === 'queued' ? 'job.start' : 'job.resume', {
    kind: job.kind,
    locator: job.locator,
    reprovision: job.reprovision,
  });
  if (job.reprovision && job.state === 'queued')
    scope.audit('reprovision.override', {
      reason: job.inputs.reason ?? 'admin override',
      authorisedBy: job.inputs.reprovisionAuthorisedBy ?? 'the admin PIN',
    });
}

/** Reads back the finished steps (checked), then runs the rest in order. */
async function runSteps(scope: RunScope, def: JobDefinition, reconnectWindowMs: number): Promise<JobEnd> {
  const rows = scope.journal.steps(scope.jobId);
  const finished = new Set(
    rows.filter((r) => r.state === 'done' || r.state === 'skipped').map((r) => r.name),
  );
  const todo: StepName[] = [];
  for (const row of rows) {
    const until = def.volatileUntil(row.name);
    const rerun = until !== undefined && !finished.has(until) && scope.memory.assetToken === undefined;
    // A step this kind does not know (another version's journal) is refused by restore() too.
    if ((finished.has(row.name) && !rerun) || !def.has(row.name)) {
      const corrupt = scope.run.restore(row);
      if (corrupt) return { kind: 'failed', error: corrupt };
    } else todo.push(row.name);
  }
  for (const step of todo) {
    if (scope.signal.aborted) return { kind: 'cancelled' };
    if (scope.deviceless && !DEVICELESS_STEPS.has(step)) return { kind: 'parked', waitsFor: 'device' };
    const out = await stepToEnd(scope, step, reconnectWindowMs);
    if (out.kind !== 'ok') return out;
  }
  const verdict = scope.run.finalize();
  return verdict ? { kind: 'failed', error: verdict } : { kind: 'succeeded' };
}

/** Attempts `step` until it is done, or recovery gives up. */
async function stepToEnd(
  scope: RunScope,
  step: StepName,
  reconnectWindowMs: number,
): Promise<{ kind: 'ok' } | Exclude<JobEnd, { kind: 'succeeded' }>> {
  for (let attempt = 1; ; attempt++) {
    const out = await runStep(scope, step, attempt);
    if (out.kind === 'parked') return { kind: 'parked', waitsFor: 'salesforce', error: out.error };
    if (out.kind !== 'retryable') return out;
    const next = await recover(out.plan, {
      session: scope.session,
      step,
      expectedUid: scope.run.deviceUid() ?? scope.journal.getJob(scope.jobId)?.deviceUid,
      signal: scope.signal,
      reconnectWindowMs,
      note: (detail) => scope.onStep({ name: step, state: 'running', detail }),
    });
    if (next.kind === 'again') {
      // A fresh connection or a device that came back: same device or stop, before anything else.
      if (out.plan.kind !== 'wait-busy' && out.plan.kind !== 'wait-for-signer')
        scope.sameDevice.pending = true;
      continue;
    }
    if (scope.signal.aborted) return cancelStep(scope, step);
    return failStep(scope, step, next.kind === 'failed' ? next.error : out.error);
  }
}

/**
 * The abort reason that stops a job as `interrupted` (the station is shutting down, e.g. Ctrl-C on the
 * CLI) rather than `cancelled`: the job resumes from its last finished step on the next Start.
 */
export const JOB_INTERRUPTED = 'interrupted';

/** Journals and audits how the run ended. */
function finish(scope: RunScope, end: JobEnd): void {
  const { journal, jobId } = scope;
  if (end.kind === 'cancelled' && scope.deviceless) end = { kind: 'parked', waitsFor: 'salesforce' };
  if (end.kind === 'parked') {
    const assetId = journal.getJob(jobId)?.summary.assetId;
    const shape = parkedShape(end.waitsFor, typeof assetId === 'string' ? assetId : undefined, end.error);
    journal.setJobState(jobId, 'parked', shape);
    scope.audit(end.waitsFor === 'salesforce' ? 'job.parked' : 'job.registered', {
      waitsFor: end.waitsFor,
      ...(end.error ? { code: end.error.code, cause: end.error.message } : {}),
      ...(typeof assetId === 'string' ? { assetId } : {}),
    });
  } else if (end.kind === 'cancelled' && scope.signal.reason === JOB_INTERRUPTED) {
    const steps = journal.steps(jobId);
    const done = steps.filter((s) => s.state === 'done').map((s) => s.name);
    const at = steps.find((s) => s.state !== 'done' && s.state !== 'skipped');
    const err = new StationError(
      'CANCELLED',
      `Stopped during '${stepLabel(at?.name ?? 'identify')}': ${describeState(done)}.`,
      'Run provision again (or press Retry) to finish from there.',
    ).toShape();
    journal.setJobState(jobId, 'interrupted', err);
    scope.audit('job.interrupted', { reason: 'the operator stopped the station', completed: done });
  } else if (end.kind === 'cancelled') {
    const done = journal
      .steps(jobId)
      .filter((s) => s.state === 'done')
      .map((s) => s.name);
    const err = new StationError(
      'CANCELLED',
      `Cancelled ${done.length ? `after "${stepLabel(done[done.length - 1]!)}"` : 'before the first step'}: ${describeState(done)}.`,
      'Press Retry to resume from there, or leave the device unshipped.',
    ).toShape();
    journal.setJobState(jobId, 'cancelled', err);
    scope.audit('job.cancelled', { completed: done });
  } else if (end.kind === 'failed') {
    journal.setJobState(jobId, 'failed', end.error);
    scope.audit('job.failed', { code: end.error.code, message: end.error.message });
  } else {
    journal.setJobState(jobId, 'succeeded');
    scope.audit('job.succeeded', journal.getJob(jobId)!.summary);
  }
}

/** Plain words for where a stopped provisioning job left the device and the org. */
export function describeState(done: StepName[]): string {
  const has = (s: StepName) => done.includes(s);
  if (has('read-back')) return 'fully provisioned';
  if (has('write-back')) return 'Asset ID written to the device but not yet read back';
  if (has('install-cert'))
    return 'certificate installed and Asset registered in Salesforce; the device does not yet hold its Asset ID';
  if (has('upsert-asset'))
    return 'Asset registered in Salesforce; the certificate is issued but not yet installed on the device';
  if (has('sign')) return 'certificate issued but not installed on the device; no Asset in Salesforce yet';
  if (has('keygen')) return 'key pair generated on the device; no certificate issued';
  return 'nothing was changed on the device or in the org';
}
