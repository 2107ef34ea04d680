/**
 * The saga runner: runs a job's steps in order, journaling each step's input, output and outcome
 * before the next starts, and resumes a job from its last finished step. Device resets and unplugs
 * mid-step are absorbed: the runner waits for the device to return on its locator (same hardware UID)
 * and runs the step again, which every step tolerates (see steps.ts).
 */
import fs from 'node:fs';
import type { Job, Step, StepName, StationConfig } from '../../shared/domain';
import { StationError, toErrorShape, type StationErrorShape } from '../../shared/errors';
import type { DeviceClient } from '../device/types';
import type { AuditLog } from '../records/audit';
import type { Journal, JobRow } from '../records/journal';
import { toApiStep } from '../records/journal';
import type { SagaPorts } from '../bays/ports';
import type { StepContext, StepFn } from './steps';
import { VOLATILE_STEPS } from './steps';

/** Errors after which the device may come back (reset, unplug, brown-out). */
const RECOVERABLE: ReadonlySet<string> = new Set([
  'DEVICE_PORT_VANISHED',
  'DEVICE_TIMEOUT',
  'DEVICE_PORT_NOT_FOUND',
]);

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
  /** How long to wait for a vanished device to return, in ms (default 20 000). */
  reconnectWindowMs?: number;
  /**
   * Where a device UID is attached now, if anywhere (the bay manager follows devices by UID). Lets a
   * job follow a device that came back on another path (USB re-enumeration after a reset).
   */
  locate?: (uid: string) => Promise<string | undefined>;
}

/** Options of one run. */
export interface RunOptions {
  steps: Record<string, StepFn>;
  signal: AbortSignal;
  /** An already-open device client to use first (the bay's), else the runner opens the locator. */
  device?: DeviceClient;
  /** Carried across runs of the same job in this process (the in-memory asset token). */
  memory?: StepContext['memory'];
  /** After every step finished: an error fails the job (verify jobs fail when a check failed). */
  finalize?: (outputs: StepContext['outputs']) => StationErrorShape | undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** True when the locator's device node exists (serial paths), or always for tcp/sim. */
function locatorPresent(locator: string): boolean {
  if (!locator.startsWith('serial:')) return true;
  return fs.existsSync(locator.slice('serial:'.length));
}

/**
 * Runs (or resumes) a job to its end. Never throws: the outcome is in the journal and the returned
 * job (`succeeded`, `failed`, `cancelled`). Closes the device it opened.
 */
export async function runJob(deps: RunnerDeps, jobId: string, opts: RunOptions): Promise<Job> {
  const { journal } = deps;
  const job = journal.getJob(jobId);
  if (!job) throw new StationError('NOT_FOUND', `There is no job ${jobId}.`, 'Pick a job from the list.');
  const memory = opts.memory ?? {};
  let device: DeviceClient | undefined = opts.device;
  let openedHere = false;
  const emitJob = () => deps.onJob(journal.toApiJob(journal.getJob(jobId)!));
  const actor = deps.operator();

  const openDevice = async (): Promise<DeviceClient> => {
    if (device) return device;
    const cfg = deps.config();
    device = await deps.ports.openDevice(job.locator, {
      baudRate: cfg.device.baudRate,
      lineControl: cfg.device.lineControl,
    });
    openedHere = true;
    return device;
  };
  const dropDevice = async () => {
    const d = device;
    device = undefined;
    if (d) await d.close().catch(() => {});
  };

  /**
   * Waits until the device is back: on its locator, or on another one where the bay manager now sees
   * its UID (the job then moves there, journaled and audited). False when the window closes first.
   */
  const waitForReturn = async (until: number): Promise<boolean> => {
    const uid =
      job.deviceUid ?? (outputs.identify as { identity: { uid: string } } | undefined)?.identity.uid;
    while (Date.now() < until && !opts.signal.aborted) {
      if (locatorPresent(job.locator)) return true;
      const moved = uid && deps.locate ? await deps.locate(uid).catch(() => undefined) : undefined;
      if (moved && moved !== job.locator && locatorPresent(moved)) {
        journal.relocate(jobId, job.bayId, moved);
        deps.audit.append({
          actor,
          action: 'job.relocated',
          jobId,
          deviceUid: uid,
          data: { from: job.locator, to: moved },
        });
        job.locator = moved;
        return true;
      }
      await sleep(250, opts.signal);
    }
    return locatorPresent(job.locator) && !opts.signal.aborted;
  };

  /**
   * The recovery policy after a failed step attempt: wait out a BUSY device; retry a garbled exchange
   * once on a fresh connection; wait for a vanished device to come back (same UID, any path). Every
   * step is safe to run again, so 'again' re-runs it. Throws DEVICE_MISMATCH when another device came
   * back in its place.
   */
  const recover = async (
    step: StepName,
    err: StationErrorShape,
    attempt: number,
  ): Promise<'again' | 'give-up'> => {
    if (opts.signal.aborted) return 'give-up';
    // A device still busy with a command from before (e.g. KEYGEN after a cancel) answers BUSY.
    if (err.details?.deviceError === 'BUSY' && attempt < 60) {
      deps.onStep(jobId, job.bayId, {
        name: step,
        state: 'running',
        detail: 'device busy with an earlier command; waiting…',
      });
      await sleep(500, opts.signal);
      return 'again';
    }
    // Line noise, or a late answer to a command from before a cancel or reset.
    if (err.code === 'DEVICE_PROTOCOL' && attempt < 2) {
      await dropDevice();
      await sleep(200, opts.signal);
      return 'again';
    }
    if (!RECOVERABLE.has(err.code) || attempt >= 3) return 'give-up';
    await dropDevice();
    deps.onStep(jobId, job.bayId, {
      name: step,
      state: 'running',
      detail: 'device went away; waiting for it to come back…',
    });
    if (!(await waitForReturn(Date.now() + (deps.reconnectWindowMs ?? 20_000)))) return 'give-up';
    await sleep(300, opts.signal);
    const want = (outputs.identify as { identity: { uid: string } } | undefined)?.identity.uid;
    if (step === 'identify' || !want) return 'again';
    let back: string;
    try {
      back = (await (await openDevice()).hello({ signal: opts.signal })).uid;
    } catch {
      await dropDevice(); // not answering yet: the step's next attempt will tell
      return 'again';
    }
    if (back !== want) {
      throw new StationError(
        'DEVICE_MISMATCH',
        `A different device (${back}) came back on ${job.locator}; this job is for ${want}.`,
        `Plug ${want} back in and press Retry.`,
      );
    }
    return 'again';
  };

  journal.setJobState(jobId, 'running');
  deps.audit.append({
    actor,
    action: job.state === 'queued' ? 'job.start' : 'job.resume',
    jobId,
    ...(job.deviceUid ? { deviceUid: job.deviceUid } : {}),
    data: { kind: job.kind, locator: job.locator, reprovision: job.reprovision },
  });
  if (job.reprovision && job.state === 'queued') {
    deps.audit.append({
      actor,
      action: 'reprovision.override',
      jobId,
      ...(job.deviceUid ? { deviceUid: job.deviceUid } : {}),
      data: { reason: job.inputs.reason ?? 'operator override' },
    });
  }
  emitJob();

  const outputs: StepContext['outputs'] = {};
  let failure: StationErrorShape | undefined;
  let cancelled = false;

  try {
    const rows = journal.steps(jobId);
    const stateOf = new Map(rows.map((r) => [r.name, r.state]));
    for (const row of rows) {
      if (opts.signal.aborted) {
        cancelled = true;
        break;
      }
      const dependent = VOLATILE_STEPS[row.name];
      const mustRerun =
        row.state === 'done' &&
        dependent !== undefined &&
        stateOf.get(dependent) !== 'done' &&
        memory.assetToken === undefined;
      if ((row.state === 'done' || row.state === 'skipped') && !mustRerun) {
        outputs[row.name] = row.output;
        continue;
      }
      const fn = opts.steps[row.name];
      if (!fn)
        throw new StationError(
          'INTERNAL',
          `No implementation for step ${row.name}.`,
          'Update the station software.',
        );

      let attempt = 0;
      for (;;) {
        attempt++;
        journal.startStep(jobId, row.name, { attempt });
        deps.onStep(jobId, job.bayId, {
          name: row.name,
          state: 'running',
          startedAt: new Date().toISOString(),
        });
        try {
          const dev = await openDevice();
          const freshJob = journal.getJob(jobId) as JobRow;
          const res = await fn({
            job: freshJob,
            config: deps.config(),
            device: dev,
            pki: deps.ports.pki,
            org: deps.ports.org,
            outputs,
            memory,
            signal: opts.signal,
            operator: actor,
            progress: (f) =>
              deps.onStep(jobId, job.bayId, {
                name: row.name,
                state: 'running',
                progress: Math.max(0, Math.min(1, f)),
              }),
          });
          if (opts.signal.aborted)
            throw new StationError('CANCELLED', 'The job was cancelled.', 'Start the job again when ready.');
          journal.finishStep(jobId, row.name, res.state, res.output, res.detail);
          if (res.summary) journal.addSummary(jobId, res.summary);
          if (row.name === 'identify') {
            const uid = (res.output as { identity: { uid: string } }).identity.uid;
            if (!freshJob.deviceUid) journal.setDeviceUid(jobId, uid);
          }
          outputs[row.name] = res.output;
          stateOf.set(row.name, res.state);
          const j = journal.getJob(jobId)!;
          deps.audit.append({
            actor,
            action: `step.${res.state}`,
            jobId,
            ...(j.deviceUid ? { deviceUid: j.deviceUid } : {}),
            ...(typeof j.summary.keyFingerprint === 'string'
              ? { keyFingerprint: j.summary.keyFingerprint }
              : {}),
            data: { step: row.name, detail: res.detail },
          });
          const stepRow = journal.steps(jobId).find((s) => s.name === row.name)!;
          deps.onStep(jobId, job.bayId, toApiStep(stepRow));
          break;
        } catch (e) {
          const err = opts.signal.aborted ? cancelledDuring(row.name) : toErrorShape(e);
          if (err.code === 'CANCELLED') {
            journal.failStep(jobId, row.name, err);
            cancelled = true;
            throw err;
          }
          let next: 'again' | 'give-up';
          try {
            next = await recover(row.name, err, attempt);
          } catch (mismatch) {
            failure = toErrorShape(mismatch);
            journal.failStep(jobId, row.name, failure);
            throw failure;
          }
          if (next === 'again') continue;
          if (opts.signal.aborted) {
            // Cancelled while waiting for the device to come back.
            journal.failStep(jobId, row.name, cancelledDuring(row.name));
            cancelled = true;
            throw err;
          }
          const remedy = RECOVERABLE.has(err.code)
            ? `${err.remedy} The job keeps its progress: press Retry to resume at "${row.name}" (in auto mode, plugging the device in resumes it).`
            : err.remedy;
          failure = { ...err, remedy };
          journal.failStep(jobId, row.name, failure);
          deps.onStep(jobId, job.bayId, toApiStep(journal.steps(jobId).find((s) => s.name === row.name)!));
          throw failure;
        }
      }
    }
    if (!cancelled) failure = opts.finalize?.(outputs);
  } catch (e) {
    if (!failure && !cancelled) failure = toErrorShape(e);
  } finally {
    if (openedHere) await dropDevice();
  }

  const final = journal.getJob(jobId)!;
  if (cancelled) {
    const done = journal
      .steps(jobId)
      .filter((s) => s.state === 'done')
      .map((s) => s.name);
    const err = new StationError(
      'CANCELLED',
      `Cancelled after ${done.length ? `"${done[done.length - 1]}"` : 'no step'}: ${describeState(done)}.`,
      'Press Retry to resume from there, or leave the device unshipped.',
    ).toShape();
    journal.setJobState(jobId, 'cancelled', err);
    deps.audit.append({
      actor,
      action: 'job.cancelled',
      jobId,
      ...(final.deviceUid ? { deviceUid: final.deviceUid } : {}),
      data: { completed: done },
    });
  } else if (failure) {
    journal.setJobState(jobId, 'failed', failure);
    deps.audit.append({
      actor,
      action: 'job.failed',
      jobId,
      ...(final.deviceUid ? { deviceUid: final.deviceUid } : {}),
      data: { code: failure.code, message: failure.message },
    });
  } else {
    journal.setJobState(jobId, 'succeeded');
    deps.audit.append({
      actor,
      action: 'job.succeeded',
      jobId,
      ...(final.deviceUid ? { deviceUid: final.deviceUid } : {}),
      ...(typeof final.summary.keyFingerprint === 'string'
        ? { keyFingerprint: final.summary.keyFingerprint }
        : {}),
      data: final.summary,
    });
  }
  const result = journal.toApiJob(journal.getJob(jobId)!);
  deps.onJob(result);
  return result;
}

/** The error a step records when the job is cancelled while it runs. */
function cancelledDuring(step: StepName): StationErrorShape {
  return new StationError(
    'CANCELLED',
    `The job was cancelled during ${step}.`,
    'Start the job again when ready.',
  ).toShape();
}

/** Plain words for where a stopped provisioning job left the device and the org. */
export function describeState(done: StepName[]): string {
  const has = (s: StepName) => done.includes(s);
  if (has('read-back')) return 'fully provisioned';
  if (has('write-back')) return 'Asset ID written to the device but not yet read back';
  if (has('upsert-asset'))
    return 'certificate installed and Asset registered in Salesforce; the device does not yet hold its Asset ID';
  if (has('install-cert')) return 'certificate installed on the device; no Asset in Salesforce yet';
  if (has('sign')) return 'certificate issued but not installed on the device';
  if (has('keygen')) return 'key pair generated on the device; no certificate issued';
  return 'nothing was changed on the device or in the org';
}
