/**
 * Provisioning steps in the org: `upsert-asset` (the Asset keyed by the device UID as external ID, so
 * a retry never duplicates it) and `asset-token` (the OAuth 2.0 asset token, with the device signing
 * its own actor token; kept in memory only, never journaled).
 */
import { StationError } from '../../../shared/errors';
import { assetTokenCapable } from '../../bays/ports';
import { orgCloneCheck } from './certificate';
import { need, unb64, type StepFn, type StepResult } from './context';
import type { AssetTokenOut, ProvisionOutputs } from './outputs';

type P = ProvisionOutputs;

/** Device SIGN of the actor token, ms. */
const ACTOR_SIGN_TIMEOUT_MS = 30_000;

/** Creates or updates the device's Asset with the certificate facts. */
export const upsertAsset: StepFn<P, 'upsert-asset'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const cert = need(ctx, 'sign');
  if (need(ctx, 'policy').orgCheckDeferred) await deferredCloneCheck(ctx, identity.uid, cert);
  const org = await ctx.org();
  const r = await org.upsertAsset({
    deviceUid: identity.uid,
    model: identity.model,
    firmware: identity.firmware,
    certSerial: cert.serial,
    certFingerprint: cert.fingerprint,
    keyFingerprint: cert.keyFingerprint,
    notAfter: cert.notAfter,
    stationId: ctx.job.stationId,
    provisionedBy: ctx.operator,
    provisionedAt: new Date().toISOString(),
    // the org's validation rule lets an Asset's key change only on an admin-approved re-provision
    keyChangeApproved: ctx.job.reprovision,
    ...(ctx.job.inputs.accountId ? { accountId: ctx.job.inputs.accountId } : {}),
    ...(ctx.job.inputs.contactId ? { contactId: ctx.job.inputs.contactId } : {}),
  });
  return {
    state: 'done',
    output: { assetId: r.id, created: r.created, orgId: org.orgId },
    detail: `Asset ${r.id} ${r.created ? 'created' : 'updated'}`,
    summary: { assetId: r.id, orgUser: org.username, orgId: org.orgId },
  };
};

/**
 * The org clone check the policy step could not do while Salesforce was out of reach: done before the
 * Asset exists, so a clone found now gets no Asset. Its certificate was issued meanwhile: the error
 * says to revoke it.
 * @throws StationError CLONE_SUSPECTED, REPROVISION_REQUIRED (remedy extended); the org's errors as they come.
 */
async function deferredCloneCheck(
  ctx: Parameters<StepFn<P, 'upsert-asset'>>[0],
  uid: string,
  cert: { serial: string; keyFingerprint: string },
): Promise<void> {
  try {
    await orgCloneCheck(ctx, uid, cert.keyFingerprint);
  } catch (e) {
    if (!(e instanceof StationError) || (e.code !== 'CLONE_SUSPECTED' && e.code !== 'REPROVISION_REQUIRED'))
      throw e;
    throw new StationError(
      e.code,
      `${e.message} (found when Salesforce answered again, after certificate ${cert.serial} was issued)`,
      `${e.remedy} Revoke certificate ${cert.serial} (asset-station ca revoke ${cert.serial} --reason keyCompromise); no Asset was created for this device.`,
      { ...e.details, certSerial: cert.serial },
    );
  }
}

/**
 * Requests and validates an asset token for an RSA device whose firmware stores one; skipped (with
 * the reason) otherwise. The token goes to `ctx.memory`, never to the journal.
 */
export const assetToken: StepFn<P, 'asset-token'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const key = need(ctx, 'keygen');
  const up = need(ctx, 'upsert-asset');
  const skip = (reason: string, mark: 'skipped' | 'disabled'): StepResult<AssetTokenOut> => ({
    state: 'skipped',
    output: { reason },
    detail: reason,
    summary: { assetToken: mark },
  });
  if (!ctx.config.salesforce.assetTokens.enabled)
    return skip('asset tokens are disabled in the station settings', 'disabled');
  const actor = ctx.device.capabilities.actorToken;
  if (!actor.ok) return skip(actor.reason, 'skipped');
  if (!identity.capabilities.assetToken)
    return skip(`${identity.model} firmware does not store asset tokens`, 'skipped');
  if (!assetTokenCapable(key.algorithm)) {
    // docs/salesforce-wire.md §1.3: RS256 is the only actor-token algorithm with any
    // documentary support; an EC key would likely be rejected by the org.
    return skip(
      `device key is ${key.algorithm}: Salesforce asset tokens need an RSA device key (actor tokens are RS256 only), so none was requested`,
      'skipped',
    );
  }
  const org = await ctx.org();
  const r = await org.issueAssetToken({
    deviceUid: identity.uid,
    assetId: up.assetId,
    name: `${identity.model} ${identity.uid}`,
    publicKeySpki: unb64(key.spki),
    sign: (input) =>
      ctx.device.sign(input, 'RS256', { signal: ctx.signal, timeoutMs: ACTOR_SIGN_TIMEOUT_MS }),
  });
  ctx.memory.assetToken = {
    token: r.assetToken,
    jobId: ctx.job.id,
    uid: identity.uid,
    keyFingerprint: key.keyFingerprint,
  };
  return {
    state: 'done',
    output: { expiresIn: r.expiresIn, ...(r.jti ? { jti: r.jti } : {}) },
    detail: `asset token issued and validated (expires in ${r.expiresIn} s)`,
    summary: { assetToken: 'issued' },
  };
};
