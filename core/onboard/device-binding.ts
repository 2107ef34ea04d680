/**
 * Writing an Asset binding (Asset ID, org ID and, where issued, the asset token) to a device outside a
 * provisioning job, and reading it back: onboarding writes a pending binding (a device provisioned while
 * the org was out of reach holds no Asset ID yet) and the installer's asset token; the org-outage
 * parking flow calls {@link writeDeviceBinding} when the parked Asset finally exists. The caller must
 * already have proved the device is the registered one (onboarding: the QA verify checks).
 */
import { StationError } from '../../shared/errors';
import type { DeviceDriver } from '../device';
import type { AssetBinding, CallOptions } from '../device/types';

/** Device SETASSET / GETASSET, ms (as the provisioning write-back). */
export const BINDING_IO_TIMEOUT_MS = 30_000;

/** What happened to the binding. */
export type BindingOutcome =
  /** Written and read back identical. */
  | { state: 'written'; detail: string }
  /** The family keeps the binding in the org (e.g. nRF91 modems): nothing written, `detail` says why. */
  | { state: 'skipped'; detail: string };

/**
 * Writes `binding` to the device and reads it back.
 * @param device an open driver of the device (the caller closes it).
 * @returns `skipped` with the family's reason when the device keeps no binding (assetBinding.kind 'org').
 * @throws StationError JOB_STEP_FAILED (as the provisioning read-back) naming every difference when the device reads back something
 *   else (faulty storage, or another device answered); DEVICE_* from the device link.
 */
export async function writeDeviceBinding(
  device: DeviceDriver,
  binding: AssetBinding,
  o: CallOptions = {},
): Promise<BindingOutcome> {
  const home = device.capabilities.assetBinding;
  if (home.kind === 'org') return { state: 'skipped', detail: home.reason };
  const opts = { timeoutMs: BINDING_IO_TIMEOUT_MS, ...o };
  await device.writeAssetBinding(binding, opts);
  const got = await device.readAssetBinding(opts);
  const problems: string[] = [];
  if (!got) problems.push('the device reports no Asset ID');
  else {
    if (got.assetId !== binding.assetId)
      problems.push(`the Asset ID reads back as ${got.assetId}, not ${binding.assetId}`);
    if (got.orgId !== binding.orgId)
      problems.push(`the org ID reads back as ${got.orgId}, not ${binding.orgId}`);
    if (binding.assetToken !== undefined && got.assetToken !== binding.assetToken)
      problems.push('the asset token reads back different');
  }
  if (problems.length)
    throw new StationError(
      'JOB_STEP_FAILED',
      `The device did not keep what was written to it: ${problems.join('; ')}.`,
      'Try again; if it repeats, the device storage is faulty: do not install it, return it to the factory.',
    );
  return {
    state: 'written',
    detail: `Asset ID ${binding.assetId}${binding.assetToken ? ' and asset token' : ''} written and read back`,
  };
}
