/**
 * Provisioning steps in the org: `upsert-asset` (the Asset keyed by the device UID as external ID, so
 * a retry never duplicates it; before the certificate goes onto the device) and `asset-token` (the OAuth 2.0 asset token, with the device signing
 * its own actor token; kept in memory only, never journaled).
 */
import { StationError } from '../../../shared/errors';
import { assetTokenCapable, type PkiPort } from '../../bays/ports';
import { orgCloneCheck } from './certificate';
import { need, unb64, type StepFn, type StepResult } from './context';
import type { AssetTokenOut, ProvisionOutputs } from './outputs';

type P = ProvisionOutputs;

/** Device SIGN of the actor token, ms. */
const ACTOR_SIGN_TIMEOUT_MS = 30_000;

/**
 * Creates or updates the device's Asset with the certificate facts — before anything reaches the device:
 * where the org enforces the identity rules, this is where it refuses a clone or an unapproved key change
 * (issue 18). A refused identity's certificate is revoked at once (it never left the station).
 * @throws StationError CERT_REVOKED (this job's certificate was revoked: the job is quarantined),
 *   CLONE_SUSPECTED / REPROVISION_REQUIRED (certificate revoked), the org's errors as they come
 */
export const upsertAsset: StepFn<P, 'upsert-asset'> = async (ctx) => {
  const { identity } = need(ctx, 'identify');
  const cert = need(ctx, 'sign');
  const pki = await ctx.pki();
  const revoked = pki.revocation(cert.serial);
  if (revoked) {
    throw new StationError(
      'CERT_REVOKED',
      `The certificate signed for this job (${cert.serial}) was revoked on ${revoked.revokedAt.slice(0, 10)} (${revoked.reason}), so it will not be registered or installed; it never left the station.`,
      'Set the device aside and report it to security. An admin can give it a new identity with a re-provision (a new job: the device generates a new key pair).',
      { serial: cert.serial, reason: revoked.reason },
    );
  }
  const org = await ctx.org();
  try {
    if (need(ctx, 'policy').orgCheckDeferred && !(await org.identityRules()).enforced)
      await orgCloneCheck(ctx, identity.uid, cert.keyFingerprint);
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
  } catch (e) {
    if (e instanceof StationError && (e.code === 'CLONE_SUSPECTED' || e.code === 'REPROVISION_REQUIRED'))
      throw await revokeRefused(pki, cert.serial, e);
    throw e;
  }
};

/**
 * Revocation reasons (RFC 5280 §5.3.1) of a certificate whose identity the org refused: keyCompromise for
 * a clone (the key is on two devices: the CA never certifies it again, pki/ca-issue.ts); for a registered
 * UID presenting another key, cessationOfOperation — the certificate will never be used, and nothing shows
 * the key itself leaked (a device reset without approval keeps its key usable for an admin's re-provision).
 */
const REFUSAL_REASON = {
  CLONE_SUSPECTED: 'keyCompromise',
  REPROVISION_REQUIRED: 'cessationOfOperation',
} as const;

/**
 * Revokes the job's certificate at once after the org refused its identity, and returns the refusal
 * extended: the certificate was revoked (or, if even recording failed, how to revoke it) and never left
 * the station, no Asset exists, nothing was written to the device.
 */
async function revokeRefused(
  pki: PkiPort,
  serial: string,
  e: StationError,
): Promise<StationError> {
  const reason = REFUSAL_REASON[e.code as keyof typeof REFUSAL_REASON];
  const note = `Salesforce refused the identity: ${e.message}`.slice(0, 500);
  let revokedNote = `Certificate ${serial} was revoked at once (${reason}) and never left the station`;
  try {
    await pki.revoke(serial, reason, note);
  } catch (err) {
    // the revocation may be recorded while its CRL could not be signed (HSM away): say which
    revokedNote = pki.revocation(serial)
      ? `Certificate ${serial} was revoked (${reason}; the CRL is published later: asset-station ca crl) and never left the station`
      : `Certificate ${serial} never left the station but could not be revoked (${(err as Error).message}): revoke it with asset-station ca revoke ${serial} --reason ${reason}`;
  }
  return new StationError(
    e.code,
    `${e.message} ${revokedNote}; no Asset was created and nothing was written to the device.`,
    e.remedy,
    { ...e.details, certSerial: serial, revoked: reason },
  );
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
