/**
 * The recovery policy after a failed step attempt, and every delay it uses. Every step is safe to run
 * again, so recovering means: wait out a device still BUSY with an earlier command, retry a garbled
 * exchange once on a fresh connection, or wait for a vanished device (reset, unplug, brown-out) to
 * come back — on its own locator or, followed by its hardware UID, on another — and check that the
 * device that came back is the job's. {@link planRecovery} decides (pure); {@link recover} does it.
 */
import type { StepName } from '../../shared/domain';
import { StationError, type StationErrorShape } from '../../shared/errors';
import type { DeviceSession } from './device-session';

/** Pause before asking a BUSY device again, ms. */
export const BUSY_RETRY_DELAY_MS = 500;
/** Attempts of one step while its device answers BUSY (60 × 500 ms: half a minute). */
export const BUSY_MAX_ATTEMPTS = 60;
/** Pause before retrying a garbled exchange on a fresh connection, ms. */
export const PROTOCOL_RETRY_DELAY_MS = 200;
/** Attempts of one step when the exchange is garbled (line noise, a late answer from before). */
export const PROTOCOL_MAX_ATTEMPTS = 2;
/** How long to wait for a vanished device to come back, ms (the station's default). */
export const RECONNECT_WINDOW_MS = 20_000;
/** Attempts of one step across device disappearances. */
export const RECONNECT_MAX_ATTEMPTS = 3;
/** How often to look for a vanished device while waiting, ms. */
export const RETURN_POLL_INTERVAL_MS = 250;
/** Pause after a device is back before talking to it (its firmware is still booting), ms. */
export const RETURN_SETTLE_MS = 300;

/** How often a job paused on an unreachable CA signer (HSM token) tries to sign again, ms. */
export const SIGNER_RETRY_DELAY_MS = 1000;

/** Error codes after which the device may come back (reset, unplug, brown-out). */
const DEVICE_GONE_CODES: ReadonlySet<string> = new Set([
  'DEVICE_PORT_VANISHED',
  'DEVICE_RESET', // a reset banner mid-command: the outcome is unknown, run the step again once it answers
  'DEVICE_TIMEOUT',
  'DEVICE_PORT_NOT_FOUND',
]);

/** True when `err` means the device went away (the job keeps its progress for Retry). */
export function deviceWentAway(err: StationErrorShape): boolean {
  return DEVICE_GONE_CODES.has(err.code);
}

/** What to do after attempt number `attempt` (1-based) of a step failed. */
export type RecoveryPlan =
  | { kind: 'wait-busy'; delayMs: number }
  | { kind: 'reopen'; delayMs: number }
  | { kind: 'wait-for-return' }
  | { kind: 'wait-for-signer'; delayMs: number }
  | { kind: 'give-up' };

/**
 * The recovery policy: a pure function of the error, the attempt number and how long the station waits
 * for something that went away to come back (`waitMs`, default {@link RECONNECT_WINDOW_MS}).
 * CA_SIGNER_UNAVAILABLE (the HSM token was pulled or stopped answering; nothing was signed) pauses the
 * step: it is tried again every {@link SIGNER_RETRY_DELAY_MS} for about `waitMs`, so a token plugged
 * back in lets the job carry on. CERT_REVOKED and every other refusal give up at once.
 */
export function planRecovery(
  err: StationErrorShape,
  attempt: number,
  waitMs: number = RECONNECT_WINDOW_MS,
): RecoveryPlan {
  if (err.code === 'CA_SIGNER_UNAVAILABLE')
    return attempt * SIGNER_RETRY_DELAY_MS < waitMs
      ? { kind: 'wait-for-signer', delayMs: SIGNER_RETRY_DELAY_MS }
      : { kind: 'give-up' };
  // A device still busy with a command from before (e.g. KEYGEN after a cancel) answers BUSY.
  if (err.details?.deviceError === 'BUSY' && attempt < BUSY_MAX_ATTEMPTS)
    return { kind: 'wait-busy', delayMs: BUSY_RETRY_DELAY_MS };
  // Line noise, or a late answer to a command from before a cancel or reset.
  if (err.code === 'DEVICE_PROTOCOL' && attempt < PROTOCOL_MAX_ATTEMPTS)
    return { kind: 'reopen', delayMs: PROTOCOL_RETRY_DELAY_MS };
  // Still sending "still working" at its ceiling: the device is there but stuck; waiting again (up to
  // RECONNECT_MAX_ATTEMPTS × the ceiling, e.g. 3 × 120 s for KEYGEN) would not help. Power-cycle, Retry.
  if (err.details?.keptAlive === true) return { kind: 'give-up' };
  if (deviceWentAway(err) && attempt < RECONNECT_MAX_ATTEMPTS) return { kind: 'wait-for-return' };
  return { kind: 'give-up' };
}

/** How a recovery ended: run the step again, give up with the step's error, or fail with another. */
export type RecoveryResult =
  { kind: 'again' } | { kind: 'give-up' } | { kind: 'failed'; error: StationErrorShape };

/** What {@link recover} needs besides the plan. */
export interface RecoveryEnv {
  session: DeviceSession;
  step: StepName;
  /** The UID the job is for, once identified. */
  expectedUid: string | undefined;
  signal: AbortSignal;
  reconnectWindowMs: number;
  /** Shows a waiting note on the running step. */
  note(detail: string): void;
}

/** Carries out a {@link RecoveryPlan}. Never throws. */
export async function recover(plan: RecoveryPlan, env: RecoveryEnv): Promise<RecoveryResult> {
  if (env.signal.aborted) return { kind: 'give-up' };
  switch (plan.kind) {
    case 'give-up':
      return plan;
    case 'wait-busy':
      env.note('device busy with an earlier command; waiting…');
      await sleep(plan.delayMs, env.signal);
      return { kind: 'again' };
    case 'reopen':
      await env.session.drop();
      await sleep(plan.delayMs, env.signal);
      return { kind: 'again' };
    case 'wait-for-return':
      return waitForReturn(env);
    case 'wait-for-signer':
      env.note(SIGNER_PAUSE_NOTE);
      await sleep(plan.delayMs, env.signal);
      return { kind: 'again' };
  }
}

/** What a step paused on the CA signer shows while it waits. */
export const SIGNER_PAUSE_NOTE =
  'paused: the HSM token holding the CA key is not answering; reconnect the HSM token and the job carries on (nothing was signed)';

async function waitForReturn(env: RecoveryEnv): Promise<RecoveryResult> {
  await env.session.drop();
  env.note('device went away; waiting for it to come back…');
  const back = await env.session.waitForReturn(
    Date.now() + env.reconnectWindowMs,
    env.expectedUid,
    env.signal,
  );
  if (!back) return { kind: 'give-up' };
  await sleep(RETURN_SETTLE_MS, env.signal);
  if (env.step === 'identify' || !env.expectedUid) return { kind: 'again' };
  const uid = await env.session.helloUid(env.signal);
  // Not answering yet: the step's next attempt will tell.
  if (uid === undefined || uid === env.expectedUid) return { kind: 'again' };
  return {
    kind: 'failed',
    error: new StationError(
      'DEVICE_MISMATCH',
      `A different device (${uid}) came back on ${env.session.locator}; this job is for ${env.expectedUid}.`,
      `Plug ${env.expectedUid} back in and press Retry.`,
    ).toShape(),
  };
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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
