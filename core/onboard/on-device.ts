/**
 * Onboarding's work on the device itself, after the QA verify checks passed and before the Asset is
 * marked Installed: the device is opened again and must still be the verified one (same UID, the
 * certificate the org's Asset registers); then, where the family allows, the asset-token exchange runs
 * with the INSTALLER's own Salesforce login as the subject (core/onboard/installer-login.ts;
 * docs/salesforce-wire.md §1.2: the device signs the actor token, the org registers the device to the
 * subject user), the token is validated as at provisioning (core/salesforce/asset-token-validate.ts),
 * and the token and any pending binding (a device that holds no Asset ID yet) are written and read back.
 * Every step the device's family cannot do is skipped with the reason, which the report shows.
 */
import crypto from 'node:crypto';
import type { DeviceIdentity, StationConfig, VerifyCheck } from '../../shared/domain';
import { StationError } from '../../shared/errors';
import type { DeviceDriver } from '../device';
import { assetTokenSupported } from '../salesforce/asset-token';
import { BINDING_IO_TIMEOUT_MS, writeDeviceBinding } from './device-binding';
import type { PersonalSession } from './installer-login';
import type { OnboardOrg } from './org';

/** Device SIGN of the actor token, ms (as at provisioning). */
const ACTOR_SIGN_TIMEOUT_MS = 30_000;

/** What the device work needs. */
export interface OnDeviceInput {
  /** The device, opened for onboarding (the caller closes it). */
  device: DeviceDriver;
  /** What the verify job established. */
  verified: { deviceUid: string; assetId: string; certFingerprint: string | undefined };
  /** The station org's Id (the binding's org ID; the installer must be logged in to the same org). */
  orgId: string;
  org: OnboardOrg;
  assetTokens: StationConfig['salesforce']['assetTokens'];
  /** The installer's own login, if they logged in to Salesforce. */
  subject: PersonalSession | undefined;
}

/** The outcome, as two report checks (`asset-token`, `binding`) and what was written. */
export interface OnDeviceResult {
  checks: [VerifyCheck, VerifyCheck];
  /** Salesforce User Id of the asset token's subject, when a token was issued. */
  tokenSubject?: string;
}

const done = (name: string, detail: string): VerifyCheck => ({ name, passed: true, detail });
const skipped = (name: string, why: string): VerifyCheck => ({
  name,
  passed: true,
  detail: `skipped: ${why}`,
});

/**
 * Re-checks the device, runs the installer's asset-token exchange where possible, writes the token and
 * any pending binding, and reads them back.
 * @throws StationError DEVICE_MISMATCH (another unit answered, or its certificate is not the registered
 *   one: nothing written), ORG_CONFIG (installer logged in to another org), ASSET_TOKEN_* / ORG_* (the
 *   exchange), JOB_STEP_FAILED (read-back differs), DEVICE_* (the link).
 */
export async function onboardOnDevice(i: OnDeviceInput): Promise<OnDeviceResult> {
  const { device, verified } = i;
  const o = { timeoutMs: BINDING_IO_TIMEOUT_MS };
  const identity = await device.identify(o);
  const chain = await device.readCertificateChain(o);
  const leafDer = chain[0];
  const fp = leafDer ? crypto.createHash('sha256').update(leafDer).digest('hex') : undefined;
  if (identity.uid !== verified.deviceUid || !fp || fp !== verified.certFingerprint)
    throw new StationError(
      'DEVICE_MISMATCH',
      `The unit on this bay is no longer the verified device ${verified.deviceUid}: it may have been swapped. Nothing was written.`,
      'Keep the device you want to install attached, and onboard it again from the start.',
    );

  const home = device.capabilities.assetBinding;
  const held = home.kind === 'device' ? await device.readAssetBinding(o) : undefined;
  if (held && held.assetId !== verified.assetId)
    throw new StationError(
      'DEVICE_MISMATCH',
      `The device holds Asset ID ${held.assetId}, but Salesforce registers it as Asset ${verified.assetId}. Nothing was written.`,
      'Do not install this unit. Return it to the factory and install a unit that passes.',
    );

  const leaf = new crypto.X509Certificate(Buffer.from(leafDer!));
  const token = await installerToken(i, identity, leaf);
  const pending = home.kind === 'device' && !held;

  let binding: VerifyCheck;
  if (home.kind === 'org') binding = skipped('binding', home.reason);
  else if (!token.token && !pending)
    binding = done('binding', `the device already holds Asset ID ${held!.assetId}`);
  else {
    const r = await writeDeviceBinding(
      device,
      { assetId: verified.assetId, orgId: i.orgId, ...(token.token ? { assetToken: token.token } : {}) },
      o,
    );
    binding = done('binding', `${pending ? 'pending binding: ' : ''}${r.detail}`);
  }
  return { checks: [token.check, binding], ...(token.subject ? { tokenSubject: token.subject } : {}) };
}

/** The installer's asset token, or the reason there is none. */
async function installerToken(
  i: OnDeviceInput,
  identity: DeviceIdentity,
  leaf: crypto.X509Certificate,
): Promise<{ check: VerifyCheck; token?: string; subject?: string }> {
  const skip = (why: string) => ({ check: skipped('asset-token', why) });
  if (!i.assetTokens.enabled) return skip('asset tokens are disabled in the station settings');
  const actor = i.device.capabilities.actorToken;
  if (!actor.ok) return skip(actor.reason);
  if (!identity.capabilities.assetToken)
    return skip(`${identity.model} firmware does not store asset tokens`);
  const alg = leaf.publicKey.asymmetricKeyType === 'rsa' ? 'RSA' : String(leaf.publicKey.asymmetricKeyType);
  if (!assetTokenSupported(alg))
    return skip(
      `the device key is ${alg.toUpperCase()}: Salesforce asset tokens need an RSA device key (actor tokens are RS256 only)`,
    );
  if (!i.subject)
    return skip(
      'you did not log in to Salesforce as yourself, so the device keeps the token from the factory',
    );
  if (i.subject.orgId.slice(0, 15) !== i.orgId.slice(0, 15))
    throw new StationError(
      'ORG_CONFIG',
      `You are logged in to another Salesforce org (${i.subject.orgId}) than the station (${i.orgId}). Nothing was written.`,
      "Log in to Salesforce again as yourself, with your account in the station's org.",
    );
  if (!i.org.issueAssetTokenAs)
    return skip('this Salesforce connection cannot exchange an asset token for you');
  const r = await i.org.issueAssetTokenAs(i.subject, {
    deviceUid: i.verified.deviceUid,
    assetId: i.verified.assetId,
    name: `${identity.model} ${identity.uid}`,
    publicKeySpki: new Uint8Array(leaf.publicKey.export({ type: 'spki', format: 'der' })),
    sign: (input) => i.device.sign(input, 'RS256', { timeoutMs: ACTOR_SIGN_TIMEOUT_MS }),
  });
  const who = i.subject.username ?? i.subject.userId;
  return {
    check: done('asset-token', `asset token issued to ${who} and validated (expires in ${r.expiresIn} s)`),
    token: r.assetToken,
    subject: i.subject.userId,
  };
}
