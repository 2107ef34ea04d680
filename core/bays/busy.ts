/**
 * Waiting out a device that answers BUSY when a bay connects. A device whose earlier command is still
 * running (typically a key generation from a `provision` stopped with Ctrl-C, which the device keeps
 * doing) answers every request — HELLO included — with the protocol v1 error BUSY until it finishes
 * (docs/device-protocol.md, error codes). Connecting a bay asks again every {@link BUSY_POLL_MS} for a
 * bounded time, then gives up with the figure in the message.
 */
import { StationError } from '../../shared/errors';

/** How long connecting a bay waits for a BUSY device, ms (a stopped RSA-3072 key generation: ~3 s). */
export const BUSY_WAIT_MS = 10_000;
/** Pause between two attempts while the device answers BUSY, ms. */
export const BUSY_POLL_MS = 500;

/** True when `e` is the device's own BUSY answer (protocol v1 ERR, code BUSY). */
export function isDeviceBusy(e: unknown): boolean {
  return e instanceof StationError && e.details?.deviceError === 'BUSY';
}

/** Bounds of {@link waitOutBusy}, ms. */
export interface BusyWait {
  /** Total time to keep asking (default {@link BUSY_WAIT_MS}). */
  waitMs?: number;
  /** Pause between attempts (default {@link BUSY_POLL_MS}). */
  pollMs?: number;
}

/**
 * Runs `attempt` (one open + HELLO) until it does not fail with the device's BUSY answer or `waitMs`
 * has passed since the first attempt.
 * @param who the bay in people's words, e.g. "bay 2" (goes in the message).
 * @returns what `attempt` returned.
 * @throws whatever `attempt` throws that is not BUSY; StationError DEVICE_REFUSED (details.deviceError
 *   'BUSY', details.waitedMs) when the device is still busy after `waitMs`.
 */
export async function waitOutBusy<T>(who: string, attempt: () => Promise<T>, o: BusyWait = {}): Promise<T> {
  const waitMs = o.waitMs ?? BUSY_WAIT_MS;
  const pollMs = o.pollMs ?? BUSY_POLL_MS;
  const started = Date.now();
  for (let tries = 1; ; tries++) {
    try {
      return await attempt();
    } catch (e) {
      if (!isDeviceBusy(e)) throw e;
      const waited = Date.now() - started;
      if (waited + pollMs > waitMs) {
        const secs = Math.max(1, Math.round(waitMs / 1000));
        throw new StationError(
          'DEVICE_REFUSED',
          `The device on ${who} is still busy with an earlier command: it kept answering "busy" for ${secs} s.`,
          'It is most likely finishing a key generation from a run that was stopped. Wait a minute, then attach it again (or press Retry); if it stays busy, unplug it and plug it back in.',
          { deviceError: 'BUSY', waitedMs: waited, attempts: tries },
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}
