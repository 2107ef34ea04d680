/**
 * What a compact bay tile shows from a metre away: one word, one colour, one progress bar — and, for a
 * device that went away mid-job, the seconds left before the station gives up waiting for it.
 */
import type { Bay, Job } from '../../../shared/domain';
import { failureClass } from '../../../shared/failure-class';
import { stepLabel } from '../../../shared/step-labels';
import { bayView, isWaitingForDevice, type BayTone } from './bayView';

/** The tile's one-word (or two-word) state. */
export type TileWord =
  'EMPTY' | 'WORKING' | 'RECONNECT' | 'NEEDS YOU' | 'PASSED' | 'ALREADY PROVISIONED' | 'FAILED';

export interface TileState {
  word: TileWord;
  tone: BayTone;
  /** 0..1 share of the job done. */
  progress: number;
  /** RECONNECT only: whole seconds left in the reconnect window (never below 0). */
  secondsLeft?: number;
  /** The device's hardware UID, shown on every tile that has a device (a failed one too); '' without one. */
  uid: string;
  /**
   * One short line under the word, never the UID: the failure class, the step being worked on,
   * "plug in the next device", "nothing created", the time left.
   */
  line: string;
}

/** Default reconnect window of the station, ms (core/jobs/saga.ts), when the station does not say. */
export const DEFAULT_RECONNECT_WINDOW_MS = 20_000;

/**
 * True when a tile's picture depends on the clock (the RECONNECT countdown): only such tiles need the
 * ticking `now`; the others get a fixed one, so a memoised tile re-renders only when its bay or job
 * changes (issue 18).
 */
export function tileNeedsClock(bay: Bay, job: Job | undefined): boolean {
  return bayView(bay, job).active && isWaitingForDevice(bay, job);
}

/**
 * Derives the tile.
 * @param now ms since epoch (for the RECONNECT countdown).
 * @param reconnectWindowMs how long the station waits for a vanished device, ms.
 * @param sessionStart ms since epoch when this screen started: a job that had already passed before
 *   it (the station handed back an earlier job) is ALREADY PROVISIONED — nothing was created.
 */
export function tileState(
  bay: Bay,
  job: Job | undefined,
  now: number,
  reconnectWindowMs: number = DEFAULT_RECONNECT_WINDOW_MS,
  sessionStart = 0,
): TileState {
  const view = bayView(bay, job);
  const uid = bay.device?.uid ?? '';
  if (view.active && isWaitingForDevice(bay, job)) {
    const since = Date.parse(bay.since) || now;
    const left = Math.max(0, Math.ceil((since + reconnectWindowMs - now) / 1000));
    return {
      word: 'RECONNECT',
      tone: 'warn',
      progress: view.progress,
      secondsLeft: left,
      uid,
      line: `plug it back in · ${left} s left`,
    };
  }
  if (view.active)
    return {
      word: 'WORKING',
      tone: 'busy',
      progress: view.progress,
      uid,
      line: view.currentStep ? stepLabel(view.currentStep.name) : '',
    };
  // A device removed after its job ended is the normal next step: the bay is free again.
  const gone = bay.status === 'offline' || bay.status === 'empty' || !bay.device;
  if (gone && (!job || job.state === 'succeeded'))
    return { word: 'EMPTY', tone: 'idle', progress: 0, uid: '', line: 'plug in the next device' };
  if (job?.state === 'succeeded') {
    const ended = job.endedAt ? Date.parse(job.endedAt) : now;
    return ended < sessionStart
      ? { word: 'ALREADY PROVISIONED', tone: 'pass', progress: 1, uid, line: 'nothing created' }
      : { word: 'PASSED', tone: 'pass', progress: 1, uid, line: '' };
  }
  if (job?.state === 'failed' || (!job && bay.status === 'failed'))
    return {
      word: 'FAILED',
      tone: 'fail',
      progress: view.progress,
      uid,
      // The failure class says at a glance what kind of trouble it is (details in the side panel).
      line: (view.error && failureClass(view.error.code)) ?? (uid ? '' : 'not identified'),
    };
  if (job?.state === 'interrupted' || job?.state === 'cancelled' || bay.status === 'offline')
    return {
      word: 'NEEDS YOU',
      tone: 'warn',
      progress: view.progress,
      uid,
      line: view.canRetry ? 'press Retry' : 'plug it back in',
    };
  if (!bay.device || bay.status === 'connecting')
    return { word: 'EMPTY', tone: 'idle', progress: 0, uid: '', line: 'plug in the next device' };
  return { word: 'NEEDS YOU', tone: 'idle', progress: 0, uid, line: 'press Start' };
}
