/**
 * Same device or stop: every time a job (re)opens its device — resume after a restart, Retry, a
 * reconnect after an unplug or reset, the fresh connection after a garbled exchange, a bay relocation —
 * the device must first say the journaled hardware UID in HELLO and, once the job generated a key, hold
 * that same key (idempotent KEYGEN without replace reports the existing public key and changes
 * nothing). A swapped or cloned device is refused with DEVICE_MISMATCH before any further step, so
 * nothing is written to it; the caller drops what it held in memory for the job (the asset token).
 */
import { z } from 'zod';
import { KeyAlgorithm } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { DeviceDriver } from '../device/drivers/types';
import type { StepRow } from '../records/journal';
import { printable } from './identity-rules';
import { sha256, short } from './steps/context';

/** KEYGEN's journaled output, the part this check reads. */
const JournaledKey = z.object({ algorithm: KeyAlgorithm, keyFingerprint: z.string() });

/** What the check needs to know about the job. */
export interface SameDeviceExpectation {
  /** The job's bay, named in the remedy. */
  bayId: string;
  /** The journaled hardware UID (undefined before identify: nothing to check yet). */
  uid: string | undefined;
  /** The job's journaled steps (the keygen row, when done, gives the expected key). */
  steps: readonly StepRow[];
}

/** The key the job generated, from the journal, or undefined before keygen (or when unreadable). */
export function journaledKey(steps: readonly StepRow[]): z.infer<typeof JournaledKey> | undefined {
  const row = steps.find((s) => s.name === 'keygen' && s.state === 'done');
  const parsed = row ? JournaledKey.safeParse(row.output) : undefined;
  return parsed?.success ? parsed.data : undefined;
}

/**
 * Checks that `device` is the job's device: HELLO UID, then (once a key exists) the same public key.
 * Talks to the device only with HELLO and, when its HELLO says a key is present, KEYGEN without replace
 * (which reports the existing key); never writes to a device that fails the UID check.
 * @throws StationError DEVICE_MISMATCH (another UID, no key where one was generated, or another key);
 *   the device layer's errors (timeouts, a vanished port) as they come, for the recovery policy.
 */
export async function confirmSameDevice(
  device: DeviceDriver,
  want: SameDeviceExpectation,
  signal: AbortSignal,
): Promise<void> {
  if (!want.uid) return;
  const identity = await device.identify({ signal });
  const stop = (what: string): never => {
    throw new StationError(
      'DEVICE_MISMATCH',
      `Another device is on bay ${want.bayId}: ${what}; this job is for ${want.uid}. Nothing was written to it.`,
      `Put ${want.uid} back on bay ${want.bayId} and press Retry, or start a new job for this device.`,
      { expectedUid: want.uid, foundUid: printable(identity.uid) },
    );
  };
  if (identity.uid !== want.uid) stop(`it says ${printable(identity.uid)}`);
  const key = journaledKey(want.steps);
  // A family that makes a CSR with its key (csrAtKeygen) is checked by UID only for now.
  if (!key || device.capabilities.csrAtKeygen) return;
  if (!identity.state.keyPresent) stop(`it says ${identity.uid} but holds no key`);
  const r = await device.generateKey(
    { algorithm: key.algorithm, replace: false, subject: {}, sans: [] },
    { signal },
  );
  const fingerprint = sha256(r.publicKeySpki);
  if (r.created || fingerprint !== key.keyFingerprint)
    stop(`it says ${identity.uid} but holds key ${short(fingerprint)}…, not ${short(key.keyFingerprint)}…`);
}
