/**
 * One attempt of one step, as an outcome value: `ok` (journaled done or skipped, audited, announced),
 * `retryable` (the recovery policy has a plan; the step stays running), `failed` or `cancelled`
 * (journaled). Exceptions a step throws become outcomes here and go no further.
 */
import type { StationConfig, Step, StepName } from '../../shared/domain';
import { StationError, toErrorShape, type StationErrorShape } from '../../shared/errors';
import type { SagaPorts } from '../bays/ports';
import { toApiStep, type Journal } from '../records/journal';
import type { JobRun } from './definition';
import type { DeviceSession } from './device-session';
import type { JobAuditAction } from './job-audit';
import { deviceWentAway, planRecovery, type RecoveryPlan } from './recovery';
import { absentDevice, parkedShape, parksAt } from './parking';
import { confirmSameDevice } from './same-device';
import type { JobMemory } from './steps/context';
import { stepLabel } from '../../shared/step-labels';

/** Everything one run of one job shares between its steps. */
export interface RunScope {
  jobId: string;
  bayId: string;
  actor: string;
  signal: AbortSignal;
  journal: Journal;
  run: JobRun;
  session: DeviceSession;
  memory: JobMemory;
  /**
   * Set when the device was (re)opened since the last check (a run's start, a reconnect, a fresh
   * connection after a garbled exchange): the next attempt first confirms it is the job's device.
   */
  sameDevice: { pending: boolean };
  ports: SagaPorts;
  /** A parked job's org steps, run without its device (parking.ts): the device is never opened. */
  deviceless?: boolean;
  /** How long to wait for something that went away (a device, the HSM token) to come back, ms. */
  waitMs?: number;
  config(): StationConfig;
  onStep(step: Step): void;
  audit(action: JobAuditAction, data?: Record<string, unknown>): void;
}

/** How an attempt of a step ended. */
export type StepOutcome =
  | { kind: 'ok' }
  | { kind: 'retryable'; error: StationErrorShape; plan: Exclude<RecoveryPlan, { kind: 'give-up' }> }
  | { kind: 'failed'; error: StationErrorShape }
  /** The org is out of reach at an org step (parking.ts): the step is journaled as waiting. */
  | { kind: 'parked'; error: StationErrorShape }
  | { kind: 'cancelled' };

/** Runs attempt number `attempt` (1-based) of `step`. Never throws for what a step throws. */
export async function runStep(scope: RunScope, step: StepName, attempt: number): Promise<StepOutcome> {
  const { journal, jobId, signal } = scope;
  journal.startStep(jobId, step, { attempt });
  scope.onStep({ name: step, state: 'running', startedAt: new Date().toISOString() });
  let result;
  try {
    const device = scope.deviceless ? absentDevice() : await scope.session.open();
    if (scope.sameDevice.pending && !scope.deviceless) {
      const uid = journal.getJob(jobId)?.deviceUid ?? scope.run.deviceUid();
      await confirmSameDevice(device, { bayId: scope.bayId, uid, steps: journal.steps(jobId) }, signal);
      scope.sameDevice.pending = false;
    }
    result = await scope.run.run(step, {
      job: journal.getJob(jobId)!,
      config: scope.config(),
      device,
      pki: scope.ports.pki,
      org: scope.ports.org,
      memory: scope.memory,
      signal,
      operator: scope.actor,
      progress: (f) => scope.onStep({ name: step, state: 'running', progress: Math.max(0, Math.min(1, f)) }),
    });
  } catch (e) {
    const error = toErrorShape(e);
    if (signal.aborted || error.code === 'CANCELLED') return cancelStep(scope, step);
    if (error.code === 'DEVICE_MISMATCH') {
      delete scope.memory.assetToken; // bound to this job's device: never handed to another one
      scope.audit('device.mismatch', { step, message: error.message, ...error.details });
    }
    if (parksAt(step, error)) {
      scope.journal.failStep(jobId, step, parkedShape('salesforce', undefined, error));
      announce(scope, step);
      return { kind: 'parked', error };
    }
    const plan = planRecovery(error, attempt, scope.waitMs);
    if (plan.kind !== 'give-up') {
      journal.retryStep(jobId, step, error); // the attempt is kept for yield analytics
      return { kind: 'retryable', error, plan };
    }
    return failStep(scope, step, error);
  }
  if (signal.aborted) return cancelStep(scope, step);
  journal.atomically(() => {
    // one commit for the step's row, attempt, summary, device UID and audit entry (issue 18)
    journal.finishStep(jobId, step, result.state, result.output, result.detail);
    if (result.summary) journal.addSummary(jobId, result.summary);
    const uid = scope.run.deviceUid();
    if (step === 'identify' && uid && !journal.getJob(jobId)?.deviceUid) journal.setDeviceUid(jobId, uid);
    scope.audit(result.state === 'done' ? 'step.done' : 'step.skipped', { step, detail: result.detail });
  });
  await journal.durable(); // on disk (one fsync shared by the bays) before it is announced and the next step starts
  announce(scope, step);
  return { kind: 'ok' };
}

/**
 * Journals `step` failed with `error` (a device that went away gets the Retry advice) and announces it.
 * @returns the `failed` outcome with the error as journaled.
 */
export function failStep(
  scope: RunScope,
  step: StepName,
  error: StationErrorShape,
): { kind: 'failed'; error: StationErrorShape } {
  const remedy = keepsProgress(error)
    ? `${error.remedy} The job keeps its progress: press Retry to resume at "${stepLabel(step)}" (in auto mode, plugging the device in resumes it).`
    : error.remedy;
  const failure = { ...error, remedy };
  scope.journal.failStep(scope.jobId, step, failure);
  announce(scope, step);
  return { kind: 'failed', error: failure };
}

/** A device that went away or a CA signer (HSM token) that stopped answering: nothing is lost, Retry resumes. */
function keepsProgress(error: StationErrorShape): boolean {
  return deviceWentAway(error) || error.code === 'CA_SIGNER_UNAVAILABLE';
}

/** Journals `step` as stopped by a cancel. */
export function cancelStep(scope: RunScope, step: StepName): { kind: 'cancelled' } {
  scope.journal.failStep(
    scope.jobId,
    step,
    new StationError(
      'CANCELLED',
      `The job was cancelled during ${step}.`,
      'Start the job again when ready.',
    ).toShape(),
  );
  return { kind: 'cancelled' };
}

/** Emits the step as journaled now. */
function announce(scope: RunScope, step: StepName): void {
  const row = scope.journal.step(scope.jobId, step);
  if (row) scope.onStep(toApiStep(row));
}
