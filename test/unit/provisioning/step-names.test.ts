/**
 * Step names are a closed set: a misspelt name does not compile (the @ts-expect-error lines below
 * fail `npm run typecheck` if it ever does) and is refused at runtime; every step map and every
 * output-schema map covers exactly its job kind's steps.
 */
import { describe, expect, it } from 'vitest';
import {
  PROVISION_STEPS,
  StepName,
  VERIFY_STEPS,
  type ProvisionStepName,
  type Step,
} from '../../../shared/domain';
import { PROVISION_JOB, PROVISION_STEP_FNS } from '../../../core/jobs/steps';
import { PROVISION_OUTPUTS } from '../../../core/jobs/steps/outputs';
import { VERIFY_JOB, VERIFY_OUTPUTS, VERIFY_STEP_FNS } from '../../../core/jobs/steps/verify';

// Type-level: these must stay compile errors.
// @ts-expect-error 'no-such-step' is not a step name
const misspelt: StepName = 'no-such-step';
// @ts-expect-error a verify step is not a provisioning step
const wrongKind: ProvisionStepName = 'chain';
// @ts-expect-error a step event with an unknown step name
const badStep: Step = { name: 'keygen-v2', state: 'done' };

describe('step names', () => {
  it('refuses an unknown step name at runtime too', () => {
    expect(StepName.safeParse(misspelt).success).toBe(false);
    expect(StepName.safeParse(wrongKind).success).toBe(true); // 'chain' is a (verify) step
    expect(StepName.safeParse(badStep.name).success).toBe(false);
    for (const s of [...PROVISION_STEPS, ...VERIFY_STEPS]) expect(StepName.parse(s)).toBe(s);
  });

  it('has one function and one output schema per step of each job kind, in order', () => {
    expect(Object.keys(PROVISION_STEP_FNS)).toEqual([...PROVISION_STEPS]);
    expect(Object.keys(PROVISION_OUTPUTS)).toEqual([...PROVISION_STEPS]);
    expect(PROVISION_JOB.steps).toEqual(PROVISION_STEPS);
    // issue 18: the org accepts the identity before anything reaches the device
    expect(PROVISION_STEPS.indexOf('upsert-asset')).toBe(PROVISION_STEPS.indexOf('sign') + 1);
    expect(PROVISION_STEPS.indexOf('install-cert')).toBe(PROVISION_STEPS.indexOf('upsert-asset') + 1);
    expect(Object.keys(VERIFY_STEP_FNS)).toEqual([...VERIFY_STEPS]);
    expect(Object.keys(VERIFY_OUTPUTS)).toEqual([...VERIFY_STEPS]);
    expect(VERIFY_JOB.steps).toEqual(VERIFY_STEPS);
    expect(PROVISION_JOB.has('chain')).toBe(false);
    expect(VERIFY_JOB.has('keygen')).toBe(false);
    expect(PROVISION_JOB.volatileUntil('asset-token')).toBe('write-back');
    expect(PROVISION_JOB.volatileUntil('keygen')).toBeUndefined();
  });
});
