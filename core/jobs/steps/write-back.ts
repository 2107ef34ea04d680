/**
 * Provisioning steps back on the device: `write-back` (Asset ID, org ID and, where issued, the asset
 * token) and `read-back` (the device must return exactly what was written).
 */
import { StationError } from '../../../shared/errors';
import { need, type StepContext, type StepFn } from './context';
import type { ProvisionOutputs } from './outputs';

type P = ProvisionOutputs;

/** Device SETASSET / GETASSET, ms. */
const ASSET_IO_TIMEOUT_MS = 30_000;

/**
 * The asset token held for this job, or undefined. A token bound to another job, UID or key fingerprint
 * than this job's journaled identity and key is dropped from memory, never handed to the device.
 */
export function heldAssetToken(ctx: StepContext<P>): string | undefined {
  const held = ctx.memory.assetToken;
  if (!held) return undefined;
  const uid = ctx.outputs.identify?.identity.uid;
  const fingerprint = ctx.outputs.keygen?.keyFingerprint;
  if (held.jobId === ctx.job.id && held.uid === uid && held.keyFingerprint === fingerprint) return held.token;
  delete ctx.memory.assetToken;
  return undefined;
}

/** Writes the Asset binding to the device. */
export const writeBack: StepFn<P, 'write-back'> = async (ctx) => {
  const up = need(ctx, 'upsert-asset');
  const home = ctx.device.capabilities.assetBinding;
  if (home.kind === 'org') return { state: 'skipped', output: { reason: home.reason }, detail: home.reason };
  const token = heldAssetToken(ctx);
  await ctx.device.writeAssetBinding(
    { assetId: up.assetId, orgId: up.orgId, ...(token ? { assetToken: token } : {}) },
    { signal: ctx.signal, timeoutMs: ASSET_IO_TIMEOUT_MS },
  );
  return {
    state: 'done',
    output: { assetId: up.assetId, withToken: Boolean(token) },
    detail: `Asset ID ${up.assetId} written${token ? ' with asset token' : ''}`,
  };
};

/**
 * Reads the Asset binding back: from the device, or — for a family that keeps it in the org only — from
 * the org, by the device UID (the Asset's external ID).
 * @throws StationError JOB_STEP_FAILED naming every difference.
 */
export const readBack: StepFn<P, 'read-back'> = async (ctx) => {
  const up = need(ctx, 'upsert-asset');
  if (ctx.device.capabilities.assetBinding.kind === 'org') {
    const { identity } = need(ctx, 'identify');
    const found = await (await ctx.org()).findAssetByUid(identity.uid);
    if (found?.id !== up.assetId)
      throw new StationError(
        'JOB_STEP_FAILED',
        `Read-back failed: the org ${found ? `has Asset ${found.id}` : 'has no Asset'} under external ID ${identity.uid}, expected ${up.assetId}.`,
        'Retry the job; if it repeats, check the Asset external ID field in the org (station settings).',
      );
    return {
      state: 'done',
      output: { assetId: up.assetId, from: 'org' },
      detail: `the binding stays in Salesforce: Asset ${up.assetId} found under external ID ${identity.uid}`,
    };
  }
  const got = await ctx.device.readAssetBinding({ signal: ctx.signal, timeoutMs: ASSET_IO_TIMEOUT_MS });
  const problems: string[] = [];
  if (!got) problems.push('the device reports no Asset binding');
  else {
    if (got.assetId !== up.assetId)
      problems.push(`Asset ID reads back as ${got.assetId}, expected ${up.assetId}`);
    if (got.orgId !== up.orgId) problems.push(`org ID reads back as ${got.orgId}, expected ${up.orgId}`);
    const token = heldAssetToken(ctx);
    if (token && got.assetToken !== token) problems.push('the asset token reads back different');
  }
  if (problems.length) {
    throw new StationError(
      'JOB_STEP_FAILED',
      `Read-back failed: ${problems.join('; ')}.`,
      'Retry the job; if it repeats, the device storage is faulty: set the device aside.',
    );
  }
  return { state: 'done', output: { assetId: up.assetId }, detail: `device reads back Asset ${up.assetId}` };
};
