/**
 * What a bay card shows, derived from the bay and its job: one tone and headline a technician reads
 * from across the bench, the current step with progress, and which actions are allowed.
 */
import type { Bay, Job, Step } from '../../../shared/domain';
import type { StationErrorShape } from '../../../shared/errors';

/** Colour family of a card: pass (green), fail (red), busy (blue), idle (grey), warn (amber). */
export type BayTone = 'pass' | 'fail' | 'busy' | 'idle' | 'warn';

export interface BayView {
  tone: BayTone;
  /** One or two words, upper case, e.g. PASSED, FAILED, WORKING. */
  headline: string;
  /** The step the job is on (running), stopped at (failed) or finished with (last done). */
  currentStep?: Step;
  /** 1-based position of {@link currentStep} among the job's steps. */
  stepNumber: number;
  stepCount: number;
  /** 0..1 share of the job done (finished steps plus the running step's own progress). */
  progress: number;
  /** The failure to explain, if any (job error, failed step error, or bay error). */
  error?: StationErrorShape;
  canStart: boolean;
  canRetry: boolean;
  canCancel: boolean;
  /** True while a job is queued or running. */
  active: boolean;
  /** True when the bay's device is not connected right now (offline or empty). */
  deviceAbsent: boolean;
}

const FINISHED = new Set(['done', 'skipped']);

/** The saga's step detail while it waits for a vanished device to come back. */
const WAITING = /waiting for it to come back/;

/** True when a running job's device went away and the station is waiting for it to come back. */
export function isWaitingForDevice(bay: Bay, job: Job | undefined): boolean {
  if (bay.status === 'offline') return true;
  const running = job?.steps.find((s) => s.state === 'running');
  return running?.detail !== undefined && WAITING.test(running.detail);
}

/** Derives the card view. `job` is the bay's current job if known. */
export function bayView(bay: Bay, job: Job | undefined): BayView {
  const steps = job?.steps ?? [];
  const running = steps.find((s) => s.state === 'running');
  const failed = steps.find((s) => s.state === 'failed');
  const lastDone = [...steps].reverse().find((s) => FINISHED.has(s.state));
  const currentStep = running ?? failed ?? lastDone;
  const finished = steps.filter((s) => FINISHED.has(s.state)).length;
  const stepCount = steps.length;
  let progress = stepCount ? (finished + (running?.progress ?? 0)) / stepCount : 0;
  const active = job ? job.state === 'queued' || job.state === 'running' : bay.status === 'busy';
  if (job?.state === 'succeeded') progress = 1;
  const error = job?.error ?? failed?.error ?? bay.error;
  const hasDevice = bay.device !== undefined;

  let tone: BayTone;
  let headline: string;
  if (active && isWaitingForDevice(bay, job)) {
    // The job waits for its device to come back (reconnect window): the technician must act.
    tone = 'warn';
    headline = 'RECONNECT';
  } else if (active) {
    tone = 'busy';
    headline = job?.state === 'queued' ? 'QUEUED' : 'WORKING';
  } else if (job?.state === 'failed' || (!job && bay.status === 'failed')) {
    tone = 'fail';
    headline = 'FAILED';
  } else if (job?.state === 'parked') {
    // an org outage (core/jobs/parking.ts): the bay is free; the job finishes when Salesforce is back
    tone = 'warn';
    headline = job.error?.details?.parked === 'device' ? 'PLUG IN AGAIN' : 'WAITING FOR SALESFORCE';
  } else if (job?.state === 'interrupted') {
    tone = 'fail';
    headline = 'INTERRUPTED';
  } else if (bay.status === 'offline') {
    tone = 'warn';
    headline = 'OFFLINE';
  } else if (job?.state === 'succeeded' || (!job && bay.status === 'passed')) {
    tone = 'pass';
    headline = 'PASSED';
  } else if (job?.state === 'cancelled') {
    tone = 'warn';
    headline = 'CANCELLED';
  } else if (bay.status === 'connecting') {
    tone = 'idle';
    headline = 'CONNECTING';
  } else if (bay.status === 'empty' || !hasDevice) {
    tone = 'idle';
    headline = 'NO DEVICE';
  } else {
    tone = 'idle';
    headline = 'READY';
  }

  if (job?.kind === 'verify') {
    const verifyWords: Record<string, string> = {
      WORKING: 'VERIFYING',
      PASSED: 'VERIFIED',
      FAILED: 'VERIFY FAILED',
    };
    headline = verifyWords[headline] ?? headline;
  }

  // A cancelled job keeps its progress too: its remedy says "press Retry".
  const retryable =
    job !== undefined && (job.state === 'failed' || job.state === 'interrupted' || job.state === 'cancelled');
  return {
    tone,
    headline,
    currentStep,
    stepNumber: currentStep ? steps.indexOf(currentStep) + 1 : 0,
    stepCount,
    progress: Math.min(1, Math.max(0, progress)),
    error: tone === 'fail' || tone === 'warn' ? error : undefined,
    canStart:
      hasDevice &&
      !active &&
      !retryable &&
      tone !== 'pass' &&
      bay.status !== 'offline' &&
      bay.status !== 'connecting',
    canRetry: retryable && !active,
    canCancel: active && job !== undefined,
    active,
    deviceAbsent: bay.status === 'offline' || bay.status === 'empty' || !hasDevice,
  };
}

/**
 * The job a bay card shows: the bay's current job, unless it belongs to another device (a new device
 * was plugged in after it finished).
 */
export function jobForBay(bay: Bay, jobs: Record<string, Job>): Job | undefined {
  const job = bay.jobId ? jobs[bay.jobId] : undefined;
  if (!job) return undefined;
  if (job.deviceUid && bay.device && job.deviceUid !== bay.device.uid) return undefined;
  return job;
}
