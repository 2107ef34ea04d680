/**
 * The provisioning job: its steps in order (docs/architecture.md, Data flow), one function and one
 * output schema per step. Each step is safe to run again after a crash: the device's KEYGEN is
 * idempotent, the CA returns the certificate it already issued for the same UID and key, and the
 * Asset upsert is keyed by the device UID.
 */
import { PROVISION_STEPS, type ProvisionStepName } from '../../../shared/domain';
import { defineJob } from '../definition';
import { assetToken, upsertAsset } from './asset';
import { installCert, policy, sign } from './certificate';
import type { StepFn } from './context';
import { identify } from './identify';
import { csr, keygen, proofOfPossession } from './key';
import { PROVISION_OUTPUTS, type ProvisionOutputs } from './outputs';
import { readBack, writeBack } from './write-back';

/** The provisioning steps by name. */
export const PROVISION_STEP_FNS = {
  identify,
  keygen,
  csr,
  'proof-of-possession': proofOfPossession,
  policy,
  sign,
  'upsert-asset': upsertAsset,
  'install-cert': installCert,
  'asset-token': assetToken,
  'write-back': writeBack,
  'read-back': readBack,
} satisfies { [K in ProvisionStepName]: StepFn<ProvisionOutputs, K> };

/** The provisioning job kind. */
export const PROVISION_JOB = defineJob<ProvisionOutputs>({
  kind: 'provision',
  steps: PROVISION_STEPS,
  fns: PROVISION_STEP_FNS,
  outputs: PROVISION_OUTPUTS,
  // The asset token is never journaled: on resume it is requested again unless write-back finished.
  volatile: { 'asset-token': 'write-back' },
  deviceUid: (outputs) => outputs.identify?.identity.uid,
});
