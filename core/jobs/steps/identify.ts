/** Provisioning step `identify`: the driver's identity (HELLO, +CGSN…), and the device must be the job's. */
import { StationError } from '../../../shared/errors';
import { checkIdentityFields, printable } from '../identity-rules';
import type { StepFn } from './context';
import type { ProvisionOutputs } from './outputs';

/**
 * Asks the device who it is (model, hardware UID, firmware, state).
 * The identity fields are checked first (identity-rules.ts): nothing a device says is journaled raw.
 * @throws StationError DEVICE_IDENTITY_INVALID (control/bidi characters, over-long values);
 *   DEVICE_MISMATCH when another device answers on the job's locator.
 */
export const identify: StepFn<ProvisionOutputs, 'identify'> = async (ctx) => {
  const identity = await ctx.device.identify({ signal: ctx.signal });
  checkIdentityFields(identity);
  if (ctx.job.deviceUid && identity.uid !== ctx.job.deviceUid) {
    throw new StationError(
      'DEVICE_MISMATCH',
      `The device on ${ctx.job.locator} is ${printable(identity.uid)}, but this job is for ${ctx.job.deviceUid}.`,
      `Plug device ${ctx.job.deviceUid} back into this bay, or start a new job for ${printable(identity.uid)}.`,
    );
  }
  return {
    state: 'done',
    output: { identity },
    detail: `${identity.model} ${identity.uid}, firmware ${identity.firmware}${identity.family === 'nrf91' ? ' (nRF91 modem, AT commands)' : ''}`,
    summary: { model: identity.model, firmware: identity.firmware },
  };
};
